"""Do the workers agree? Issue 9's measurement, repeatable: `python -m bench.split_brain [--workers N]`.

Starts the app as the README says (scripts/serve.sh, N workers, a fresh PostgreSQL database on the machine's
server, Redis db 13) and a loopback LLM provider. Each change is made once; 1 s later 20 reads, each on a new
connection, say what they see. The budget check fires 40 concurrent paid test calls against a small daily budget.
Prints one JSON object (also written to bench/split-brain.json).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from pathlib import Path

import httpx

from tests.fakes.llm_server import Behavior, FakeLLMServer
from tests.support.cluster import Cluster
from tests.support.pg import fresh_database

REDIS_URL = "redis://127.0.0.1:6379/13"
KEY = "rk-split-" + uuid.uuid4().hex
READS = 20
# The measurement makes more admin requests than the default per-client limits allow.
GENEROUS_LIMITS = {"RATE_LIMIT_CRITICAL_PER_MINUTE": "1000", "RATE_LIMIT_AUTHENTICATED_PER_MINUTE": "100000"}


def reads(cluster: Cluster, path: str, pick) -> list:
    return [pick(cluster.json("GET", path)) for _ in range(READS)]


async def concurrent_calls(cluster: Cluster, n: int) -> list[dict]:
    token = cluster.token()

    async def one() -> dict:
        async with httpx.AsyncClient(base_url=cluster.base_url, timeout=60) as client:
            answer = await client.post("/api/v1/litellm/test", json={"model": "gpt-4o", "prompt": "hello", "timeout": 30},
                                       headers={"Authorization": f"Bearer {token}", "Connection": "close"})
            return answer.json()

    return await asyncio.gather(*(one() for _ in range(n)))


def measure(workers: int) -> dict:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    out: dict = {"workers": workers, "reads_per_check": READS}
    with fresh_database() as db_url, FakeLLMServer(api_key=KEY, models=["gpt-4o"]) as llm:
        # about a full estimate's worth of output per call, slow enough to overlap
        llm.set_behavior("gpt-4o", Behavior(reply="x", completion_tokens=250, prompt_tokens=10, delay_s=0.5))
        cluster = Cluster(database_url=db_url, redis_url=REDIS_URL, workers=workers, extra_env=GENEROUS_LIMITS)
        cluster.start()
        try:
            out["worker_pids"] = cluster.worker_pids()
            put = {"enabled": True, "api_base": llm.openai_base, "api_key": KEY, "models": ["gpt-4o"]}
            cluster.json("PUT", "/api/v1/litellm/providers/openai", json=put)
            time.sleep(1)
            enabled = lambda rows: next(r["enabled"] for r in rows if r["id"] == "openai")  # noqa: E731
            out["provider_enabled_reads_enabled"] = sum(reads(cluster, "/api/v1/litellm/providers", enabled))
            cluster.json("PUT", "/api/v1/litellm/providers/openai", json={"enabled": False})
            time.sleep(1)
            out["provider_disabled_reads_disabled"] = READS - sum(reads(cluster, "/api/v1/litellm/providers", enabled))
            cluster.json("PUT", "/api/v1/litellm/providers/openai", json={"enabled": True})
            time.sleep(1)
            out["provider_reenabled_reads_enabled"] = sum(reads(cluster, "/api/v1/litellm/providers", enabled))

            cluster.json("POST", "/api/v1/system-config/update", json={"updates": {"tws_polling_interval_seconds": 77}})
            time.sleep(1)
            polling = lambda cat: next(f["value"] for f in cat["fields"]  # noqa: E731
                                       if f["name"] == "tws_polling_interval_seconds")
            out["config_reads_seeing_change"] = sum(v == 77 for v in reads(
                cluster, "/api/v1/system-config/category/tws_monitoring", polling))

            cluster.json("PUT", "/api/v1/litellm/prices/gpt-4o",
                         json={"input_cost_per_1k": 0.005, "output_cost_per_1k": 0.01})
            time.sleep(1)
            out["price_reads_seeing_change"] = sum("gpt-4o" in p for p in reads(cluster, "/api/v1/litellm/prices",
                                                                               lambda p: p))
            # 250 output tokens at $0.01/1k = $0.0025 per call; budget for 10 calls
            budget = 0.025
            cluster.json("POST", "/api/v1/system-config/update", json={"updates": {"LLM_BUDGET_DAILY_USD": budget}})
            time.sleep(1)
            limit = lambda b: b["periods"]["daily"]["limit_usd"]  # noqa: E731
            out["budget_reads_seeing_change"] = sum(v == budget for v in reads(cluster, "/api/v1/litellm/budget",
                                                                              limit))
            results = asyncio.run(concurrent_calls(cluster, 40))
            ok = [r for r in results if r.get("success")]
            time.sleep(1.5)  # ledgers flush every 0.5 s
            spent = cluster.json("GET", "/api/v1/litellm/usage")["cost_today_usd"]
            out["budget"] = {"limit_usd": budget, "calls": 40, "admitted": len(ok), "spent_usd": round(spent, 6),
                             "overshoot_factor": round(spent / budget, 2)}
        finally:
            cluster.destroy()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=str(Path(__file__).with_name("split-brain.json")))
    args = parser.parse_args()
    result = measure(args.workers)
    print(json.dumps(result, indent=2))
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
