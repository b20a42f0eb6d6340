from . import dealer_call_outcome_wizard
