#!/usr/bin/env bash
# Migrate, ensure the first admin, start the bundled TWS simulator, build the frontend and serve UI + API on one
# port ($RESYNC_HOST:$RESYNC_PORT).
#
# Workers: with RESYNC_REDIS_URL set, RESYNC_WORKERS backend workers (default: the CPU count); without Redis
# always 1 (Reflex keeps its per-tab state on local disk then, which workers cannot share).
# RESYNC_BACKEND_ONLY=1 serves the API and the event websocket without building the frontend (API nodes, tests).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

if [ -n "${RESYNC_REDIS_URL:-}" ]; then
  WORKERS="${RESYNC_WORKERS:-$(nproc 2>/dev/null || echo 1)}"
else
  if [ -n "${RESYNC_WORKERS:-}" ] && [ "${RESYNC_WORKERS}" != "1" ]; then
    echo "resync: RESYNC_WORKERS=${RESYNC_WORKERS} ignored: without RESYNC_REDIS_URL only 1 worker can run" >&2
  fi
  WORKERS=1
fi
case "$WORKERS" in ''|*[!0-9]*|0) echo "resync: RESYNC_WORKERS must be a positive integer" >&2; exit 2;; esac
export GRANIAN_WORKERS="$WORKERS" RESYNC_WORKERS="$WORKERS"

# Prometheus multi-process mode: every worker writes its samples here; emptied at each start.
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$RESYNC_DATA_DIR/prometheus}"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
find "$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -name '*.db' -delete

python -m resync_app migrate
python -m resync_app ensure-admin
if [ "${RESYNC_TWS_SIMULATOR:-1}" != "0" ]; then
  # Detached HWA simulator on 127.0.0.1:${RESYNC_TWS_SIMULATOR_PORT:-31116}; it exits when this process (the
  # server, after exec) is gone, and a leftover of ours on the port is replaced. Never fatal for the server.
  python -m resync_app.tws_simulator --background --host 127.0.0.1 \
    --port "${RESYNC_TWS_SIMULATOR_PORT:-31116}" --parent-pid $$ || echo "TWS simulator not started" >&2
  # Past runs of the simulator's jobs (RESYNC_TWS_SIMULATOR_DAYS days, default 7; 0: none) for the deadline
  # prediction to learn from, once: an instance that already has run history is left alone.
  if [ "${RESYNC_TWS_SIMULATOR_DAYS:-7}" != "0" ]; then
    python -m resync_app.prediction.backfill --instance simulator --days "${RESYNC_TWS_SIMULATOR_DAYS:-7}" \
      --if-empty || echo "TWS simulator history not back-filled" >&2
  fi
fi
echo "resync: serving with $WORKERS worker(s) on $RESYNC_HOST:$RESYNC_PORT" >&2
if [ "${RESYNC_BACKEND_ONLY:-0}" = "1" ]; then
  exec reflex run --env prod --backend-only --backend-host "$RESYNC_HOST" --backend-port "$RESYNC_PORT" \
    --loglevel "${RESYNC_REFLEX_LOGLEVEL:-info}"
fi
exec reflex run --env prod --single-port --backend-host "$RESYNC_HOST" --backend-port "$RESYNC_PORT" \
  --loglevel "${RESYNC_REFLEX_LOGLEVEL:-info}"
