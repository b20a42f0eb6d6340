from . import telegram
from . import tracking
from . import unsubscribe
