"""The simulator's control API over HTTP (not HWA): `/_sim/…`, same Basic credentials as the HWA routes.

GET    /_sim/state                               clock, speed, counts by status, workstations, rates, faults
POST   /_sim/clock      {"advance_s": 600} | {"to": "2026-03-02T06:00:00Z"} | {"speed": 60}
GET    /_sim/jobs?status=ABEND&workstation=…&stream=…&critical=true&root=true&limit=50
POST   /_sim/jobs/{job_id}/script   {"outcome": "abend" | "stuck" | "late" | "succ" | "fail" | "error" | "succp" |
                                              "abenp" | "pend"}   (the last five: lifecycle.py)
POST   /_sim/workstations/{name}    {"linked": false, "online": true, "running": true}   (any subset)
PUT    /_sim/rates      {"abend": 0.05, "stuck": 0.01, "late": 0.02, "flap": 0.1}
PUT    /_sim/faults     {"latency_s": 3, "fail_status": 500, "fail_count": 2, "bad_answer": "html",
                         "down_for_s": 10}      (down_for_s: stop listening now, listen again after that long)
DELETE /_sim/faults                              clear every fault
GET    /_sim/behaviours                          the engine behaviours (behaviours.py, issue 16 D1-D6)
PUT    /_sim/behaviours {"error_body": "html", "refusal": "200", "predecessor_depth": 0, "late_job_numbers": true}
                                                 (those that may change while running; the others at start)
POST   /_sim/shutdown                            ask the process to exit (`python -m …` does; in-process: a flag)
"""

from __future__ import annotations

from typing import Any

import orjson

from resync_app.tws.plan_values import parse_time
from resync_app.tws_simulator.model import OUTCOMES
from resync_app.tws_simulator.plan_actions import ActionError
from resync_app.tws_simulator.ports import Answer, Controllable
from resync_app.tws_simulator.routes import error, ok


class _Bad(Exception):
    pass


def handle(sim: Controllable, method: str, path: str, query: dict[str, str], body: bytes) -> Answer:
    parts = path.strip("/").split("/")[1:]
    try:
        payload = _body(body)
        return _route(sim, method, parts, query, payload)
    except _Bad as exc:
        return error(400, str(exc), "SIM400E")
    except KeyError as exc:
        return error(404, str(exc.args[0] if exc.args else exc), "SIM404E")
    except (ValueError, TypeError) as exc:
        return error(400, str(exc), "SIM400E")
    except ActionError as exc:
        return error(exc.status, exc.message, "SIM409E")


def _body(body: bytes) -> dict:
    if not body.strip():
        return {}
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _Bad("the request body is not JSON") from None
    if not isinstance(value, dict):
        raise _Bad("the request body must be a JSON object")
    return value


def _bool(value: Any, name: str) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise _Bad(f"{name} must be true or false")


def _number(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f"{name} must be a number")
    return float(value)


def _route(sim: Controllable, method: str, parts: list[str], query: dict, payload: dict) -> Answer:
    if parts == ["state"] and method == "GET":
        return ok(sim.state())
    if parts == ["clock"] and method == "POST":
        if "speed" in payload:
            speed = _number(payload["speed"], "speed")
            if speed is None or speed < 0:
                raise _Bad("speed must be ≥ 0")
            sim.set_speed(speed)
        if "advance_s" in payload:
            seconds = _number(payload["advance_s"], "advance_s")
            if seconds is None or seconds < 0:
                raise _Bad("advance_s must be ≥ 0")
            sim.advance(seconds)
        if "to" in payload:
            when = parse_time(payload["to"])
            if when is None:
                raise _Bad("to must be an ISO 8601 date-time")
            if when < sim.now:
                raise _Bad("the clock only moves forward")
            sim.advance_to(when)
        return ok(sim.state())
    if parts == ["jobs"] and method == "GET":
        limit = query.get("limit")
        return ok(sim.find_jobs(status=query.get("status"), workstation=query.get("workstation"),
                                stream=query.get("stream"), critical=_bool(query.get("critical"), "critical"),
                                root=_bool(query.get("root"), "root"),
                                limit=int(limit) if limit and limit.isdigit() else 100))
    if len(parts) == 3 and parts[0] == "jobs" and parts[2] == "script" and method == "POST":
        outcome = payload.get("outcome")
        if not isinstance(outcome, str):
            raise _Bad(f"outcome is one of {', '.join(OUTCOMES)}")
        sim.script_job(parts[1], outcome)
        return ok(sim.job_info(parts[1]))
    if len(parts) == 2 and parts[0] == "workstations" and method == "POST":
        sim.set_workstation(parts[1], linked=_bool(payload.get("linked"), "linked"),
                            online=_bool(payload.get("online"), "online"),
                            running=_bool(payload.get("running"), "running"))
        return ok(sim.workstation_info(parts[1]))
    if parts == ["rates"] and method == "PUT":
        unknown = set(payload) - {"abend", "stuck", "late", "flap"}
        if unknown:
            raise _Bad(f"unknown rates: {', '.join(sorted(unknown))}")
        sim.set_rates(**{k: _number(v, k) for k, v in payload.items()})
        return ok(sim.state()["rates"])
    if parts == ["behaviours"] and method == "GET":
        return ok(sim.state()["behaviours"])
    if parts == ["behaviours"] and method == "PUT":
        sim.set_behaviours(**payload)
        return ok(sim.state()["behaviours"])
    if parts == ["shutdown"] and method == "POST":
        sim.shutdown_requested.set()
        return ok({"stopping": True})
    if parts == ["faults"] and method == "DELETE":
        sim.clear_faults()
        return ok(sim.state()["faults"])
    if parts == ["faults"] and method == "PUT":
        return _faults(sim, payload)
    return error(404, f"/_sim/{'/'.join(parts)} ({method}) is not a control route", "SIM404E")


def _faults(sim: Controllable, payload: dict) -> Answer:
    unknown = set(payload) - {"latency_s", "fail_status", "fail_count", "bad_answer", "down_for_s"}
    if unknown:
        raise _Bad(f"unknown faults: {', '.join(sorted(unknown))}")
    if "latency_s" in payload:
        latency = _number(payload["latency_s"], "latency_s")
        if latency is None or latency < 0:
            raise _Bad("latency_s must be ≥ 0")
        sim.set_latency(latency)
    if "fail_status" in payload:
        status = payload["fail_status"]
        if status is not None and (not isinstance(status, int) or not 400 <= status <= 599):
            raise _Bad("fail_status must be an HTTP error status (400-599) or null")
        count = payload.get("fail_count")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise _Bad("fail_count must be a positive integer or null")
        sim.fail(status, count)
    if "bad_answer" in payload:
        sim.answer_badly(payload["bad_answer"])
    answer = ok(sim.state()["faults"])
    if "down_for_s" in payload:
        seconds = _number(payload["down_for_s"], "down_for_s")
        if seconds is None or not 0 < seconds <= 3600:
            raise _Bad("down_for_s must be between 0 and 3600 seconds")
        sim.down_for(seconds, after=0.05)  # answer first, then go down (from a timer thread)
    return answer
