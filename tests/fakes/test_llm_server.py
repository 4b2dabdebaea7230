"""The loopback fake LLM server, exercised through LiteLLM's real clients."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import httpx  # noqa: E402
import litellm  # noqa: E402
import pytest  # noqa: E402

from tests.fakes.llm_server import Behavior, FakeLLMServer  # noqa: E402

KEY = "sk-test-fake-123"
MSGS = [{"role": "user", "content": "hello there"}]


@pytest.fixture
def srv():
    with FakeLLMServer(api_key=KEY) as server:
        yield server


def _openai(srv: FakeLLMServer, **kw):
    kw.setdefault("api_key", KEY)
    return litellm.completion(model="openai/gpt-4o", api_base=srv.openai_base,
                              messages=MSGS, max_retries=0, **kw)


def test_openai_non_streaming_text_and_usage(srv):
    resp = _openai(srv)
    assert resp.choices[0].message.content == "echo: hello there"
    # derived usage: ceil(len("hello there") / 4) = 3, ceil(len("echo: hello there") / 4) = 5
    assert (resp.usage.prompt_tokens, resp.usage.completion_tokens, resp.usage.total_tokens) == (3, 5, 8)
    req = srv.requests[-1]
    assert req["path"] == "/v1/chat/completions" and req["model"] == "gpt-4o"
    assert req["headers"]["authorization"] == f"Bearer {KEY}"
    assert req["json"]["messages"] == MSGS


def test_behavior_reply_and_fixed_tokens(srv):
    srv.set_behavior("gpt-4o", Behavior(reply=lambda m: m[-1]["content"].upper(),
                                        prompt_tokens=100, completion_tokens=7))
    resp = _openai(srv)
    assert resp.choices[0].message.content == "HELLO THERE"
    assert (resp.usage.prompt_tokens, resp.usage.completion_tokens) == (100, 7)
    srv.default_behavior = Behavior(reply="fixed")
    resp = litellm.completion(model="openai/gpt-3.5-turbo", api_base=srv.openai_base,
                              api_key=KEY, messages=MSGS)
    assert resp.choices[0].message.content == "fixed"


def test_openai_streaming_with_usage_chunk(srv):
    srv.set_behavior("gpt-4o", Behavior(reply="one two three", prompt_tokens=11,
                                        completion_tokens=3))
    chunks = list(_openai(srv, stream=True, stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "one two three"
    usage = chunks[-1].usage
    assert (usage.prompt_tokens, usage.completion_tokens) == (11, 3)
    assert srv.requests[-1]["json"]["stream"] is True


def test_anthropic_messages(srv):
    srv.set_behavior("claude-3-haiku-20240307", Behavior(reply="hi from claude",
                                                         prompt_tokens=9, completion_tokens=4))
    resp = litellm.completion(model="anthropic/claude-3-haiku-20240307",
                              api_base=srv.base_url, api_key=KEY, messages=MSGS)
    assert resp.choices[0].message.content == "hi from claude"
    assert (resp.usage.prompt_tokens, resp.usage.completion_tokens) == (9, 4)
    req = srv.requests[-1]
    assert req["path"] == "/v1/messages" and req["headers"]["x-api-key"] == KEY


def test_anthropic_wrong_key(srv):
    with pytest.raises(litellm.AuthenticationError):
        litellm.completion(model="anthropic/claude-3-haiku-20240307",
                           api_base=srv.base_url, api_key="sk-wrong", messages=MSGS)


@pytest.mark.parametrize("model,path", [("ollama/llama3", "/api/generate"),
                                        ("ollama_chat/llama3", "/api/chat")])
def test_ollama(srv, model, path):
    srv.set_behavior("llama3", Behavior(reply="llama says hi", prompt_tokens=6,
                                        completion_tokens=4))
    resp = litellm.completion(model=model, api_base=srv.base_url, messages=MSGS)
    assert resp.choices[0].message.content == "llama says hi"
    assert (resp.usage.prompt_tokens, resp.usage.completion_tokens) == (6, 4)
    assert srv.requests[-1]["path"] == path

    stream = litellm.completion(model=model, api_base=srv.base_url, messages=MSGS, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream) == "llama says hi"
    assert srv.requests[-1]["json"]["stream"] is True
    assert srv.count("llama3") == 2


def test_status_500_maps_to_internal_server_error(srv):
    srv.set_behavior("gpt-4o", Behavior(status=500))
    with pytest.raises(litellm.InternalServerError):
        _openai(srv)


def test_status_429_maps_to_rate_limit(srv):
    srv.set_behavior("gpt-4o", Behavior(status=429))
    with pytest.raises(litellm.RateLimitError):
        _openai(srv)


def test_wrong_key_is_authentication_error(srv):
    with pytest.raises(litellm.AuthenticationError):
        _openai(srv, api_key="sk-wrong")
    assert srv.count("gpt-4o") == 1


def test_delay_forces_timeout(srv):
    srv.set_behavior("gpt-4o", Behavior(delay_s=2.0))
    with pytest.raises(litellm.Timeout):
        _openai(srv, timeout=0.3)


def test_listing_endpoints_and_recording(srv):
    srv.set_behavior("mistral", Behavior())
    r = httpx.get(srv.openai_base + "/models", headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 200
    assert {"gpt-4o", "llama3", "mistral"} <= {m["id"] for m in r.json()["data"]}
    assert httpx.get(srv.openai_base + "/models").status_code == 401
    assert httpx.get(srv.openai_base + "/models").json()["error"]["type"] == "invalid_request_error"
    tags = httpx.get(srv.base_url + "/api/tags").json()["models"]
    assert "llama3:latest" in {m["name"] for m in tags}
    assert srv.count() == 4 and srv.count("gpt-4o") == 0
    srv.reset()
    assert srv.requests == [] and srv.behaviors == {}


def test_unauthenticated_server_accepts_any_key():
    with FakeLLMServer() as server:
        resp = litellm.completion(model="openai/gpt-4o", api_base=server.openai_base,
                                  api_key="anything", messages=MSGS)
        assert resp.choices[0].message.content == "echo: hello there"
        assert server.base_url.startswith("http://127.0.0.1:")
