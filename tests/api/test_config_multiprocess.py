"""Two processes writing the configuration at once lose nothing (versions are the arbiter). The writers start
together and interleave (tests/support/config_writer.py); the audit shows it."""

from __future__ import annotations

import os

from resync_app.config.catalogue import FIELDS
from resync_app.config.store import get_store
from tests.support.config_writer import write
from tests.support.forked import forked


def test_two_processes_each_ten_updates(clean_db, tmp_path):
    bools = [f.name for f in FIELDS.values() if f.type == "bool" and not f.requires_restart][:10]
    ints = ["tws_polling_interval_seconds", "rag_service_timeout", "LLM_CACHE_TTL_SECONDS", "LITELLM_NUM_RETRIES",
            "rate_limit_public_per_minute", "rate_limit_critical_per_minute", "tws_job_late_threshold_minutes",
            "tws_job_stuck_threshold_minutes", "rag_service_max_retries", "tws_dashboard_refresh_seconds"]
    values = {"tws_polling_interval_seconds": 61, "rag_service_timeout": 61, "LLM_CACHE_TTL_SECONDS": 61,
              "LITELLM_NUM_RETRIES": 6, "rate_limit_public_per_minute": 61, "rate_limit_critical_per_minute": 61,
              "tws_job_late_threshold_minutes": 61, "tws_job_stuck_threshold_minutes": 61,
              "rag_service_max_retries": 6, "tws_dashboard_refresh_seconds": 6}
    env = {**os.environ, "RESYNC_DATABASE_URL": clean_db}
    first = [f"{n}={'false' if FIELDS[n].default else 'true'}" for n in bools]
    second = [f"{n}={values[n]}" for n in ints]
    children = [forked(write, name, str(tmp_path), 2, args, env=env) for name, args in (("a", first), ("b", second))]
    done = [child.wait(timeout=120) for child in children]
    assert [d.returncode for d in done] == [0, 0], [d.stderr for d in done]
    store = get_store()
    store.refresh()
    assert store.version == 20
    audit = store.audit(100)
    assert sorted(r["field"] for r in audit) == sorted(bools + ints)
    assert sorted(r["version"] for r in audit) == list(range(1, 21))
    assert all(store.saved()[n] == values[n] for n in ints)
    versions = {w: sorted(r["version"] for r in audit if r["actor"] == f"writer-{w}") for w in ("a", "b")}
    assert sorted(versions["a"] + versions["b"]) == list(range(1, 21))
    # they overlapped: each wrote before the other's last update
    assert versions["a"][0] < versions["b"][-1] and versions["b"][0] < versions["a"][-1], versions
