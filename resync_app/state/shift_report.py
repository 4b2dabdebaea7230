"""`/shift-report` state: one shift report (`reports.shift`, the service behind `GET /api/v1/reports/shift`) for a
time range and an instance, at most PAGE_ROWS rows a section, and its Markdown for the "Copy as Markdown" button.

The range is a preset (the last 8, 12 or 24 hours, ending when the page loads or is refreshed) or a custom from–to
in local time of RESYNC_TIMEZONE; `?instance=`, `?hours=`, `?from=` and `?to=` open the page on one. Every handler
is an operator read (`guard.operator_read_event`: anyone, unless RESYNC_OPERATOR_LOGIN=required and the client is
anonymous). User names of the actions are shown to signed-in viewers only, as in the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import reflex as rx

from resync_app.db import utcnow
from resync_app.reports import shift
from resync_app.reports.shift.render import ANONYMOUS_USER, FLAG_WORDS, REASON_WORDS, now_words, result_words, when
from resync_app.settings import get_settings
from resync_app.state import guard
from resync_app.tws import queries
from resync_app.tws.instance_config import UnknownInstance

PAGE_ROWS = 50
PRESETS = ("8", "12", "24")
CUSTOM = "custom"
TILES = (("started", "Started"), ("completed", "Completed"), ("abended", "Abended"), ("reruns", "Reruns"),
         ("holds", "Holds"), ("releases", "Releases"), ("cancels", "Cancels"), ("late", "Late"), ("stuck", "Stuck"),
         ("critical_missed", "Critical missed"), ("critical_at_risk", "Critical at risk"))


@dataclass
class Line:
    """One job row of any section (a section shows the columns it needs)."""

    when: str = ""
    job: str = ""
    job_id: str = ""
    href: str = ""
    stream: str = ""
    workstation: str = ""
    detail: str = ""  # RC, flags, reasons or the result
    now: str = ""
    user: str = ""
    action: str = ""


def _local_input(iso: str) -> str:
    """"2026-12-01T06:00" for a datetime-local input (the report's times are local already)."""
    return iso[:16] if iso else ""


def lines(report: dict) -> dict[str, list[Line]]:
    """The report's sections as page rows."""
    shown = report["users_shown"]
    return {
        "abended": [Line(when(r["at"]), r["job"], r["job_id"], r["link"], r["job_stream"], r["workstation"],
                         "" if r["return_code"] is None else str(r["return_code"]),
                         now_words(r["now_status"], r["now_run"], r["run"])) for r in report["abended"]],
        "actions": [Line(when(r["at"]), r["job"], r["job_id"], r["link"], detail=result_words(r),
                         now=now_words(r["now_status"]), user=r["user"] if shown else ANONYMOUS_USER,
                         action=r["action"]) for r in report["actions"]],
        "late": [Line(when(r["at"]), r["job"], r["job_id"], r["link"], r["job_stream"], r["workstation"],
                      ", ".join(FLAG_WORDS[f] for f in r["flags"]), now_words(r["now_status"]))
                 for r in report["late"]],
        "missed": [Line(when(r["deadline"]), r["job"], r["job_id"], r["link"], r["job_stream"], r["workstation"],
                        when(r["end"]), now_words(r["now_status"])) for r in report["missed"]],
        "open": [Line("", r["job"], r["job_id"], r["link"], r["job_stream"], r["workstation"],
                      ", ".join(REASON_WORDS[x] for x in r["reasons"]), r["status"]) for r in report["open"]],
    }


class ShiftReportState(rx.State):
    """One tab of /shift-report: the sections' first PAGE_ROWS rows and the Markdown of what is shown."""

    instance: str = ""
    instance_names: list[str] = []
    preset: str = PRESETS[0]
    from_text: str = ""
    to_text: str = ""
    window_label: str = ""
    as_of: str = ""
    stale_since: str = ""
    message: str = ""
    users_shown: bool = False
    totals: dict[str, int] = {}
    counts: dict[str, int] = {}
    more: dict[str, int] = {}
    abended: list[Line] = []
    actions: list[Line] = []
    late: list[Line] = []
    missed: list[Line] = []
    open_jobs: list[Line] = []
    markdown: str = ""
    csv_href: str = ""
    loaded: bool = False

    def _show(self, window: shift.Window) -> None:
        """Build the report of `window` for this viewer and put it on the page."""
        viewer = guard.current_user(self)
        try:
            report = shift.build(self.instance or None, window, show_users=viewer is not None, limit=PAGE_ROWS)
        except UnknownInstance:
            self._clear("No TWS instance is configured: an admin adds one under Admin → TWS.")
            return
        self.message, self.loaded = "", True
        self.instance = report["instance"] if self.instance_names else self.instance
        self.from_text, self.to_text = _local_input(report["from"]), _local_input(report["to"])
        self.window_label = f"{when(report['from'])} → {when(report['to'])} ({report['timezone']})"
        self.as_of, self.stale_since = when(report["as_of"]), when(report["stale_since"])
        self.users_shown = report["users_shown"]
        self.totals = {key: int(report["totals"][key]) for key, _ in TILES}
        sections = lines(report)
        self.abended, self.actions, self.late = sections["abended"], sections["actions"], sections["late"]
        self.missed, self.open_jobs = sections["missed"], sections["open"]
        self.counts = {"abended": report["totals"]["abended"], "actions": len(report["actions"]) +
                       report["more"]["actions"], "late": len(report["late"]) + report["more"]["late"],
                       "missed": report["totals"]["critical_missed"], "open": report["open_counts"]["total"]}
        self.more = dict(report["more"])
        self.markdown = shift.render(report, "md")
        self.csv_href = "/api/v1/reports/shift?" + urlencode({"instance": report["instance"], "format": "csv",
                                                              "from": window.start.isoformat(),
                                                              "to": window.end.isoformat()})

    def _clear(self, message: str) -> None:
        self.message, self.loaded, self.markdown = message, False, ""
        self.totals, self.abended, self.actions, self.late, self.missed, self.open_jobs = {}, [], [], [], [], []

    def _reload(self, start=None, end=None, hours=None) -> None:
        try:
            window = shift.parse_window(start, end, hours, tz=get_settings().timezone, now=utcnow())
        except shift.BadParams as exc:
            self.message = "; ".join(exc.errors.values())
            return
        self._show(window)

    @rx.event
    @guard.operator_read_event
    def load(self):
        """`on_load`: ?instance=, ?hours= (a preset or any whole number up to 7 days), ?from=&to= (custom)."""
        params = self.router.url.query_parameters
        names = [i["name"] for i in queries.instances_overview() if i["enabled"]]
        self.instance_names = names if len(names) > 1 else []
        wanted = str(params.get("instance", ""))
        self.instance = wanted if wanted in names else ("" if self.instance not in names else self.instance)
        start, end, hours = params.get("from"), params.get("to"), params.get("hours")
        if start or end:
            self.preset = CUSTOM
            self._reload(start, end)
        else:
            self.preset = hours if hours in PRESETS else (CUSTOM if hours else PRESETS[0])
            self._reload(hours=hours or self.preset)
        if wanted and wanted not in names:
            self.message = f"There is no enabled TWS instance named {wanted[:64]!r}: this is the primary instance."

    @rx.event
    @guard.operator_read_event
    def set_preset(self, value: str | list[str]):
        value = value if isinstance(value, str) else ""
        self.preset = value if value in PRESETS or value == CUSTOM else PRESETS[0]
        if self.preset != CUSTOM:
            self._reload(hours=self.preset)

    @rx.event
    @guard.operator_read_event
    def set_from_text(self, value: str):
        self.from_text = str(value)[:32]

    @rx.event
    @guard.operator_read_event
    def set_to_text(self, value: str):
        self.to_text = str(value)[:32]

    @rx.event
    @guard.operator_read_event
    def apply_range(self, _form: dict | None = None):
        """The custom range's Show button (local times of RESYNC_TIMEZONE)."""
        self.preset = CUSTOM
        self._reload(self.from_text or None, self.to_text or None)

    @rx.event
    @guard.operator_read_event
    def pick_instance(self, name: str):
        self.instance = name if name in self.instance_names else ""
        self._refresh()

    def _refresh(self) -> None:
        if self.preset == CUSTOM:
            self._reload(self.from_text or None, self.to_text or None)
        else:
            self._reload(hours=self.preset)

    @rx.event
    @guard.operator_read_event
    def refresh(self):
        """A preset range moves on to end now; a custom one is read again."""
        self._refresh()
