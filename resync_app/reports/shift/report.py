"""`build(instance, window)`: the shift report as one JSON-ready dict (CONTRACT §15) — the API's `format=json`,
the source of the Markdown and CSV renderings, the `/shift-report` page and the chat's fast-path answer.

What each part means (for the window [from, to) of one instance; times in RESYNC_TIMEZONE):
- `totals`: what happened in the window. started / completed / abended / late / stuck: the poller's events of
  those types (one per run, or per late start); critical_at_risk: critical jobs flagged at risk of missing their
  deadline (distinct jobs of `deadline_at_risk` events); reruns / holds / releases / cancels: the audited job
  actions TWS accepted (`actions_failed`: those it refused or that failed); critical_missed: critical jobs of the
  plan whose deadline fell in the window, has passed, and was not met by a successful end.
- `abended`: each abend of the window and what the job is now (`now_status`, `now_run`: a higher run = rerun).
- `actions`: each audited rerun / hold / release / cancel: when, who, the result (done, failed, refused) and the
  job now. `user` is null for a reader who is not signed in (`users_shown: false`): account names are not
  handed to anonymous clients.
- `late`: the jobs flagged late, stuck or at risk in the window (`flags`), with what they are now.
- `missed`: the critical jobs of `critical_missed`.
- `open`: what the next shift inherits, now: jobs abended, stuck, late or critical and at risk, and jobs held by an
  operator and not released (`reasons`); `open_counts` per reason.
Lists are capped at LIST_LIMIT rows, oldest first (`more` says how many were left out); totals are exact. Every
job row has `link`, its `/monitoring` drawer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from resync_app.db import get_engine, utcnow
from resync_app.reports.shift import reads
from resync_app.reports.shift.window import Window
from resync_app.tws import queries

LIST_LIMIT = reads.LIST_LIMIT
TOTAL_KEYS = ("started", "completed", "abended", "reruns", "holds", "releases", "cancels", "late", "stuck",
              "critical_missed", "critical_at_risk")


def monitoring_link(job_id: str, instance: str) -> str:
    """The job's drawer on /monitoring (relative to the console)."""
    return f"/monitoring?job={quote(job_id, safe='')}&instance={quote(instance, safe='')}"


def build(instance: str | None, window: Window, *, show_users: bool = True, now: datetime | None = None,
          limit: int = LIST_LIMIT) -> dict[str, Any]:
    """The report of `instance` (None: the primary) over `window`. Raises `UnknownInstance`."""
    summary = queries.summary(instance)
    name = summary["instance"]
    now = now or utcnow()
    start, end = window.start, window.end
    with get_engine().connect() as conn:
        totals: dict[str, int] = {**reads.event_totals(conn, name, start, end),
                                  **reads.action_totals(conn, name, start, end)}
        abended = reads.abended(conn, name, start, end, limit)
        actions = reads.actions(conn, name, start, end, limit)
        late_count, late = reads.flagged(conn, name, start, end, limit)
        totals["critical_missed"], missed = reads.missed(conn, name, start, end, now, limit)
        open_counts, still_open = reads.open_now(conn, name, now, limit)
    action_count = sum(totals[k] for k in reads.ACTION_TOTALS.values()) + totals["actions_failed"]
    iso = window.iso

    def job(row: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {"job": row["job"], "job_id": row["job_id"], "job_stream": row["job_stream"],
                "workstation": row["workstation"], **extra, "link": monitoring_link(row["job_id"], name)}

    return {
        "instance": name, "display_name": summary.get("display_name") or name,
        "from": iso(start), "to": iso(end), "timezone": str(window.tz), "hours": round(window.hours, 2),
        "generated_at": iso(now), "as_of": iso(_dt(summary.get("as_of"))),
        "stale_since": iso(_dt(summary.get("stale_since"))), "users_shown": show_users,
        "totals": {**{key: int(totals[key]) for key in TOTAL_KEYS}, "actions_failed": int(totals["actions_failed"])},
        "abended": [job(r, at=iso(r["at"]), status=r["status"], return_code=r["return_code"], run=r["run"],
                        now_status=r["now_status"], now_run=r["now_run"], now_return_code=r["now_return_code"])
                    for r in abended],
        "actions": [{"at": iso(r["at"]), "user": r["user"] if show_users else None, "action": r["action"],
                     "job": r["job"], "job_id": r["job_id"], "result": r["result"], "error": r["error"],
                     "now_status": r["now_status"], "link": monitoring_link(r["job_id"], name)} for r in actions],
        "late": [job(r, at=iso(r["at"]), flags=r["flags"], now_status=r["now_status"], now_late=r["now_late"],
                     now_stuck=r["now_stuck"]) for r in late],
        "missed": [job(r, deadline=iso(r["deadline"]), end=iso(r["end"]), now_status=r["now_status"],
                       late_by_s=r["late_by_s"]) for r in missed],
        "open": [job(r, status=r["status"], reasons=r["reasons"], start=iso(r["start"]), end=iso(r["end"]),
                     scheduled_start=iso(r["scheduled_start"]), deadline=iso(r["deadline"])) for r in still_open],
        "open_counts": open_counts,
        "more": {"abended": totals["abended"] - len(abended), "actions": action_count - len(actions),
                 "late": late_count - len(late), "missed": totals["critical_missed"] - len(missed),
                 "open": open_counts["total"] - len(still_open)},
        "limit": limit,
    }


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
