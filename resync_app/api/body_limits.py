"""Size and nesting limits of request bodies, applied at the edge before any route parses them.

No body of this API is larger than a few KB or nested more than a few levels (the largest: a whole TWS
configuration of 50 instances, a System Configuration batch of 61 fields). A deeper or larger body is an attack or
a mistake, and without a limit it reached the JSON parser, the validators and the audit encoder, which recurse:
`[[[[…` or `{"a":{"a":…` a few thousand levels deep was a 500. So the input guard (`api/input_guard.py`) answers
413 for a body over `MAX_BODY_BYTES` and 422 for JSON nested deeper than `MAX_JSON_DEPTH`, with a `detail` that
says which limit, before the route runs.

`json_too_deep` scans the raw bytes without parsing (strings skipped, brackets counted), so its cost is linear
and its own depth is constant.
"""

from __future__ import annotations

import re

MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32

TOO_LARGE = (f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB, the most any route of this API "
             f"accepts.")
TOO_DEEP = (f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep (objects and lists inside each "
            f"other); no route of this API accepts that.")

# a JSON string (escapes included) or one bracket; whatever else is between them does not change the depth
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_OPEN = frozenset(b"[{")
_QUOTE = ord('"')


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text `body` opens more than `limit` objects/lists inside each other (brackets inside
    strings do not count). Malformed JSON is scanned the same way: the parser refuses it later anyway."""
    depth = 0
    for match in _TOKEN.finditer(body):
        first = body[match.start()]
        if first == _QUOTE:
            continue
        if first in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif depth:
            depth -= 1
    return False


def declared_too_large(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the request's Content-Length already says the body is over the limit."""
    for name, value in headers:
        if name == b"content-length":
            try:
                return int(value) > MAX_BODY_BYTES
            except ValueError:
                return False
    return False


def parsed_as_json(content_type: str) -> bool:
    """Whether FastAPI would parse a body of this content type as JSON (it does when there is none)."""
    media = content_type.split(";", 1)[0].strip()
    return not media or media == "application/json" or (media.startswith("application/") and
                                                         media.endswith("+json"))
