"""Posts queued cards to the Teams webhook, one dispatcher thread per worker.

`Dispatcher.deliver_due(now)` claims due rows of the outbox, posts each and records the outcome; the thread calls
it every POLL_INTERVAL seconds or when woken by the sink. Tests call it directly with an injected clock (`now`
for the whole round, or a `clock` read before each row). Before posting a row it renews the row's lease
(`outbox.renew`): a row another dispatcher took over meanwhile is not posted (issue 16 #3). A row whose dispatcher
died while posting it is reported `unconfirmed`, never posted twice (`outbox.settle_abandoned`).

Teams switched off (or no usable webhook URL): nothing is claimed, rows wait (held), and rows held longer than
`outbox.HOLD_WHILE_OFF` become `expired` — reported on the Teams page, never silently dropped. With the System
Configuration switch `tws_teams_notifications_enabled` off, only the TWS cards wait (alerts still go).

Retry policy: 429 (after its `Retry-After`, capped), 408, 5xx and connection errors/timeouts are retried with
exponential backoff (BACKOFF_BASE · 2^(attempt-1), at most BACKOFF_CAP) up to MAX_ATTEMPTS attempts in all, then
the row is `failed`. Any other 4xx is recorded as `failed` at once (a bad URL or payload does not heal by itself).
The webhook URL never appears in a log line or a stored error.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Callable

import httpx

from resync_app.db import utcnow
from resync_app.events import feed
from resync_app.logging_setup import redact, register_secret
from resync_app.teams import config as teams_config
from resync_app.teams import outbox

logger = logging.getLogger("resync.teams")
MAX_ATTEMPTS = 6
BACKOFF_BASE_S = 5.0
BACKOFF_CAP_S = 300.0
RETRY_AFTER_CAP_S = 3600.0
HTTP_TIMEOUT_S = 15.0
POLL_INTERVAL_S = 2.0
BATCH = 20
PRUNE_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class PostResult:
    ok: bool
    status_code: int | None
    error: str | None = None
    retryable: bool = False
    retry_after_s: float | None = None


def _retry_after(value: str | None, now: datetime) -> float | None:
    """`Retry-After` as seconds (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - now).total_seconds()) if moment.tzinfo else None


def _clean(text: str, url: str) -> str:
    """An error text safe to store and show: the URL (and anything credential-like) removed."""
    return redact(text.replace(url, teams_config.mask(url)))[:500]


def post_card(url: str, payload: dict[str, Any], client: httpx.Client | None = None,
              now: datetime | None = None) -> PostResult:
    """POST one message to the webhook and classify the answer."""
    register_secret(url)
    own = client is None
    client = client or httpx.Client(timeout=HTTP_TIMEOUT_S, follow_redirects=False)
    try:
        response = client.post(url, json=payload, headers={"User-Agent": "Resync-Teams/1.0"})
    except httpx.TimeoutException:
        return PostResult(False, None, f"no answer within {HTTP_TIMEOUT_S:g} s (timeout)", retryable=True)
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        return PostResult(False, None, _clean(f"unreachable: {reason}", url), retryable=True)
    finally:
        if own:
            client.close()
    code = response.status_code
    body = response.text.strip()[:300]
    if 200 <= code < 300:
        # Legacy Office 365 connectors answer 200 with this text when Teams itself refused the message.
        if body.startswith("Webhook message delivery failed"):
            return PostResult(False, code, _clean(body, url), retryable="429" in body)
        return PostResult(True, code)
    message = _clean(f"HTTP {code}" + (f": {body}" if body else ""), url)
    if code == 429:
        return PostResult(False, code, message, retryable=True,
                          retry_after_s=_retry_after(response.headers.get("retry-after"), now or utcnow()))
    if code == 408 or code >= 500:
        return PostResult(False, code, message, retryable=True)
    return PostResult(False, code, message)


def backoff_s(attempt: int) -> float:
    """Delay before the next attempt after attempt number `attempt` failed (1 → 5 s, 2 → 10 s, … ≤ 300 s)."""
    return min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempt - 1))


ALL_KINDS = ("tws_event", "incident", "alert", "test")
TWS_KINDS = ("tws_event", "incident")


def sendable_kinds(config, url: str | None) -> tuple[str, ...] | None:
    """Which kinds of card may be posted now (None: all). Teams off or no usable URL: none (they are held);
    the System Configuration switch of TWS notifications off: alerts only."""
    if not (config.enabled and url):
        return ()
    from resync_app.config.store import setting

    if not setting("tws_teams_notifications_enabled"):
        return tuple(k for k in ALL_KINDS if k not in TWS_KINDS)
    return None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Dispatcher:
    """Claims and posts due cards; `start()` runs it in a daemon thread."""

    def __init__(self, name: str | None = None, poster: Callable[..., PostResult] = post_card,
                 poll_interval_s: float = POLL_INTERVAL_S, clock: Callable[[], datetime] | None = None,
                 claim_stale: timedelta = outbox.CLAIM_STALE) -> None:
        self.name = name or worker_name()
        self._poster = poster
        self._poll = poll_interval_s
        self._clock = clock or (lambda: utcnow())  # looked up at each call (tests may patch `utcnow`)
        self._stale = claim_stale
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: httpx.Client | None = None
        self._last_prune: datetime | None = None

    # ---- one round (deterministic; tests call it with their clock) --------------------------------------

    def deliver_due(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Claim the rows due at `now`, post them and record each outcome; returns what happened per row (rows
        another dispatcher took over before they were posted are left out)."""
        fixed = now
        now = now or self._clock()
        config = teams_config.load()
        url = config.webhook_url() if config.has_webhook else None
        kinds = sendable_kinds(config, url)
        if outbox.settle_abandoned(now, self._stale):
            feed.publish(teams_config.TOPIC, {"what": "deliveries"})
        if kinds is not None:  # some cards are held while Teams is off: those held too long expire
            if outbox.expire_held(now, tuple(k for k in ALL_KINDS if k not in kinds)):
                feed.publish(teams_config.TOPIC, {"what": "deliveries"})
            if not kinds:
                return []
        from resync_app.teams.incident_cards import render

        claims = outbox.claim(self.name, now, BATCH, stale=self._stale, kinds=kinds, render=render)
        if not claims:
            return []
        outcomes = []
        for claim in claims:
            outcome = self._deliver(claim, url, fixed or self._clock())
            if outcome is not None:
                outcomes.append(outcome)
        feed.publish(teams_config.TOPIC, {"what": "deliveries"})
        return outcomes

    def _deliver(self, claim: outbox.Claimed, url: str | None, now: datetime) -> dict[str, Any] | None:
        if not outbox.renew(claim, self.name, now):
            logger.info("Teams card %s: its lease was taken over by another dispatcher; not posted here", claim.id)
            return None
        if claim.attempt > MAX_ATTEMPTS:  # reclaimed after its dispatcher died on the last attempt
            status, code, error, retry_at = "failed", None, f"gave up after {MAX_ATTEMPTS} attempts", None
        else:
            if self._client is None:
                self._client = httpx.Client(timeout=HTTP_TIMEOUT_S, follow_redirects=False)
            result = self._poster(url, claim.card, client=self._client, now=now)
            code, error, retry_at = result.status_code, result.error, None
            if result.ok:
                status = "sent"
            elif result.retryable and claim.attempt < MAX_ATTEMPTS:
                delay = backoff_s(claim.attempt)
                if result.retry_after_s is not None:
                    delay = min(max(result.retry_after_s, 0.0), RETRY_AFTER_CAP_S)
                status, retry_at = "pending", now + timedelta(seconds=delay)
            else:
                status = "failed"
                if result.retryable:
                    error = f"{error} (gave up after {claim.attempt} attempts)"
        outbox.finish(claim, self.name, status, now, status_code=code, error=error, next_attempt_at=retry_at)
        if status == "failed":
            logger.warning("Teams card %s (%s) failed after %d attempt(s): %s", claim.id, claim.source_key,
                           claim.attempt, error)
        elif status == "pending":
            logger.info("Teams card %s: attempt %d failed (%s); retry at %s", claim.id, claim.attempt, error,
                        retry_at.isoformat() if retry_at else "")
        return {"id": claim.id, "source_key": claim.source_key, "attempt": claim.attempt, "status": status,
                "status_code": code, "error": error, "next_attempt_at": retry_at}

    # ---- the thread ------------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="resync-teams-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._client is not None:
            self._client.close()
            self._client = None

    def wake(self) -> None:
        """Deliver now instead of at the next poll (the sink calls this after queueing)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            busy = False
            try:
                busy = len(self.deliver_due()) >= BATCH
                now = utcnow()
                if self._last_prune is None or now - self._last_prune > PRUNE_EVERY:
                    self._last_prune = now
                    outbox.prune(now)
            except Exception as exc:  # the database may be down for a while: keep going, say why
                logger.error("Teams dispatcher round failed: %s", redact(f"{type(exc).__name__}: {exc}")[:300])
            if not busy:
                self._wake.wait(self._poll)
                self._wake.clear()
