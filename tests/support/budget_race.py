"""Concurrent admissions from several `BudgetGuard`s (as several workers have) against one shared store."""

from __future__ import annotations

import threading
import uuid

from resync_app.llm.budget import BudgetExceeded, BudgetGuard


def race(guards: list[BudgetGuard], calls_per_guard: int, estimate: float) -> tuple[int, int]:
    """Every guard admits `calls_per_guard` calls of `estimate` at once; returns (admitted, refused)."""
    admitted, refused = [0], [0]
    lock = threading.Lock()
    start = threading.Barrier(len(guards) * calls_per_guard)

    def one(guard: BudgetGuard) -> None:
        start.wait()
        try:
            guard.admit(uuid.uuid4().hex, estimate)
            outcome = admitted
        except BudgetExceeded:
            outcome = refused
        with lock:
            outcome[0] += 1

    threads = [threading.Thread(target=one, args=(g,)) for g in guards for _ in range(calls_per_guard)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return admitted[0], refused[0]
