"""Async client of the HCL Workload Automation REST API v2 (`<base_url>/twsd/api/v2/…`).

Built from `hwa-rest-api-v2.openapi.json`:
- HTTP Basic on every request; TLS verification on unless the connection says `verify_tls=False`; redirects are
  not followed (credentials never go to another address).
- Queries (`GET plan/job`, `plan/jobstream`, `plan/workstation`) take `oql`, `limit`, `offset` and answer the
  paging envelope `{count, results, next, previous}`; `iter_jobs` yields one list per page, following `next`
  (same server only) or, when a server leaves `next` out, advancing `offset` while `count` says more are left;
  at most `MAX_PAGES` pages and `MAX_ITEMS` items per query, then TWSBadAnswer.
  The `Include-Count: true` header asks for `count`.
- One job: `plan/job/{job_id}`; its predecessors: `plan/job/{job_id}/predecessors?depth=1` (ListResponseV21 of
  JOB and JOBSTREAM nodes).
- Job log: `plan/job/run/{run_id}/joblog` (text/plain) for the job's current run, streamed: only a bounded tail
  is kept (`log_tail`).
- Actions: `PUT plan/job/{job_id}/action/{hold|release|cancel}`; rerun is per run in the spec:
  `PUT plan/job/run/{run_id}/action/rerun` (RerunDetailsV2 body, optional).
- Retries with exponential backoff on connection failures, timeouts and 429/502/503/504 for reads; an action is
  retried only when the request provably never left (the connection was refused), never after a timeout or a 5xx.
- Errors are classified by status code and structure only: the spec gives error answers no body, so TWS' words are
  read from whatever body came (JSON of any shape, text, HTML, none: `server_text.py`), and an action answered 2xx
  with `isError: true` is a refusal.

Every failure is one of the typed errors of `resync_app.tws.errors`, with a message a person can act on.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

import httpx
import orjson

from resync_app.tws.errors import (
    TWSBadAnswer,
    TWSError,
    TWSForbidden,
    TWSNotFound,
    TWSReadOnly,
    TWSRefused,
    TWSTimeout,
    TWSUnauthorized,
    TWSUnreachable,
)
from resync_app.tws import log_tail
from resync_app.tws.log_tail import log_tail_bytes
from resync_app.tws.plan_fields import last_run
from resync_app.tws.server_text import refusal, server_message

logger = logging.getLogger("resync.tws.client")

API_PREFIX = "/twsd/api/v2"
ACTIONS = ("rerun", "hold", "release", "cancel")
Action = Literal["rerun", "hold", "release", "cancel"]
_RETRY_STATUSES = (429, 502, 503, 504)
_MAX_SERVER_TEXT = 300
_USER_AGENT = "Resync-HWA-client/1.0"
MAX_PAGES = 2_000  # of one query: a 50 000-job plan is 50 pages of 1 000 (500 if a server caps pages at 100)
MAX_ITEMS = 250_000  # of one query: five times the largest plan benchmarked


def validate_base_url(url: str) -> str:
    """The base URL normalised (no trailing slash), or ValueError saying what is wrong with it.

    It is the TWS server root (`https://tws.example.com:31116`): http or https, a host, no user name or password
    in it, no query. A trailing `/twsd/api/v2` is tolerated and removed."""
    text = (url or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ValueError("the base URL must start with http:// or https://")
    if not parts.hostname:
        raise ValueError("the base URL has no host name")
    if parts.username or parts.password:
        raise ValueError("put the user name and password in their own fields, not in the base URL")
    if parts.query or parts.fragment:
        raise ValueError("the base URL must not have a query (?…) or a fragment (#…)")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise ValueError("the base URL has an invalid port") from exc
    path = parts.path.rstrip("/")
    if path.endswith(API_PREFIX):
        path = path[: -len(API_PREFIX)]
    return f"{parts.scheme}://{parts.netloc}{path}"


@dataclass(frozen=True)
class Connection:
    """Where and how to reach one TWS instance. `password` never appears in repr()."""

    base_url: str
    username: str
    password: str = field(repr=False)
    verify_tls: bool = True
    read_only: bool = False
    timeout_s: float = 10.0
    retries: int = 2
    backoff_s: float = 0.5
    name: str = ""

    @property
    def address(self) -> str:
        """host:port, for messages (never the credentials)."""
        parts = urlsplit(self.base_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return f"{parts.hostname}:{port}"

    @property
    def api_url(self) -> str:
        return validate_base_url(self.base_url) + API_PREFIX


class HWAClient:
    """One instance's REST API v2 client (an async context manager; or call `aclose()`).

    `transport` replaces the network (tests of odd transports); `sleep` replaces asyncio.sleep between retries.
    A query that runs past `max_pages` pages or `max_items` items fails with TWSBadAnswer (a server whose paging
    never ends must not grow the poller's memory without bound)."""

    def __init__(self, conn: Connection, *, transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Callable[[float], Awaitable[Any]] | None = None, max_pages: int = MAX_PAGES,
                 max_items: int = MAX_ITEMS) -> None:
        self.conn = conn
        self.max_pages, self.max_items = max(1, int(max_pages)), max(1, int(max_items))
        self._api = conn.api_url  # validates the base URL
        self._origin = "{0.scheme}://{0.netloc}".format(urlsplit(self._api))
        self._sleep = sleep or asyncio.sleep
        self._http = httpx.AsyncClient(
            auth=httpx.BasicAuth(conn.username, conn.password),
            verify=conn.verify_tls if self._api.startswith("https:") else False,  # no CA bundle to load for http
            timeout=httpx.Timeout(conn.timeout_s),
            transport=transport,
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": _USER_AGENT},
        )

    async def __aenter__(self) -> HWAClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # ---- reads ------------------------------------------------------------------------------------------------

    async def engine_info(self) -> dict:
        """GET engine/info (EngineInfoV2: displayVersion, fullVersion, timezone, …)."""
        return await self._get_object("engine/info", "the engine info")

    async def iter_jobs(self, oql: str | None = None, page_size: int = 1000) -> AsyncIterator[list[dict]]:
        """The jobs in the plan (JobInPlanV2 dicts) matching `oql`, one list per page (nothing for an empty plan)."""
        async for page in self._pages("plan/job", oql, page_size, "the jobs in the plan"):
            yield page

    async def jobs(self, oql: str | None = None, page_size: int = 1000) -> list[dict]:
        out: list[dict] = []
        async for page in self.iter_jobs(oql, page_size):
            out.extend(page)
        return out

    async def job_streams(self, oql: str | None = None, page_size: int = 1000) -> list[dict]:
        """The job streams in the plan (JobStreamInPlanV2 dicts)."""
        out: list[dict] = []
        async for page in self._pages("plan/jobstream", oql, page_size, "the job streams in the plan"):
            out.extend(page)
        return out

    async def workstations(self, oql: str | None = None, page_size: int = 1000) -> list[dict]:
        """The workstations in the plan (WorkstationInPlanV2 dicts)."""
        out: list[dict] = []
        async for page in self._pages("plan/workstation", oql, page_size, "the workstations in the plan"):
            out.extend(page)
        return out

    async def job(self, job_id: str) -> dict:
        """GET plan/job/{job_id} (JobInPlanV2, with its `dependencies`)."""
        return await self._get_object(f"plan/job/{_seg(job_id)}", f"job {job_id}")

    async def predecessors(self, job_id: str, depth: int = 1) -> list[dict]:
        """GET plan/job/{job_id}/predecessors?depth=…: the flow nodes (jobs, and job streams: `flowNodeType`) this job
        depends on, `depth` levels up (the spec gives `depth` no default: always sent, 1 = the direct ones)."""
        body = await self._get_object(f"plan/job/{_seg(job_id)}/predecessors", f"the predecessors of job {job_id}",
                                      params={"depth": depth})
        results = body.get("results")
        if not isinstance(results, list):
            raise self._bad_shape(f"the predecessors of job {job_id}")
        return results

    async def job_log(self, job_id: str, max_chars: int = 20000) -> str:
        """The end of the log of the job's current run (GET plan/job/run/{run_id}/joblog): the body is streamed and
        only its last bytes are kept (`log_tail_bytes`), so a log of any size costs a bounded amount of memory; the
        last `max_chars` characters of that tail, after a line saying how much was cut."""
        job = await self.job(job_id)
        run_id = last_run(job).get("id")
        if not run_id:
            raise TWSNotFound(f"Job {job.get('name') or job_id} has not run yet on TWS at {self.conn.address}, so it "
                              f"has no log: wait until it starts", instance=self.conn.name)
        what = f"the log of job {job.get('name') or job_id}"
        response = await self._request("GET", f"plan/job/run/{_seg(str(run_id))}/joblog", what=what,
                                       headers={"Accept": "text/plain, */*"},
                                       tail_bytes=log_tail_bytes(max_chars))
        return log_tail.excerpt(response.content, response.extensions.get(log_tail.SKIPPED, 0),
                                response.charset_encoding, max_chars)

    # ---- actions ----------------------------------------------------------------------------------------------

    async def action(self, job_id: str, action: Action) -> dict:
        """Rerun, hold, release or cancel one job. TWSReadOnly (nothing sent) on a read-only connection;
        TWSRefused when TWS says no (e.g. hold a job that already ended). Returns TWS' ResourceResponseV2."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
        if self.conn.read_only:
            label = self.conn.name or self.conn.address
            raise TWSReadOnly(f"TWS instance '{label}' is read-only in Resync: {action} is not allowed. An admin can "
                              f"turn off read-only in TWS Configuration.", instance=self.conn.name)
        if action == "rerun":
            job = await self.job(job_id)
            run_id = last_run(job).get("id")
            label = job.get("name") or job_id
            if not run_id:
                raise TWSRefused(f"Job {label} has not run yet, so there is nothing to rerun on TWS at "
                                 f"{self.conn.address}", instance=self.conn.name)
            path = f"plan/job/run/{_seg(str(run_id))}/action/rerun"
            body: dict | None = {}
        else:
            label = job_id
            path = f"plan/job/{_seg(job_id)}/action/{action}"
            body = None
        response = await self._request("PUT", path, what=f"{action} job {label}", json_body=body, idempotent=False,
                                       action=action)
        if not response.content:
            return {}
        parsed = self._json(response, f"{action} job {label}")
        reason = refusal(parsed)
        if reason is not None:  # a 2xx that still says no (ActionResourceResponseV2 with isError)
            raise TWSRefused(f"TWS at {self.conn.address} refused to {action} job {label} "
                             f"(HTTP {response.status_code}): {_redact(reason, self.conn.password)}",
                             status_code=response.status_code, instance=self.conn.name)
        return parsed if isinstance(parsed, dict) else {"result": parsed}

    # ---- plumbing ---------------------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self._api}/{path.lstrip('/')}"

    async def _get_object(self, path: str, what: str, params: dict | None = None) -> dict:
        response = await self._request("GET", path, what=what, params=params)
        body = self._json(response, what)
        if not isinstance(body, dict):
            raise self._bad_shape(what)
        return body

    async def _pages(self, path: str, oql: str | None, page_size: int, what: str) -> AsyncIterator[list[dict]]:
        limit = max(1, int(page_size))
        url = self._url(path)
        params: dict[str, Any] = {"limit": limit, "offset": 0}
        if oql:
            params["oql"] = oql
        seen_requests: set[tuple] = set()
        received = pages = 0
        while True:
            key = (url, tuple(sorted((k, str(v)) for k, v in params.items())))
            if key in seen_requests:
                raise TWSBadAnswer(f"TWS at {self.conn.address} sent a paging link that points back to a page already "
                                   f"read ({what}); the server's paging is inconsistent", instance=self.conn.name)
            seen_requests.add(key)
            response = await self._request("GET", url, what=what, params=params, headers={"Include-Count": "true"})
            body = self._json(response, what)
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                raise self._bad_shape(what)
            results = body["results"]
            count = body.get("count") if isinstance(body.get("count"), int) else None
            pages += 1
            received += len(results)
            if received > self.max_items:
                raise self._too_many(what, f"more than {self.max_items:,} items")
            if results:
                yield results
            if not results:
                return
            nxt = body.get("next")
            if isinstance(nxt, str) and nxt.strip():
                following = self._follow(nxt)
            elif (count is not None and received < count) or (count is None and len(results) >= limit):
                following = url, dict(params, offset=int(params.get("offset", 0)) + len(results))
            else:
                return
            if pages >= self.max_pages:
                raise self._too_many(what, f"more than {self.max_pages:,} pages")
            url, params = following

    def _too_many(self, what: str, amount: str) -> TWSBadAnswer:
        return TWSBadAnswer(f"TWS at {self.conn.address} kept sending pages of {what}: {amount}, beyond any plan "
                            f"Resync reads — its paging does not end, so Resync stopped reading (the poll failed; "
                            f"check the TWS server)", instance=self.conn.name)

    def _follow(self, nxt: str) -> tuple[str, dict[str, Any]]:
        """The request for a `next` link: resolved against the API URL; a link to another server is not followed
        there (the credentials stay with this one), only its path and query are used here."""
        target = urlsplit(urljoin(self._api + "/", nxt.strip()))
        params = dict(parse_qsl(target.query, keep_blank_values=True))
        at = target.path.find(API_PREFIX)
        if at >= 0:  # keep our own base (a proxy's path prefix too), whatever host the server names
            return self._api + target.path[at + len(API_PREFIX):], params
        return f"{self._origin}{target.path}", params

    async def _request(self, method: str, path: str, *, what: str, params: dict | None = None,
                       json_body: Any = None, headers: dict | None = None, idempotent: bool = True,
                       action: str | None = None, tail_bytes: int | None = None) -> httpx.Response:
        url = path if path.startswith(("http://", "https://")) else self._url(path)
        attempts = 1 + max(0, int(self.conn.retries))
        for attempt in range(attempts):
            last = attempt == attempts - 1
            started = time.perf_counter()
            try:
                if tail_bytes is None:
                    response = await self._http.request(method, url, params=params, json=json_body, headers=headers)
                else:
                    response = await log_tail.fetch(self._http, method, url, params=params, headers=headers,
                                                    tail_bytes=tail_bytes)
            except httpx.TimeoutException as exc:
                connect = isinstance(exc, httpx.ConnectTimeout)
                error = self._timeout_error(what, connect)
                retry = connect or idempotent
            except httpx.ConnectError as exc:
                error = self._connect_error(exc)
                retry = not _is_tls_failure(exc)
            except httpx.TransportError as exc:  # the connection broke after the request was (maybe) sent
                error = TWSUnreachable(f"TWS at {self.conn.address} closed the connection while answering {what} "
                                       f"({_reason(exc)}) — check that the server is up and not restarting",
                                       instance=self.conn.name)
                retry = idempotent
            else:
                logger.debug("%s %s -> %s in %.0f ms", method, url, response.status_code,
                             (time.perf_counter() - started) * 1000)
                if response.status_code in _RETRY_STATUSES and idempotent and not last:
                    await self._backoff(attempt)
                    continue
                self._raise_for_status(response, what, action)
                return response
            if not retry or last:
                raise error
            logger.info("TWS %s: %s (attempt %d of %d, retrying)", self.conn.name or self.conn.address, error.kind,
                        attempt + 1, attempts)
            await self._backoff(attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _backoff(self, attempt: int) -> None:
        delay = max(0.0, self.conn.backoff_s) * (2 ** attempt)
        if delay:
            await self._sleep(delay)

    def _timeout_error(self, what: str, connect: bool) -> TWSError:
        if connect:
            return TWSUnreachable(f"TWS at {self.conn.address} is unreachable: no answer to the connection within "
                                  f"{self.conn.timeout_s:g} s — check the base URL, the firewall and that the server "
                                  f"is up", instance=self.conn.name)
        return TWSTimeout(f"TWS at {self.conn.address} did not answer {what} within {self.conn.timeout_s:g} s — the "
                          f"server may be overloaded: try again later or raise the timeout", instance=self.conn.name)

    def _connect_error(self, exc: httpx.ConnectError) -> TWSError:
        if _is_tls_failure(exc):
            return TWSUnreachable(
                f"TWS at {self.conn.address} presented a TLS certificate that could not be verified ({_reason(exc)}) "
                f"— install its CA certificate on this server, or turn off TLS verification for this instance if "
                f"you trust the network", instance=self.conn.name)
        return TWSUnreachable(f"TWS at {self.conn.address} is unreachable: {_reason(exc)} — check the base URL and "
                              f"that the server is up", instance=self.conn.name)

    def _raise_for_status(self, response: httpx.Response, what: str, action: str | None) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        where, user, name = self.conn.address, self.conn.username, self.conn.name
        server = self._server_message(response)
        said = f": {server}" if server else ""
        if status == 401:
            raise TWSUnauthorized(f"TWS at {where} refused the user '{user}' (401): check the username and password",
                                  status_code=401, instance=name)
        if status == 403:
            raise TWSForbidden(f"TWS at {where} does not allow the user '{user}' to read or change {what} (403): "
                               f"grant the user the needed rights in the TWS security file", status_code=403,
                               instance=name)
        if status == 404:
            if what == "the engine info":
                message = (f"No HWA REST API v2 at {self._api} (404) — check the base URL: it is the TWS server root, "
                           f"e.g. https://tws.example.com:31116")
            else:
                subject = "job " + what.split(" job ", 1)[1] if action and " job " in what else what.removeprefix("the ")
                message = (f"TWS at {where} has no {subject} (404){said} — it may have left the plan: refresh and "
                           f"try again")
            raise TWSNotFound(message, status_code=404, instance=name)
        if 300 <= status < 400:
            location = response.headers.get("location", "")
            raise TWSBadAnswer(f"TWS at {where} redirected {what} to {_redact(location, self.conn.password)!r} "
                               f"(HTTP {status}) — put the final address in the base URL (http vs https?)",
                               status_code=status, instance=name)
        if status == 429:
            raise TWSBadAnswer(f"TWS at {where} is refusing requests for now (429 Too Many Requests){said} — lower the "
                               f"polling frequency; Resync will try again later", status_code=429, instance=name)
        if status >= 500:
            raise TWSBadAnswer(f"TWS at {where} failed while answering {what} (HTTP {status}){said} — check the TWS "
                               f"server logs; Resync will try again later", status_code=status, instance=name)
        doing = f"to {what}" if action else f"the request for {what}"
        raise TWSRefused(f"TWS at {where} refused {doing} (HTTP {status}){said}", status_code=status, instance=name)

    def _server_message(self, response: httpx.Response) -> str:
        """TWS' own explanation from an error answer, whatever the body's shape (`server_text`), password removed."""
        text = server_message(response.content, response.headers.get("content-type", ""))
        return _redact(text, self.conn.password)

    def _json(self, response: httpx.Response, what: str) -> Any:
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            kind = response.headers.get("content-type", "unknown content") or "unknown content"
            raise TWSBadAnswer(f"TWS at {self.conn.address} answered {what} with something that is not JSON ({kind}) "
                               f"— check that the base URL points at the TWS server (HWA REST API v2)",
                               status_code=response.status_code, instance=self.conn.name) from None

    def _bad_shape(self, what: str) -> TWSBadAnswer:
        return TWSBadAnswer(f"TWS at {self.conn.address} answered {what} with JSON of an unexpected shape — is this an "
                            f"HWA REST API v2 server (version 10 or later)?", instance=self.conn.name)


def _seg(value: str) -> str:
    """One URL path segment (ids are UUIDs, but never trust them to be)."""
    return quote(str(value), safe="")


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes (httpx wraps the socket error, anyio wraps it again)."""
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out and len(out) < 10:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def _is_tls_failure(exc: Exception) -> bool:
    return any(isinstance(e, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(e)
               for e in _chain(exc))


def _reason(exc: Exception) -> str:
    """Why a connection failed, in a few words."""
    for cause in _chain(exc):
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "the host name does not resolve"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"certificate verify failed: {cause.verify_message}" if cause.verify_message else \
                "certificate verify failed"
        if isinstance(cause, ssl.SSLError):
            return "TLS handshake failed (is the server https? is the base URL http?)"
        if isinstance(cause, (ConnectionResetError, BrokenPipeError)):
            return "connection reset by the server"
        if isinstance(cause, OSError) and cause.errno in (101, 113):
            return "network unreachable"
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused"
    if "name or service not known" in lowered or "nodename nor servname" in lowered:
        return "the host name does not resolve"
    return text[:200]


def _redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret and len(secret) >= 3 else text


__all__ = ["ACTIONS", "API_PREFIX", "Action", "Connection", "HWAClient", "validate_base_url"]
