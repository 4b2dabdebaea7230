"""The simulator's REST API v2 routes (the subset Resync uses, as the spec names them).

GET  engine/info                           EngineInfoV2
GET  plan/job?oql&limit&offset             PaginatedResponse of JobInPlanV2  {count, results, next, previous}
GET  plan/job/{job_id}                     JobInPlanV2 with `dependencies`
GET  plan/job/{job_id}/predecessors?depth  ListResponseV21 {count, results}: JOB and JOBSTREAM nodes up to `depth`
                                           levels (0: all; default: behaviours.predecessor_depth); …/successors too
GET  plan/job/run/{run_id}/joblog          text/plain
GET  plan/job/joblog?oql=…                 text/plain (the log of the one job the filter selects)
PUT  plan/job/{job_id}/action/{hold|release|cancel}   ResourceResponseV2 {id, url}
PUT  plan/job/run/{run_id}/action/rerun    ResourceResponseV2 (the new run)
GET  plan/jobstream?oql&limit&offset, plan/jobstream/{id}
GET  plan/workstation?oql&limit&offset, plan/workstation/{id}
Errors: 400 bad parameters / refused action, 401, 404, 405, with the body `behaviours.error_body` chooses (the
spec gives error answers no body schema); a refused action is answered as `behaviours.refusal` says (400, 409, or a
200 ActionResourceResponseV2 with `isError`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson

from resync_app.tws_simulator import oql, render
from resync_app.tws_simulator.errors import error_answer
from resync_app.tws_simulator.model import Job, Stream
from resync_app.tws_simulator.plan_actions import ActionError
from resync_app.tws_simulator.ports import Answer, PlanSource

PREFIX = "/twsd/api/v2/"
MAX_LIMIT = 10000
JSON = {"Content-Type": "application/json"}


class HTTPError(Exception):
    def __init__(self, status: int, message: str, message_id: str = "AWSJSM400E") -> None:
        super().__init__(message)
        self.status, self.message, self.message_id = status, message, message_id


def error(status: int, message: str, message_id: str) -> Answer:
    """The JSON error answer (`{code, messageId, message}`: the control API's, and the HWA routes' by default)."""
    return status, dict(JSON), orjson.dumps({"code": status, "messageId": message_id, "message": message})


def ok(body: Any) -> Answer:
    return 200, dict(JSON), body if isinstance(body, bytes) else orjson.dumps(body)


def hwa(sim: PlanSource, method: str, path: str, query: dict[str, str], host: str, include_count: bool) -> Answer:
    """Route one authenticated /twsd/api/v2/… request."""
    parts = path[len(PREFIX):].strip("/").split("/")
    shape = sim.behaviours.error_body
    try:
        return _route(sim, method, parts, query, host, include_count)
    except HTTPError as exc:
        return error_answer(shape, exc.status, exc.message, exc.message_id)
    except oql.OQLError as exc:
        return error_answer(shape, 400, f"AWSJSM410E The OQL filter is not valid: {exc}", "AWSJSM410E")


def _route(sim: PlanSource, method: str, parts: list[str], query: dict, host: str, count: bool) -> Answer:
    plan = sim.plan
    head = parts[:2]
    if parts == ["engine", "info"]:
        _only(method, "GET")
        return ok(render.engine_info(plan))
    if head == ["plan", "job"]:
        rest = parts[2:]
        if not rest:
            _only(method, "GET")
            return _page(sim, "job", query, host, count)
        if rest == ["joblog"]:
            _only(method, "GET")
            return _filtered_log(sim, query)
        if rest[0] == "run" and len(rest) >= 3:
            return _run_route(sim, method, rest[1], rest[2:], host)
        job = plan.job_by_id.get(rest[0])
        if job is None:
            raise HTTPError(404, f"AWSJSM404E No job with the ID {rest[0]} was found in the plan.", "AWSJSM404E")
        if len(rest) == 1:
            _only(method, "GET")
            return ok(render.job_dict(job, plan, detail=True))
        if rest[1:] in (["predecessors"], ["successors"]):
            _only(method, "GET")
            depth = _int_param(query, "depth", sim.behaviours.predecessor_depth, 0)
            nodes = lineage(sim, job, rest[1], depth)
            return ok(b'{"count":%d,"results":[%s]}' % (len(nodes), b",".join(
                render.job_bytes(n, plan) if isinstance(n, Job) else render.stream_bytes(n, plan) for n in nodes)))
        if len(rest) == 3 and rest[1] == "action":
            _only(method, "PUT")
            if rest[2] not in ("hold", "release", "cancel"):
                raise HTTPError(400 if rest[2] != "rerun" else 404,
                                f"AWSJSM406E The action {rest[2]!r} is not available here; rerun is "
                                f"PUT plan/job/run/{{run_id}}/action/rerun.", "AWSJSM406E")
            try:
                getattr(plan, rest[2])(job)
            except ActionError as exc:
                return _refused(sim, exc, job.id, host)
            return ok({"id": job.id, "url": f"{_base(host)}plan/job/{job.id}"})
    elif head == ["plan", "jobstream"]:
        _only(method, "GET")
        if len(parts) == 2:
            return _page(sim, "jobstream", query, host, count)
        stream = plan.stream_by_id.get(parts[2]) if len(parts) == 3 else None
        if stream is None:
            raise HTTPError(404, f"AWSJSM404E No job stream with the ID {parts[2]} was found in the plan.",
                            "AWSJSM404E")
        return ok(render.stream_bytes(stream, plan))
    elif head == ["plan", "workstation"]:
        _only(method, "GET")
        if len(parts) == 2:
            return _page(sim, "workstation", query, host, count)
        ws = plan.ws_by_id.get(parts[2]) if len(parts) == 3 else None
        if ws is None:
            raise HTTPError(404, f"AWSJSM404E No workstation with the ID {parts[2]} was found in the plan.",
                            "AWSJSM404E")
        return ok(render.workstation_bytes(ws, plan))
    raise HTTPError(404, f"AWSJSM404E {'/'.join(parts)} is not a resource of this server.", "AWSJSM404E")


def _refused(sim: PlanSource, exc: ActionError, job_id: str, host: str) -> Answer:
    """An action TWS refuses, answered as `behaviours.refusal` says."""
    if sim.behaviours.refusal == "200":  # ActionResourceResponseV2 with the reason, status 200
        return ok({"id": job_id, "url": f"{_base(host)}plan/job/{job_id}", "message": exc.message, "isError": True,
                   "error": True})
    status = 409 if sim.behaviours.refusal == "409" else exc.status
    return error_answer(sim.behaviours.error_body, status, exc.message, exc.message.split(" ", 1)[0])


def lineage(sim: PlanSource, job: Job, direction: str, depth: int) -> list[Job | Stream]:
    """A job's predecessors (jobs, and job streams it follows as a whole) or successors, `depth` levels deep (0:
    all), nearest first, each once. A job stream node ends the walk (its own dependencies are not modelled)."""
    plan = sim.plan
    out: list[Job | Stream] = []
    seen: set[str] = {job.id}
    level, levels = [job], 0
    while level and (depth == 0 or levels < depth):
        levels += 1
        nxt: list[Job] = []
        for node in level:
            near = [*node.preds, *node.stream_preds] if direction == "predecessors" else list(node.succs)
            for other in near:
                alive = other.id in (plan.job_by_id if isinstance(other, Job) else plan.stream_by_id)
                if other.id in seen or not alive:
                    continue
                seen.add(other.id)
                out.append(other)
                if isinstance(other, Job):
                    nxt.append(other)
        level = nxt
    return out


def _only(method: str, allowed: str) -> None:
    if method != allowed:
        raise HTTPError(405, f"AWSJSM405E Method {method} is not allowed here (use {allowed}).", "AWSJSM405E")


def _base(host: str) -> str:
    return f"http://{host}{PREFIX}"


def _run_route(sim: PlanSource, method: str, run_id: str, rest: list[str], host: str) -> Answer:
    plan = sim.plan
    found = plan.run_by_id.get(run_id)
    if found is None:
        raise HTTPError(404, f"AWSJSM404E No job run instance with the ID {run_id} was found in the plan.",
                        "AWSJSM404E")
    job, run = found
    if rest == ["joblog"]:
        _only(method, "GET")
        return 200, {"Content-Type": "text/plain; charset=utf-8"}, render.job_log(job, run, plan).encode()
    if rest == ["action", "rerun"]:
        _only(method, "PUT")
        try:
            new = plan.rerun(job)
        except ActionError as exc:
            return _refused(sim, exc, job.id, host)
        return ok({"id": new.id, "url": f"{_base(host)}plan/job/{job.id}"})
    raise HTTPError(404, f"AWSJSM404E plan/job/run/{run_id}/{'/'.join(rest)} is not a resource of this server.",
                    "AWSJSM404E")


def _filtered_log(sim: PlanSource, query: dict) -> Answer:
    matches = sim.query("job", query.get("oql"))
    if not matches:
        raise HTTPError(404, "AWSJSM404E No job run instances match the provided filter.", "AWSJSM404E")
    if len(matches) > 1:
        raise HTTPError(400, f"AWSJSM411E The filter selects {len(matches)} jobs; select one (id = '…').",
                        "AWSJSM411E")
    job = matches[0]
    return 200, {"Content-Type": "text/plain; charset=utf-8"}, render.job_log(job, job.run, sim.plan).encode()


def _int_param(query: dict, name: str, default: int, minimum: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPError(400, f"AWSJSM401E The parameter {name} must be an integer, not {raw!r}.",
                        "AWSJSM401E") from None
    if value < minimum:
        raise HTTPError(400, f"AWSJSM401E The parameter {name} must be at least {minimum}.", "AWSJSM401E")
    return value


_RENDER = {"job": render.job_bytes, "jobstream": render.stream_bytes, "workstation": render.workstation_bytes}


def _page(sim: PlanSource, kind: str, query: dict, host: str, include_count: bool) -> Answer:
    limit = min(_int_param(query, "limit", MAX_LIMIT, 1), MAX_LIMIT)
    offset = _int_param(query, "offset", 0, 0)
    items = sim.query(kind, query.get("oql"))
    total = len(items)
    chunk = items[offset:offset + limit]
    to_bytes = _RENDER[kind]
    body = b",".join(to_bytes(item, sim.plan) for item in chunk)
    base = {k: v for k, v in query.items() if k not in ("limit", "offset")}
    path = f"{_base(host)}plan/{kind}"
    nxt = (f"{path}?{urlencode({**base, 'limit': limit, 'offset': offset + limit})}"
           if offset + limit < total else None)
    prev = (f"{path}?{urlencode({**base, 'limit': limit, 'offset': max(0, offset - limit)})}"
            if offset > 0 else None)
    head = b'{"count":' + (str(total).encode() if include_count else b"null")
    tail = b',"next":' + orjson.dumps(nxt) + b',"previous":' + orjson.dumps(prev) + b"}"
    return ok(head + b',"results":[' + body + b"]" + tail)
