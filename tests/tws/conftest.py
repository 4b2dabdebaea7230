"""Fixtures of the TWS tests: the bundled HWA simulator, in-process on a free loopback port.

`simulator` is a started `resync_app.tws_simulator.simulator.Simulator` with a manual clock (tests never sleep:
`sim.advance(minutes=5)`, `sim.run_until(lambda s: …)`), a small deterministic plan that starts at midnight (nothing
has run yet) and no random abends, stuck or late jobs and no flapping, so a test scripts exactly what it needs.
The handle gives `base_url`, `username`, `password`, `connection(**overrides)` (a client Connection with short
timeouts) and the control API (`script_job`, `unlink`/`link`/`set_offline`, `set_rates`, `set_latency`, `fail`,
`answer_badly`, `go_down`/`come_up`, `find_jobs`, `job_info`, `state`, `requests`).
`simulator_factory(**options)` starts others (e.g. `jobs=1500`, rates); all are stopped after the test.
`hwa_client` is an open HWAClient on `simulator`.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from resync_app.tws.client import HWAClient
from resync_app.tws_simulator.simulator import Simulator

SIM_START = datetime(2026, 3, 2, tzinfo=timezone.utc)  # a Monday at 00:00 UTC: the plan has not started
QUIET = {"abend_rate": 0.0, "stuck_rate": 0.0, "late_rate": 0.0, "flap_rate": 0.0}


@pytest.fixture
def simulator_factory():
    started: list[Simulator] = []

    def make(**options) -> Simulator:
        values = {"jobs": 120, "seed": 7, "start": SIM_START, **QUIET}
        values.update(options)
        sim = Simulator(**values).start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


@pytest.fixture
def simulator(simulator_factory) -> Simulator:
    return simulator_factory()


@pytest.fixture
async def hwa_client(simulator):
    async with HWAClient(simulator.connection()) as client:
        yield client
