from . import test_reminder_booking
