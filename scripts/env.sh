# Environment shared by `make run`, `make test` and CI (sourced, not executed).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/.tools/node_modules/.bin:$ROOT/.venv/bin:$PATH"
export REFLEX_USE_SYSTEM_BUN=1
export REFLEX_TELEMETRY_ENABLED=false
export REFLEX_CHECK_LATEST_VERSION=false
export LITELLM_LOCAL_MODEL_COST_MAP=True
export PYTHONDONTWRITEBYTECODE=1
# Bun (the JS runtime Reflex uses) reads NPM_CONFIG_REGISTRY: hand it the registry npm is configured with, and
# nothing when npm has none (no fixed fallback URL: the machine's own configuration decides).
if [ -z "${NPM_CONFIG_REGISTRY:-}" ] && command -v npm >/dev/null 2>&1; then
  _resync_registry="$(npm config get registry 2>/dev/null || true)"
  if [ -n "$_resync_registry" ] && [ "$_resync_registry" != "undefined" ]; then
    export NPM_CONFIG_REGISTRY="$_resync_registry"
  fi
  unset _resync_registry
fi
export RESYNC_HOST="${RESYNC_HOST:-127.0.0.1}"
export RESYNC_PORT="${RESYNC_PORT:-8000}"
export RESYNC_DATA_DIR="${RESYNC_DATA_DIR:-$ROOT/data}"
