from . import api_input, checks, marks, roles, seasons, settings, sql, system_fields, tokens, translated, vin, work_time
