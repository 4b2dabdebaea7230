"""Learning from operators (issue 18 §1): how much the approved corrections answer, and how often they answer
what they should not. `python -m bench.learning` (also part of `make bench`) → bench/results-learning.json.

On a fresh SQLite database, with `enable_conversation_learning` on and no LLM provider (so every question the
fast path cannot answer is refused, never answered by a model):

1. The question set `bench/fixtures/learning-questions.json`: 30 site questions, each with a paraphrase. Every one
   of the 60 must miss the fast path today (checked against the same in-memory plan as `bench.assistant`).
2. Each of the 30 questions is asked in the chat, voted 👎 with the operator's correction
   (`learned.record_feedback`, the service of the page and of `POST /api/v1/chat/feedback`) and approved
   (`learned.approve`). The 30 paraphrases — the other half, never seen — are then asked in the chat
   (`chat.answer`, the route's service): *recall* is how many are answered from the right approved entry.
3. Wrongly answered from an approved entry: 30 hard unrelated questions (same topics or names, another question),
   10 general ones, and the 50 operator questions of `bench.assistant` — must be ≈ 0. A wrong entry answering a
   paraphrase counts here too.
4. A held-out set written after the matcher's thresholds were set on the first one (12 pairs, 12 hard unrelated
   questions), reported apart: the figures to expect on questions the matcher was not tuned on.
5. Grounding: 8 live-status questions, each with a stale correction approved; the question and a paraphrase are
   asked again: answered from the stale entry must be 0.
6. The lookup's cost: the median time of one chat question that no entry answers, with 30 and with 1 030
   approved entries (every lookup reads the approved entries from the database).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
QUESTIONS = ROOT / "fixtures" / "learning-questions.json"
OPERATOR_QUESTIONS = ROOT / "fixtures" / "operator-questions.json"
RESULTS = ROOT / "results-learning.json"
FILLER_ENTRIES = 1000
TIMED = 30


def _prepare() -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="resync-bench-learning-"))
    os.environ.update({"RESYNC_DATABASE_URL": f"sqlite:///{tmp / 'learning.db'}", "RESYNC_DATA_DIR": str(tmp),
                       "RESYNC_TWS_SIMULATOR": "0", "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LOG_LEVEL": "WARNING"})
    for var in ("RESYNC_REDIS_URL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "TOGETHERAI_API_KEY", "OPENROUTER_API_KEY",
                "NVIDIA_NIM_API_KEY", "OLLAMA_API_BASE"):
        os.environ.pop(var, None)
    from resync_app import db, settings
    from resync_app.cli import migrate
    from resync_app.teams import config as teams_config

    settings.reload_settings()
    db.reset_engine()
    migrate()
    teams_config.update({"enable_conversation_learning": True}, "bench")
    return tmp


async def _misses_today(questions: list[str]) -> list[str]:
    """The questions the fast path answers today (there must be none)."""
    from resync_app.assistant.fastpath import fast_path
    from resync_app.assistant.rag import RagClient, knowledge_search
    from tests.assistant.plan_double import NOW, MemoryPlan

    async def builtin(query: str, limit: int, **options):
        return await knowledge_search(query, limit, rag=RagClient(url=""), **options)

    plan = MemoryPlan()
    return [q for q in questions if await fast_path(q, plan, now=NOW, knowledge=builtin) is not None]


async def _ask(question: str) -> dict[str, Any]:
    """The chat's reply (`chat.answer`); a refusal (no model) is the reply it carries."""
    from resync_app.assistant import chat

    try:
        return await chat.answer(question, None, "bench-operator")
    except chat.ChatUnavailable as exc:
        return exc.reply


async def _teach(question: str, correction: str) -> int:
    """Ask, vote 👎 with the correction, approve: the approved entry's id."""
    from resync_app.assistant import learned

    reply = await _ask(question)
    done = learned.record_feedback(reply["turn_id"], -1, reply["conversation_id"], correction, "bench-operator")
    assert done["correction_kept"], done
    learned.approve(done["entry_id"], learned.Reviewer("bench-admin"))
    return done["entry_id"]


async def _answered_from(questions: list[str]) -> list[tuple[str, int | None]]:
    return [(q, (await _ask(q)).get("learned_id")) for q in questions]


def _fill(n: int) -> None:
    """`n` more approved entries about other streams (named, so they never answer the timed question)."""
    from resync_app.assistant.learned_models import APPROVED, LearnedAnswer
    from resync_app.db import session_scope

    with session_scope() as db:
        for i in range(n):
            db.add(LearnedAnswer(turn_id=10_000_000 + i, conversation_id="bench-filler",
                                 question=f"Who owns the STREAM_{i:04d} stream and whom do I call when it fails?",
                                 answer="", vote=-1, correction=f"Team {i}", approved_answer=f"Team {i}, ext. {i}",
                                 status=APPROVED))


async def _lookup_ms(question: str) -> float:
    samples = []
    for _ in range(TIMED):
        started = time.perf_counter()
        reply = await _ask(question)
        samples.append((time.perf_counter() - started) * 1000)
        assert reply.get("learned_id") is None
    return round(statistics.median(samples), 2)


async def _run() -> dict[str, Any]:
    data = json.loads(QUESTIONS.read_text())
    pairs, live, holdout = data["pairs"], data["live"], data["holdout_pairs"]
    operator = [q["q"] for q in json.loads(OPERATOR_QUESTIONS.read_text())["questions"]]
    answered_today = await _misses_today([p[k] for p in pairs + holdout for k in ("question", "paraphrase")])

    expected = {}
    for pair in pairs + holdout:
        expected[pair["paraphrase"]] = await _teach(pair["question"], pair["correction"])
    stale = [await _teach(item["question"], item["stale_correction"]) for item in live]

    seen = await _answered_from([p["question"] for p in pairs])
    paraphrases = await _answered_from([p["paraphrase"] for p in pairs])
    hits = [q for q, got in paraphrases if got == expected[q]]
    wrong_entry = [(q, got) for q, got in paraphrases if got is not None and got != expected[q]]
    missed = [q for q, got in paraphrases if got is None]
    hard = [(q, got) for q, got in await _answered_from(data["unrelated_hard"]) if got is not None]
    general = [(q, got) for q, got in await _answered_from(data["unrelated_general"]) if got is not None]
    plan_questions = [(q, got) for q, got in await _answered_from(operator) if got is not None]
    grounded = [(q, got) for q, got in await _answered_from(
        [i["question"] for i in live] + [i["paraphrase"] for i in live]) if got is not None]
    held = await _answered_from([p["paraphrase"] for p in holdout])
    held_wrong = [(q, got) for q, got in await _answered_from(data["holdout_unrelated_hard"]) if got is not None]

    timed_question = "Who do I ask about the archive retention rules for the TAX_ARCHIVE stream?"
    lookup_small = await _lookup_ms(timed_question)
    _fill(FILLER_ENTRIES)
    lookup_large = await _lookup_ms(timed_question)
    unrelated_total = len(data["unrelated_hard"]) + len(data["unrelated_general"]) + len(operator)
    return {
        "pairs": len(pairs),
        "questions_answered_by_the_fast_path_before": answered_today,
        "approved_entries": len(expected) + len(stale),
        "seen_questions_answered_from_their_entry": sum(1 for (q, got), p in zip(seen, pairs)
                                                        if got == expected[p["paraphrase"]]),
        "paraphrases_answered_from_their_entry": len(hits),
        "paraphrase_recall": round(len(hits) / len(pairs), 3),
        "paraphrases_missed": missed,
        "paraphrases_answered_from_another_entry": wrong_entry,
        "unrelated_questions": unrelated_total,
        "unrelated_hard_answered_from_an_entry": hard,
        "unrelated_general_answered_from_an_entry": general,
        "operator_questions_answered_from_an_entry": plan_questions,
        "wrongly_answered": len(hard) + len(general) + len(plan_questions) + len(wrong_entry),
        "false_answer_rate": round((len(hard) + len(general) + len(plan_questions)) / unrelated_total, 4),
        "holdout": {"pairs": len(holdout),
                    "paraphrases_answered_from_their_entry": sum(1 for q, got in held if got == expected[q]),
                    "paraphrases_answered_from_another_entry": [(q, got) for q, got in held
                                                                if got is not None and got != expected[q]],
                    "unrelated_hard": len(data["holdout_unrelated_hard"]),
                    "unrelated_hard_answered_from_an_entry": held_wrong},
        "live_questions_asked": 2 * len(live),
        "live_questions_answered_from_stale_entries": grounded,
        "lookup_ms_median": {"30_entries": lookup_small,
                             f"{len(expected) + len(stale) + FILLER_ENTRIES}_entries": lookup_large},
    }


def run() -> dict[str, Any]:
    tmp = _prepare()
    try:
        return asyncio.run(_run())
    finally:
        import shutil

        from resync_app import db

        db.reset_engine()
        shutil.rmtree(tmp, ignore_errors=True)


def report(result: dict[str, Any]) -> str:
    lines = [
        f"learning: {result['paraphrases_answered_from_their_entry']}/{result['pairs']} unseen paraphrases answered "
        f"from their approved entry (recall {result['paraphrase_recall'] * 100:.0f} %); the {result['pairs']} "
        f"questions themselves: {result['seen_questions_answered_from_their_entry']}/{result['pairs']}",
        f"wrongly answered from an approved entry: {result['wrongly_answered']} "
        f"(unrelated: {len(result['unrelated_hard_answered_from_an_entry'])} of 30 hard, "
        f"{len(result['unrelated_general_answered_from_an_entry'])} of 10 general, "
        f"{len(result['operator_questions_answered_from_an_entry'])} of 50 operator questions; "
        f"another entry for a paraphrase: {len(result['paraphrases_answered_from_another_entry'])})",
        f"held out (written after the threshold was set): {result['holdout']['paraphrases_answered_from_their_entry']}"
        f"/{result['holdout']['pairs']} paraphrases answered from their entry; wrongly answered: "
        f"{len(result['holdout']['unrelated_hard_answered_from_an_entry'])} of {result['holdout']['unrelated_hard']} "
        f"hard unrelated, {len(result['holdout']['paraphrases_answered_from_another_entry'])} from another entry",
        f"grounding: {len(result['live_questions_answered_from_stale_entries'])} of "
        f"{result['live_questions_asked']} live-status questions answered from a stale approved entry",
        f"one chat question through the lookup: {result['lookup_ms_median']} ms median",
    ]
    if result["questions_answered_by_the_fast_path_before"]:
        lines.append(f"  NOT a miss today: {result['questions_answered_by_the_fast_path_before']}")
    lines += [f"  missed paraphrase: {q!r}" for q in result["paraphrases_missed"]]
    lines += [f"  wrong: {q!r} -> entry #{got}" for q, got in (result["unrelated_hard_answered_from_an_entry"]
                                                             + result["unrelated_general_answered_from_an_entry"]
                                                             + result["operator_questions_answered_from_an_entry"]
                                                             + result["paraphrases_answered_from_another_entry"]
                                                             + result["holdout"]["unrelated_hard_answered_from_an_entry"]
                                                             + result["holdout"]["paraphrases_answered_from_another_entry"])]
    return "\n".join(lines)


def ok(result: dict[str, Any]) -> bool:
    """The bench's goals: the set is a set of misses, nothing live answered from stale text, ≤ 1 % false answers."""
    return (not result["questions_answered_by_the_fast_path_before"]
            and not result["live_questions_answered_from_stale_entries"] and result["false_answer_rate"] <= 0.01)


def main() -> int:
    result = run()
    RESULTS.write_text(json.dumps({"command": "python -m bench.learning",
                                   "timestamp": datetime.now(timezone.utc).isoformat(), **result}, indent=2) + "\n")
    print(report(result))
    print(f"written: {RESULTS}")
    return 0 if ok(result) else 1


if __name__ == "__main__":
    sys.exit(main())
