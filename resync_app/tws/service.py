"""The TWS service's calls that reach TWS on demand, and the poller's controls.

- `test_instance(name)` / `test_connection(config)`: engine info and latency, or the error class in words (the TWS
  Configuration page, `POST /api/v1/admin/tws-config/test`, and the Health page).
- `perform_action(instance, job_id, action, actor)`: rerun / hold / release / cancel, audited; read-only or disabled
  → refused.
- `log_excerpt(instance, job_id)`: a job's log tail, short timeout, cached briefly (the job detail); at most
  `log_gate.MAX_LOG_FETCHES` fetches in flight per instance, across clients and workers.
- `poller_status()`, `set_paused()`, `poll_now()`: what the Proactive Monitoring page shows and asks.
- `startup()` / `shutdown()`: the default simulator instance and the poller (from `runtime`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from sqlmodel import select

from resync_app.audit.service import record as audit_record
from resync_app.db import session_scope, utcnow
from resync_app.events import feed
from resync_app.tws import instances, log_gate, operator_view
from resync_app.tws.client import ACTIONS, HWAClient
from resync_app.tws.errors import TWSError, TWSReadOnly
from resync_app.tws.instance_config import InstanceConfig, UnknownInstance
from resync_app.tws.log_cache import BoundedTtlCache
from resync_app.tws.models import TwsPlanJob, TwsPollerControl, TwsSummary
from resync_app.tws.poller import CONTROL_TOPIC, get_poller, reset_poller

logger = logging.getLogger("resync.tws.service")

TEST_TIMEOUT_S = 8.0
LOG_TIMEOUT_S = 5.0
LOG_CACHE_S = 30.0
LOG_MAX_CHARS = 4000
LOG_CACHE_MAX_ENTRIES = 64  # distinct jobs opened within LOG_CACHE_S on one worker
LOG_CACHE_MAX_BYTES = 512 * 1024
ACTION_TIMEOUT_S = 15.0
LOG_BUSY = (f"TWS is already sending {log_gate.MAX_LOG_FETCHES} job logs for this instance: open the job again in "
            "a moment.")

ERROR_WORDS = {
    "unreachable": "TWS is unreachable",
    "unauthorized": "wrong username or password",
    "forbidden": "the user lacks TWS rights",
    "not_found": "not an HWA REST API v2 address",
    "timeout": "TWS did not answer in time",
    "bad_answer": "TWS gave an answer Resync cannot use",
    "refused": "TWS refused",
    "read_only": "the instance is read-only",
    "password_unreadable": "the stored password cannot be read",
    "error": "unexpected error",
}


# ---- test connection -----------------------------------------------------------------------------------


def _failure(name: str, kind: str, message: str, started: float | None) -> dict[str, Any]:
    return {"success": False, "instance": name,
            "latency_ms": round((time.perf_counter() - started) * 1000, 1) if started is not None else None,
            "error": message, "error_kind": kind, "error_class": ERROR_WORDS.get(kind, kind)}


async def test_connection(config: InstanceConfig, *, timeout_s: float = TEST_TIMEOUT_S) -> dict[str, Any]:
    """`{success, latency_ms, engine_info}` or `{success: false, latency_ms, error, error_kind, error_class}`;
    never raises for TWS trouble."""
    password = config.password()
    if password is None and config.password_set:
        return _failure(config.name, "password_unreadable",
                        "The stored password cannot be decrypted (the secret key changed): enter it again.", None)
    started = time.perf_counter()
    try:
        async with HWAClient(config.connection(timeout_s=timeout_s, retries=0)) as client:
            info = await client.engine_info()
    except TWSError as exc:
        return _failure(config.name, exc.kind, str(exc), started)
    except Exception as exc:  # the test must answer, whatever happened
        logger.exception("test of TWS instance %s failed unexpectedly", config.name)
        return _failure(config.name, "error", f"{type(exc).__name__}: {exc}"[:300], started)
    return {"success": True, "instance": config.name, "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            "engine_info": info}


async def test_instance(name: str) -> dict[str, Any]:
    """Test a configured instance (UnknownInstance if there is none by that name)."""
    return await test_connection(instances.get_instance(name))


# ---- actions --------------------------------------------------------------------------------------------


class ActionError(Exception):
    """An action that did not happen: `status` is the HTTP status the API answers (409 read-only, 502 TWS)."""

    def __init__(self, status: int, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.kind = status, message, kind


async def perform_action(instance: str, job_id: str, action: str, actor: str, client: str = "") -> dict[str, Any]:
    """Rerun, hold, release or cancel a job on TWS; audited whatever the outcome. Raises ValueError (bad action),
    UnknownInstance, or ActionError (409 read-only or disabled instance, 502 TWS refused or unreachable)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: use one of {', '.join(ACTIONS)}")
    config = instances.get_instance(instance)
    job_name = _job_name(instance, job_id)
    detail = {"job_id": job_id, "job": job_name, "action": action}
    target = f"{instance}/{job_name or job_id}"
    if not config.enabled:  # like read-only: refused here, nothing is sent to TWS
        audit_record(actor, "tws.job.action.refused", target, {**detail, "reason": "disabled"}, client)
        raise ActionError(409, f"TWS instance '{instance}' is disabled in Resync: {action} is not allowed. An admin "
                               f"can enable it in TWS Configuration.", "disabled")
    try:
        async with HWAClient(config.connection(timeout_s=ACTION_TIMEOUT_S, retries=1)) as tws:
            await tws.action(job_id, action)  # type: ignore[arg-type]
    except TWSReadOnly as exc:
        audit_record(actor, "tws.job.action.refused", target, {**detail, "reason": "read-only"}, client)
        raise ActionError(409, str(exc), exc.kind) from None
    except TWSError as exc:  # the operator gets TWS' reason, not the TWS address or user (operator_view)
        audit_record(actor, "tws.job.action.failed", target, {**detail, "error": exc.kind}, client)
        raise ActionError(502, operator_view.scrub(str(exc), config), exc.kind) from None
    audit_record(actor, "tws.job.action", target, detail, client)
    poll_now(instance, actor, client, audit=False)  # the snapshot shows the effect at the next poll
    label = job_name or job_id
    return {"success": True, "message": f"{action.capitalize()} of job {label} sent to {instance}.",
            "instance": instance, "job_id": job_id, "action": action}


def _job_name(instance: str, job_id: str) -> str | None:
    with session_scope() as db:
        row = db.get(TwsPlanJob, (instance, job_id))
        return f"{row.workstation}#{row.job_stream}.{row.name}" if row is not None else None


# ---- job log excerpt (on demand, cached briefly) ----------------------------------------------------------

_log_cache = BoundedTtlCache(ttl_s=LOG_CACHE_S, max_entries=LOG_CACHE_MAX_ENTRIES, max_bytes=LOG_CACHE_MAX_BYTES)


async def log_excerpt(instance: str, job_id: str, *, max_chars: int = LOG_MAX_CHARS) -> dict[str, Any]:
    """`{text, error, fetched_at, cached}`: the tail of the job's current log, asked of TWS with a short timeout
    and kept `LOG_CACHE_S` seconds (several people opening one job cost one call; the cache is bounded in entries
    and bytes)."""
    key = (instance, job_id)
    hit = _log_cache.get(key)
    if hit is not None:
        return {**hit, "cached": True}
    config = instances.get_instance(instance)
    async with log_gate.get_gate().slot(instance) as granted:  # a few fetches per instance at once, whoever asks
        answer = await _fetch_log(instance, config, job_id, max_chars) if granted else None
    if answer is None:  # not cached: the next open tries again
        return {"text": None, "error": LOG_BUSY, "fetched_at": utcnow().isoformat(), "cached": False}
    _log_cache.put(key, answer, len((answer["text"] or "").encode()) + len((answer["error"] or "").encode()))
    return {**answer, "cached": False}


async def _fetch_log(instance: str, config: InstanceConfig, job_id: str, max_chars: int) -> dict[str, Any]:
    try:
        async with HWAClient(config.connection(timeout_s=LOG_TIMEOUT_S, retries=0)) as tws:
            text = await asyncio.wait_for(tws.job_log(job_id, max_chars=max_chars), LOG_TIMEOUT_S + 1)
        return {"text": text, "error": None, "fetched_at": utcnow().isoformat()}
    except TWSError as exc:  # operators read this: a plain state (the detail is in the server log)
        logger.info("log of %s/%s not read: %s", instance, job_id, exc)
        return {"text": None, "error": operator_view.log_error(exc.kind), "fetched_at": utcnow().isoformat()}
    except asyncio.TimeoutError:
        return {"text": None, "error": f"TWS did not send the log within {LOG_TIMEOUT_S:g} s.",
                "fetched_at": utcnow().isoformat()}


# ---- the poller's controls --------------------------------------------------------------------------------


def _control(db, instance: str) -> TwsPollerControl:
    row = db.get(TwsPollerControl, instance)
    if row is None:
        row = TwsPollerControl(instance=instance)
        db.add(row)
        db.flush()
    return row


def set_paused(instance: str, paused: bool, actor: str, client: str = "") -> None:
    """Stop (pause) or start (resume) the polling of an instance; the leader, wherever it runs, obeys."""
    instances.get_instance(instance)
    with session_scope() as db:
        row = _control(db, instance)
        if row.paused == paused:
            return
        row.paused, row.updated_at, row.updated_by = paused, utcnow(), actor
        db.add(row)
        audit_record(actor, "tws.poller.stop" if paused else "tws.poller.start", instance, {}, client, session=db)
    feed.publish(CONTROL_TOPIC, {"instance": instance})


def poll_now(instance: str, actor: str, client: str = "", *, audit: bool = True) -> int:
    """Ask the leader for an immediate poll of an instance; returns the request's sequence number."""
    instances.get_instance(instance)
    with session_scope() as db:
        row = _control(db, instance)
        row.poll_now_seq += 1
        row.updated_at, row.updated_by = utcnow(), actor
        db.add(row)
        seq = row.poll_now_seq
        if audit:
            audit_record(actor, "tws.poller.poll_now", instance, {}, client, session=db)
    feed.publish(CONTROL_TOPIC, {"instance": instance, "poll_now": seq})
    return seq


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def poller_status() -> list[dict[str, Any]]:
    """Per configured instance: what its poller is doing (read from the database: right on every worker)."""
    configs = instances.list_instances()
    with session_scope() as db:
        summaries = {row.instance: row for row in db.exec(select(TwsSummary))}
        controls = {row.instance: row for row in db.exec(select(TwsPollerControl))}
    local = get_poller()
    out = []
    for config in configs:
        summary, control = summaries.get(config.name), controls.get(config.name)
        state = summary.poller_state if summary is not None else "idle"
        if not config.enabled:
            state = "disabled"
        out.append({
            "instance": config.name, "display_name": config.display_name, "enabled": config.enabled,
            "read_only": config.read_only, "paused": bool(control and control.paused),
            "state": state, "leader": (summary.leader if summary is not None else "") or "",
            "this_worker_is_leader": local.leader, "lock": local.lock_kind,
            "last_poll_at": _iso(summary.last_poll_at) if summary else None,
            "last_poll_ms": round(summary.last_poll_ms, 1) if summary and summary.last_poll_ms is not None else None,
            "last_error": (summary.last_error or None) if summary else None,
            "last_error_at": _iso(summary.last_error_at) if summary else None,
            "interval_s": summary.interval_s if summary else None,
            "mode": summary.mode if summary else None,
            "next_poll_at": _iso(summary.next_poll_at) if summary else None,
            "stale_since": _iso(summary.stale_since) if summary else None,
            "as_of": _iso(summary.as_of) if summary else None,
            "consecutive_failures": summary.consecutive_failures if summary else 0,
            "engine_info": json.loads(summary.engine_info or "{}") if summary else {},
            "polls_total": summary.polls_total if summary else 0,
            "poll_errors_total": summary.poll_errors_total if summary else 0,
        })
    return out


# ---- start / stop ------------------------------------------------------------------------------------------


def _forward_settings(changed: dict[str, Any]) -> None:
    get_poller().on_settings_change(changed)


def startup() -> None:
    """Offer the bundled simulator as the default instance (fresh install, RESYNC_TWS_SIMULATOR on) and start
    this worker's election loop."""
    from resync_app.config.store import get_store
    from resync_app.settings import get_settings

    if get_settings().tws_simulator:
        from resync_app.tws_simulator.credentials import simulator_base_url, simulator_credentials

        try:
            username, password = simulator_credentials()
            instances.ensure_default_instance(simulator_base_url(), username, password)
        except Exception:
            logger.exception("could not create the default TWS instance")
    get_store().on_change(_forward_settings)
    get_poller().start()


def shutdown() -> None:
    reset_poller()


__all__ = ["ActionError", "UnknownInstance", "log_excerpt", "perform_action", "poll_now", "poller_status",
           "set_paused", "startup", "shutdown", "test_connection", "test_instance"]
