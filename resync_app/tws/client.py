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

Every failure is one of the typed errors of `resync_app.tws.errors`, with a message a person can act on
(`client_errors.py` builds them). The connection (base URL, credentials) is `connection.py`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

import httpx

from resync_app.tws import log_tail
from resync_app.tws.client_errors import (
    bad_shape,
    connect_error,
    failure_reason,
    is_tls_failure,
    parse_json,
    raise_for_status,
    redact_secret,
    timeout_error,
    too_many,
)
from resync_app.tws.connection import API_PREFIX, Connection
from resync_app.tws.errors import TWSBadAnswer, TWSNotFound, TWSReadOnly, TWSRefused, TWSUnreachable
from resync_app.tws.log_tail import log_tail_bytes
from resync_app.tws.plan_values import last_run
from resync_app.tws.server_text import refusal

logger = logging.getLogger("resync.tws.client")

ACTIONS = ("rerun", "hold", "release", "cancel")
Action = Literal["rerun", "hold", "release", "cancel"]
_RETRY_STATUSES = (429, 502, 503, 504)
_USER_AGENT = "Resync-HWA-client/1.0"
MAX_PAGES = 2_000  # of one query: a 50 000-job plan is 50 pages of 1 000 (500 if a server caps pages at 100)
MAX_ITEMS = 250_000  # of one query: five times the largest plan benchmarked


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
            raise bad_shape(self.conn, f"the predecessors of job {job_id}")
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
        parsed = parse_json(self.conn, response, f"{action} job {label}")
        reason = refusal(parsed)
        if reason is not None:  # a 2xx that still says no (ActionResourceResponseV2 with isError)
            raise TWSRefused(f"TWS at {self.conn.address} refused to {action} job {label} "
                             f"(HTTP {response.status_code}): {redact_secret(reason, self.conn.password)}",
                             status_code=response.status_code, instance=self.conn.name)
        return parsed if isinstance(parsed, dict) else {"result": parsed}

    # ---- plumbing ---------------------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self._api}/{path.lstrip('/')}"

    async def _get_object(self, path: str, what: str, params: dict | None = None) -> dict:
        response = await self._request("GET", path, what=what, params=params)
        body = parse_json(self.conn, response, what)
        if not isinstance(body, dict):
            raise bad_shape(self.conn, what)
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
            body = parse_json(self.conn, response, what)
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                raise bad_shape(self.conn, what)
            results = body["results"]
            count = body.get("count") if isinstance(body.get("count"), int) else None
            pages += 1
            received += len(results)
            if received > self.max_items:
                raise too_many(self.conn, what, f"more than {self.max_items:,} items")
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
                raise too_many(self.conn, what, f"more than {self.max_pages:,} pages")
            url, params = following

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
                error = timeout_error(self.conn, what, connect)
                retry = connect or idempotent
            except httpx.ConnectError as exc:
                error = connect_error(self.conn, exc)
                retry = not is_tls_failure(exc)
            except httpx.TransportError as exc:  # the connection broke after the request was (maybe) sent
                error = TWSUnreachable(f"TWS at {self.conn.address} closed the connection while answering {what} "
                                       f"({failure_reason(exc)}) — check that the server is up and not restarting",
                                       instance=self.conn.name)
                retry = idempotent
            else:
                logger.debug("%s %s -> %s in %.0f ms", method, url, response.status_code,
                             (time.perf_counter() - started) * 1000)
                if response.status_code in _RETRY_STATUSES and idempotent and not last:
                    await self._backoff(attempt)
                    continue
                raise_for_status(self.conn, response, what, action)
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


def _seg(value: str) -> str:
    """One URL path segment (ids are UUIDs, but never trust them to be)."""
    return quote(str(value), safe="")



__all__ = ["ACTIONS", "Action", "HWAClient"]
