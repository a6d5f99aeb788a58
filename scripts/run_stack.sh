#!/usr/bin/env bash
# Starts the action server, the Rasa server (REST + socket.io, HTTP API with a token)
# and the web app (staff console) on the SQLite stores under var/. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
mkdir -p var

if [ -z "${RASA_API_TOKEN:-}" ]; then
  # A secret is never committed: make one for this machine and keep it private.
  if [ ! -s var/rasa_api_token ]; then
    (umask 077; .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(32))' > var/rasa_api_token)
  fi
  RASA_API_TOKEN="$(cat var/rasa_api_token)"
  export RASA_API_TOKEN
  echo "RASA_API_TOKEN not set: using the token in var/rasa_api_token"
fi

# Stored data is brought up to this version before any server reads it.
.venv/bin/python -m bot migrate

pids=()
stop() {
  trap - INT TERM EXIT
  echo "Stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop INT TERM EXIT

.venv/bin/rasa run actions --actions actions --port "$ACTION_PORT" &
pids+=($!)
# bot.rasa_side.server is `rasa` with the crisis safety net kept alive during a handoff.
.venv/bin/python -m bot.rasa_side.server run --enable-api --auth-token "$RASA_API_TOKEN" --cors "*" \
  --port "$RASA_PORT" --endpoints "$RASA_ENDPOINTS" --credentials credentials.yml \
  --model models/current.tar.gz &
pids+=($!)
.venv/bin/python -m bot web &
pids+=($!)
echo "Demo page with the chat widget: http://localhost:${WEB_PORT}/"
echo "Staff console on http://localhost:${WEB_PORT}/staff (create an account: .venv/bin/python -m bot staff add-user EMAIL --admin)"
echo "Rasa server on :$RASA_PORT (REST /webhooks/rest/webhook, socket.io), actions on :$ACTION_PORT"
wait -n
