"""Plan objects as the REST API v2 JSON (JobInPlanV2, JobStreamInPlanV2, WorkstationInPlanV2, EngineInfoV2).

Field names and enum values follow `hwa-rest-api-v2.openapi.json`. A job's, stream's or workstation's JSON is
rendered once and cached as bytes until it changes, so a page of 1000 jobs is a join of cached bytes.
As the spec says, `dependencies` is filled for a single job (GET plan/job/{id}) and left out of query results.
"""

from __future__ import annotations

import time

import orjson

from resync_app.tws.plan_values import format_duration
from resync_app.tws.statuses import BY_CODE, FAILED_STATUSES, RUNNING_STATUSES
from resync_app.tws_simulator.model import FINAL, Job, Run, Stream, Workstation
from resync_app.tws_simulator.plan import Plan

VERSION = "10.1.0.1"


def iso(t: float | None) -> str | None:
    """Virtual epoch seconds as an ISO 8601 UTC instant (whole seconds)."""
    if t is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def shown_status(job: Job, run: Run) -> str:
    """The status the REST API shows: the run's, in the spellings of a job with extended statuses (behaviours D4):
    SCHED while its start time has not come, CANCELLED when cancelled."""
    status = run.status
    if job.extended:
        if status == "HOLD" and run.substatus == "HOLD_WAITING_FOR_TIME":
            return "SCHED"
        if status == "CANCL":
            return "CANCELLED"
    return status


def composite(job: Job, run: Run) -> dict:
    status = shown_status(job, run)
    out = {"status": status, "canceled": run.status == "CANCL", "error": status in FAILED_STATUSES,
           "started": run.start is not None}
    if run.substatus and status != "SCHED":
        out["substatus"] = run.substatus
    return out


def common_status(job: Job, run: Run) -> str:
    if run.status == "HOLD" and run.substatus == "HOLD_PRIORITY_ZERO":
        return "HELD"
    found = BY_CODE.get(run.status)
    return found.common if found is not None else "UNDECIDED"


def run_dict(job: Job, run: Run, plan: Plan, *, detail: bool = False) -> dict:
    time_info = {"estimatedDuration": format_duration(job.est)}
    if run.start is not None:
        time_info["actualStartTime"] = iso(run.start)
    if run.end is not None:
        time_info["actualEndTime"] = iso(run.end)
        time_info["elapsedTime"] = format_duration(run.end - (run.start or run.end))
    out = {
        "id": run.id,
        "jobNumber": run.number,  # None (left out) until launch with behaviours D5
        "compositeStatus": composite(job, run),
        "commonStatus": common_status(job, run),
        "rerunType": "RERUN" if run.rerun else "REGULAR",
        "lastInRerunChain": run is job.runs[-1],
        "timeInfo": time_info,
    }
    if run.number is None:
        del out["jobNumber"]
    if run.rc is not None:
        out["returnCode"] = run.rc
    if detail:
        out.update({"name": job.name, "jobId": job.id, "jobKey": job.key, "actualWorkstation": job.ws.name,
                    "runAttempt": run.attempt, "rerunJob": run.rerun})
    return out


def job_dict(job: Job, plan: Plan, *, detail: bool = False) -> dict:
    """JobInPlanV2. Query results carry the fields Resync reads (about 1 KB a job); `detail` (GET plan/job/{id})
    adds the job definition, identifiers and `dependencies`."""
    run = job.run
    stream = job.stream
    unresolved = sum(1 for p in job.preds if not job.pred_done(p)) + sum(1 for s in job.stream_preds if not s.done)
    dependencies = len(job.preds) + len(job.stream_preds)
    start_ref = run.start if run.start is not None else max(job.at, stream.at)
    restrictions = {"startTime": iso(job.at)}
    if job.deadline is not None:
        restrictions["deadlineTime"] = iso(job.deadline)
    out = {
        "flowNodeType": "JOB",
        "id": job.id,
        "name": job.name,
        "folder": "/",
        "workstation": job.ws.name,
        "jobStreamId": stream.id,
        "jobStreamName": stream.name,
        "jobStreamWorkstation": stream.ws.name,
        "position": job.position,
        "jobStatusFlags": {"jobLate": job.late_flag, "deadlineHasPassed": job.deadline_passed},
        "jobOptions": {"critical": job.critical},
        "lastRunCompositeStatus": composite(job, run),
        "lastRunCommonStatus": common_status(job, run),
        "priority": job.priority,
        "jobruns": [run_dict(job, r, plan, detail=detail) for r in job.runs],
        "schedTime": iso(stream.at),
        "timeRestrictions": restrictions,
        "dependenciesStats": {"numberOfDependencies": dependencies,
                              "numberOfUnresolvedDependencies": unresolved},
        "endTime": iso(run.end if run.end is not None else start_ref + job.est),
    }
    if job.critical:
        out["confidenceInterval"] = "95"
    if job.critical_start is not None:
        out["criticalStart"] = iso(job.critical_start)
    if detail:
        out.update({
            "engineId": plan.engine_id, "persistentId": job.id, "planId": plan.plan_id,
            "workstationId": job.ws.id, "jobStreamWorkstationId": stream.ws.id, "key": job.key,
            "jobDefinitionFlags": {"monitored": job.critical, "aliased": False, "interactive": False},
            "jobDefinitionRefId": job.definition_id,
            "jobDefinition": {
                "id": job.definition_id, "name": job.name, "workstationId": job.ws.id, "workstation": job.ws.name,
                "description": job.description, "task": {"type": "executable", "command": job.task},
                "isCommand": False, "estimatedDuration": format_duration(job.est), "recoveryOption": "STOP",
            },
            "origPriority": 10,
            "timeZone": "UTC",
            "archived": False,
            "dependencies": [_dependency(job, pred, i) for i, pred in enumerate(job.preds, 1)]
            + [_stream_dependency(job, pred, i) for i, pred in enumerate(job.stream_preds, len(job.preds) + 1)],
        })
        out["jobStatusFlags"].update({"restarted": len(job.runs) > 1, "userRerunAgain": False,
                                      "jobStreamCancelled": False})
        out["jobOptions"].update({"noOperation": False, "requiresConfirmation": False, "every": False})
        out["timeRestrictions"].update({"timeDependent": True,
                                        "startTimeSatisfied": plan.now >= job.at or run.start is not None})
        if job.deadline is not None:
            out["timeRestrictions"].update({"lateAction": "continue", "deadlineSatisfied": not job.deadline_passed})
        out["dependenciesStats"].update({
            "numberOfJobDependencies": len(job.preds), "numberOfJobStreamDependencies": len(job.stream_preds),
            "numberOfNonResourceUnresolvedDependencies": unresolved})
    return out


def _dependency(job: Job, pred: Job, sequence: int) -> dict:
    satisfied = job.pred_done(pred)
    dep = {
        "dependencyType": "INTERNAL" if pred.stream is job.stream else "EXTERNAL_JOB",
        "id": f"{job.id}:{sequence}",
        "dependencyStatus": "SATISFIED" if satisfied else "UNSATISFIED",
        "satisfied": satisfied,
        "depSequence": sequence,
        "mandatory": True,
        "jobId": pred.id,
        "jobName": pred.name,
        "jobStreamName": pred.stream.name,
        "jobStreamWorkstation": pred.stream.ws.name,
        "jobStreamSchedTime": iso(pred.stream.at),
        "predecessorStatus": composite(pred, pred.run),
        "jobSuccId": job.id,
    }
    if dep["dependencyType"] == "EXTERNAL_JOB":
        dep["jobStreamId"] = pred.stream.id
        dep["jobWorkstationName"] = pred.ws.name
    return dep


def _stream_dependency(job: Job, pred: Stream, sequence: int) -> dict:
    """ExternalJobStreamDependencyInPlanV2: the job follows a whole job stream (behaviours D3)."""
    satisfied = pred.done
    status, _ = stream_status(pred)
    return {
        "dependencyType": "EXTERNAL_JOBSTREAM",
        "id": f"{job.id}:{sequence}",
        "dependencyStatus": "SATISFIED" if satisfied else "UNSATISFIED",
        "satisfied": satisfied,
        "depSequence": sequence,
        "mandatory": True,
        "jobStreamId": pred.id,
        "jobStreamName": pred.name,
        "jobStreamWorkstation": pred.ws.name,
        "jobStreamSchedTime": iso(pred.at),
        "jobSuccId": job.id,
        "predecessorStatus": {"status": status, "started": any(j.runs[0].start is not None for j in pred.jobs)},
    }


def _compact(value: dict) -> bytes:
    """JSON bytes of exactly their size (orjson's own buffer keeps ~8 KB per call: 400 MB for 50 000 jobs)."""
    return bytes(memoryview(orjson.dumps(value)))


def job_bytes(job: Job, plan: Plan) -> bytes:
    if job.cache is None:
        job.cache = _compact(job_dict(job, plan))
    return job.cache


_STREAM_BUCKET = {"SUCC": "SUCC", "ABEND": "ABEND", "FAIL": "ABEND", "ERROR": "ABEND", "CANCL": "CANCL",
                  **{code: "EXEC" for code in RUNNING_STATUSES}, "ABENP": "EXEC"}


def stream_status(stream: Stream) -> tuple[str, dict]:
    counts = {"SUCC": 0, "ABEND": 0, "EXEC": 0, "CANCL": 0, "other": 0}
    for job in stream.jobs:
        counts[_STREAM_BUCKET.get(job.status, "other")] += 1
    total = len(stream.jobs)
    if counts["SUCC"] + counts["ABEND"] + counts["CANCL"] == total:
        status = "ABEND" if counts["ABEND"] else "CANCL" if counts["CANCL"] == total else "SUCC"
    elif counts["EXEC"] or counts["SUCC"] or counts["ABEND"]:
        status = "STUCK" if counts["ABEND"] and not counts["EXEC"] and _blocked(stream) else "EXEC"
    else:
        status = "READY" if any(j.status in ("READY", "WAIT") for j in stream.jobs) else "HOLD"
    return status, counts


def _blocked(stream: Stream) -> bool:
    """Nothing left can run: every unfinished job waits on an abended job (TWS shows such a stream as STUCK)."""
    return all(j.status in FINAL or j.run.substatus == "HOLD_WAITING_FOR_PREDECESSOR" for j in stream.jobs)


_STREAM_COMMON = {"SUCC": "SUCCESSFUL", "ABEND": "ERROR", "CANCL": "CANCELED", "EXEC": "RUNNING", "STUCK": "BLOCKED",
                  "READY": "READY", "HOLD": "WAITING"}


def stream_dict(stream: Stream, plan: Plan) -> dict:
    status, counts = stream_status(stream)
    starts = [j.runs[0].start for j in stream.jobs if j.runs[0].start is not None]
    ends = [j.run.end for j in stream.jobs if j.run.end is not None]
    finished = status in ("SUCC", "ABEND", "CANCL")
    late = stream.deadline is not None and any(j.deadline_passed for j in stream.jobs)
    return {
        "flowNodeType": "JOBSTREAM",
        "engineId": plan.engine_id,
        "id": stream.id,
        "persistentId": stream.id,
        "planId": plan.plan_id,
        "folder": "/",
        "name": stream.name,
        "originalJobStreamName": stream.name,
        "workstationId": stream.ws.id,
        "workstation": stream.ws.name,
        "key": f"{stream.ws.name}#{stream.name}",
        "schedTime": iso(stream.at),
        "scheduledDate": iso(stream.day),
        "timeZone": "UTC",
        "jsDefinitionFlags": {"aliased": False, "carriedForward": False, "isService": False},
        "jsStatusFlags": {"released": bool(starts), "lateJobStream": late, "pendingPredecessor": False},
        "jsOptions": {"monitored": any(j.critical for j in stream.jobs), "carryForward": True},
        "compositeStatus": {"status": status, "started": bool(starts), "error": bool(counts["ABEND"]),
                            "canceled": status == "CANCL", "cancelPending": False, "dontRun": False},
        "commonStatus": _STREAM_COMMON.get(status, "UNDECIDED"),
        "priority": 10,
        "origPriority": 10,
        "timeInfo": _clean({"actualStartTime": iso(min(starts)) if starts else None,
                            "actualEndTime": iso(max(ends)) if finished and ends else None}),
        "timeRestrictions": _clean({"startTime": iso(stream.at), "deadlineTime": iso(stream.deadline),
                                    "timeDependent": True}),
        "jobStreamStats": {
            "numberOfJob": len(stream.jobs), "numberOfSuccessfullJob": counts["SUCC"],
            "numberOfAbendedJob": counts["ABEND"], "numberOfExecutingJob": counts["EXEC"],
            "numberOfNotRunningJob": counts["other"], "numberOfFailedJob": 0, "numberOfUndecidedJob": 0,
        },
        "limit": -1,
        "archived": False,
    }


def stream_bytes(stream: Stream, plan: Plan) -> bytes:
    if stream.cache is None:
        stream.cache = _compact(stream_dict(stream, plan))
    return stream.cache


def workstation_dict(ws: Workstation, plan: Plan) -> dict:
    return {
        "engineId": plan.engine_id,
        "id": ws.id,
        "persistentId": ws.id,
        "planId": plan.plan_id,
        "folder": "/",
        "name": ws.name,
        "key": ws.name,
        "description": f"{ws.os.title()} {ws.type.lower()} workstation",
        "activeStates": ws.states(),
        "activeFlags": ws.flags(),
        "type": ws.type,
        "hostType": ws.host_type,
        "os": ws.os,
        "timeZone": "UTC",
        "nodeName": f"{ws.name.lower().replace('_', '-')}.example.com",
        "tcpPort": 31111,
        "domainName": ws.domain,
        "limit": 40,
        "fence": 0,
        "version": VERSION,
        "runNumber": 1,
        "ignore": False,
        "archived": False,
    }


def workstation_bytes(ws: Workstation, plan: Plan) -> bytes:
    if ws.cache is None:
        ws.cache = _compact(workstation_dict(ws, plan))
    return ws.cache


def engine_info(plan: Plan) -> dict:
    return {
        "displayVersion": VERSION,
        "fullVersion": f"{VERSION} (Resync HWA simulator)",
        "capabilities": {"plan": {"oql": "true", "paging": "true"}},
        "adminRoles": {"admin": []},
        "referenceId": plan.engine_id,
        "licenseType": "PERJOB",
        "locale": "en_US",
        "timezone": "UTC",
    }


def job_log(job: Job, run: Run, plan: Plan) -> str:
    """A TWS-looking job log (header, output lines, footer once the run has ended)."""
    lines = [
        "===============================================================",
        f"= JOB       : {job.ws.name}#{job.stream.name}[({iso(job.stream.at)})].{job.name}",
        "= USER      : batchusr",
        f"= JCLFILE   : {job.task}",
        f"= Job Number: {run.number if run.number is not None else '(not launched)'}",
        f"= {iso(run.start) or 'not started'}",
        "===============================================================",
    ]
    if run.start is not None:
        lines.append(f"{job.description}.")
        for step in range(1, 1 + (run.log_seed % 7) + 3):
            lines.append(f"[{iso(run.start)}] step {step}: processed {(run.log_seed * step * 7919) % 100000} records")
        if run.status in ("ABEND", "ERROR"):
            lines.append(f"ERROR: {job.name} failed: return code {run.rc} (see the application log)")
    if run.end is not None:
        lines += [
            "===============================================================",
            f"= Exit Status           : {run.rc if run.rc is not None else 'CANCELLED'}",
            f"= Elapsed Time (hh:mm:ss) : {_hms(run.end - (run.start or run.end))}",
            f"= {iso(run.end)}",
            "===============================================================",
        ]
    return "\n".join(lines) + "\n"


def _hms(seconds: float) -> str:
    total = int(round(seconds))
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"
