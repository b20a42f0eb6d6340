from . import telegram
