"""The simulator over raw HTTP: the control API (/_sim/…), bad parameters, the paging envelope, TLS."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from resync_app.tws.client import HWAClient
from resync_app.tws.errors import TWSUnreachable

API = "/twsd/api/v2"


@pytest.fixture
def http(simulator):
    with httpx.Client(base_url=simulator.base_url, auth=(simulator.username, simulator.password), timeout=10) as c:
        yield c


def test_paging_envelope_follows_the_spec(http, simulator):
    first = http.get(f"{API}/plan/job", params={"limit": 50, "oql": "status = 'HOLD' OR status = 'READY'"}).json()
    assert set(first) == {"count", "results", "next", "previous"}
    assert first["count"] == simulator.job_count() and len(first["results"]) == 50 and first["previous"] is None
    second = http.get(first["next"]).json()
    assert "offset=50" in first["next"] and "oql=" in first["next"]
    assert [j["id"] for j in second["results"]] == simulator.job_ids()[50:100]
    assert second["previous"] and "offset=0" in second["previous"]
    last = http.get(f"{API}/plan/job", params={"limit": 50, "offset": 100}).json()
    assert len(last["results"]) == simulator.job_count() - 100 and last["next"] is None
    no_count = http.get(f"{API}/plan/job", params={"limit": 1}, headers={"Include-Count": "false"}).json()
    assert no_count["count"] is None


@pytest.mark.parametrize("params", [{"limit": "ten"}, {"limit": 0}, {"offset": -1}, {"oql": "name = "},
                                    {"oql": "name ~ 'x'"}, {"oql": "nope = 1"}])
def test_bad_query_parameters_are_400_with_a_reason(http, params):
    answer = http.get(f"{API}/plan/job", params=params)
    assert answer.status_code == 400
    assert answer.json()["message"]


def test_unknown_route_method_and_credentials(http, simulator):
    assert http.get(f"{API}/plan/nothing").status_code == 404
    assert http.delete(f"{API}/plan/job").status_code == 405
    assert http.put(f"{API}/plan/job/{simulator.job_ids()[0]}/action/explode").status_code == 400
    wrong = httpx.get(f"{simulator.base_url}{API}/engine/info", auth=(simulator.username, "nope"))
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Basic")
    assert httpx.get(f"{simulator.base_url}/_sim/state").status_code == 401  # control API needs the same login


def test_control_clock_script_and_jobs(http, simulator):
    state = http.get("/_sim/state").json()
    assert state["now"] == "2026-03-02T00:00:00Z" and state["jobs"] == simulator.job_count()
    root = http.get("/_sim/jobs", params={"root": "true", "limit": 1}).json()[0]
    scripted = http.post(f"/_sim/jobs/{root['id']}/script", json={"outcome": "abend"}).json()
    assert scripted["id"] == root["id"]
    state = http.post("/_sim/clock", json={"advance_s": 6 * 3600}).json()
    assert state["now"] == "2026-03-02T06:00:00Z"
    assert simulator.job_info(root["id"])["status"] == "ABEND"
    abended = http.get("/_sim/jobs", params={"status": "ABEND"}).json()
    assert [j["id"] for j in abended] == [root["id"]]
    assert http.post("/_sim/clock", json={"to": "2026-03-02T05:00:00Z"}).status_code == 400  # never backwards
    assert http.post("/_sim/clock", json={"speed": 60}).json()["speed"] == 60
    simulator.set_speed(0)
    assert http.post(f"/_sim/jobs/{root['id']}/script", json={"outcome": "explode"}).status_code == 400
    assert http.post("/_sim/jobs/no-such-job/script", json={"outcome": "abend"}).status_code == 404


def test_control_workstations_rates_and_faults(http, simulator):
    answer = http.post("/_sim/workstations/CPU_LINUX01", json={"linked": False, "online": False})
    assert answer.json()["linked"] is False and "ONLINE" not in answer.json()["states"]
    assert http.post("/_sim/workstations/CPU_LINUX01", json={"linked": "maybe"}).status_code == 400
    assert http.post("/_sim/workstations/NOPE", json={"linked": True}).status_code == 404
    assert http.put("/_sim/rates", json={"abend": 0.5, "flap": 1}).json()["abend"] == 0.5
    assert http.put("/_sim/rates", json={"abend": 2}).status_code == 400
    assert http.put("/_sim/rates", json={"colour": 1}).status_code == 400
    http.put("/_sim/faults", json={"fail_status": 503, "fail_count": 1})
    assert http.get(f"{API}/engine/info").status_code == 503
    assert http.get(f"{API}/engine/info").status_code == 200
    http.put("/_sim/faults", json={"fail_status": 500})
    assert [http.get(f"{API}/engine/info").status_code for _ in range(3)] == [500, 500, 500]
    http.put("/_sim/faults", json={"fail_status": None})
    assert http.get(f"{API}/engine/info").status_code == 200
    http.put("/_sim/faults", json={"bad_answer": "html"})
    assert http.get(f"{API}/engine/info").headers["content-type"] == "text/html"
    assert http.get("/_sim/state").status_code == 200  # faults never touch the control API
    assert http.delete("/_sim/faults").json()["bad_answer"] is None
    assert http.put("/_sim/faults", json={"fail_status": 200}).status_code == 400
    assert http.put("/_sim/faults", content=b"not json").status_code == 400


async def test_down_for_a_while_over_http(simulator):
    async with HWAClient(simulator.connection(retries=0)) as client:
        with httpx.Client(base_url=simulator.base_url, auth=(simulator.username, simulator.password)) as http:
            assert http.put("/_sim/faults", json={"down_for_s": 30}).status_code == 200
        # the simulator goes down 50 ms after answering; wait for it on the loopback port, not on a clock
        for _ in range(1000):  # up to 10 s on a busy machine
            if not simulator.up:
                break
            await asyncio.sleep(0.01)
        assert not simulator.up
        with pytest.raises(TWSUnreachable):
            await client.engine_info()
        simulator.come_up()
        assert (await client.engine_info())["displayVersion"]


# ---- TLS ------------------------------------------------------------------------------------------------------

def _self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tws-test")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


async def test_tls_is_verified_unless_turned_off(simulator_factory, tmp_path):
    sim = simulator_factory(tls=_self_signed(tmp_path))
    assert sim.base_url.startswith("https://")
    async with HWAClient(sim.connection(retries=2)) as client:
        sim.clear_requests()
        with pytest.raises(TWSUnreachable) as caught:
            await client.engine_info()
    assert "certificate" in caught.value.message and "TLS verification" in caught.value.message
    assert sim.requests() == []  # nothing was sent to an unverified server
    async with HWAClient(sim.connection(verify_tls=False)) as client:
        assert (await client.engine_info())["displayVersion"]


def test_engine_behaviours_over_the_control_api(http, simulator):
    """/_sim/behaviours: the behaviours that may change while running change at once (an error body, a refusal, the
    predecessors' depth); one that shapes the plan is refused (400) and nothing changes."""
    assert http.get("/_sim/behaviours").json() == {
        "late_job_numbers": False, "agents_without_online": 0.0, "stream_dependencies": 0.0,
        "predecessor_depth": 1, "extended_statuses": 0.0, "error_body": "json", "refusal": "400"}
    changed = http.put("/_sim/behaviours", json={"error_body": "html", "refusal": "409", "predecessor_depth": 0})
    assert changed.status_code == 200 and changed.json()["error_body"] == "html"
    missing = http.get(f"{API}/plan/job/3f2c1a9e-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    job = simulator.find_jobs(root=True)[0]
    assert http.put(f"{API}/plan/job/{job['id']}/action/release").status_code == 409  # not held: refused
    for bad in ({"extended_statuses": 0.5}, {"error_body": "xml"}, {"nope": 1}, {"predecessor_depth": -1}):
        answer = http.put("/_sim/behaviours", json=bad)
        assert answer.status_code == 400 and answer.json()["message"], bad
    assert http.get("/_sim/behaviours").json()["extended_statuses"] == 0.0


def test_the_command_line_chooses_the_behaviours():
    from resync_app.tws_simulator.__main__ import _args, behaviours_of

    assert behaviours_of(_args([])).as_dict() == {
        "late_job_numbers": False, "agents_without_online": 0.0, "stream_dependencies": 0.0,
        "predecessor_depth": 1, "extended_statuses": 0.0, "error_body": "json", "refusal": "400"}
    real = behaviours_of(_args(["--real-engine", "--error-body", "empty"]))
    assert real.late_job_numbers and real.agents_without_online == 1.0 and real.error_body == "empty"
    one = behaviours_of(_args(["--late-job-numbers", "--stream-dependencies", "0.2", "--predecessor-depth", "0"]))
    assert (one.late_job_numbers, one.stream_dependencies, one.predecessor_depth, one.refusal) == (True, 0.2, 0, "400")
    with pytest.raises(SystemExit):
        _args(["--extended-statuses", "2"])
