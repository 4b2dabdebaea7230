"""What TWS said, read from an answer whose body shape the spec does not give (issue 16, D1/D2).

The REST API v2 spec lists each route's error statuses and gives none of them a body: a real engine may answer JSON
of any shape, plain text, an application server's HTML error page, or nothing. The client classifies a failure by
its status code alone (`client_errors.raise_for_status`); these helpers only recover TWS' own words to show with it, by
the body's structure, never by expecting one text:

- `server_message(content, content_type)`: JSON → the first text under a message-like key, searched through nested
  objects and lists (`message`, `errorMessage`, `detail`, `error`, `description`, `reason`, `title`, …), with a
  `messageId` / `code` in front when the text lacks it; else the JSON itself, compacted. Text → the text. HTML →
  its visible text (no markup: it is shown as text). Empty → "".
- `refusal(body)`: a 2xx answer to an action that still says no — an ActionResourceResponseV2 (or a
  FilterActionResponseV2 entry) with `isError` / `error` true — gives its message (or a generic one); None when
  the answer reports no error.
"""

from __future__ import annotations

import html
import re
from typing import Any

import orjson

MAX_TEXT = 300
_MESSAGE_KEYS = ("message", "errorMessage", "messageText", "detail", "details", "description", "reason", "error",
                 "errors", "messages", "title", "text")
_ID_KEYS = ("messageId", "messageID", "errorCode", "code")
_TAG = re.compile(r"<[^>]*>")
_DROP = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)


def _tidy(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _find_text(value: Any, depth: int = 0) -> str:
    """The first message-like text in a JSON value (objects by key preference, then lists in order)."""
    if depth > 4:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        for item in value[:10]:
            found = _find_text(item, depth + 1)
            if found:
                return found
        return ""
    if isinstance(value, dict):
        for key in _MESSAGE_KEYS:
            if key in value:
                found = _find_text(value[key], depth + 1)
                if found:
                    return found
    return ""


def _find_id(value: Any, depth: int = 0) -> str:
    if depth > 4 or not isinstance(value, dict):
        return ""
    for key in _ID_KEYS:
        found = value.get(key)
        if isinstance(found, str) and found.strip() and not found.strip().isdigit():
            return found.strip()
    for key in ("error", "errors"):
        inner = value.get(key)
        if isinstance(inner, list) and inner:
            inner = inner[0]
        found = _find_id(inner, depth + 1)
        if found:
            return found
    return ""


def _words(body: Any) -> str:
    text = _find_text(body)
    message_id = _find_id(body)
    if message_id and message_id not in text:
        text = f"{message_id} {text}".strip()
    return _tidy(text)


def json_message(body: Any) -> str:
    """TWS' words in a JSON body of any shape; the JSON itself, compacted, when it has no message-like text."""
    text = _words(body)
    if not text and body not in (None, {}, [], ""):
        text = _tidy(orjson.dumps(body).decode())
    return text


def html_text(page: str) -> str:
    """The visible text of an HTML error page (its title when the body says nothing more)."""
    title = _TITLE.search(page)
    body = _tidy(html.unescape(_TAG.sub(" ", _DROP.sub(" ", page))))
    if not body and title:
        return _tidy(html.unescape(_TAG.sub(" ", title.group(1))))
    return body


def server_message(content: bytes, content_type: str) -> str:
    """TWS' own explanation in an answer body, as plain text ("" when there is none)."""
    if not content or not content.strip():
        return ""
    try:
        return json_message(orjson.loads(content))
    except orjson.JSONDecodeError:
        pass
    text = content.decode("utf-8", errors="replace")
    if "html" in content_type.lower() or text.lstrip()[:1] == "<":
        return html_text(text)
    return _tidy(text)


def refusal(body: Any) -> str | None:
    """The reason of a 2xx action answer that reports an error (`isError`/`error` true), else None."""
    entries: list[Any] = [body]
    if isinstance(body, dict) and isinstance(body.get("failedResourceResponses"), list):
        failed = body["failedResourceResponses"]
        if failed:
            entries = failed
    for entry in entries:
        if isinstance(entry, dict) and (entry.get("isError") is True or entry.get("error") is True):
            return _words(entry) or "TWS reported an error without saying why"
    if isinstance(body, dict) and body.get("failedResourceResponses"):
        return _words(body["failedResourceResponses"]) or "TWS reported the action as failed"
    return None


__all__ = ["html_text", "json_message", "refusal", "server_message"]
