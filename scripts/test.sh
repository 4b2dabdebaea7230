#!/usr/bin/env bash
# `make test`: the whole suite in two pytest processes side by side, to keep it well inside 15 minutes on 2 cores.
# - the browser and multi-worker tests (one production server per checkout at a time) in the foreground;
# - everything else (unit, API, migrations, PostgreSQL, Redis, LLM, TWS, Teams…) in the background, its output in
#   test-results/suite-services.log and printed when both are done.
# Extra pytest arguments ("$@", from PYTEST_ARGS) go to both; a side with nothing selected does not fail the run.
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
mkdir -p test-results
LOG=test-results/suite-services.log
# RESYNC_TEST_WORKERS=N (N > 1) spreads the rest over N pytest-xdist workers (a module's tests share a worker, and so
# do all Redis tests: tests/conftest.py). Off by default: the browser half is the longer one, so the wall time barely
# moves, and one Redis lockout race failed once under it (docs/running-and-testing.md).
XDIST=()
if [ "${RESYNC_TEST_WORKERS:-1}" -gt 1 ] 2>/dev/null; then XDIST=(-n "$RESYNC_TEST_WORKERS" --dist loadgroup); fi
python -m pytest -m "not browser and not cluster" "${XDIST[@]}" "$@" >"$LOG" 2>&1 &
SERVICES=$!
trap 'kill $SERVICES 2>/dev/null' INT TERM
echo "== browser and multi-worker tests (the other tests run alongside: $LOG)"
python -m pytest -m "browser or cluster" "$@"
BROWSER=$?
wait $SERVICES
OTHERS=$?
echo
echo "== unit, API, migrations, PostgreSQL, Redis, LLM, TWS, Teams, operator tests ($LOG)"
cat "$LOG"
# pytest exits 5 when a selection holds no test (e.g. PYTEST_ARGS=tests/unit): fine if the other side ran
if [ $BROWSER -eq 5 ] && [ $OTHERS -ne 5 ]; then BROWSER=0; fi
if [ $OTHERS -eq 5 ] && [ $BROWSER -ne 5 ]; then OTHERS=0; fi
echo "== browser + cluster: exit $BROWSER; the rest: exit $OTHERS"
[ $BROWSER -eq 0 ] && [ $OTHERS -eq 0 ]
