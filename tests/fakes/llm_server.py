"""Loopback fake LLM provider for tests.

A real HTTP server (stdlib ``ThreadingHTTPServer`` on 127.0.0.1, ephemeral
port, daemon thread) that speaks enough of three real wire protocols for
LiteLLM's *real* client code to run against it:

* OpenAI-compatible: ``POST /v1/chat/completions`` (JSON, or SSE when
  ``stream: true``; a final usage chunk when ``stream_options.include_usage``;
  function calling: a reply that is a list of :class:`ToolCall` answers with
  ``tool_calls``, streamed as OpenAI streams them, arguments in fragments)
  and ``GET /v1/models``.  With ``api_key=...`` these routes require
  ``Authorization: Bearer <key>`` and answer 401 otherwise.
* Anthropic Messages: ``POST /v1/messages`` (non-streaming); with
  ``api_key=...`` the ``x-api-key`` header must match.
* Ollama: ``POST /api/chat``, ``POST /api/generate`` (JSON, or NDJSON
  streaming -- Ollama streams unless ``"stream": false``) and ``GET /api/tags``;
  no auth, like a local Ollama.

Each model's answer is programmable with a :class:`Behavior`; every request
is recorded in :attr:`FakeLLMServer.requests`.

    with FakeLLMServer(api_key="sk-test-1") as srv:
        srv.set_behavior("gpt-4o", Behavior(status=500))
        litellm.completion(model="openai/gpt-4o", api_base=srv.openai_base,
                           api_key="sk-test-1", messages=[...])
        assert srv.count("gpt-4o") == 1
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

Messages = list[dict[str, str]]

# status -> (OpenAI error type, Anthropic error type)
_ERROR_TYPES = {
    400: ("invalid_request_error", "invalid_request_error"),
    401: ("invalid_request_error", "authentication_error"),
    403: ("permission_error", "permission_error"),
    404: ("invalid_request_error", "not_found_error"),
    429: ("rate_limit_error", "rate_limit_error"),
    503: ("server_error", "overloaded_error"),
}


@dataclass
class ToolCall:
    """A function call the fake model makes (OpenAI ``tool_calls``)."""

    name: str
    arguments: dict[str, Any]
    id: str = ""

    def wire(self, index: int) -> dict[str, Any]:
        return {"id": self.id or f"call_{uuid.uuid4().hex[:12]}", "type": "function",
                "function": {"name": self.name, "arguments": json.dumps(self.arguments)}}


@dataclass
class Behavior:
    """How the fake answers for one model.

    reply: text, or ``callable(messages) -> text | list[ToolCall]`` (messages
        are normalised to ``[{"role": ..., "content": str}]``; a tool result
        arrives as role ``"tool"``).  ``None`` echoes the last user message as
        ``"echo: <text>"``.  A list of :class:`ToolCall` (OpenAI route only)
        answers with those function calls instead of text.
    prompt_tokens / completion_tokens: fixed counts, or ``None`` to derive them
        deterministically from text length (``ceil(chars / 4)``, min 1).
    status: answer with this HTTP status and a provider-style error body
        instead of a completion (e.g. 500, 429, 400).
    delay_s: sleep this long before answering (to force client timeouts).
    chunk_delay_s: when streaming text (OpenAI route), pause this long between
        chunks, as a model writing token by token does.
    error_message: message used in the error body when ``status`` is set.
    gate: a ``threading.Event``: each request waits until it is set (a test
        holds calls in flight, then lets them all answer).
    status_times: with ``status``: only the first this-many requests for the
        model get the error, the next ones are answered normally (a provider
        hiccup that a retry gets past); ``None``: every request.
    """

    reply: str | Callable[[Messages], Any] | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    status: int | None = None
    delay_s: float = 0.0
    error_message: str | None = None
    chunk_delay_s: float = 0.0
    status_times: int | None = None
    gate: threading.Event | None = None

    def text_for(self, messages: Messages) -> Any:
        if callable(self.reply):
            return self.reply(messages)
        if self.reply is not None:
            return self.reply
        users = [m["content"] for m in messages if m.get("role") == "user"]
        return f"echo: {users[-1] if users else ''}"

    def usage_for(self, messages: Messages, text: Any) -> tuple[int, int]:
        if isinstance(text, list):
            text = json.dumps([call.wire(i)["function"] for i, call in enumerate(text)])
        prompt_chars = sum(len(m.get("content", "")) for m in messages)
        p = self.prompt_tokens if self.prompt_tokens is not None else _tokens(prompt_chars)
        c = self.completion_tokens if self.completion_tokens is not None else _tokens(len(text))
        return p, c


def _tokens(chars: int) -> int:
    return max(1, -(-chars // 4))


def _text(content: Any) -> str:
    """Flatten OpenAI/Anthropic content (str or list of parts) to text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def _norm(messages: Any, system: Any = None) -> Messages:
    out = [{"role": "system", "content": _text(system)}] if system else []
    for m in messages or []:
        out.append({"role": str(m.get("role", "user")), "content": _text(m.get("content"))})
    return out


def _pieces(text: str) -> list[str]:
    """Split text into word-ish stream chunks that concatenate back to it."""
    words = text.split(" ")
    return [w if i == len(words) - 1 else w + " " for i, w in enumerate(words)] or [""]


class FakeLLMServer:
    """Threaded loopback server; use as a context manager or start()/stop()."""

    def __init__(self, api_key: str | None = None, models: list[str] | None = None):
        self.api_key = api_key
        self.models = list(models or ["gpt-4o", "gpt-3.5-turbo", "llama3"])
        self.default_behavior = Behavior()
        self.behaviors: dict[str, Behavior] = {}
        self.requests: list[dict[str, Any]] = []
        self._failed: dict[str, int] = {}  # errors given per model (Behavior.status_times)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------
    def start(self) -> "FakeLLMServer":
        handler = type("_BoundHandler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True, name="fake-llm-server")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in delay_s
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "FakeLLMServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base(self) -> str:
        return self.base_url + "/v1"

    # -- programming & inspection ----------------------------------------
    def set_behavior(self, model: str, behavior: Behavior) -> None:
        self.behaviors[model] = behavior
        with self._lock:
            self._failed.pop(model, None)

    def _fails_now(self, model: str | None, behavior: Behavior) -> bool:
        """Whether this request gets the behavior's error status (counts the errors given per model)."""
        with self._lock:
            given = self._failed.get(model or "", 0)
            if behavior.status_times is not None and given >= behavior.status_times:
                return False
            self._failed[model or ""] = given + 1
            return True

    def behavior_for(self, model: str | None) -> Behavior:
        return self.behaviors.get(model or "", self.default_behavior)

    def count(self, model: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if model is None or r["model"] == model)

    def reset(self) -> None:
        """Forget recorded requests and per-model behaviors."""
        with self._lock:
            self.requests.clear()
            self._failed.clear()
        self.behaviors.clear()
        self.default_behavior = Behavior()

    def listed_models(self) -> list[str]:
        return sorted(set(self.models) | set(self.behaviors))

    def _record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(entry)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeLLMServer  # set on the per-server subclass
    protocol_version = "HTTP/1.0"  # close after each response: simple streaming

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    # -- plumbing ----------------------------------------------------------
    def _send_json(self, status: int, obj: Any) -> None:
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _start_stream(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

    def _write(self, data: str) -> None:
        self.wfile.write(data.encode())
        self.wfile.flush()

    def _error(self, flavor: str, status: int, message: str) -> None:
        oa_type, an_type = _ERROR_TYPES.get(status, ("server_error", "api_error"))
        if flavor == "anthropic":
            body: Any = {"type": "error", "error": {"type": an_type, "message": message}}
        elif flavor == "ollama":
            body = {"error": message}
        else:
            body = {"error": {"message": message, "type": oa_type, "param": None,
                              "code": "invalid_api_key" if status == 401 else None}}
        self._send_json(status, body)

    def _authorized(self, flavor: str) -> bool:
        key = self.fake.api_key
        if key is None:
            return True
        got = (self.headers.get("x-api-key") if flavor == "anthropic"
               else self.headers.get("authorization", "").removeprefix("Bearer ").strip())
        return got == key

    # -- dispatch ------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch({})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return self._error("openai", 400, "request body is not valid JSON")
        self._dispatch(body if isinstance(body, dict) else {})

    def _dispatch(self, body: dict[str, Any]) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        routes = {
            ("POST", "/v1/chat/completions"): ("openai", self._openai_chat),
            ("GET", "/v1/models"): ("openai", self._openai_models),
            ("POST", "/v1/messages"): ("anthropic", self._anthropic_messages),
            ("POST", "/api/chat"): ("ollama", self._ollama),
            ("POST", "/api/generate"): ("ollama", self._ollama),
            ("GET", "/api/tags"): ("ollama", self._ollama_tags),
        }
        self.fake._record({
            "path": path, "method": self.command, "model": body.get("model"),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "json": body, "time": time.time(),
        })
        flavor, handler = routes.get((self.command, path), ("openai", None))
        try:
            if handler is None:
                return self._error("openai", 404, f"no route {self.command} {path}")
            if flavor != "ollama" and not self._authorized(flavor):
                return self._error(flavor, 401, "Incorrect API key provided.")
            if path in ("/v1/models", "/api/tags"):
                return handler(body, None)
            beh = self.fake.behavior_for(body.get("model"))
            if beh.delay_s and self.fake._stopping.wait(beh.delay_s):
                return  # server shutting down
            while beh.gate is not None and not beh.gate.wait(0.05):
                if self.fake._stopping.is_set():
                    return  # server shutting down
            if beh.status is not None and self.fake._fails_now(body.get("model"), beh):
                msg = beh.error_message or f"fake provider error (HTTP {beh.status})"
                return self._error(flavor, beh.status, msg)
            handler(body, beh)
        except (BrokenPipeError, ConnectionResetError):
            pass  # client gave up (e.g. timed out) -- nothing to answer

    # -- OpenAI ----------------------------------------------------------------
    def _openai_models(self, body: dict, _beh: None) -> None:
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"}
                for m in self.fake.listed_models()]
        self._send_json(200, {"object": "list", "data": data})

    def _openai_chat(self, body: dict, beh: Behavior) -> None:
        msgs = _norm(body.get("messages"))
        text = beh.text_for(msgs)
        p, c = beh.usage_for(msgs, text)
        usage = {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}
        base = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "created": int(time.time()),
                "model": body.get("model"), "system_fingerprint": "fp_fake"}
        calls = [call.wire(i) for i, call in enumerate(text)] if isinstance(text, list) else None
        finish = "tool_calls" if calls else "stop"
        if not body.get("stream"):
            message = ({"role": "assistant", "content": None, "tool_calls": calls} if calls
                       else {"role": "assistant", "content": text})
            choice = {"index": 0, "finish_reason": finish, "logprobs": None, "message": message}
            return self._send_json(200, {**base, "object": "chat.completion",
                                         "choices": [choice], "usage": usage})
        self._start_stream("text/event-stream")

        def chunk(delta: dict, finish: str | None = None, **extra: Any) -> None:
            choices = [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]
            obj = {**base, "object": "chat.completion.chunk", "choices": choices, **extra}
            self._write(f"data: {json.dumps(obj)}\n\n")

        if calls:
            for i, call in enumerate(calls):
                head = {"index": i, "id": call["id"], "type": "function",
                        "function": {"name": call["function"]["name"], "arguments": ""}}
                chunk({"role": "assistant", "content": None, "tool_calls": [head]})
                args = call["function"]["arguments"]
                for start in range(0, len(args), 8):
                    chunk({"tool_calls": [{"index": i, "function": {"arguments": args[start:start + 8]}}]})
        else:
            chunk({"role": "assistant", "content": ""})
            for piece in _pieces(text):
                chunk({"content": piece})
                if beh.chunk_delay_s and self.fake._stopping.wait(beh.chunk_delay_s):
                    return  # server shutting down
        chunk({}, finish)
        if (body.get("stream_options") or {}).get("include_usage"):
            obj = {**base, "object": "chat.completion.chunk", "choices": [], "usage": usage}
            self._write(f"data: {json.dumps(obj)}\n\n")
        self._write("data: [DONE]\n\n")

    # -- Anthropic -------------------------------------------------------------
    def _anthropic_messages(self, body: dict, beh: Behavior) -> None:
        msgs = _norm(body.get("messages"), body.get("system"))
        text = beh.text_for(msgs)
        p, c = beh.usage_for(msgs, text)
        self._send_json(200, {
            "id": f"msg_{uuid.uuid4().hex[:24]}", "type": "message", "role": "assistant",
            "model": body.get("model"), "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": p, "output_tokens": c},
        })

    # -- Ollama ------------------------------------------------------------------
    def _ollama_tags(self, body: dict, _beh: None) -> None:
        models = [{"name": f"{m}:latest", "model": f"{m}:latest", "size": 0,
                   "modified_at": "2024-01-01T00:00:00Z", "digest": uuid.uuid5(
                       uuid.NAMESPACE_DNS, m).hex, "details": {"format": "gguf"}}
                  for m in self.fake.listed_models()]
        self._send_json(200, {"models": models})

    def _ollama(self, body: dict, beh: Behavior) -> None:
        is_chat = self.path.startswith("/api/chat")
        msgs = (_norm(body.get("messages")) if is_chat
                else _norm([{"role": "user", "content": body.get("prompt", "")}], body.get("system")))
        text = beh.text_for(msgs)
        p, c = beh.usage_for(msgs, text)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

        def part(piece: str, done: bool) -> dict:
            obj: dict[str, Any] = {"model": body.get("model"), "created_at": stamp, "done": done}
            if is_chat:
                obj["message"] = {"role": "assistant", "content": piece}
            else:
                obj["response"] = piece
            if done:
                obj.update(done_reason="stop", total_duration=1000, load_duration=0,
                           prompt_eval_count=p, prompt_eval_duration=100,
                           eval_count=c, eval_duration=900)
            return obj

        if body.get("stream", True) is False:  # Ollama streams by default
            return self._send_json(200, part(text, True))
        self._start_stream("application/x-ndjson")
        for piece in _pieces(text):
            self._write(json.dumps(part(piece, False)) + "\n")
        self._write(json.dumps(part("", True)) + "\n")
