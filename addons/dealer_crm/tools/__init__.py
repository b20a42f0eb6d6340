from . import api_input, roles, settings, vin
