#!/usr/bin/env bash
# One-time set-up, repeated cheaply: Python venv + requirements, a JS runtime Reflex accepts (bun from npm).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
if [ ! -f .venv/.requirements.stamp ] || ! cmp -s requirements.txt .venv/.requirements.stamp; then
  .venv/bin/pip install --disable-pip-version-check -q -r requirements.txt
  cp requirements.txt .venv/.requirements.stamp
fi
BUN_VERSION=1.4.4
if [ "$(.tools/node_modules/.bin/bun --version 2>/dev/null)" != "$BUN_VERSION" ]; then
  mkdir -p .tools
  npm install --prefix .tools --no-save --no-audit --no-fund "bun@$BUN_VERSION" >/dev/null
fi
