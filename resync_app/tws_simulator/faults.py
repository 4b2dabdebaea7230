"""The simulator's faults (latency, failures, bad answers) and their controls, mixed into `Simulator`.

Faults apply to the HWA routes only, so the control API keeps working; `_take_fault` hands each request the faults
of the moment (a `fail_count` counts down once per request)."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass


@dataclass
class Faults:
    latency_s: float = 0.0  # every HWA answer waits this long (real seconds)
    fail_status: int | None = None  # answer HWA requests with this status …
    fail_count: int | None = None  # … this many times (None: until cleared)
    bad_answer: str | None = None  # "html" (200 text/html), "garbage" (invalid JSON), "shape" (JSON, wrong shape)


class FaultControls:
    """Needs `self.faults` (a Faults) and `self._faults_lock` (a lock), which `Simulator.__init__` sets."""

    faults: Faults
    _faults_lock: threading.Lock

    def _take_fault(self) -> Faults:
        with self._faults_lock:
            current = Faults(**asdict(self.faults))
            if self.faults.fail_status and self.faults.fail_count is not None:
                self.faults.fail_count -= 1
                if self.faults.fail_count <= 0:
                    self.faults.fail_status = self.faults.fail_count = None
            return current

    def set_latency(self, seconds: float) -> None:
        with self._faults_lock:
            self.faults.latency_s = max(0.0, float(seconds))

    def fail(self, status: int | None = 500, count: int | None = None) -> None:
        """Answer the next `count` HWA requests (all, when None) with `status`; `status=None` stops failing."""
        with self._faults_lock:
            if status is None:
                self.faults.fail_status = self.faults.fail_count = None
            else:
                self.faults.fail_status, self.faults.fail_count = int(status), count

    def answer_badly(self, mode: str | None = "html") -> None:
        if mode not in (None, "html", "garbage", "shape"):
            raise ValueError("bad_answer is one of html, garbage, shape")
        with self._faults_lock:
            self.faults.bad_answer = mode

    def clear_faults(self) -> None:
        with self._faults_lock:
            self.faults = Faults()


__all__ = ["FaultControls", "Faults"]
