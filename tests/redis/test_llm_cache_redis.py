"""With RESYNC_REDIS_URL the LLM response cache lives in Redis (its database number included): shared by
workers, surviving a router rebuild."""

from __future__ import annotations

import redis

from tests.llm.conftest import Behavior, llm, llm_server  # noqa: F401  (fixtures)


def cache_keys(client) -> list[bytes]:
    """LiteLLM's keys (the app's own keys — rate limits, change feed, budget — start with "resync")."""
    return [k for k in client.keys("*") if not k.startswith(b"resync")]


def forget_process_memory() -> None:
    """What a second worker process looks like: LiteLLM's in-process layer in front of Redis is empty."""
    from litellm.caching import caching_handler

    caching_handler.in_memory_cache_obj.flush_cache()


async def test_llm_cache_is_in_redis_and_shared(redis_url, llm):
    import litellm

    llm.config(LLM_USE_CACHE=True, LLM_CACHE_TTL_SECONDS=120)
    assert type(litellm.cache.cache).__name__ == "RedisCache"
    client = redis.Redis.from_url(redis_url)  # the test database (/15), not Redis' default /0
    assert cache_keys(client) == []
    llm.srv.set_behavior("gpt-3.5-turbo", Behavior(prompt_tokens=300, completion_tokens=30))

    first = await llm.call("is PAYROLL running?")
    assert not first.cache_hit and first.cost_usd > 0
    keys = cache_keys(client)
    assert len(keys) == 1  # the answer is stored in the configured Redis database
    assert 0 < client.ttl(keys[0]) <= 120

    # another worker (empty process memory, a router rebuilt from scratch) is served from Redis
    assert llm.api.post("/api/v1/litellm/reset", headers=llm.headers).json()["success"]
    forget_process_memory()
    sent = llm.srv.count()
    second = await llm.call("is PAYROLL running?")
    assert second.cache_hit and second.text == first.text and second.cost_usd == 0
    assert llm.srv.count() == sent
    rows = llm.rows()
    assert [(r["cache_hit"], r["cost_usd"] == 0) for r in rows] == [(False, False), (True, True)]
    assert llm.get("/usage")["cache_hits"] == 1

    # Redis emptied: a miss again, answered by the provider
    client.flushdb()
    forget_process_memory()
    third = await llm.call("is PAYROLL running?")
    assert not third.cache_hit and llm.srv.count() == sent + 1
    forget_process_memory()
