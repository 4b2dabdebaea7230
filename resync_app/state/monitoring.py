"""`/monitoring` state: one page (50 rows) of the current plan's jobs, its filters, and the job drawer.

Every read goes through `tws.queries` (the same service as `GET /api/v1/tws/jobs`): paging, sorting and filtering
run in SQL, chip counts come from the summary row, and only the current page lives in the tab's state. The drawer
reads the job, its dependencies and history (`queries.job`), its log tail (`service.log_excerpt`) and what threatens
its deadline (`threats.deadline_threats`). Actions (rerun / hold / release / cancel) run only for a signed-in
operator or admin (`guard.operator_event`, checked on the server) through `service.perform_action`. Every handler
that reads or acts counts against the per-client limit of the REST route it mirrors (`event_limits.limited`).
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from resync_app.prediction import wording as estimate_wording
from resync_app.state import guard, toast
from resync_app.state.event_limits import limited
from resync_app.state.formatting import duration as fmt_duration
from resync_app.state.instance_choice import instance_choice
from resync_app.state.socket_client import client_address
from resync_app.tws import queries, service, threats
from resync_app.tws.client import ACTIONS
from resync_app.tws.instance_config import UnknownInstance
from resync_app.tws.query_params import QueryInvalid
from resync_app.tws import statuses

PAGE_SIZE = 50
SORTS = {"status": "status", "job": "name", "stream": "job_stream", "workstation": "workstation", "start": "start",
         "duration": "duration", "return_code": "return_code"}
FLAGS = {"late": {"late": True}, "stuck": {"stuck": True}, "at_risk": {"at_risk": True}}
FLAG_LABELS = {"late": "Late", "stuck": "Stuck", "at_risk": "Critical at risk"}
# chips: failures first, then what needs an operator, running, waiting, done (each group in the table's order)
GROUP_ORDER = (statuses.FAILED, statuses.RUNNING, statuses.WAITING, statuses.SUCCESS, statuses.CANCELLED,
               statuses.OTHER)
# one chip for a whole group (its count is the summary's), shown when the plan holds several of its statuses
GROUP_CHIPS = {"FAILED": (statuses.FAILED, "failed", "All failed"), "RUNNING": (statuses.RUNNING, "running",
                                                                                "All running")}
ALL = "all"
# the REST routes these handlers mirror (CONTRACT §9): they count against the same per-client limits
JOBS, JOB, ACTION = "/api/v1/tws/jobs", "/api/v1/tws/jobs/{id}", "/api/v1/tws/jobs/{id}/action"


@dataclass
class JobRow:
    id: str = ""
    name: str = ""
    job_stream: str = ""
    workstation: str = ""
    status: str = ""
    start: str = ""
    duration: str = ""
    return_code: str = ""
    flag: str = ""  # abend | stuck | late | risk | "" — what the row is highlighted for
    risk: str = ""


@dataclass
class Chip:
    key: str = ""
    label: str = ""
    count: int = 0


@dataclass
class DepRow:
    id: str = ""
    name: str = ""
    status: str = ""
    where: str = ""
    kind: str = "job"  # job | stream (the job follows a whole job stream, issue 16 D3)


@dataclass
class RunRow:
    run: int = 0
    status: str = ""
    start: str = ""
    duration: str = ""
    return_code: str = ""


@dataclass
class ThreatRow:
    name: str = ""
    status: str = ""
    slack: str = ""
    reason: str = ""


def _time(iso: str | None) -> str:
    return iso[:16].replace("T", " ") if iso else ""


def _run(job: dict) -> str:
    """The run's job number (an engine may give it only at launch), and which run it is when rerun."""
    number = str(job["run_number"]) if job.get("run_number") else "not numbered yet"
    seq = job.get("run_seq") or 1
    return number if seq <= 1 else f"{number} (run {seq})"


def _dep_row(dep: dict) -> DepRow:
    if dep.get("kind") == "stream":
        where = f"{dep.get('jobs_done', 0)} of {dep.get('jobs', 0)} jobs done" if dep.get("in_plan") \
            else "not in the current plan"
        return DepRow(dep["id"], dep["name"] or dep["id"], dep["status"] or "", where, "stream")
    return DepRow(dep["id"], dep["name"] or dep["id"], dep["status"] or "", dep.get("job_stream") or "")


def job_row(job: dict) -> JobRow:
    flag = ("abend" if job["status"] in statuses.FAILED_STATUSES else "stuck" if job["stuck"] else "late" if job["late"]
            else "risk" if job.get("at_risk") else "attention" if job["status"] in statuses.ATTENTION_STATUSES
            else "")
    rc = job["return_code"]
    return JobRow(job["id"], job["name"], job["job_stream"], job["workstation"], job["status"], _time(job["start"]),
                  fmt_duration(job["duration_s"]) if job["duration_s"] is not None else "",
                  "" if rc is None else str(rc), flag, job.get("risk") or "")


def chips(summary: dict) -> list[Chip]:
    """The filter chips with their counts, all from the summary row (no count query)."""
    by_status = {s: n for s, n in summary.get("status_counts", {}).items() if n}
    ordered = sorted(by_status, key=_chip_rank)
    counts = summary["counts"]
    groups = [Chip(key, label, int(counts.get(count_key, 0))) for key, (group, count_key, label) in GROUP_CHIPS.items()
              if sum(1 for s in by_status if statuses.group(s) == group) > 1]
    return ([Chip(ALL, "All", counts.get("total", 0))] + groups + [Chip(s, s, int(by_status[s])) for s in ordered]
            + [Chip(k, FLAG_LABELS[k], int(counts.get(k, 0))) for k in FLAGS])


def _chip_rank(status: str) -> tuple[int, int, str]:
    found = statuses.info(status)
    if found is None:
        return (len(GROUP_ORDER), 0, status)
    return (GROUP_ORDER.index(found.group), statuses.TABLE.index(found), status)


def valid_filter(key: str, chip_keys: list[str] | tuple[str, ...] = ()) -> bool:
    """A filter this page understands: all, a flag, a group chip, a status of the table or of the current chips."""
    return key == ALL or key in FLAGS or key in GROUP_CHIPS or key in queries.STATUSES or key in chip_keys


def _query(filter: str, sort: str, descending: bool, search: str, page: int) -> dict:
    args: dict = {"sort": ("-" if descending else "") + SORTS.get(sort, "name"), "limit": PAGE_SIZE,
                  "offset": page * PAGE_SIZE, "q": search.strip() or None}
    if filter in FLAGS:
        args.update(FLAGS[filter])
    elif filter != ALL:
        args["status"] = filter
    return args


def load_page(instance: str | None, *, filter: str = ALL, sort: str = "job", descending: bool = False,
              search: str = "", page: int = 0) -> dict:
    """What one page turn of /monitoring reads: the chips (summary row) and one page of jobs (SQL). Raises
    UnknownInstance or QueryInvalid."""
    summary = queries.summary(instance)
    result = queries.jobs(instance, **_query(filter, sort, descending, search, page))
    if not result["results"] and page > 0:
        page = max(0, (result["count"] - 1) // PAGE_SIZE)
        result = queries.jobs(instance, **_query(filter, sort, descending, search, page))
    return {"chips": chips(summary), "as_of": _time(summary["as_of"]), "count": result["count"],
            "rows": [job_row(j) for j in result["results"]], "page": page}


class MonitoringState(rx.State):
    """One tab of /monitoring: the current page of jobs only."""

    rows: list[JobRow] = []
    count: int = 0
    page: int = 0
    sort: str = "job"
    descending: bool = False
    filter: str = ALL
    search: str = ""
    instance: str = ""  # the tab's choice, "" = the primary instance
    instance_shown: str = ""  # the instance whose jobs are on screen (what the picker shows)
    instance_names: list[str] = []
    chips: list[Chip] = []
    as_of: str = ""
    message: str = ""
    # the drawer
    drawer_open: bool = False
    job: JobRow = JobRow()
    job_facts: dict[str, str] = {}
    predecessors: list[DepRow] = []
    successors: list[DepRow] = []
    history: list[RunRow] = []
    threat_text: str = ""
    threat_rows: list[ThreatRow] = []
    estimate_why: list[str] = []  # the causes of its predicted lateness, most minutes first (issue 17)
    log_text: str = ""
    log_note: str = ""
    can_act: bool = False
    action_result: str = ""

    @rx.var
    def page_label(self) -> str:
        if not self.count:
            return "No jobs"
        first = self.page * PAGE_SIZE + 1
        return f"{first:,}–{min(self.count, first + PAGE_SIZE - 1):,} of {self.count:,}"

    @rx.var
    def last_page(self) -> int:
        return max(0, (self.count - 1) // PAGE_SIZE)

    # ---- the table ---------------------------------------------------------------------------------------

    def _load(self) -> None:
        """Chips and the current page (back to the last page when the filter shrank below it)."""
        try:
            view = load_page(self.instance or None, filter=self.filter, sort=self.sort, descending=self.descending,
                             search=self.search, page=self.page)
        except UnknownInstance:
            self.rows, self.count, self.chips = [], 0, []
            self.message = "No TWS instance is configured: an admin adds one under Admin → TWS."
            return
        except QueryInvalid as exc:
            self.filter, self.sort, self.descending, self.page = ALL, "job", False, 0
            self.message = str(exc)
            return
        self.message = ""
        self.chips, self.as_of, self.count, self.rows, self.page = (view["chips"], view["as_of"], view["count"],
                                                                    view["rows"], view["page"])

    @rx.event
    @guard.operator_read_event
    @limited(JOBS, notice="message")
    async def load(self):
        """`on_load`: ?filter=ABEND|FAILED|RUNNING|late|stuck|at_risk, ?q=, ?job= (opens its drawer), ?instance=."""
        params = self.router.url.query_parameters
        wanted = params.get("filter", ALL)
        self.filter = wanted if valid_filter(wanted) else ALL
        self.search = params.get("q", "")[:200]
        self.page, self.drawer_open = 0, False
        self._pick(params.get("instance") or self.instance)  # ?job=…&instance=… (the shift report's links)
        self._load()
        if params.get("job"):
            return MonitoringState.open_job(params["job"])

    @rx.event
    @guard.operator_read_event
    @limited(JOBS, notice="message")
    def refresh(self):
        self._load()

    @rx.event
    @guard.operator_read_event
    @limited(JOBS, notice="message")
    def set_filter(self, key: str):
        self.filter = key if valid_filter(key, [chip.key for chip in self.chips]) else ALL
        self.page = 0
        self._load()

    @rx.event
    @guard.operator_read_event
    @limited(JOBS, notice="message")
    def sort_by(self, column: str):
        if column not in SORTS:
            return
        self.descending = not self.descending if self.sort == column else column in ("start", "duration")
        self.sort, self.page = column, 0
        self._load()

    @rx.event
    @guard.operator_read_event
    def set_search(self, value: str):
        self.search = str(value)[:200]

    @rx.event
    @guard.operator_read_event
    @limited(JOBS, notice="message")
    def apply_search(self, _form: dict | None = None):
        self.page = 0
        self._load()

    @rx.event
    @guard.operator_read_event
    @limited(JOBS, notice="message")
    def go_to(self, page: int):
        try:
            wanted = int(page)
        except (TypeError, ValueError):
            return
        self.page = min(max(0, wanted), max(0, (self.count - 1) // PAGE_SIZE))
        self._load()

    def _pick(self, name: str) -> None:
        choice = instance_choice(name)
        self.instance_names, self.instance, self.instance_shown = choice.names, choice.chosen, choice.shown

    @rx.event
    @guard.operator_read_event
    @limited(JOBS, notice="message")
    def pick_instance(self, name: str):
        self._pick(str(name))
        self.page, self.drawer_open = 0, False
        self._load()

    # ---- the drawer --------------------------------------------------------------------------------------

    @rx.event
    @guard.operator_read_event
    @limited(JOB)
    async def open_job(self, job_id: str):
        """Open the drawer: job, dependencies, history and threats now; the log tail right after."""
        try:
            name = queries.resolve_instance(self.instance or None)
            data = queries.job(name, str(job_id)[:200])
        except UnknownInstance:
            data = None
        if data is None:
            yield toast.error("This job is not in the current plan any more.")
            return
        self.job = job_row(data)
        self.job_facts = {"Started": self.job.start or "—", "Duration": self.job.duration or "—",
                          "Return code": self.job.return_code or "—", "Run": _run(data),
                          "Scheduled": _time(data["scheduled_start"]) or "—",
                          "Ended": _time(data["end"]) or "—", "Deadline": _time(data["deadline"]) or "—",
                          "Critical": "yes" if data["critical"] else "no",
                          "Confidence": f"{data['confidence']:.0%}" if data["confidence"] is not None else "—"}
        estimate, self.estimate_why = estimate_wording.drawer_lines(data)
        if estimate:
            self.job_facts["Estimated end"] = estimate
        deps = data["dependencies"]
        self.predecessors = [_dep_row(d) for d in deps["predecessors"]]
        self.successors = [DepRow(d["id"], d["name"] or d["id"], d["status"] or "", d.get("job_stream") or "")
                           for d in deps["successors"]]
        self.history = [RunRow(r["run_number"], r["status"], _time(r["start"]), fmt_duration(r["duration_s"]),
                               "" if r["return_code"] is None else str(r["return_code"])) for r in data["history"]]
        found = threats.deadline_threats(name, data["id"]) if data["deadline"] else None
        self.threat_text = found["explanation"] if found else ""
        self.threat_rows = [ThreatRow(t["name"], t["status"], fmt_duration(abs(t["slack_s"])) + (
            " late" if t["slack_s"] < 0 else " slack") if t["slack_s"] is not None else "blocked", t["reason"])
            for t in (found or {}).get("threats", [])[:10]]
        principal = guard.current_user(self)
        self.can_act = principal is not None and principal.role in ("operator", "admin")
        self.log_text, self.log_note, self.action_result = "", "Loading the log…", ""
        self.drawer_open = True
        yield
        log = await service.log_excerpt(name, data["id"])
        self.log_text = log["text"] or ""
        self.log_note = log["error"] or ("" if log["text"] else "The log is empty.")

    @rx.event
    @guard.operator_read_event
    def show_stream(self, stream: str):
        """A job-stream predecessor of the drawer's job: close the drawer, list that stream's jobs."""
        self.search, self.filter, self.page, self.drawer_open = str(stream)[:200], ALL, 0, False
        self._load()

    @rx.event
    @guard.operator_read_event
    def close_drawer(self):
        self.drawer_open = False

    @rx.event
    @guard.operator_read_event
    def set_drawer(self, is_open: bool):
        self.drawer_open = bool(is_open)

    @rx.event
    @guard.operator_event
    @limited(ACTION, notice="action_result")
    async def act(self, action: str):
        """Rerun / hold / release / cancel the drawer's job (signed-in operator or admin; audited)."""
        if action not in ACTIONS or not self.job.id:
            return toast.error("Unknown action.")
        try:
            name = queries.resolve_instance(self.instance or None)
            result = await service.perform_action(name, self.job.id, action, guard.acting_user().username,
                                                  client_address(self))
        except service.ActionError as exc:
            self.action_result = exc.message
            return toast.error(exc.message)
        except (UnknownInstance, ValueError) as exc:
            return toast.error(str(exc))
        self.action_result = result["message"]
        return toast.success(result["message"])
