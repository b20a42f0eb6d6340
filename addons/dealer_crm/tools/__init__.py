from . import api_input, roles, seasons, settings, sql, tokens, translated, vin, work_time
