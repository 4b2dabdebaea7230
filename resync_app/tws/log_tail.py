"""A job log read as a stream, keeping only its end: memory stays bounded whatever the log's size.

TWS answers `plan/job/run/{run_id}/joblog` with the whole log (`text/plain`); a long-running job's log can be
hundreds of MB. `fetch` streams the body and keeps its last `tail_bytes` bytes (at most one network chunk more
while reading); an error answer keeps only its first `ERROR_BODY_BYTES` (TWS' reason is at its start). The
answer is an `httpx.Response` holding just those bytes, so the client's status handling and retries apply as for
any request; `extensions[SKIPPED]` says how many bytes were left out. `excerpt` turns the tail into the text
shown: decoded, started at a line boundary, cut to `max_chars` characters after a line saying how much is not
shown.
"""

from __future__ import annotations

from collections import deque
import httpx

SKIPPED = "resync_skipped_bytes"
MAX_TAIL_BYTES = 1024 * 1024  # the most any caller keeps of a log
MIN_TAIL_BYTES = 16 * 1024
ERROR_BODY_BYTES = 64 * 1024
_DROPPED_HEADERS = (b"content-length", b"content-encoding", b"transfer-encoding")


def log_tail_bytes(max_chars: int) -> int:
    """The bytes to keep for an excerpt of `max_chars` characters (UTF-8: at most 4 bytes each), within bounds."""
    return max(MIN_TAIL_BYTES, min(MAX_TAIL_BYTES, 4 * max(1, int(max_chars))))


async def fetch(http: httpx.AsyncClient, method: str, url: str, *, params: dict | None = None,
                headers: dict | None = None, tail_bytes: int) -> httpx.Response:
    """Send the request and read the answer with bounded memory (see the module docstring). Transport errors and
    timeouts while reading propagate like those of a plain request."""
    request = http.build_request(method, url, params=params, headers=headers)
    streamed = await http.send(request, stream=True)
    try:
        if 200 <= streamed.status_code < 300:
            body, skipped = await _tail(streamed, tail_bytes)
        else:
            body, skipped = await _head(streamed, ERROR_BODY_BYTES), 0
    finally:
        await streamed.aclose()
    kept = [(k, v) for k, v in streamed.headers.raw if k.lower() not in _DROPPED_HEADERS]
    return httpx.Response(streamed.status_code, headers=kept, content=body, request=request,
                          extensions={**streamed.extensions, SKIPPED: skipped})


async def _tail(response: httpx.Response, limit: int) -> tuple[bytes, int]:
    """The last `limit` bytes of the (decoded) body and how many came before them."""
    chunks: deque[bytes] = deque()
    size = skipped = 0
    async for chunk in response.aiter_bytes():
        if not chunk:
            continue
        chunks.append(chunk)
        size += len(chunk)
        while size > limit:
            excess = size - limit
            first = chunks[0]
            if len(first) <= excess:
                chunks.popleft()
                size -= len(first)
                skipped += len(first)
            else:
                chunks[0] = first[excess:]
                size -= excess
                skipped += excess
    return b"".join(chunks), skipped


async def _head(response: httpx.Response, limit: int) -> bytes:
    """The first `limit` bytes of the body (the rest is not read: the connection is closed)."""
    out = bytearray()
    async for chunk in response.aiter_bytes():
        out += chunk[: limit - len(out)]
        if len(out) >= limit:
            break
    return bytes(out)


def excerpt(tail: bytes, skipped: int, charset: str | None, max_chars: int) -> str:
    """The text shown for a log whose last bytes are `tail` (`skipped` bytes came before): at most `max_chars`
    characters of its end, after a line saying how much is not shown."""
    text = _decode(tail, charset)
    hidden_bytes = skipped
    if skipped:  # the tail starts mid-line (maybe mid-character): start at the next line
        newline = text.find("\n", 0, 400)
        start = newline + 1 if newline >= 0 else len(text) - len(text.lstrip("\ufffd"))
        hidden_bytes += len(text[:start].encode("utf-8", "replace"))
        text = text[start:]
    cut = max(0, len(text) - max(0, int(max_chars)))
    if cut:
        hidden_bytes += len(text[:cut].encode("utf-8", "replace"))
        text = text[cut:]
    if skipped:
        return f"[… {hidden_bytes:,} earlier bytes not shown …]\n" + text
    if cut:
        return f"[… {cut} earlier characters not shown …]\n" + text
    return text


def _decode(data: bytes, charset: str | None) -> str:
    try:
        return data.decode(charset or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return data.decode("utf-8", errors="replace")


__all__ = ["ERROR_BODY_BYTES", "MAX_TAIL_BYTES", "SKIPPED", "excerpt", "fetch", "log_tail_bytes"]
