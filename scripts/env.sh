# Defaults for the environment the Rasa and action servers read; sourced by the
# Makefile's recipes and scripts/run_stack.sh. Anything already set wins (README table).
set -a
[ -f .env ] && . ./.env
RASA_PORT="${RASA_PORT:-5005}"
ACTION_PORT="${ACTION_PORT:-5055}"
WEB_PORT="${WEB_PORT:-8000}"
ACTION_SERVER_URL="${ACTION_SERVER_URL:-http://127.0.0.1:${ACTION_PORT}/webhook}"
TRACKER_SQLITE_PATH="${TRACKER_SQLITE_PATH:-var/rasa_tracker.db}"
RASA_ENDPOINTS="${RASA_ENDPOINTS:-endpoints.yml}"
# credentials.production.yml for a live deployment: no REST channel.
RASA_CREDENTIALS="${RASA_CREDENTIALS:-credentials.yml}"
# Keep Rasa from phoning home and TensorFlow quiet; this machine has no internet.
RASA_TELEMETRY_ENABLED=false
TF_CPP_MIN_LOG_LEVEL=2
set +a
