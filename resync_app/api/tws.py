"""The operator TWS API (CONTRACT §9): reads of the shared plan snapshot — no admin login (a sign-in under
RESYNC_OPERATOR_LOGIN=required), never a TWS call per request, except the job log excerpt of `GET /jobs/{id}`,
fetched on demand with a short timeout and cached briefly — and job actions for signed-in operators and admins."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from resync_app.api.deps import client_address, operator_read, require_operator
from resync_app.auth.sessions import Principal
from resync_app.tws import event_queries, queries, service
from resync_app.tws.instance_config import UnknownInstance
from resync_app.tws.query_params import DEFAULT_LIMIT, QueryInvalid

router = APIRouter(prefix="/api/v1/tws", tags=["TWS (operators)"], dependencies=[Depends(operator_read)])


def _invalid(exc: QueryInvalid) -> HTTPException:
    return HTTPException(422, detail={"message": str(exc), "errors": exc.errors})


def _not_found(exc: UnknownInstance) -> HTTPException:
    return HTTPException(404, detail=str(exc))


@router.get("/instances")
def list_instances() -> list[dict]:
    """The configured instances (name, display name, primary, health)."""
    return queries.instances_overview()


@router.get("/summary")
def summary(instance: str | None = None) -> dict:
    """`{instance, as_of, stale_since, health, counts, workstations}` of the last poll."""
    try:
        return queries.summary(instance)
    except UnknownInstance as exc:
        raise _not_found(exc) from None


@router.get("/jobs")
def jobs(instance: str | None = None, status: str | None = None, workstation: str | None = None,
         stream: str | None = None, q: str | None = None, sort: str | None = None,
         limit: str = Query(str(DEFAULT_LIMIT)), offset: str = Query("0"),
         late: bool | None = None, stuck: bool | None = None, critical: bool | None = None,
         risk: str | None = None, at_risk: bool | None = None) -> dict:
    """One page of the plan's jobs. `status`: HWA statuses, comma-separated; `sort`: name, status, workstation,
    job_stream, start, end, duration, return_code, scheduled_start, deadline, confidence (`-` first to reverse);
    `limit` ≤ 500."""
    try:
        return queries.jobs(instance, status=status, workstation=workstation, stream=stream, q=q, sort=sort,
                            limit=limit, offset=offset, late=late, stuck=stuck, critical=critical, risk=risk, at_risk=at_risk)
    except QueryInvalid as exc:
        raise _invalid(exc) from None
    except UnknownInstance as exc:
        raise _not_found(exc) from None


@router.get("/jobs/{job_id}")
async def job(job_id: str, instance: str | None = None, log: bool = True) -> dict:
    """The job plus `{dependencies, history, log_excerpt}`; 404 if the plan has no such job."""
    try:
        name = await run_in_threadpool(queries.resolve_instance, instance)
        data = await run_in_threadpool(queries.job, name, job_id)
    except UnknownInstance as exc:
        raise _not_found(exc) from None
    if data is None:
        raise HTTPException(404, detail=f"The current plan of {name} has no job {job_id!r}.")
    data["log_excerpt"] = await service.log_excerpt(name, job_id) if log else None
    return data


class ActionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: str = Field(max_length=32, description="rerun, hold, release or cancel")
    instance: str | None = Field(None, max_length=64)


@router.post("/jobs/{job_id}/action")
async def job_action(job_id: str, body: ActionBody, request: Request,
                     user: Principal = Depends(require_operator)) -> dict:
    """Rerun / hold / release / cancel, for a signed-in operator or admin (401 otherwise), audited with their
    name. A read-only instance → 409; TWS refusing or unreachable → 502 with its message."""
    try:
        instance = await run_in_threadpool(queries.resolve_instance, body.instance)
        return await service.perform_action(instance, job_id, body.action, user.username, client_address(request))
    except UnknownInstance as exc:
        raise _not_found(exc) from None
    except ValueError as exc:
        raise HTTPException(422, detail=str(exc)) from None
    except service.ActionError as exc:
        raise HTTPException(exc.status, detail=exc.message) from None


@router.get("/events")
def events(instance: str | None = None, severity: str | None = None, type: str | None = None,
           since: str | None = None, until: str | None = None, q: str | None = None,
           limit: str = Query(str(DEFAULT_LIMIT)), offset: str = Query("0"),
           incident: str | None = None) -> dict:
    """Events, newest first. Without `instance`, every instance's; `incident`: the events of one incident."""
    try:
        return event_queries.events(instance, severity=severity, type=type, since=since, until=until, q=q, limit=limit,
                              offset=offset, all_instances=True, incident=incident)
    except QueryInvalid as exc:
        raise _invalid(exc) from None
    except UnknownInstance as exc:
        raise _not_found(exc) from None


@router.get("/incidents")
def incidents(instance: str | None = None, since: str | None = None,
              limit: str = Query(str(DEFAULT_LIMIT)), offset: str = Query("0")) -> dict:
    """Incidents (events of one instance sharing a cause within the incident window), latest activity first:
    `{count, results:[{id, instance, cause, first_at, last_at, events, severity, title}]}`. `since`: active since
    then. Without `instance`, every instance's."""
    from resync_app.tws.incident_reads import list_incidents

    try:
        return list_incidents(instance, since=since, limit=limit, offset=offset)
    except QueryInvalid as exc:
        raise _invalid(exc) from None
    except UnknownInstance as exc:
        raise _not_found(exc) from None


@router.get("/workstations")
def workstations(instance: str | None = None) -> list[dict]:
    try:
        return queries.workstations(instance)
    except UnknownInstance as exc:
        raise _not_found(exc) from None


@router.get("/polls")
def polls(instance: str | None = None, hours: int = Query(24, ge=1, le=24 * 90),
          limit: int = Query(2000, ge=1, le=20000)) -> list[dict]:
    """One row per poll of the last `hours` (oldest first): latency, outcome, jobs per status — for charts and
    metrics."""
    from datetime import timedelta

    from resync_app.db import utcnow

    try:
        return queries.poll_history(instance, since=utcnow() - timedelta(hours=hours), limit=limit)
    except UnknownInstance as exc:
        raise _not_found(exc) from None


@router.get("/critical-jobs")
def critical_jobs(instance: str | None = None, at_risk: bool = False) -> list[dict]:
    """Critical jobs with deadline, `risk` and `confidence`, least likely to make it first."""
    try:
        return queries.critical_jobs(instance, at_risk_only=at_risk)
    except UnknownInstance as exc:
        raise _not_found(exc) from None


@router.get("/jobs/{job_id}/threats")
def threats(job_id: str, instance: str | None = None) -> dict:
    """The job's critical path: path-aware estimated end and confidence, and the unfinished predecessors that
    threaten its deadline, least slack first. `job_id` may also be NAME, STREAM.NAME or WS#STREAM.NAME."""
    from resync_app.tws.threats import deadline_threats

    try:
        data = deadline_threats(instance, job_id)
    except UnknownInstance as exc:
        raise _not_found(exc) from None
    if data is None:
        raise HTTPException(404, detail=f"The current plan has no job {job_id!r}.")
    return data
