"""The loopback OpenAI-compatible provider (tests/fakes/llm_server.py) configured as the server's `openai` provider
for a browser test module, and put back to its defaults afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from resync_app.llm.providers import PROVIDERS
from tests.fakes.llm_server import Behavior, FakeLLMServer


@contextlib.contextmanager
def openai_provider(live_server, key: str, models: list[str],
                    behavior: Behavior | None = None) -> Iterator[FakeLLMServer]:
    """A FakeLLMServer serving `models` (each with `behavior`, if given) as the enabled `openai` provider."""
    with FakeLLMServer(api_key=key, models=models) as server:
        for model in models if behavior is not None else ():
            server.set_behavior(model, behavior)
        answer = live_server.api("PUT", "/api/v1/litellm/providers/openai", json={
            "enabled": True, "api_key": key, "api_base": server.openai_base})
        assert answer.status_code == 200, answer.text
        try:
            yield server
        finally:
            live_server.api("PUT", "/api/v1/litellm/providers/openai", json={
                "enabled": False, "api_key": "", "api_base": "", "models": list(PROVIDERS["openai"].default_models)})
