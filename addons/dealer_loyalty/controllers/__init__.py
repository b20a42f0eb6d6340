from . import telegram
from . import tracking
