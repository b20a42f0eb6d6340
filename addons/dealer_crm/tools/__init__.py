from . import api_input, roles, vin
