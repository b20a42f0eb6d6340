from . import portal_booking, portal_status
