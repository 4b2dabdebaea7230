"""The realtime "Jobs per status today" chart labels each tick once, whatever span the day's polls cover (issue 19:
with little history Plotly chose ticks seconds apart and printed `22:04, 22:04, 22:05, 22:05, 22:05`)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from resync_app.components import charts

START = datetime(2025, 3, 4, 22, 4, tzinfo=timezone.utc)


def _polls(minutes: list[int]) -> list[dict]:
    return [{"at": (START.replace(hour=0, minute=0) + timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%MZ"),
             "running": 3, "completed": m, "failed": 1, "pending": 5, "late": 0, "stuck": 0} for m in minutes]


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=timezone.utc)


def tick_labels(fig) -> list[str]:
    """The labels Plotly draws for a date axis with `tick0`/`dtick` (ms) inside `range`, formatted as `tickformat`."""
    axis = fig.layout.xaxis
    assert axis.dtick is not None and axis.range is not None, "the axis leaves the ticks to Plotly"
    low, high = (_parse(v) for v in axis.range)
    step = timedelta(milliseconds=float(axis.dtick))
    tick = _parse(axis.tick0)
    tick += step * max(0, int((low - tick) / step))
    labels = []
    while tick <= high:
        if tick >= low:
            labels.append(tick.strftime(axis.tickformat))
        tick += step
    return labels


@pytest.mark.parametrize("minutes", [[22 * 60 + 4], [22 * 60 + 4, 22 * 60 + 5], [600, 610, 620],
                                     list(range(0, 190, 10)), list(range(300, 1330, 10)), list(range(0, 1440, 10))],
                         ids=["one poll", "two polls a minute apart", "20 minutes", "3 hours", "17 hours",
                              "a whole day"])
def test_each_tick_label_is_shown_once(minutes):
    fig = charts.jobs_per_status(_polls(minutes))
    labels = tick_labels(fig)
    assert 2 <= len(labels) <= charts.MAX_TIME_TICKS, labels
    assert len(set(labels)) == len(labels), labels
    assert float(fig.layout.xaxis.dtick) % 60_000 == 0  # whole minutes: "%H:%M" can tell every tick apart
    first, last = _parse(_polls(minutes)[0]["at"]), _parse(_polls(minutes)[-1]["at"])
    low, high = (_parse(v) for v in fig.layout.xaxis.range)
    assert low <= first and last <= high  # every point is on the chart
    assert (high - low) <= max(last - first, timedelta(minutes=charts.MIN_TIME_SPAN_MIN)) * 1.2


def test_no_poll_yet_says_so():
    fig = charts.jobs_per_status([])
    assert fig.layout.annotations[0].text == "No poll yet today"
