from . import api_input, roles, seasons, settings, sql, vin, work_time
