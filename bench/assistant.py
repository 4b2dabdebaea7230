"""Fast-path share of the assistant on the shipped operator questions, in English (50) and in Brazilian Portuguese
(74) (`make bench`, or alone: `python -m bench.assistant`).

For each question of `bench/fixtures/operator-questions.json` (and `operator-questions.pt-BR.json`): the intent
parser's answer (compared with the label written for it), then the whole fast path (`fastpath.fast_path`) against an
in-memory stand-in of the read layer (`tests/assistant/plan_double.py`) and the built-in knowledge base. A question
counts as *answered at $0* when the fast path produced an answer, i.e. no model would be called. For the Portuguese
set also: how many answers carry the same data as the answer to their English twin (`en`), and how many questions
the detector takes for Portuguese. Also timed: the parser (µs per question), the language detection, the built-in
knowledge search and one fast-path answer. Writes `bench/results-assistant.json` (English figures at the top level,
the Portuguese ones under "pt-BR").
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
QUESTIONS = ROOT / "fixtures" / "operator-questions.json"
QUESTIONS_PT = ROOT / "fixtures" / "operator-questions.pt-BR.json"
RESULTS = ROOT / "results-assistant.json"
REPEAT = 200


def _median_us(fn, items: list, repeat: int) -> float:
    samples = []
    for item in items:
        started = time.perf_counter()
        for _ in range(repeat):
            fn(item)
        samples.append((time.perf_counter() - started) / repeat * 1e6)
    return statistics.median(samples)


async def _fast_path_all(questions: list[dict]) -> tuple[list[Any], float]:
    from resync_app.assistant.fastpath import fast_path
    from resync_app.assistant.rag import RagClient, knowledge_search
    from tests.assistant.plan_double import NOW, MemoryPlan

    async def builtin(query: str, limit: int, **options):
        return await knowledge_search(query, limit, rag=RagClient(url=""), **options)

    plan = MemoryPlan()
    answers, samples = [], []
    for item in questions:
        started = time.perf_counter()
        answers.append(await fast_path(item["q"], plan, now=NOW, knowledge=builtin))
        samples.append((time.perf_counter() - started) * 1000)
    return answers, statistics.median(samples)


def run_set(path: Path) -> tuple[dict[str, Any], list[dict], list[Any]]:
    """(the figures of one question set, its questions, the fast path's answers)."""
    from resync_app.assistant.intents import parse
    from resync_app.assistant.kb import get_knowledge_base

    questions = json.loads(path.read_text())["questions"]
    kb = get_knowledge_base()
    agree = 0
    disagreements = []
    for item in questions:
        got, expected = parse(item["q"]), item["expect"]
        if expected is None:
            ok = got is None
        elif expected["intent"] == "knowledge":
            ok = got is not None and got.name == "knowledge" and kb.search(got.get("query"), 1)[0].id == expected["doc"]
        else:
            ok = got is not None and got.as_dict() == expected
        agree += ok
        if not ok:
            disagreements.append({"q": item["q"], "expected": expected, "got": got.as_dict() if got else None})
    answers, answer_ms = asyncio.run(_fast_path_all(questions))
    answered = [a for a in answers if a is not None]
    labelled = sum(1 for q in questions if q["expect"] is not None)
    return {
        "questions": len(questions),
        "labelled_fast_path": labelled,
        "parser_agrees_with_labels": agree,
        "disagreements": disagreements,
        "answered_at_zero_cost": len(answered),
        "fast_path_share": round(len(answered) / len(questions), 3),
        "by_intent": dict(sorted(Counter(a.intent.name for a in answered).items())),
        "by_source": dict(sorted(Counter(a.source for a in answered).items())),
        "parse_us_median": round(_median_us(parse, [q["q"] for q in questions], REPEAT), 1),
        "kb_search_us_median": round(_median_us(lambda q: kb.search(q, 3), [
            "what does ABEND mean", "RC 137", "how do I troubleshoot an abend", "critical path"], REPEAT), 1),
        "fast_path_answer_ms_median": round(answer_ms, 3),
    }, questions, answers


def run() -> dict[str, Any]:
    """Both sets: the English figures, and the Portuguese ones under "pt-BR"."""
    from resync_app.assistant import lang
    from tests.assistant.answer_data import same_data

    english, _, _ = run_set(QUESTIONS)
    portuguese, questions, answers = run_set(QUESTIONS_PT)
    twins, _ = asyncio.run(_fast_path_all([{"q": q["en"]} for q in questions]))
    compared = [(a, t) for a, t in zip(answers, twins) if a is not None and t is not None]
    portuguese["answers_with_the_english_data"] = sum(1 for a, t in compared if same_data(a, t))
    portuguese["answers_compared_with_english"] = len(compared)
    portuguese["detected_as_portuguese"] = sum(1 for q in questions if lang.detect(q["q"]) == lang.PT_BR)
    portuguese["detect_us_median"] = round(_median_us(lang.detect, [q["q"] for q in questions], REPEAT), 1)
    return {**english, "pt-BR": portuguese}


def report(result: dict[str, Any], label: str = "English") -> str:
    lines = [
        f"{label}: fast-path share: {result['answered_at_zero_cost']}/{result['questions']} questions answered at $0 "
        f"({result['fast_path_share'] * 100:.0f} %); labels: {result['labelled_fast_path']} plain lookups, "
        f"{result['questions'] - result['labelled_fast_path']} for the model",
        f"parser agrees with the labels on {result['parser_agrees_with_labels']}/{result['questions']}",
        f"by intent: {result['by_intent']}",
        f"parse: {result['parse_us_median']} us median; built-in knowledge search: {result['kb_search_us_median']} us;"
        f" one fast-path answer (in-memory plan): {result['fast_path_answer_ms_median']} ms",
    ]
    if "answers_with_the_english_data" in result:
        lines.append(f"detected as Portuguese: {result['detected_as_portuguese']}/{result['questions']} "
                     f"({result['detect_us_median']} us median); answers with the same data as their English twin: "
                     f"{result['answers_with_the_english_data']}/{result['answers_compared_with_english']}")
    lines += [f"  disagreement: {d['q']!r}: expected {d['expected']}, got {d['got']}" for d in result["disagreements"]]
    if "pt-BR" in result:
        lines += ["", report(result["pt-BR"], "Portuguese (pt-BR)")]
    return "\n".join(lines)


def main() -> int:
    result = run()
    RESULTS.write_text(json.dumps({"command": "python -m bench.assistant",
                                   "timestamp": datetime.now(timezone.utc).isoformat(), **result}, indent=2) + "\n")
    print(report(result))
    print(f"written: {RESULTS}")
    portuguese = result["pt-BR"]
    ok = (result["parser_agrees_with_labels"] == result["questions"]
          and portuguese["parser_agrees_with_labels"] == portuguese["questions"]
          and portuguese["answers_with_the_english_data"] == portuguese["answers_compared_with_english"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
