"""The metrics page's handlers are operator reads (closed to anonymous clients with RESYNC_OPERATOR_LOGIN=required)
and its browser-visible state is display figures only."""

from __future__ import annotations

import resync_app.resync_app  # noqa: F401  (the app registers every state)
from resync_app.state.metrics_dashboard import MetricsDashboardState


def test_every_handler_is_an_operator_read():
    own = {name: h for name, h in MetricsDashboardState.event_handlers.items() if name != "setvar"}
    assert set(own) == {"load", "set_days", "refresh", "watch"}
    assert all(getattr(h.fn, "_resync_operator_read_event", False) for h in own.values())


def test_the_browser_gets_figures_and_labels_only():
    sent = set(MetricsDashboardState.base_vars)
    assert sent == {"days", "window_label", "updated_at", "unavailable", "figures", "requests_fig", "usage_fig",
                    "latency_fig", "rates_fig", "chat_fig", "polls_fig", "events_fig"}
