"""Synthetic LLM traffic for demos and benchmarks (`python -m resync_app seed-demo`).

Rows are realistic in shape: a mix of the catalogue's models weighted like a real team's use, prompt and
completion tokens drawn from log-normal distributions, latencies that grow with output, ~3 % errors,
~8 % cache hits, route reasons that follow the routing rules, costs from the same price lookup as live
calls. Rows go through the same rollup code as live calls, in large batches.
"""

from __future__ import annotations

import math
import random
import time
import uuid
from datetime import datetime, timedelta, timezone

from resync_app.db import get_engine
from resync_app.llm import pricing
from resync_app.llm.ledger import make_row, write_rows
from resync_app.llm.providers import parse_model_entry

# (provider, model entry, weight, typical route reason, mean latency ms)
MIX = (
    ("openai", "gpt-4o-mini", 30, "simple", 700),
    ("openai", "gpt-3.5-turbo", 18, "simple", 600),
    ("openai", "gpt-4o", 20, "complex", 1800),
    ("anthropic", "claude-3-haiku-20240307", 10, "simple", 800),
    ("anthropic", "claude-3-sonnet-20240229", 6, "complex", 2400),
    ("ollama", "llama3", 8, "local-preferred", 1200),
    ("together_ai", "llama-3-70b=meta-llama/Llama-3-70b-chat-hf", 4, "complex", 1500),
    ("nvidia_nim", "meta/llama3-70b-instruct", 4, "complex", 1400),
)
BATCH = 20000


def seed(rows: int, days: int, seed_value: int | None = 42, progress=print) -> dict:
    """Insert `rows` synthetic calls spread over the last `days` days; return what was written."""
    rng = random.Random(seed_value)
    refs = [(parse_model_entry(p, e), w, reason, lat) for p, e, w, reason, lat in MIX]
    prices = {ref.public: pricing.price_of(ref) for ref, *_ in refs}
    weights = [w for _, w, _, _ in refs]
    now = datetime.now(timezone.utc)
    span = days * 86400
    written, cost_total, started = 0, 0.0, time.perf_counter()
    engine = get_engine()
    while written < rows:
        batch = []
        for _ in range(min(BATCH, rows - written)):
            ref, _w, reason, mean_latency = rng.choices(refs, weights)[0]
            ts = now - timedelta(seconds=rng.random() * span)
            ok = rng.random() > 0.03
            cache_hit = ok and rng.random() < 0.08
            prompt = int(rng.lognormvariate(math.log(600), 0.7)) + 20 if ok else 0
            completion = int(rng.lognormvariate(math.log(220), 0.8)) + 5 if ok else 0
            price = prices[ref.public]
            if not ok or cache_hit:
                cost, unpriced = 0.0, False
            elif price is None:
                cost, unpriced = None, True
            else:
                cost, unpriced = price.cost(prompt, completion), False
            route = reason if rng.random() > 0.05 else "fallback"
            latency = 5.0 if cache_hit else max(40.0, rng.gauss(mean_latency * (0.6 + completion / 500), 250))
            batch.append(make_row(
                model=ref.public, provider=ref.provider, deployment=ref.litellm_model, prompt_tokens=prompt,
                completion_tokens=completion, cost_usd=cost, unpriced=unpriced, latency_ms=latency,
                outcome="success" if ok else "error",
                error_class="" if ok else rng.choice(["RateLimitError", "Timeout", "InternalServerError"]),
                purpose="demo", cache_hit=cache_hit, route_reason=route, request_id=uuid.uuid4().hex, timestamp=ts))
            cost_total += cost or 0.0
        with engine.begin() as conn:
            write_rows(conn, batch)
        written += len(batch)
        progress(f"  {written:,}/{rows:,} rows ({time.perf_counter() - started:.1f} s)")
    return {"rows": written, "days": days, "cost_usd": round(cost_total, 4),
            "seconds": round(time.perf_counter() - started, 1)}
