from . import dealer_workshop_load
