from . import test_capacity
from . import test_repair_status
from . import test_booking_page
from . import test_booking_tour
from . import test_reminder_links
from . import test_pacing
