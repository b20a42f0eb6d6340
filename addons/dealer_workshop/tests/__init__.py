from . import (
    test_booking_page,
    test_booking_tour,
    test_capacity,
    test_pacing,
    test_personal_links,
    test_reminder_links,
    test_repair_status,
    test_status_notices,
)
