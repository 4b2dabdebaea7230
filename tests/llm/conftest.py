"""Fixtures of the LLM gateway tests: a loopback fake provider (real HTTP) and helpers to point the gateway at it.

Everything goes through the real app: providers are configured with `PUT /api/v1/litellm/providers/{id}`,
configuration fields with `POST /api/v1/system-config/update`, calls through `gateway.complete` (LiteLLM's real
clients against the fake server).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from tests.fakes.llm_server import Behavior, FakeLLMServer  # noqa: F401  (Behavior re-exported for the tests)

# A recognisable key: tests grep every answer and every log line for it.
FAKE_KEY = "rk-live-" + uuid.uuid4().hex  # not "sk-…": redaction must know the key itself, not a pattern
LLM_URL = "/api/v1/litellm"
CONFIG_URL = "/api/v1/system-config/update"
OPENAI_MODELS = ["gpt-4o", "gpt-3.5-turbo", "gpt-4o-mini"]
ANTHROPIC_MODELS = ["claude-3-haiku-20240307"]
OLLAMA_MODELS = ["llama3"]


@pytest.fixture
def llm_server():
    """A started fake LLM server that requires FAKE_KEY (OpenAI/Anthropic); requests are recorded."""
    with FakeLLMServer(api_key=FAKE_KEY, models=OPENAI_MODELS + ANTHROPIC_MODELS + OLLAMA_MODELS) as srv:
        yield srv


class LLMHarness:
    """The app, an admin and the fake server, with the few verbs the tests need."""

    def __init__(self, api, headers: dict[str, str], srv: FakeLLMServer) -> None:
        self.api, self.headers, self.srv = api, headers, srv

    # ---- configuration through the API -----------------------------------------------------------

    def put_provider(self, provider: str, **body: Any):
        return self.api.put(f"{LLM_URL}/providers/{provider}", headers=self.headers, json=body)

    def enable(self, provider: str = "openai", models: list[str] | None = None, key: str | None = FAKE_KEY,
               **extra: Any) -> dict[str, Any]:
        """Enable `provider` pointing at the fake server (OpenAI: /v1, Anthropic and Ollama: the root)."""
        base = self.srv.openai_base if provider == "openai" else self.srv.base_url
        default = {"openai": OPENAI_MODELS, "anthropic": ANTHROPIC_MODELS, "ollama": OLLAMA_MODELS}[provider]
        body: dict[str, Any] = {"enabled": True, "api_base": base, "models": models or default, **extra}
        if key is not None and provider != "ollama":
            body["api_key"] = key
        response = self.put_provider(provider, **body)
        assert response.status_code == 200, response.text
        return response.json()

    def config(self, **fields: Any) -> dict[str, Any]:
        """Set configuration fields (applied live)."""
        response = self.api.post(CONFIG_URL, headers=self.headers, json={"updates": fields})
        assert response.status_code == 200, response.text
        return response.json()

    def get(self, path: str, **params: Any):
        response = self.api.get(f"{LLM_URL}{path}", headers=self.headers, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    # ---- the gateway -------------------------------------------------------------------------------

    @property
    def gateway(self):
        from resync_app.llm.gateway import get_gateway

        return get_gateway()

    async def call(self, text: str, *, wait: bool = True, **kwargs: Any):
        """One `gateway.complete` with a single user message; waits until LiteLLM's hook has reported."""
        kwargs.setdefault("max_tokens", 16)
        result = await self.gateway.complete([{"role": "user", "content": text}], **kwargs)
        if wait:
            await wait_reported(result.request_id)
        return result

    def flush(self) -> None:
        from resync_app.llm.ledger import ledger

        ledger.flush()

    def rows(self, request_id: str | None = None, **where: Any) -> list[dict[str, Any]]:
        """Ledger rows (after a flush), oldest first."""
        from sqlalchemy import select

        from resync_app.db import get_engine
        from resync_app.llm.models import LedgerEntry

        self.flush()
        table = LedgerEntry.__table__
        query = select(table).order_by(table.c.id)
        if request_id:
            query = query.where(table.c.request_id == request_id)
        for name, value in where.items():
            query = query.where(table.c[name] == value)
        with get_engine().connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]


REPORT_TIMEOUT_S = 30.0


async def wait_reported(request_id: str, rows: int = 1) -> int:
    """Wait until LiteLLM's async logging hook has handed `rows` attempts of a call to the ledger (woken by the
    ledger itself, not by polling); fails the test if that does not happen within REPORT_TIMEOUT_S."""
    from resync_app.llm.ledger import ledger

    seen = await asyncio.to_thread(ledger.wait_seen, request_id, rows, REPORT_TIMEOUT_S)
    assert seen >= rows, (f"LiteLLM reported {seen} of {rows} attempt(s) of request {request_id} within "
                          f"{REPORT_TIMEOUT_S:.0f} s")
    return seen


@pytest.fixture
def llm(api, admin_headers, llm_server) -> LLMHarness:
    """OpenAI enabled at the fake server, no retries, no cache (tests that need them turn them on)."""
    harness = LLMHarness(api, admin_headers, llm_server)
    harness.config(LITELLM_NUM_RETRIES=0, LLM_USE_CACHE=False)
    harness.enable("openai")
    return harness




@pytest.fixture
def set_timezone():
    """`set_timezone("Asia/Tokyo")`: RESYNC_TIMEZONE for the rest of the test (settings re-read), restored after."""
    import os

    from resync_app.settings import reload_settings

    before = os.environ.get("RESYNC_TIMEZONE")

    def apply(name: str) -> None:
        os.environ["RESYNC_TIMEZONE"] = name
        reload_settings()

    yield apply
    if before is None:
        os.environ.pop("RESYNC_TIMEZONE", None)
    else:
        os.environ["RESYNC_TIMEZONE"] = before
    reload_settings()


def ledger_sums(where: str = "") -> dict[str, Any]:
    """Totals straight from llm_calls (SQL), to compare the API's figures with."""
    from sqlalchemy import text

    from resync_app.db import get_engine
    from resync_app.llm.ledger import ledger

    ledger.flush()
    clause = f"WHERE {where}" if where else ""
    with get_engine().connect() as conn:
        total = conn.execute(text(
            "SELECT COUNT(*), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0), "
            f"COALESCE(SUM(cost_usd), 0), SUM(CASE WHEN outcome <> 'success' THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN cache_hit THEN 1 ELSE 0 END) FROM llm_calls {clause}")).one()
        per_day = dict(conn.execute(text(
            f"SELECT day, COALESCE(SUM(cost_usd), 0) FROM llm_calls {clause} GROUP BY day")).all())
        per_model_cost = dict(conn.execute(text(
            f"SELECT model, COALESCE(SUM(cost_usd), 0) FROM llm_calls {clause} GROUP BY model")).all())
        per_model_count = dict(conn.execute(text(
            f"SELECT model, COUNT(*) FROM llm_calls {clause} GROUP BY model")).all())
    return {"requests": total[0], "prompt_tokens": int(total[1]), "completion_tokens": int(total[2]),
            "cost_usd": float(total[3]), "errors": int(total[4] or 0), "cache_hits": int(total[5] or 0),
            "per_day": {d: float(c) for d, c in per_day.items()},
            "per_model_cost": {m: float(c) for m, c in per_model_cost.items()},
            "per_model_count": {m: int(n) for m, n in per_model_count.items()}}


class AlertCollector:
    """A notifier (resync_app.notify) that keeps what it is sent."""

    def __init__(self) -> None:
        self.alerts: list[Any] = []

    def send(self, alert) -> None:
        self.alerts.append(alert)


@pytest.fixture
def notifier():
    from resync_app import notify

    collector = AlertCollector()
    notify.register(collector)
    yield collector
    notify.unregister(collector)
