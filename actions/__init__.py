"""Custom actions run by the rasa-sdk action server (`rasa run actions`)."""
from actions import settings as _deployment

# Read the configuration when the server starts, so a wrong STAFF_SCHEDULE or CRISIS_LINES
# stops it at once instead of failing the first person who asks for help.
_deployment.settings()
