"""The metrics tests run at a fixed instant (the budget clock that "today" follows), never near a real midnight."""

from __future__ import annotations

import pytest

from tests.support.metrics_seed import NOW


@pytest.fixture
def fixed_clock(monkeypatch):
    from resync_app.llm import budget

    monkeypatch.setattr(budget, "clock", lambda: NOW)
    return NOW
