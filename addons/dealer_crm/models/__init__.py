from . import dealer_vehicle_brand
from . import dealer_vehicle_model
from . import dealer_vehicle
from . import dealer_vehicle_odometer
from . import dealer_visit
from . import dealer_visit_line
