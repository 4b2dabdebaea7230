"""What `/realtime-dashboard` shows, built once per refresh per instance from the shared snapshot (never per tab).

`build(instance)` returns the values of the page's state vars: health banner, KPI tiles, workstation grid, event
feed, critical jobs at risk with what threatens them, the jobs-per-status chart and the "updated / stale since"
marker. Everything comes from `tws.queries` and `tws.threats`; the parts that only change with a poll (threats,
chart) are cached per poll. Browser notifications of new critical events are shown by the page itself from the
pushed feed (`components/event_notifier.py`): no code is pushed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from resync_app.components import charts
from resync_app.config.store import setting
from resync_app.prediction import wording as estimate_wording
from resync_app.tws import event_queries, queries, threats
from resync_app.tws.instance_config import UnknownInstance

FEED_SIZE = 20
AT_RISK_SHOWN = 6
CHART_BUCKET_S = 600  # one chart point per 10 minutes (the last poll of each): ≤ 144 points, ~20 KB, pushed per bucket
HEALTH_TEXT = {"healthy": "All systems healthy", "degraded": "Degraded: jobs need attention",
               "critical": "Critical: operator action needed"}
KPIS = (("running", "Running", "play", "blue"), ("completed", "Completed", "circle-check", "green"),
        ("failed", "Failed", "circle-x", "red"), ("pending", "Pending", "clock", "gray"),
        ("late", "Late", "alarm-clock", "orange"), ("stuck", "Stuck", "circle-pause", "amber"),
        ("at_risk", "Critical at risk", "siren", "crimson"))


@dataclass
class Kpi:
    key: str = ""
    label: str = ""
    value: int = 0
    icon: str = ""
    color: str = "gray"
    href: str = ""


@dataclass
class WsTile:
    name: str = ""
    state: str = ""  # linked | unlinked | offline
    label: str = ""
    type: str = ""


@dataclass
class FeedRow:
    id: int = 0
    at: str = ""
    type: str = ""
    severity: str = ""
    job: str = ""
    workstation: str = ""
    message: str = ""


@dataclass
class RiskRow:
    id: str = ""
    name: str = ""
    job_stream: str = ""
    risk: str = ""
    confidence: str = ""
    deadline: str = ""
    threats: str = ""  # the predecessors that threaten it, least slack first
    estimate: str = ""  # "estimated end 14:25 UTC (80 %: 14:10–14:45)" (issue 17)
    why: str = ""  # the top cause of its predicted lateness, in minutes


def _hms(iso: str | None) -> str:
    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone(timezone.utc).strftime("%H:%M:%S")


def _kpis(counts: dict[str, int]) -> list[Kpi]:
    links = {"failed": "/monitoring?filter=FAILED", "running": "/monitoring?filter=RUNNING",
             "late": "/monitoring?filter=late", "stuck": "/monitoring?filter=stuck", "at_risk": "/monitoring?filter=at_risk"}
    return [Kpi(key, label, int(counts.get(key, 0)), icon, color, links.get(key, "/monitoring"))
            for key, label, icon, color in KPIS]


def _ws_tile(row: dict) -> WsTile:
    state = "offline" if row["offline"] else ("linked" if row["linked"] else "unlinked")
    return WsTile(row["name"], state, row["link_status"] or state, row["type"])


def _feed_row(event: dict) -> FeedRow:
    return FeedRow(event["id"], _hms(event["at"]), event["type"], event["severity"], event["job"] or "",
                   event["workstation"] or "", event["message"])


class _PollCache:
    """Per (instance, poll_seq): what only changes with a poll (threat crawls, the day's chart)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[tuple[str, str], tuple[Any, Any]] = {}

    def get(self, instance: str, part: str, version: Any, compute):
        with self._lock:
            hit = self._data.get((instance, part))
            if hit is not None and hit[0] == version:
                return hit[1]
        value = compute()
        with self._lock:
            self._data[(instance, part)] = (version, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


cache = _PollCache()


def _risk_rows(instance: str) -> list[RiskRow]:
    rows = []
    for job in queries.critical_jobs(instance, at_risk_only=True, limit=AT_RISK_SHOWN):
        found = threats.deadline_threats(instance, job["id"]) or {}
        names = [t["name"] for t in found.get("threats", [])[:3]]
        confidence = job["confidence"]
        rows.append(RiskRow(job["id"], job["name"], job["job_stream"], job["risk"] or "",
                            f"{confidence:.0%}" if confidence is not None else "—", _hms(job["deadline"])[:5],
                            ", ".join(names) if names else "no unfinished predecessor",
                            *estimate_wording.risk_row_texts(job)))
    return rows


def _day_polls(instance: str) -> list[dict]:
    """The day's polls (UTC), the last one of each bucket, stamped to the minute (a small figure to push)."""
    since = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    buckets: dict[int, dict] = {}
    for poll in queries.poll_history(instance, since=since, limit=20_000):
        if poll["ok"]:
            at = datetime.fromisoformat(poll["at"])
            buckets[int(at.timestamp()) // CHART_BUCKET_S] = {**poll, "at": at.strftime("%Y-%m-%dT%H:%MZ")}
    return [buckets[k] for k in sorted(buckets)]


def empty(message: str) -> dict[str, Any]:
    """The values when there is nothing to show (no instance configured)."""
    return {"health": "unknown", "health_text": message, "kpis": _kpis({}), "workstations": [], "events": [],
            "at_risk": [], "chart": charts.empty_figure("No TWS instance", height=280), "as_of": "",
            "updated": datetime.now(timezone.utc).strftime("%H:%M:%S"), "stale_since": "", "last_event_id": 0,
            "display_name": ""}


def build(instance: str) -> dict[str, Any]:
    """The dashboard's values for one instance ("" = the primary one)."""
    try:
        name = queries.resolve_instance(instance or None)
        summary = queries.summary(name)
    except UnknownInstance:
        return empty("No TWS instance is configured: an admin adds one under Admin → TWS.")
    seq = (summary["poll_seq"], summary["as_of"])
    health = summary["health"] if summary["polled"] else "unknown"
    text = HEALTH_TEXT.get(health, "Waiting for the first poll")
    if summary["stale_since"]:
        text = f"Critical: TWS unreachable since {_hms(summary['stale_since'])} UTC"
    events = [_feed_row(e) for e in event_queries.events(name, limit=FEED_SIZE, count=False)["results"]]
    now_s = int(datetime.now(timezone.utc).timestamp())
    return {
        "health": health, "health_text": text, "kpis": _kpis(summary["counts"]),
        "workstations": [_ws_tile(w) for w in queries.workstations(name)],
        "events": events,
        "at_risk": cache.get(name, "risk", (seq, now_s // 60), lambda: _risk_rows(name)),
        "chart": cache.get(name, "chart", (now_s // CHART_BUCKET_S, summary["polled"]),
                           lambda: charts.jobs_per_status(_day_polls(name))),
        "as_of": _hms(summary["as_of"]), "updated": datetime.now(timezone.utc).strftime("%H:%M:%S"),
        "stale_since": _hms(summary["stale_since"]), "last_event_id": events[0].id if events else 0,
        "display_name": summary["display_name"],
    }


def refresh_seconds() -> float:
    return float(setting("tws_dashboard_refresh_seconds") or 5)
