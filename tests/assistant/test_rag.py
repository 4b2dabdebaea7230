"""RAG client and knowledge search: the real httpx client against a loopback RAG service, each failure mode falls
back to the built-in knowledge base; retries and backoff counted with a recording sleep (nothing sleeps)."""

from __future__ import annotations

import pytest

from resync_app.assistant.rag import MAX_DELAY_S, RagClient, RagError, knowledge_search
from tests.assistant.rag_server import FakeRagServer, closed_port_url

RESULTS = [
    {"id": "runbook-7", "title": "Payroll runbook", "text": "If PAYROLL_DAILY abends with RC 12, the payroll table "
     "is locked: ask the DBA to end session 42, then rerun.", "score": 7.5},
    {"id": "runbook-2", "title": "Backups", "text": "BACKUP_NIGHTLY usually takes 30 minutes.", "score": 2.0},
    {"id": "runbook-9", "title": "Spare", "text": "Third result.", "score": 1.0},
]


class RecordingSleep:
    """Stands in for asyncio.sleep: records the waits, returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def rag_server():
    with FakeRagServer() as server:
        server.results = list(RESULTS)
        yield server


def client(url: str, **kwargs) -> RagClient:
    params = {"timeout": 5.0, "max_retries": 3, "backoff": 0.5, "sleep": RecordingSleep()}
    params.update(kwargs)
    return RagClient(url=url, **params)


async def test_rag_service_answers_when_up(rag_server):
    rag = client(rag_server.url)
    found = await knowledge_search("payroll table locked", 2, rag=rag)
    assert found.source == "rag"
    assert found.fallback_reason is None and found.attempts == 1
    assert [h.id for h in found.hits] == ["runbook-7", "runbook-2"]
    assert all(h.source == "rag" for h in found.hits)
    assert found.hits[0].title == "Payroll runbook" and "session 42" in found.hits[0].snippet
    assert found.hits[0].score == 7.5
    assert rag_server.searches() == [{"query": "payroll table locked", "top_k": 2}]
    assert found.calls == [{"name": "knowledge_search", "arguments": {"query": "payroll table locked", "limit": 2}}]


async def test_trailing_slash_in_the_url_is_ignored(rag_server):
    hits = await client(rag_server.url + "/").search("backups", 1)
    assert [h.id for h in hits] == ["runbook-7"]
    assert [p for p, _ in rag_server.requests] == ["/search"]


async def test_5xx_is_retried_with_exponential_backoff_then_falls_back(rag_server):
    rag_server.mode, rag_server.status = "status", 503
    sleep = RecordingSleep()
    found = await knowledge_search("what does ABEND mean", 3, rag=client(rag_server.url, sleep=sleep))
    assert len(rag_server.searches()) == 4  # 1 + max_retries
    assert sleep.delays == [0.5, 1.0, 2.0]
    assert found.source == "builtin" and found.attempts == 4
    assert "HTTP 503" in found.fallback_reason
    assert found.hits[0].id == "status-abend" and found.hits[0].source == "builtin"


async def test_a_service_that_recovers_during_the_retries_answers(rag_server):
    rag_server.fail_first = 2
    sleep = RecordingSleep()
    found = await knowledge_search("payroll", 1, rag=client(rag_server.url, sleep=sleep))
    assert found.source == "rag" and found.attempts == 3
    assert sleep.delays == [0.5, 1.0]
    assert [h.id for h in found.hits] == ["runbook-7"]


async def test_4xx_is_not_retried(rag_server):
    rag_server.mode, rag_server.status = "status", 400
    sleep = RecordingSleep()
    found = await knowledge_search("abend", rag=client(rag_server.url, sleep=sleep))
    assert found.source == "builtin" and "HTTP 400" in found.fallback_reason
    assert len(rag_server.searches()) == 1 and sleep.delays == []


@pytest.mark.parametrize("mode, reason", [("bad_json", "not JSON"), ("bad_shape", "no `results` list")])
async def test_bad_answers_fall_back_without_retrying(rag_server, mode, reason):
    rag_server.mode = mode
    sleep = RecordingSleep()
    found = await knowledge_search("RC 137", rag=client(rag_server.url, sleep=sleep))
    assert found.source == "builtin" and reason in found.fallback_reason
    assert found.hits[0].id == "return-codes-unix"
    assert len(rag_server.searches()) == 1 and sleep.delays == []


@pytest.mark.parametrize("item, reason", [({"id": "x"}, "no `text`"), ({"text": "t", "score": "high"}, "not a number"),
                                          ("just a string", "no `text`")])
async def test_malformed_result_items_are_a_bad_answer(rag_server, item, reason):
    rag_server.results = [item]
    with pytest.raises(RagError) as caught:
        await client(rag_server.url).search("anything")
    assert caught.value.kind == "bad_answer" and reason in str(caught.value)


async def test_unreachable_service_falls_back_after_the_retries():
    sleep = RecordingSleep()
    found = await knowledge_search("workstation unlinked", rag=client(closed_port_url(), max_retries=2, sleep=sleep))
    assert found.source == "builtin" and found.attempts == 3
    assert "unreachable" in found.fallback_reason
    assert sleep.delays == [0.5, 1.0]
    assert found.hits[0].id in ("troubleshoot-unlinked", "workstation-link-states")


async def test_a_service_slower_than_the_timeout_falls_back(rag_server):
    rag_server.mode = "hang"
    found = await knowledge_search("abend", rag=client(rag_server.url, timeout=0.2, max_retries=0))
    assert found.source == "builtin"
    assert "did not answer within 0.2 s" in found.fallback_reason
    assert len(rag_server.searches()) == 1


async def test_no_results_from_the_service_uses_the_builtin_search(rag_server):
    rag_server.results = []
    found = await knowledge_search("what is the critical path", rag=client(rag_server.url))
    assert found.source == "builtin" and found.fallback_reason == "RAG service found nothing"
    assert found.hits[0].id == "critical-jobs"


async def test_empty_url_means_builtin_only_and_no_request():
    found = await knowledge_search("abend", rag=client(""))
    assert found.source == "builtin" and "no RAG service configured" in found.fallback_reason and found.attempts == 0


async def test_after_a_failure_the_service_is_skipped_for_the_cooldown(rag_server):
    rag_server.mode, rag_server.status = "status", 502
    clock = FakeClock()
    rag = client(rag_server.url, max_retries=1, clock=clock, cooldown_s=30)
    first = await knowledge_search("abend", rag=rag)
    assert first.source == "builtin" and len(rag_server.searches()) == 2
    clock.now += 29
    second = await knowledge_search("abend", rag=rag)
    assert second.source == "builtin" and "skipped after a recent failure" in second.fallback_reason
    assert len(rag_server.searches()) == 2  # not asked again
    rag_server.mode = "ok"
    clock.now += 2
    third = await knowledge_search("payroll", rag=rag)
    assert third.source == "rag" and len(rag_server.searches()) == 3


def test_backoff_delays_are_exponential_and_capped():
    assert RagClient(url="http://x", max_retries=4, backoff=1.0).delays() == [1.0, 2.0, 4.0, 8.0]
    assert RagClient(url="http://x", max_retries=0, backoff=1.0).delays() == []
    assert RagClient(url="http://x", max_retries=10, backoff=10.0).delays()[-1] == MAX_DELAY_S


async def test_health_check(rag_server):
    up = await client(rag_server.url).health()
    assert up["ok"] is True and up["latency_ms"] is not None and ("/health", None) in rag_server.requests
    rag_server.health_status = 503
    down = await client(rag_server.url).health()
    assert down["ok"] is False and "503" in down["detail"]
    gone = await client(closed_port_url()).health()
    assert gone["ok"] is False and "unreachable" in gone["detail"]
    assert (await client("").health())["ok"] is False


async def test_settings_come_live_from_the_configuration_store(clean_db, rag_server):
    """No overrides: URL, retries and backoff are the System Configuration fields, read on every call."""
    from resync_app.config.store import get_store

    result = get_store().update({"rag_service_url": rag_server.url, "rag_service_max_retries": 2,
                                 "rag_service_retry_backoff": 0.25, "rag_service_timeout": 10}, actor="tests")
    assert result.success, result.errors
    sleep = RecordingSleep()
    rag = RagClient(sleep=sleep)
    assert rag.timeout == 10.0
    found = await knowledge_search("payroll", 1, rag=rag)
    assert found.source == "rag" and rag_server.searches() == [{"query": "payroll", "top_k": 1}]

    rag_server.mode, rag_server.status = "status", 500
    with pytest.raises(RagError):
        await rag.search("payroll")
    assert len(rag_server.searches()) == 1 + 3  # 1 + (1 + max_retries 2)
    assert sleep.delays == [0.25, 0.5]

    with FakeRagServer() as other:  # a new URL applies to the next call (and is not under the old one's cooldown)
        other.results = RESULTS[:1]
        assert get_store().update({"rag_service_url": other.url}, actor="tests").success
        again = await knowledge_search("payroll", 1, rag=rag)
        assert again.source == "rag" and len(other.searches()) == 1
