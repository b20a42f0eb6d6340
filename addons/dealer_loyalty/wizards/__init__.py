from . import dealer_call_outcome_wizard, mail_compose_message, sms_composer
