"""A stored provider key never follows a changed API base (issue 10, item 1).

A second loopback server plays the attacker's receiver: it records every request and its headers. Whatever
door the base changes through (`PUT /providers/{id}`, the browser key route, the `llm_endpoint` setting), the
key set earlier (by an admin or in the environment) must never arrive there.
"""

from __future__ import annotations

import os
import uuid

import pytest

from tests.fakes.llm_server import FakeLLMServer
from tests.llm.conftest import FAKE_KEY, LLM_URL

NEW_KEY = "rk-new-" + uuid.uuid4().hex
ENV_KEY = "rk-env-" + uuid.uuid4().hex


@pytest.fixture
def receiver():
    """Any host an admin (or a stolen admin token) might point a provider at; accepts every request."""
    models = ["gpt-4o", "gpt-4o-mini", "gpt-3.5-turbo", "meta/llama3-70b-instruct"]
    with FakeLLMServer(api_key=None, models=models) as srv:
        yield srv


def secrets_seen(srv: FakeLLMServer) -> str:
    return " ".join(f"{r['headers'].get('authorization', '')} {r['headers'].get('x-api-key', '')}"
                    for r in srv.requests)


def post_test(llm, model: str = "gpt-4o"):
    return llm.api.post(f"{LLM_URL}/test", headers=llm.headers, json={"model": model, "timeout": 5})


def provider(llm, pid: str = "openai") -> dict:
    return next(p for p in llm.get("/providers") if p["id"] == pid)


def test_changing_the_base_without_the_key_is_422_and_the_key_goes_nowhere(llm, receiver):
    before = provider(llm)
    answer = llm.put_provider("openai", api_base=receiver.openai_base)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert "api_key" in detail["errors"] and "key" in detail["errors"]["api_key"]
    assert provider(llm) == before  # nothing applied
    # sending the shown hint back is not "the key again"
    hinted = llm.put_provider("openai", api_base=receiver.openai_base, api_key=before["key_hint"])
    assert hinted.status_code == 422
    assert post_test(llm).json()["success"] is True  # still served by the real provider
    assert receiver.requests == []


def test_a_new_base_with_a_new_key_sends_only_the_new_key_there(llm, receiver):
    answer = llm.put_provider("openai", api_base=receiver.openai_base, api_key=NEW_KEY)
    assert answer.status_code == 200, answer.text
    assert post_test(llm).json()["success"] is True
    seen = secrets_seen(receiver)
    assert NEW_KEY in seen and FAKE_KEY not in seen


def test_a_new_base_with_the_key_dropped_sends_no_key(llm, receiver):
    answer = llm.put_provider("openai", api_base=receiver.openai_base, api_key="")
    assert answer.status_code == 200, answer.text
    assert answer.json()["key_hint"] == "" and answer.json()["configured"] is False
    post_test(llm)
    assert FAKE_KEY not in secrets_seen(receiver)
    # back to the default base: a key-less provider may move freely
    assert llm.put_provider("openai", api_base="").status_code == 200


def test_the_browser_key_route_takes_key_and_base_together(llm, receiver):
    from resync_app.auth import service, sessions
    from tests.conftest import ADMIN_USER

    raw, _ = sessions.issue(service.find_user(ADMIN_USER), "session")
    route = "/api/v1/ui/providers/openai/key"
    moved = llm.api.post(route, json={"api_key": NEW_KEY, "api_base": receiver.openai_base},
                         cookies={sessions.SESSION_COOKIE: raw}, headers={"Origin": "http://testserver"})
    assert moved.status_code == 200, moved.text
    assert provider(llm)["api_base"] == receiver.openai_base
    assert post_test(llm).json()["success"] is True
    assert NEW_KEY in secrets_seen(receiver) and FAKE_KEY not in secrets_seen(receiver)


@pytest.fixture
def env_keys(monkeypatch):
    """Provider keys in the environment, read by a restarted gateway."""
    from resync_app import runtime

    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    monkeypatch.setenv("NVIDIA_NIM_API_KEY", ENV_KEY)
    runtime.shutdown()
    runtime.startup()
    yield
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("NVIDIA_NIM_API_KEY")
    runtime.shutdown()
    runtime.startup()


def test_an_environment_key_does_not_follow_a_new_base(api, admin_headers, receiver, env_keys):
    from tests.llm.conftest import LLMHarness

    llm = LLMHarness(api, admin_headers, receiver)
    assert provider(llm)["key_source"] == "env"
    refused = llm.put_provider("openai", api_base=receiver.openai_base)
    assert refused.status_code == 422 and "api_key" in refused.json()["detail"]["errors"]
    dropped = llm.put_provider("openai", api_base=receiver.openai_base, api_key="")
    assert dropped.status_code == 200, dropped.text
    assert dropped.json()["key_hint"] == "" and dropped.json()["configured"] is False
    post_test(llm)
    assert ENV_KEY not in secrets_seen(receiver) and os.environ["OPENAI_API_KEY"] == ENV_KEY


def test_the_llm_endpoint_setting_does_not_carry_the_nvidia_key_away(api, admin_headers, receiver, env_keys):
    from tests.llm.conftest import LLMHarness

    llm = LLMHarness(api, admin_headers, receiver)
    llm.config(LITELLM_NUM_RETRIES=0, LLM_USE_CACHE=False)
    assert llm.put_provider("nvidia_nim", enabled=True).status_code == 200
    assert provider(llm, "nvidia_nim")["configured"] is True
    priced = llm.api.put(f"{LLM_URL}/prices/nvidia_nim/meta/llama3-70b-instruct", headers=llm.headers,
                         json={"input_cost_per_1k": 0.001, "output_cost_per_1k": 0.001})
    assert priced.status_code == 200, priced.text
    llm.config(llm_endpoint=receiver.openai_base)  # the default base of NVIDIA NIM follows this setting
    nim = provider(llm, "nvidia_nim")
    assert nim["api_base"] == receiver.openai_base
    assert nim["key_hint"] == "" and nim["configured"] is False and "key" in (nim["init_error"] or "")
    post_test(llm, "nvidia_nim/meta/llama3-70b-instruct")
    assert ENV_KEY not in secrets_seen(receiver)
    # the key given again for the new base is used there
    assert llm.put_provider("nvidia_nim", api_key=NEW_KEY).status_code == 200
    assert post_test(llm, "nvidia_nim/meta/llama3-70b-instruct").json()["success"] is True
    assert NEW_KEY in secrets_seen(receiver) and ENV_KEY not in secrets_seen(receiver)


@pytest.mark.parametrize("base", ["file:///etc/passwd", "gopher://127.0.0.1:70/", "javascript:alert(1)"])
def test_ollama_base_must_be_http(llm, base):
    answer = llm.put_provider("ollama", enabled=True, api_base=base)
    assert answer.status_code == 422 and "api_base" in answer.json()["detail"]["errors"]


async def test_the_ollama_probe_never_fetches_a_non_http_base(llm, monkeypatch):
    """OLLAMA_API_BASE is read from the environment unchecked by the API: the tags probe refuses it."""
    from resync_app import runtime

    monkeypatch.setenv("OLLAMA_API_BASE", "file:///etc/passwd")
    runtime.shutdown()
    runtime.startup()
    try:
        ollama = provider(llm, "ollama")
        assert ollama["configured"] is False and "http" in (ollama["init_error"] or "")
        assert await llm.gateway.refresh_local_health(force=True) is False
    finally:
        monkeypatch.delenv("OLLAMA_API_BASE")
        runtime.shutdown()
        runtime.startup()
