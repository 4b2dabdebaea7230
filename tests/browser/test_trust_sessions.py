"""Sessions, rate limits and client addresses over the Reflex websocket (issue 15 items 3, 4, 5, 7 and the admin
Origin gap), against a real server started like `make run` (`scripts/serve.sh`, backend only) with
RESYNC_OPERATOR_LOGIN=required, REFLEX_CORS_ALLOWED_ORIGINS=* (the socket server accepts any Origin, so only the
app's own check is left), RESYNC_TRUSTED_PROXIES=127.0.0.1 and no rate-limit exemption, polling an in-process HWA
simulator (whose request log counts the job logs TWS was asked for). Raw Socket.IO clients play the tabs; each
test's clients come "through the proxy" with an X-Forwarded-For address of their own, so their rate-limit buckets
are theirs."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import shutil
import tempfile
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from resync_app.state.chat import ChatState
from resync_app.state.toast import ToastState
from resync_app.state.metrics_dashboard import MetricsDashboardState
from resync_app.state.monitoring import MonitoringState
from resync_app.state.realtime import RealtimeState
from resync_app.state.system_config import SystemConfigState
from resync_app.tws_simulator.simulator import Simulator
from tests.support.cluster import Cluster, free_port, wait_for
from tests.support.raw_events import RawClient, RawEvent, RawSession, reopen

OPERATOR, OPERATOR_PASSWORD = "night-op", "night-op-password-1"
INSTANCE = "trust-sim"
LIMIT = 4  # rate_limit_public_per_minute while a rate-limit test runs
REALTIME, MONITORING = RealtimeState.get_full_name(), MonitoringState.get_full_name()
METRICS, CHAT, SYSTEM = MetricsDashboardState.get_full_name(), ChatState.get_full_name(), SystemConfigState.get_full_name()
TOO_MANY = "Too many requests"
TOAST = ToastState.get_full_name()
_addresses = itertools.count(1)


def new_client_address() -> str:
    """An address of a client behind the trusted proxy (its own rate-limit buckets)."""
    n = next(_addresses)
    return f"198.18.{n // 250}.{n % 250 + 1}"


# ---- the server ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tws():
    sim = Simulator(jobs=80, seed=11, start=datetime(2026, 3, 2, 6, tzinfo=timezone.utc), abend_rate=0.0,
                    stuck_rate=0.0, late_rate=0.0, flap_rate=0.0).start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def server(tws):
    folder = Path(tempfile.mkdtemp(prefix="resync-trust-"))
    env = {"RESYNC_OPERATOR_LOGIN": "required", "REFLEX_CORS_ALLOWED_ORIGINS": "*",
           "RESYNC_TRUSTED_PROXIES": "127.0.0.1", "RESYNC_RATE_LIMIT_EXEMPT": "",
           # seeds of the first start: pushes every second, room for the tests' own admin calls and sockets
           "TWS_DASHBOARD_REFRESH_SECONDS": "1", "RATE_LIMIT_CRITICAL_PER_MINUTE": "1000",
           "RATE_LIMIT_AUTHENTICATED_PER_MINUTE": "100000", "RATE_LIMIT_WEBSOCKET_PER_MINUTE": "1000",
           "RATE_LIMIT_PUBLIC_PER_MINUTE": "10000"}
    port = free_port()
    env["RESYNC_PUBLIC_URL"] = f"http://127.0.0.1:{port}"  # its own origin (the test process's is another)
    cluster = Cluster(database_url=f"sqlite:///{folder / 'resync.db'}", redis_url=None, workers=1, extra_env=env,
                      port=port)
    cluster.start()
    try:
        created = cluster.request("POST", "/api/v1/admin/tws-config/instances", json={
            "name": INSTANCE, "base_url": tws.base_url, "username": tws.username, "password": tws.password})
        assert created.status_code == 201, created.text
        created = cluster.request("POST", "/api/v1/admin/users", json={
            "username": OPERATOR, "password": OPERATOR_PASSWORD, "role": "operator"})
        assert created.status_code == 201, created.text
        wait_for(lambda: cluster.json("GET", f"/api/v1/tws/jobs?instance={INSTANCE}&limit=1")["count"] > 0, 90,
                 "the first poll of the simulator")
        cluster.db = folder / "resync.db"
        yield cluster
    finally:
        cluster.destroy()
        shutil.rmtree(folder, ignore_errors=True)


def sign_in(server, username: str = OPERATOR, password: str = OPERATOR_PASSWORD) -> str:
    """A browser session through the /login form endpoint; returns the session cookie."""
    answer = server.request("POST", "/api/v1/auth/session", auth=None,
                            data={"username": username, "password": password, "next": "/"})
    assert answer.status_code == 303 and "error" not in answer.headers["location"], answer.headers
    cookie = answer.cookies.get("resync_session")
    assert cookie
    return cookie


def new_operator(server) -> tuple[str, str]:
    name, password = "op-" + uuid.uuid4().hex[:8], "op-password-" + uuid.uuid4().hex[:8]
    created = server.request("POST", "/api/v1/admin/users", json={"username": name, "password": password,
                                                                    "role": "operator"})
    assert created.status_code == 201, created.text
    return name, password


@contextlib.contextmanager
def public_limit(server, per_minute: int):
    """rate_limit_public_per_minute for the duration of a test (live setting; restored after)."""
    answer = server.request("POST", "/api/v1/system-config/update",
                            json={"updates": {"rate_limit_public_per_minute": per_minute}})
    assert answer.status_code == 200, answer.text
    try:
        yield
    finally:
        server.request("POST", "/api/v1/system-config/update",
                       json={"updates": {"rate_limit_public_per_minute": 10000}})


def tab(server, cookie: str | None, client: str | None = None, **kwargs) -> RawClient:
    headers = {"X-Forwarded-For": client} if client else None
    return RawClient(server.base_url, cookie, headers=headers, **kwargs).connect()


def job_ids(server, n: int) -> list[str]:
    return [j["id"] for j in server.json("GET", f"/api/v1/tws/jobs?instance={INSTANCE}&limit={n}")["results"]]


def log_requests(tws) -> int:
    return sum(1 for _method, path, _query in tws.requests() if path.endswith("/joblog"))


def refusals(session: RawSession) -> int:
    """How many calls the rate limit refused: its toasts, plus the chat's notices (the chat says it in its page)."""
    received = [m for m in session.received if isinstance(m, dict)]
    toasts = sum(1 for m in received  # each refusal sets the tab's toast (data, shown by the page's toaster)
                 if TOO_MANY in json.dumps((m.get("delta") or {}).get(TOAST, {}), default=str))
    notices = sum(1 for m in received if TOO_MANY in json.dumps((m.get("delta") or {}).get(CHAT, {}), default=str))
    return toasts + notices


def probe(page: RawClient) -> None:
    """Wait until the server has answered every event this tab sent so far: a tab's events are handled one after
    the other, so once a last, harmless one (a search box's text) is answered, so are the others."""
    marker = "probe-" + uuid.uuid4().hex[:10]
    page.send(RawEvent(MONITORING, "/monitoring/", "set_search", {"value": marker}))
    assert page.wait_for(marker, what="the answers to the events sent"), page.session.text[-1500:]


# ---- item 3: an ended session ends its live pushes -----------------------------------------------------------


def pushes(session: RawSession) -> int:
    """Updates of the realtime state this tab received: the answer to its `open`, then the producer's pushes (the
    tab sends nothing else)."""
    return sum(1 for m in session.received if isinstance(m, dict) and REALTIME in (m.get("delta") or {}))


def _expire(server, cookie: str) -> None:
    """Idle for longer than the idle timeout (no sleeping: the session's last activity moves back)."""
    from sqlalchemy import create_engine, update

    from resync_app.auth.models import AuthSession

    engine = create_engine(f"sqlite:///{server.db}")
    try:
        with engine.begin() as conn:
            changed = conn.execute(update(AuthSession.__table__)
                                   .where(AuthSession.__table__.c.token_hash == hashlib.sha256(cookie.encode()).hexdigest())
                                   .values(last_seen_at=datetime.now(timezone.utc) - timedelta(minutes=45))
                                   ).rowcount
        assert changed == 1
    finally:
        engine.dispose()


def end_session(server, way: str, cookie: str, username: str) -> None:
    if way == "sign-out":
        answer = server.request("POST", "/api/v1/auth/logout", auth=None, headers={"Cookie": f"resync_session={cookie}"})
        assert answer.status_code == 303
    elif way == "expiry":
        _expire(server, cookie)
    elif way == "disable":
        assert server.request("PUT", f"/api/v1/admin/users/{username}", json={"disabled": True}).status_code == 200
    elif way == "reset":
        answer = server.request("PUT", f"/api/v1/admin/users/{username}", json={"password": "reset-" + uuid.uuid4().hex})
        assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("way", ["sign-out", "expiry", "disable", "reset"])
def test_an_ended_session_gets_no_further_live_push(server, way):
    """Two signed-in tabs on /realtime-dashboard get the producer's pushes (one a second); one session ends:
    that tab gets no further push (counted frame by frame) and is sent to /login, the other keeps getting them."""
    username, password = new_operator(server)
    cookie = sign_in(server, username, password)
    kept, ending = tab(server, sign_in(server), new_client_address()), None
    try:
        ending = tab(server, cookie, new_client_address())
        for client in (kept, ending):
            client.send(RawEvent(REALTIME, "/realtime-dashboard/", "open"))
        assert kept.wait_for(lambda s: pushes(s) >= 2, what="pushes to the live tab")
        assert ending.wait_for(lambda s: pushes(s) >= 2, what="pushes to the other tab before its session ends")

        end_session(server, way, cookie, username)
        ended_at = pushes(ending.session)
        start = pushes(kept.session)
        assert kept.wait_for(lambda s: pushes(s) > start, what="the next push to the live tab")
        boundary = pushes(ending.session)  # a push already on its way when the session ended may still land
        assert boundary - ended_at <= 1
        assert kept.wait_for(lambda s: pushes(s) >= start + 4, what="three more pushes to the live tab")
        assert pushes(ending.session) == boundary, "a tab whose session ended still gets live pushes"
        assert "/login?next=/realtime-dashboard" in ending.session.redirects()
    finally:
        kept.close()
        if ending is not None:
            ending.close()


# ---- item 4: a reconnecting anonymous tab gets no operator state back ----------------------------------------


def test_a_signed_out_tab_reconnecting_gets_no_operator_state_back(server):
    """An operator's tab holds the monitoring chips, a search and a chat transcript; after sign-out the same tab
    reconnects anonymously: the hydrate carries none of it (the states' defaults), and it is sent to /login."""
    cookie, token, client = sign_in(server), str(uuid.uuid4()), new_client_address()
    marker = "marker-" + uuid.uuid4().hex[:10]
    question = f"How is TWS doing? {marker}"
    with contextlib.closing(tab(server, cookie, client, token=token)) as first:
        first.send(RawEvent(MONITORING, "/monitoring/", "load"),
                   RawEvent(MONITORING, "/monitoring/", "set_search", {"value": marker}),
                   RawEvent(CHAT, "/", "send", {"form_data": {"question": question}}))
        assert first.wait_for(lambda s: '"All"' in s.text and marker in s.text and '"streaming_rx_state_": false'
                              in s.text, what="chips, search and the chat answer"), first.session.text[-1500:]
    end_session(server, "sign-out", cookie, OPERATOR)
    hydrate = RawEvent(__import__("reflex").State.get_full_name(), "/monitoring/", "hydrate")
    again = reopen(server.base_url, token, hydrate, done="is_hydrated", headers={"X-Forwarded-For": client})
    text = again.session.text
    assert "monitoring_state" in text and "chat_state" in text  # the hydrate did send these states …
    assert marker not in text, "the search or the chat transcript came back"  # … empty
    assert '"All"' not in text and "chips_rx_state_\": []" in text, "the monitoring chips came back"
    refused = reopen(server.base_url, token, RawEvent(MONITORING, "/monitoring/", "load"), done="_redirect",
                     headers={"X-Forwarded-For": client})
    assert refused.session.redirects() == ["/login?next=/monitoring"]


# ---- item 5: event handlers count against the limits of their REST twins -------------------------------------


HANDLERS = {  # handler -> (event maker (call number, job ids) -> RawEvent, its REST twin (path, method, body))
    "open_job": (lambda n, jobs: RawEvent(MONITORING, "/monitoring/", "open_job", {"job_id": jobs[n]}),
                 ("GET", "/api/v1/tws/jobs/{job}?instance=" + INSTANCE, None)),
    "apply_search": (lambda n, jobs: RawEvent(MONITORING, "/monitoring/", "apply_search", {"_form": {}}),
                     ("GET", f"/api/v1/tws/jobs?instance={INSTANCE}&q=JOB", None)),
    "metrics_watch": (lambda n, jobs: RawEvent(METRICS, "/metrics/dashboard/", "watch", {"watch_id": 1000 + n}),
                      ("GET", "/api/v1/metrics/summary?days=7", None)),
    "chat_send": (lambda n, jobs: RawEvent(CHAT, "/", "send", {"form_data": {"question": f"What is late? {n}"}}),
                  ("POST", "/api/v1/chat", {"message": "What is late?"})),
}


def _rest(server, cookie: str, client: str, method: str, path: str, body) -> int:
    """The REST twin from `client` (through the proxy), with the tab's session as a browser page would."""
    return server.request(method, path, auth=None, json=body, timeout=60, headers={
        "X-Forwarded-For": client, "Cookie": f"resync_session={cookie}", "Origin": server.base_url}).status_code


def _chat_answered(n: int):
    """When question `n` (0-based) has been answered (a chat question is refused while the previous one is still
    streaming, uncounted: the test asks one at a time)."""
    # served: the answer streamed to its end; refused: the notice
    return lambda s: (refusals(s) >= n - LIMIT + 1 if n >= LIMIT
                      else s.text.count('"streaming_rx_state_": false') >= n + 1)


@pytest.mark.parametrize("handler", list(HANDLERS))
def test_a_handler_counts_against_its_rest_twins_limit(server, tws, handler):
    """LIMIT + 2 calls of the handler from one client: LIMIT are served, 2 refused with the limit's message in the
    page (and, for open_job, only LIMIT logs were asked of TWS); the REST twin from the same client is then
    refused too (the same counter), from another client it is served (per client)."""
    make, (method, path, body) = HANDLERS[handler]
    cookie, client, jobs = sign_in(server), new_client_address(), job_ids(server, LIMIT + 2)
    path = path.replace("{job}", jobs[0])
    logs_before = log_requests(tws)
    with public_limit(server, LIMIT), contextlib.closing(tab(server, cookie, client)) as page:
        if handler == "chat_send":
            for n in range(LIMIT + 2):
                page.send(make(n, jobs))
                assert page.wait_for(_chat_answered(n), what=f"the answer to question {n}"), page.session.text[-1500:]
        else:
            page.send(*(make(n, jobs) for n in range(LIMIT + 2)))
            if handler != "metrics_watch":  # (background tasks answer when they answer)
                probe(page)
        assert page.wait_for(lambda s: refusals(s) >= 2, what="two refusals"), page.session.text[-1500:]
        assert refusals(page.session) == 2, page.session.text[-1500:]
        if handler == "open_job":
            wait_for(lambda: log_requests(tws) - logs_before == LIMIT, 20, "the served opens' log fetches")
            assert log_requests(tws) - logs_before == LIMIT  # the refused opens asked TWS for nothing
        assert _rest(server, cookie, client, method, path, body) == 429  # the same counter as REST
        assert _rest(server, cookie, new_client_address(), method, path, body) in (200, 503)  # per client


def test_a_made_up_refresh_loop_id_starts_no_loop(server):
    """Each /metrics/dashboard `watch` event used to start a 30-second loop whatever its id; only the loop the
    tab's `load` asked for starts now."""
    cookie, client = sign_in(server), new_client_address()
    log_size = server.log_path.stat().st_size

    def new_log() -> str:
        return server.log_path.read_bytes()[log_size:].decode(errors="replace")

    with contextlib.closing(tab(server, cookie, client)) as page:
        page.send(*(RawEvent(METRICS, "/metrics/dashboard/", "watch", {"watch_id": 5000 + n}) for n in range(3)))
        wait_for(lambda: new_log().count("not started") >= 3, 20, "three loops refused")
    text = new_log()
    assert all(f"metrics refresh loop {5000 + n} not started" in text for n in range(3)), text[-2000:]


# ---- item 7: the client address comes from the handshake, X-Forwarded-For only from a trusted proxy ----------


def _act(page: RawClient, job: str) -> None:
    """Open a job's drawer and ask TWS to hold it (audited whatever TWS answers)."""
    page.send(RawEvent(MONITORING, "/monitoring/", "open_job", {"job_id": job}))
    assert page.wait_for('drawer_open_rx_state_": true', what="the drawer")
    page.send(RawEvent(MONITORING, "/monitoring/", "act", {"action": "hold"}))
    assert page.wait_for("action_result_rx_state_", what="the action's outcome"), page.session.text[-1000:]


def _last_action_client(server, job: str) -> str:
    entries = [e for e in server.json("GET", "/api/v1/admin/audit?limit=50")
               if e["action"].startswith("tws.job.action") and e["detail"].get("job_id") == job]
    assert entries, "the action was not audited"
    return entries[0]["client"]


def test_the_audit_names_the_client_behind_the_trusted_proxy(server):
    cookie, client = sign_in(server), new_client_address()
    job = job_ids(server, 3)[2]
    with contextlib.closing(tab(server, cookie, client)) as page:
        _act(page, job)
    assert _last_action_client(server, job) == client  # not 127.0.0.1, the proxy


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(server):
    """A client that is not the trusted proxy (127.0.0.2) cannot choose its address by sending the header: the
    audit names 127.0.0.2, and its rate-limit bucket is 127.0.0.2's."""
    cookie, job = sign_in(server), job_ids(server, 4)[3]
    with contextlib.closing(tab(server, cookie, "203.0.113.99", local_address="127.0.0.2")) as page:
        _act(page, job)
    assert _last_action_client(server, job) == "127.0.0.2"


def test_clients_behind_the_proxy_have_buckets_of_their_own(server):
    """Behind the trusted proxy every socket used to share 127.0.0.1's bucket: one client at its limit refused
    the others. Now A at its limit (spent over REST) is refused over the socket, B is served."""
    cookie, a, b = sign_in(server), new_client_address(), new_client_address()
    with public_limit(server, LIMIT):
        statuses = [_rest(server, cookie, a, "GET", f"/api/v1/tws/jobs?instance={INSTANCE}", None)
                    for _ in range(LIMIT + 1)]
        assert statuses == [200] * LIMIT + [429]
        with contextlib.closing(tab(server, cookie, a)) as tab_a, contextlib.closing(tab(server, cookie, b)) as tab_b:
            for page in (tab_a, tab_b):
                page.send(RawEvent(MONITORING, "/monitoring/", "go_to", {"page": 0}))
                probe(page)
            assert refusals(tab_a.session) == 1 and refusals(tab_b.session) == 0, (tab_a.session.text[-800:],
                                                                                   tab_b.session.text[-800:])


# ---- admin handlers refuse a foreign Origin even with REFLEX_CORS_ALLOWED_ORIGINS=* ------------------------


def _config_version(server) -> int:
    history = server.json("GET", "/api/v1/system-config/history?limit=1")
    return history[0]["version"] if history else 0


def test_admin_handlers_refuse_a_foreign_origin_when_the_socket_server_accepts_any(server):
    """With REFLEX_CORS_ALLOWED_ORIGINS=* the socket server lets a page of another site open /_event with the
    admin's cookie (the handshake succeeds here); the admin handlers still refuse it: nothing is read, nothing
    saved, the client is sent to /login. The same client from the app's own origin is served (control)."""
    cookie = sign_in(server, "admin", server.admin_password)
    version = _config_version(server)
    events = [RawEvent(SYSTEM, "/admin/system/", "load"),
              RawEvent(SYSTEM, "/admin/system/", "edit", {"name": "log_level", "raw": "DEBUG"}),
              RawEvent(SYSTEM, "/admin/system/", "save")]
    for origin in ("http://evil.example", f"http://127.0.0.1:{server.port + 1}", "null"):
        with contextlib.closing(tab(server, cookie, new_client_address(), origin=origin)) as foreign:
            foreign.send(*events)
            assert foreign.wait_for(lambda s: len(s.redirects()) >= 3, what=f"three refusals from {origin}")
            assert all(path.startswith("/login?next=/admin") for path in foreign.session.redirects())
            assert "system_config_state" not in foreign.session.text and "log_level" not in foreign.session.text
            # the operator side refuses it as well (sign-in required: a foreign page has no session)
            foreign.send(RawEvent(MONITORING, "/monitoring/", "load"))
            assert foreign.wait_for(lambda s: len(s.redirects()) >= 4, what="the operator refusal")
            assert foreign.session.redirects()[3].startswith("/login?next="), foreign.session.redirects()
            assert "monitoring_state" not in foreign.session.text
    assert _config_version(server) == version
    with contextlib.closing(tab(server, cookie, new_client_address(), origin=server.base_url)) as own:
        own.send(*events)
        assert own.wait_for("Saved 1 field", what="the save from the app's own origin"), own.session.text[-1000:]
        assert not own.session.redirects()
    assert _config_version(server) == version + 1
    server.request("POST", "/api/v1/system-config/rollback", json={"version": version})
