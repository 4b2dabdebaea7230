#!/usr/bin/env bash
# Migrate, ensure the first admin, start the bundled TWS simulator, build the frontend and serve UI + API on one
# port ($RESYNC_HOST:$RESYNC_PORT).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
python -m resync_app migrate
python -m resync_app ensure-admin
if [ "${RESYNC_TWS_SIMULATOR:-1}" != "0" ]; then
  # Detached HWA simulator on 127.0.0.1:${RESYNC_TWS_SIMULATOR_PORT:-31116}; it exits when this process (the
  # server, after exec) is gone, and a leftover of ours on the port is replaced. Never fatal for the server.
  python -m resync_app.tws_simulator --background --host 127.0.0.1 \
    --port "${RESYNC_TWS_SIMULATOR_PORT:-31116}" --parent-pid $$ || echo "TWS simulator not started" >&2
fi
exec reflex run --env prod --single-port --backend-host "$RESYNC_HOST" --backend-port "$RESYNC_PORT" \
  --loglevel "${RESYNC_REFLEX_LOGLEVEL:-info}"
