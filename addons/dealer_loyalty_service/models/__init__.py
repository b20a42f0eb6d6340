from . import crm_lead
from . import dealer_campaign
from . import dealer_campaign_enrolment
from . import dealer_dispatch
from . import dealer_vehicle
