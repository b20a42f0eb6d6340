from . import api_input, roles, seasons, settings, sql, tokens, vin, work_time
