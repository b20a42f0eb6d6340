from . import test_capacity
