from . import dealer_funnel_export
