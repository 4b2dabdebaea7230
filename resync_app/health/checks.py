"""The real checks of each component. None of them costs money: LLM providers are asked for their model list,
never a completion (the billed deep check is `service.deep_check`); Teams is judged by its last delivery, no card
is posted.

- database: `SELECT 1` (its latency) and the schema's Alembic revision against the code's head;
- redis (when RESYNC_REDIS_URL is set): `PING`;
- llm: the gateway's router, and per enabled provider its configuration and `GET /models` (Anthropic
  `/v1/models`, Ollama `/api/tags`);
- teams: configured? the last delivery's outcome and the age of the backlog;
- rag (when `rag_service_url` is set): `GET <url>/health` (or the base URL when that route is absent), with
  `rag_service_timeout` capped at RAG_PROBE_TIMEOUT_S;
- tws: each enabled instance through `resync_app.tws.service.test_instance` (engine info and its latency; "TWS not
  configured" when no instance is enabled).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import httpx
from sqlalchemy import text

from resync_app.config.store import setting
from resync_app.db import get_engine, utcnow
from resync_app.health.service import CheckResult, register_check
from resync_app.logging_setup import redact
from resync_app.settings import get_settings

PROBE_TIMEOUT_S = 5.0
RAG_PROBE_TIMEOUT_S = 5.0
TEAMS_BACKLOG_LIMIT = timedelta(minutes=10)
ANTHROPIC_VERSION = "2023-06-01"


@lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """One TLS context for every probe (building one loads the CA bundle, ~50 ms that would block the loop)."""
    return httpx.create_ssl_context()


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time (timeout)"
    return redact(f"unreachable: {exc or type(exc).__name__}")[:300]


# ---- database ----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def schema_heads() -> tuple[str, ...]:
    """The Alembic head revision(s) this code expects."""
    from alembic.script import ScriptDirectory

    from resync_app.cli import _alembic_config

    return tuple(sorted(ScriptDirectory.from_config(_alembic_config()).get_heads()))


def _database() -> CheckResult:
    engine = get_engine()
    with engine.connect() as conn:
        started = time.perf_counter()
        conn.execute(text("SELECT 1")).scalar_one()
        latency = _ms(started)
        current = tuple(sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()))
    heads = schema_heads()
    kind = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(engine.dialect.name, engine.dialect.name)
    data = {"dialect": engine.dialect.name, "schema_revision": list(current), "code_revision": list(heads)}
    if current == heads:
        return CheckResult(True, f"{kind}: SELECT 1 answered; schema at {', '.join(current)} (head)", latency, data)
    return CheckResult(False, f"{kind} answers, but the schema is at {', '.join(current) or 'nothing'} while the code "
                              f"expects {', '.join(heads)}: run `python -m resync_app migrate`", latency, data)


async def check_database() -> CheckResult:
    return await asyncio.to_thread(_database)


# ---- redis -------------------------------------------------------------------------------------------


def _redis(url: str) -> CheckResult:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        started = time.perf_counter()
        client.ping()
        latency = _ms(started)
        info = client.info("server")
        version = info.get("redis_version", "?")
        return CheckResult(True, f"PING answered (Redis {version})", latency, {"version": version})
    except redis.RedisError as exc:
        return CheckResult(False, redact(f"no answer to PING: {exc}")[:300])
    finally:
        client.close()


async def check_redis(url: str | None = None) -> CheckResult:
    """PING the Redis of RESYNC_REDIS_URL (or `url`); the URL itself (it may hold a password) is never reported."""
    url = url or get_settings().redis_url
    if not url:
        return CheckResult(False, "RESYNC_REDIS_URL is not set", probed=False)
    return await asyncio.to_thread(_redis, url)


# ---- LLM providers -----------------------------------------------------------------------------------


def _models_request(pid: str, base: str, key: str | None) -> tuple[str, dict[str, str]]:
    base = base.rstrip("/")
    if pid == "ollama":
        return base + "/api/tags", {}
    if pid == "anthropic":
        url = base + ("/models" if base.endswith("/v1") else "/v1/models")
        return url, {"x-api-key": key or "", "anthropic-version": ANTHROPIC_VERSION}
    return base + "/models", ({"Authorization": f"Bearer {key}"} if key else {})


def _listed(pid: str, body: Any) -> list[str]:
    if not isinstance(body, dict):
        return []
    items = body.get("models") if pid == "ollama" else body.get("data")
    names = []
    for item in items or []:
        if isinstance(item, dict):
            name = item.get("name") or item.get("model") or item.get("id")
            if name:
                names.append(str(name))
    return names


def _present(wanted: str, listed: list[str]) -> bool:
    return any(name == wanted or name.split(":", 1)[0] == wanted for name in listed)


async def probe_provider(state: Any, client: httpx.AsyncClient) -> dict[str, Any]:
    """Configuration and model list of one enabled provider: `{id, name, ok, latency_ms, detail, models_listed}`."""
    spec = state.spec
    out: dict[str, Any] = {"id": spec.id, "name": spec.name, "ok": False, "latency_ms": None, "models_listed": None}
    if not state.configured:
        reason = ("no API key" if spec.needs_key and not state.api_key else
                  "no models listed" if not state.models else "no API base URL")
        return {**out, "detail": f"enabled but not configured ({reason})"}
    url, headers = _models_request(spec.id, state.api_base, state.api_key)
    started = time.perf_counter()
    try:
        response = await client.get(url, headers=headers)
    except httpx.HTTPError as exc:
        return {**out, "latency_ms": _ms(started), "detail": _error_text(exc)}
    out["latency_ms"] = _ms(started)
    if response.status_code in (401, 403):
        return {**out, "detail": f"the API key was refused (HTTP {response.status_code})"}
    if response.status_code != 200:
        return {**out, "detail": redact(f"HTTP {response.status_code}: {response.text.strip()[:200]}")}
    try:
        listed = _listed(spec.id, response.json())
    except ValueError:
        return {**out, "detail": "answered, but not with a model list (is the API base URL right?)"}
    missing = [ref.provider_model for ref in state.models if not _present(ref.provider_model, listed)]
    detail = f"{len(listed)} model(s) listed"
    if missing:
        detail += f"; not listed: {', '.join(missing[:5])}" + ("…" if len(missing) > 5 else "")
    return {**out, "ok": True, "models_listed": len(listed), "missing_models": missing, "detail": detail}


async def check_llm() -> CheckResult:
    from resync_app.llm.gateway import get_gateway

    gateway = get_gateway()
    if not gateway.initialized:
        return CheckResult(False, "the LLM gateway is not started", probed=False)
    enabled = [state for state in gateway.providers.values() if state.enabled]
    router = gateway.router is not None
    if not enabled:
        return CheckResult(False, "no LLM provider is enabled (LiteLLM Configuration)", probed=False,
                           data={"providers": [], "router_available": router})
    async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_S, follow_redirects=True, verify=_tls()) as client:
        providers = list(await asyncio.gather(*(probe_provider(state, client) for state in enabled)))
    ok = router and all(p["ok"] for p in providers)
    latencies = [p["latency_ms"] for p in providers if p["latency_ms"] is not None]
    parts = [f"{p['name']}: {p['detail']}" for p in providers]
    if not router:
        parts.insert(0, f"router unavailable ({gateway.build_error or 'not built'})")
    return CheckResult(ok, "; ".join(parts), max(latencies) if latencies else None,
                       {"providers": providers, "router_available": router}, probed=bool(latencies))


# ---- Teams -------------------------------------------------------------------------------------------


def _teams() -> CheckResult:
    from resync_app.teams import service as teams

    status = teams.status()
    data = {k: status[k] for k in ("enabled", "webhook_configured", "sent_24h", "failed_24h", "waiting",
                                   "last_delivery", "tws_teams_notifications_enabled")}
    if not status["enabled"]:
        return CheckResult(True, "Teams notifications are off", data=data)
    if not status["webhook_configured"]:
        return CheckResult(False, "Teams is enabled but no webhook URL is set", data=data)
    last = status["last_delivery"]
    since = status["oldest_waiting_since"]
    if since and utcnow() - datetime.fromisoformat(since).astimezone(timezone.utc) > TEAMS_BACKLOG_LIMIT:
        return CheckResult(False, f"{status['waiting']} card(s) waiting since {since[:16].replace('T', ' ')} UTC",
                           data=data)
    if last and last["status"] == "failed":
        return CheckResult(False, f"the last delivery failed ({last['at'][:16].replace('T', ' ')} UTC): "
                                  f"{last['error'] or 'HTTP ' + str(last['status_code'])}", data=data)
    detail = (f"last card delivered {last['at'][:16].replace('T', ' ')} UTC" if last else "no card sent yet")
    detail += f"; {status['sent_24h']} sent, {status['failed_24h']} failed in 24 h"
    if not status["tws_teams_notifications_enabled"]:
        detail += " (TWS events are off: System Configuration › tws_teams_notifications_enabled)"
    return CheckResult(True, detail, data=data)


async def check_teams() -> CheckResult:
    return await asyncio.to_thread(_teams)


# ---- RAG ---------------------------------------------------------------------------------------------


def rag_url() -> str:
    return str(setting("rag_service_url") or "").strip().rstrip("/")


async def check_rag(url: str | None = None) -> CheckResult:
    base = (url or rag_url()).rstrip("/")
    if not base:
        return CheckResult(False, "rag_service_url is not set", probed=False)
    timeout = min(float(setting("rag_service_timeout")), RAG_PROBE_TIMEOUT_S)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=True, verify=_tls()) as client:
        started = time.perf_counter()
        try:
            response = await client.get(base + "/health")
            route = "/health"
            if response.status_code in (404, 405):
                response = await client.get(base + "/")
                route = "/"
        except httpx.HTTPError as exc:
            return CheckResult(False, f"RAG service {_error_text(exc)}", _ms(started), {"timeout_s": timeout})
    latency = _ms(started)
    data = {"status_code": response.status_code, "probed": route, "timeout_s": timeout}
    ok = 200 <= response.status_code < 400
    return CheckResult(ok, f"GET {route} answered HTTP {response.status_code}", latency, data)


# ---- TWS ---------------------------------------------------------------------------------------------


def _enabled_instances() -> list[str]:
    from resync_app.tws.instances import list_instances

    return [inst.name for inst in list_instances(enabled_only=True)]


async def _test_instance(name: str) -> dict[str, Any]:
    from resync_app.tws.service import test_instance

    started = time.perf_counter()
    try:
        answer = await test_instance(name)
    except Exception as exc:
        return {"name": name, "ok": False, "latency_ms": _ms(started),
                "detail": redact(f"{type(exc).__name__}: {exc}")[:300]}
    latency = answer.get("latency_ms", _ms(started))
    if answer.get("success"):
        info = answer.get("engine_info") or {}
        engine = " ".join(str(info.get(k)) for k in ("engineType", "engineVersion") if isinstance(info, dict)
                          and info.get(k)) if isinstance(info, dict) else str(info)
        return {"name": name, "ok": True, "latency_ms": latency,
                "detail": f"engine answered{(' (' + engine + ')') if engine else ''}"}
    return {"name": name, "ok": False, "latency_ms": latency, "detail": redact(str(answer.get("error")))[:300]}


async def check_tws() -> CheckResult:
    names = await asyncio.to_thread(_enabled_instances)
    if not names:
        return CheckResult(False, "TWS not configured: no enabled instance", data={"instances": []}, probed=False)
    instances = list(await asyncio.gather(*(_test_instance(n) for n in names)))
    ok = all(i["ok"] for i in instances)
    detail = "; ".join(f"{i['name']}: {i['detail']}" for i in instances)
    latencies = [i["latency_ms"] for i in instances if i["latency_ms"] is not None]
    return CheckResult(ok, detail, max(latencies) if latencies else None, {"instances": instances},
                       probed=bool(latencies))


# ---- the registry ------------------------------------------------------------------------------------


def register_default_checks() -> None:
    register_check("database", check_database)
    register_check("tws", check_tws, timeout_s=20.0)
    register_check("llm", check_llm)
    register_check("teams", check_teams)
    register_check("redis", check_redis, applies=lambda: bool(get_settings().redis_url))
    register_check("rag", check_rag, applies=lambda: bool(rag_url()))
