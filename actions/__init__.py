"""Custom actions run by the rasa-sdk action server (`rasa run actions`)."""
from bot.settings import settings

# Read the configuration when the server starts, so a wrong STAFF_SCHEDULE or CRISIS_LINES
# stops it at once instead of failing the first person who asks for help.
settings()
