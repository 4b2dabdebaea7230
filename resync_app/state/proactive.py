"""Proactive Monitoring page state: each instance's poller (start / stop / poll now) and the live event stream,
with the incidents it holds (`tws/incidents.py`: events of one cause grouped; a click shows an incident's events).

Everything comes from the TWS services (`service.poller_status`, `event_queries.events`, `queries.summary`); this state
holds one page of events (never the whole table) and the poller cards. The page refreshes live: one background
task per open page waits on the feed topic the poller publishes after every poll (`tws.snapshot`); it stops when
the tab disconnects, the admin leaves the page or the session ends, and its checks never count as activity (the
session is not kept alive by an open tab).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import reflex as rx

from resync_app.notify import SEVERITIES, TWS_EVENT_TYPES
from resync_app.state import toast
from resync_app.tws import event_queries, queries, service
from resync_app.tws.instance_config import UnknownInstance
from resync_app.tws.poll_store import SNAPSHOT_TOPIC
from resync_app.tws.query_params import QueryInvalid
from resync_app.state.guard import acting_admin, admin_event, admin_watch, follow
from resync_app.state.socket_client import client_address

ROUTE = "/admin/proactive"
PAGE_SIZE = 25
WATCH_TIMEOUT_S = 15.0
MIN_REFRESH_S = 1.0
ALL = "all"
RANGES = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30),
          ALL: None}
RANGE_LABELS = {"1h": "Last hour", "24h": "Last 24 hours", "7d": "Last 7 days", "30d": "Last 30 days",
                ALL: "Everything kept"}


def fmt_time(iso: str | None) -> str:
    if not iso:
        return "—"
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "—"
    value = float(value)
    if value < 60:
        return f"{value:.0f} s"
    if value < 3600:
        return f"{value / 60:.1f} min".replace(".0 min", " min")
    return f"{value / 3600:.1f} h"


# ---- rows --------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class PollerCard:
    instance: str = ""
    display_name: str = ""
    enabled: bool = True
    paused: bool = False
    state: str = ""
    leader: str = ""
    last_poll: str = ""
    last_poll_ms: str = ""
    last_error: str = ""
    last_error_at: str = ""
    interval: str = ""
    mode: str = ""
    next_poll: str = ""
    stale_since: str = ""
    stale: bool = False
    health: str = ""
    running: int = 0
    failed: int = 0
    stuck: int = 0
    late: int = 0
    at_risk: int = 0
    total: int = 0
    polls: int = 0
    poll_errors: int = 0


@dataclasses.dataclass
class EventRow:
    id: int = 0
    at: str = ""
    instance: str = ""
    type: str = ""
    severity: str = ""
    job: str = ""
    workstation: str = ""
    message: str = ""
    incident_id: int = 0


@dataclasses.dataclass
class IncidentRow:
    id: int = 0
    title: str = ""
    severity: str = ""
    cause: str = ""
    instance: str = ""
    events: int = 0
    first: str = ""
    last: str = ""


INCIDENTS_SHOWN = 5


def _cause(cause: str) -> str:
    """"workstation:CPU_1" → "workstation CPU_1", "job_stream:X" → "job stream X", "instance" → "the instance"."""
    kind, _, name = cause.partition(":")
    return f"{kind.replace('_', ' ')} {name}" if name else "the instance"


def incident_rows(instance: str | None, since: datetime | None) -> list[IncidentRow]:
    """The latest incidents (of `instance`, active since `since`) as the event stream shows them."""
    from resync_app.tws.incident_reads import list_incidents

    page = list_incidents(instance, since=since, limit=INCIDENTS_SHOWN)
    return [IncidentRow(id=i["id"], title=i["title"], severity=i["severity"], cause=_cause(i["cause"]),
                        instance=i["instance"],
                        events=i["events"], first=fmt_time(i["first_at"]), last=fmt_time(i["last_at"]))
            for i in page["results"]]


def _card(status: dict) -> PollerCard:
    try:
        summary = queries.summary(status["instance"], detail=True)
    except UnknownInstance:
        summary = {"counts": {}, "health": ""}
    counts = summary["counts"]
    return PollerCard(
        instance=status["instance"], display_name=status["display_name"], enabled=status["enabled"],
        paused=status["paused"], state=status["state"], leader=status["leader"] or "none yet",
        last_poll=fmt_time(status["last_poll_at"]),
        last_poll_ms=f"{status['last_poll_ms']:.0f} ms" if status["last_poll_ms"] is not None else "—",
        last_error=status["last_error"] or "", last_error_at=fmt_time(status["last_error_at"]),
        interval=fmt_seconds(status["interval_s"]) if status["interval_s"] else "—", mode=status["mode"] or "—",
        next_poll=fmt_time(status["next_poll_at"]) if status["next_poll_at"] else "—",
        stale_since=fmt_time(status["stale_since"]) if status["stale_since"] else "", stale=bool(status["stale_since"]),
        health=summary["health"] if summary.get("polled") else "not polled yet",
        running=counts.get("running", 0), failed=counts.get("failed", 0), stuck=counts.get("stuck", 0),
        late=counts.get("late", 0), at_risk=counts.get("at_risk", 0), total=counts.get("total", 0),
        polls=status["polls_total"], poll_errors=status["poll_errors_total"])


class ProactiveState(rx.State):
    """One admin tab of /admin/proactive."""

    pollers: list[PollerCard] = []
    events: list[EventRow] = []
    total: int = 0
    page: int = 0
    severity: str = ALL
    event_type: str = ALL
    instance: str = ALL
    time_range: str = "24h"
    search: str = ""
    instance_names: list[str] = []
    incidents: list[IncidentRow] = []
    incident: int = 0  # show only this incident's events (0: all)
    updated: str = ""
    _watch_id: int = 0

    @rx.var
    def page_label(self) -> str:
        if not self.total:
            return "No events"
        first = self.page * PAGE_SIZE + 1
        return f"{first}–{min(self.total, first + PAGE_SIZE - 1)} of {self.total}"

    @rx.var
    def has_next(self) -> bool:
        return (self.page + 1) * PAGE_SIZE < self.total

    @rx.var
    def has_prev(self) -> bool:
        return self.page > 0

    # ---- loading -----------------------------------------------------------------------------------------

    def _load_pollers(self) -> None:
        statuses = service.poller_status()
        self.pollers = [_card(status) for status in statuses]
        self.instance_names = [status["instance"] for status in statuses]

    def _load_events(self) -> None:
        span = RANGES.get(self.time_range)
        since = (datetime.now(timezone.utc) - span) if span is not None else None
        try:
            page = event_queries.events(None if self.instance == ALL else self.instance, all_instances=True, detail=True,
                                  severity=None if self.severity == ALL else self.severity,
                                  type=None if self.event_type == ALL else self.event_type, since=since,
                                  q=self.search.strip() or None, limit=PAGE_SIZE, offset=self.page * PAGE_SIZE,
                                  incident=self.incident or None)
            self.incidents = incident_rows(None if self.instance == ALL else self.instance, since)
        except (QueryInvalid, UnknownInstance):
            self.instance, self.page, self.incident = ALL, 0, 0
            page = event_queries.events(None, all_instances=True, limit=PAGE_SIZE, detail=True)
            self.incidents = incident_rows(None, None)
        self.total = page["count"]
        self.events = [EventRow(id=e["id"], at=fmt_time(e["at"]), instance=e["instance"], type=e["type"],
                                severity=e["severity"], job=e["job"] or "", workstation=e["workstation"] or "",
                                message=e["message"], incident_id=e["incident_id"] or 0) for e in page["results"]]
        self.updated = datetime.now(timezone.utc).strftime("%H:%M:%S UTC")

    def _refresh(self) -> None:
        self._load_pollers()
        self._load_events()

    @rx.event
    @admin_event
    def load(self):
        """`on_load`: pollers, the first page of events, and the live refresh."""
        self.page = 0
        self._refresh()
        self._watch_id += 1
        return ProactiveState.watch(self._watch_id)

    @rx.event(background=True)
    @admin_watch
    async def watch(self, watch_id: int):
        """Refresh after every poll (the poller publishes `tws.snapshot`; at most every 15 s without one)."""
        await follow(self, watch_id, ROUTE, SNAPSHOT_TOPIC, lambda: self._refresh(), timeout_s=WATCH_TIMEOUT_S,
                     min_interval_s=MIN_REFRESH_S)

    # ---- filters and paging ------------------------------------------------------------------------------

    @rx.event
    @admin_event
    def set_severity(self, value: str):
        self.severity = value if value in SEVERITIES else ALL
        self.page = 0
        self._load_events()

    @rx.event
    @admin_event
    def set_event_type(self, value: str):
        self.event_type = value if value in TWS_EVENT_TYPES else ALL
        self.page = 0
        self._load_events()

    @rx.event
    @admin_event
    def set_instance(self, value: str):
        self.instance = value if value in self.instance_names else ALL
        self.page = 0
        self._load_events()

    @rx.event
    @admin_event
    def set_time_range(self, value: str):
        self.time_range = value if value in RANGES else "24h"
        self.page = 0
        self._load_events()

    @rx.event
    @admin_event
    def set_search(self, value: str):
        self.search = str(value)[:200]

    @rx.event
    @admin_event
    def apply_search(self, _form: dict | None = None):
        self.page = 0
        self._load_events()

    @rx.event
    @admin_event
    def show_incident(self, incident_id: int):
        """Only the events of one incident (0: all events again)."""
        try:
            self.incident = max(0, int(incident_id))
        except (TypeError, ValueError):
            self.incident = 0
        self.page = 0
        self._load_events()

    @rx.event
    @admin_event
    def next_page(self):
        if (self.page + 1) * PAGE_SIZE < self.total:
            self.page += 1
            self._load_events()

    @rx.event
    @admin_event
    def prev_page(self):
        if self.page > 0:
            self.page -= 1
            self._load_events()

    # ---- poller commands ---------------------------------------------------------------------------------

    @rx.event
    @admin_event
    def command(self, instance: str, command: str):
        """start / stop / poll now for one instance; reaches the leader wherever it runs."""
        admin, client = acting_admin().username, client_address(self)
        try:
            if command == "start":
                service.set_paused(instance, False, admin, client)
                message = f"Polling of {instance} started."
            elif command == "stop":
                service.set_paused(instance, True, admin, client)
                message = f"Polling of {instance} stopped."
            elif command == "poll":
                service.poll_now(instance, admin, client)
                message = f"Poll of {instance} requested."
            else:
                return toast.error(f"Unknown command {command!r}.")
        except UnknownInstance as exc:
            self._load_pollers()
            return toast.error(str(exc))
        self._load_pollers()
        return toast.success(message)
