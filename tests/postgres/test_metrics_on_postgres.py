"""The operators' metrics summary on PostgreSQL: the same seeded rows give the same hand-computed figures
(CASE day buckets, window-function percentiles and rollup sums as PostgreSQL runs them)."""

from __future__ import annotations

from resync_app.reports import metrics
from tests.support import metrics_seed
from tests.support.metrics_seed import fixed_clock  # noqa: F401 (fixture)


def test_seeded_figures_on_postgresql(clean_db, fixed_clock):
    from resync_app.db import get_engine

    assert get_engine().dialect.name == "postgresql"
    metrics_seed.seed()
    metrics_seed.check(metrics.summary(7))
    assert metrics.summary(8)["llm"]["totals"]["requests"] == 7


def test_metrics_api_on_postgresql(api, fixed_clock):
    metrics_seed.seed()
    response = api.get("/api/v1/metrics/summary", params={"days": 7})
    assert response.status_code == 200, response.text
    metrics_seed.check(response.json())
    assert api.get("/api/v1/metrics/summary", params={"days": 91}).status_code == 422
