from . import telegram, tracking, unsubscribe
