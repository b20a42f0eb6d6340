from . import api_input, roles, seasons, settings, sql, system_fields, tokens, translated, vin, work_time
