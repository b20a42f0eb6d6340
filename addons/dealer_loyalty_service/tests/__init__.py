from . import test_reminder_booking, test_reminder_opportunity
