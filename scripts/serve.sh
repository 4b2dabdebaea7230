#!/usr/bin/env bash
# Migrate, ensure the first admin, build the frontend and serve UI + API on one port ($RESYNC_HOST:$RESYNC_PORT).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
python -m resync_app migrate
python -m resync_app ensure-admin
exec reflex run --env prod --single-port --backend-host "$RESYNC_HOST" --backend-port "$RESYNC_PORT" \
  --loglevel "${RESYNC_REFLEX_LOGLEVEL:-info}"
