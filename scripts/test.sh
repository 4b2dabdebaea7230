#!/usr/bin/env bash
# `make test`: the whole suite in two pytest processes side by side, to keep it well inside 15 minutes on 2 cores.
# - the browser and multi-worker tests (one production server per checkout at a time) in the foreground;
# - everything else (unit, API, migrations, PostgreSQL, Redis, LLM, TWS, Teams…) in the background, spread over
#   pytest-xdist workers, its output in test-results/suite-services.log and printed when both are done.
# Extra pytest arguments ("$@", from PYTEST_ARGS) go to both; a side with nothing selected does not fail the run.
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
mkdir -p test-results
LOG=test-results/suite-services.log
# The rest in RESYNC_TEST_WORKERS pytest-xdist workers (default 3): most of its time is waiting (child processes,
# servers, provider timeouts), not CPU. A module's tests share a worker, and so do all Redis tests (tests/conftest.py).
python -m pytest -m "not browser and not cluster" -n "${RESYNC_TEST_WORKERS:-3}" --dist loadgroup "$@" >"$LOG" 2>&1 &
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
