from . import api_input, vin
