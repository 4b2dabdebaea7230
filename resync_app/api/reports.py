"""The shift report (CONTRACT §15): `GET /api/v1/reports/shift?instance=&from=&to=&hours=&format=json|md|csv`.

An operator read like those of §9 (`operator_read`: open, or a sign-in under RESYNC_OPERATOR_LOGIN=required;
rate-limited per client in the same class, `web/routes.py`). Thin: the service is `reports.shift`. Bad parameters
→ 422 `{detail: {message, errors: {param: message}}}`; an unknown instance → 404, as for the other reads. Who did
an action (`actions[].user`) is shown to signed-in readers only.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from resync_app.api.deps import operator_read, require_operator
from resync_app.auth import sessions
from resync_app.auth.sessions import Principal
from resync_app.db import utcnow
from resync_app.reports import shift
from resync_app.settings import get_settings
from resync_app.tws.instance_config import UnknownInstance

router = APIRouter(prefix="/api/v1/reports", tags=["Reports (operator reads)"])
MEDIA_TYPES = {"md": "text/markdown; charset=utf-8", "csv": "text/csv; charset=utf-8"}


def _signed_in(request: Request, principal: Principal | None) -> bool:
    """Whether the reader is a signed-in user: credentials sent (bad ones are a 401) or a live session cookie."""
    if principal is not None:
        return True
    if request.headers.get("authorization"):
        require_operator(request)
        return True
    return sessions.resolve(request.cookies.get(sessions.SESSION_COOKIE), "session") is not None


def _filename(report: dict, fmt: str) -> str:
    stamp = report["from"][:16].replace(":", "").replace("-", "")
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in report["instance"])[:64]
    return f"shift-report-{safe}-{stamp}.{fmt}"


@router.get("/shift")
def shift_report(request: Request, instance: str | None = Query(None, max_length=64),
                 from_: str | None = Query(None, alias="from", description="ISO 8601; no offset = RESYNC_TIMEZONE"),
                 to: str | None = Query(None, description="ISO 8601 (default now); no offset = RESYNC_TIMEZONE"),
                 hours: str | None = Query(None, description=f"the last N hours before `to` (1–{shift.MAX_HOURS})"),
                 format: str = Query("json", description="json, md (Markdown) or csv"),
                 principal: Principal | None = Depends(operator_read)):
    """What happened on an instance in a window (default the last 8 hours, at most 7 days): totals, abends and what
    they are now, operator actions, late / stuck / at-risk jobs, missed critical deadlines, and what is still open.
    `md` and `csv` carry the same content as `json`."""
    errors = {} if format in shift.FORMATS else {"format": f"use one of {', '.join(shift.FORMATS)}"}
    try:
        window = shift.parse_window(from_, to, hours, tz=get_settings().timezone, now=utcnow())
    except shift.BadParams as exc:
        errors.update(exc.errors)
    if errors:
        raise HTTPException(422, detail={"message": "; ".join(f"{k}: {v}" for k, v in errors.items()),
                                         "errors": errors})
    show_users = _signed_in(request, principal)
    try:
        report = shift.build(instance, window, show_users=show_users)
    except UnknownInstance as exc:
        raise HTTPException(404, detail=str(exc)) from None
    if format == "json":
        return report
    return Response(shift.render(report, format), media_type=MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'{"attachment" if format == "csv" else "inline"}; '
                                                    f'filename="{_filename(report, format)}"'})
