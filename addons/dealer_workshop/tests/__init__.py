from . import test_capacity
from . import test_repair_status
