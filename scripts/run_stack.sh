#!/usr/bin/env bash
# Starts the action server, the Rasa server (REST + socket.io, HTTP API with a token)
# and the web app (staff console) on the SQLite stores under var/, each restarted when it
# dies. Ctrl-C (or SIGTERM) stops all three.
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

# Each server runs under its own supervisor loop: when it dies it is started again (after
# 1 s, doubling up to 30 s while it keeps dying young), so one crash never takes the
# others down, and the crisis net (in the Rasa server) is back on its own. Each server's
# pid is in $STACK_RUN_DIR (var/run) for whoever needs to find it.
RUN_DIR="${STACK_RUN_DIR:-var/run}"
mkdir -p "$RUN_DIR"
supervise() {
  local name="$1"; shift
  local delay=1 child="" started code
  trap '[ -n "$child" ] && kill "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0' TERM INT
  while true; do
    started=$SECONDS
    "$@" &
    child=$!
    echo "$child" > "$RUN_DIR/$name.pid"
    code=0
    wait "$child" || code=$?
    echo "[supervisor] $name stopped (exit code $code); starting it again in ${delay}s" >&2
    sleep "$delay" &
    wait $! || true
    if (( SECONDS - started > 60 )); then delay=1; else delay=$(( delay * 2 > 30 ? 30 : delay * 2 )); fi
  done
}

pids=()
stop() {
  trap - INT TERM EXIT
  echo "Stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop INT TERM EXIT

# Every server listens on BIND_HOST only (loopback unless set): in production a reverse
# proxy in front (deploy/) is the only way in, and the action server and Rasa's HTTP API
# stay private. RASA_CORS_ORIGINS: the sites that embed the widget (socket.io polling).
BIND_HOST="${BIND_HOST:-127.0.0.1}"
RASA_CORS_ORIGINS="${RASA_CORS_ORIGINS:-*}"
# rasa-sdk 3.6 takes its interface from SANIC_HOST only.
SANIC_HOST="$BIND_HOST" supervise actions .venv/bin/rasa run actions --actions actions --port "$ACTION_PORT" &
pids+=($!)
# bot.rasa_side.server is `rasa` with the crisis safety net kept alive during a handoff.
supervise rasa .venv/bin/python -m bot.rasa_side.server run --enable-api --auth-token "$RASA_API_TOKEN" --cors "$RASA_CORS_ORIGINS" \
  --interface "$BIND_HOST" --port "$RASA_PORT" --endpoints "$RASA_ENDPOINTS" --credentials "$RASA_CREDENTIALS" \
  --model models/current.tar.gz &
pids+=($!)
supervise web .venv/bin/python -m bot web --host "$BIND_HOST" &
pids+=($!)
echo "Demo page with the chat widget: http://localhost:${WEB_PORT}/"
echo "Staff console on http://localhost:${WEB_PORT}/staff (create an account: .venv/bin/python -m bot staff add-user EMAIL --admin)"
echo "Rasa server on :$RASA_PORT (REST /webhooks/rest/webhook, socket.io), actions on :$ACTION_PORT"
wait
