from . import api_input, roles, seasons, settings, vin, work_time
