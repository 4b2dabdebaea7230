"""Smart routing: classify a request as simple or complex, then pick the model that answers and say why.

Classification (deterministic; the same text always gets the same class):
  * complex if the request asks for tools/functions;
  * complex if the last user message is longer than 400 characters or has 3 or more questions/sentences
    that end in "?";
  * complex if it has an analysis or troubleshooting intent: a word starting with one of ANALYSIS_STEMS
    (why, analy…, troubleshoot…, diagnos…, investigat…, root cause, explain, compare, recommend, optimi…,
    correlat…, predict…, fix, resolv…, debug…, improv…, plan…) — e.g. "why did job X abend?";
  * simple otherwise — status checks and lookups ("is PAYROLL running?", "list abended jobs").

Choice (first rule that applies):
  1. an explicit model (tests, probes)                      → reason "requested";
  2. routing off (`LLM_ROUTING_ENABLED=false`)               → `agent_model_name`, reason "default";
  3. simple → `LLM_ROUTING_SIMPLE_MODEL`, complex → `LLM_ROUTING_COMPLEX_MODEL` (reason "simple"/"complex");
  4. `LLM_PREFER_LOCAL_MODELS` and a local model is up and its context fits → that local model,
     reason "local-preferred";
  5. the chosen model cannot be routed (provider disabled or unconfigured) → `LLM_ROUTING_FALLBACK_MODEL`,
     reason "fallback";
  6. the budget is spent and the model is paid → a local model that is up, reason "budget" (else refused).
A model that fails at call time falls back to `LLM_ROUTING_FALLBACK_MODEL` inside LiteLLM's router; that
attempt is recorded with reason "fallback".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

LONG_MESSAGE_CHARS = 400
MANY_QUESTIONS = 3
ANALYSIS_STEMS = ("why", "analy", "troubleshoot", "diagnos", "investigat", "root cause", "explain", "compare",
                  "recommend", "optimi", "correlat", "predict", "fix", "resolv", "debug", "improv", "plan")
_WORD_START = re.compile(r"\b(" + "|".join(re.escape(s) for s in ANALYSIS_STEMS) + r")", re.IGNORECASE)


@dataclass(frozen=True)
class Classification:
    kind: str  # simple | complex
    why: str


def last_user_text(messages: Sequence[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
            return str(content or "")
    return ""


def classify(messages: Sequence[dict[str, Any]], tools: Sequence[Any] | None = None) -> Classification:
    """Simple or complex, with the rule that decided it."""
    if tools:
        return Classification("complex", "tools requested")
    text = last_user_text(messages).strip()
    if len(text) > LONG_MESSAGE_CHARS:
        return Classification("complex", f"long message ({len(text)} characters)")
    if text.count("?") >= MANY_QUESTIONS:
        return Classification("complex", f"{text.count('?')} questions")
    if match := _WORD_START.search(text):
        return Classification("complex", f"analysis intent ('{match.group(0).lower()}')")
    return Classification("simple", "status or lookup")


@dataclass(frozen=True)
class RouteDecision:
    model: str
    reason: str      # requested | default | simple | complex | local-preferred | fallback | budget
    classification: Classification
    explanation: str


def choose(
    messages: Sequence[dict[str, Any]],
    config: Callable[[str], Any],
    routable: Callable[[str], bool],
    local_up: Callable[[], list[str]],
    fits: Callable[[str], bool],
    is_paid: Callable[[str], bool],
    budget_exhausted: bool,
    requested: str | None = None,
    tools: Sequence[Any] | None = None,
) -> RouteDecision:
    """Apply the rules of the module docstring. Every input is injected, so this is pure and testable."""
    cls = classify(messages, tools)
    if requested:
        return RouteDecision(requested, "requested", cls, f"model {requested} was asked for explicitly")
    if not config("LLM_ROUTING_ENABLED"):
        model, reason, why = config("agent_model_name"), "default", "routing is off: the agent model answers"
    elif cls.kind == "simple":
        model, reason, why = config("LLM_ROUTING_SIMPLE_MODEL"), "simple", f"simple query ({cls.why})"
    else:
        model, reason, why = config("LLM_ROUTING_COMPLEX_MODEL"), "complex", f"complex query ({cls.why})"
    local = [m for m in local_up() if routable(m) and fits(m)]
    if config("LLM_PREFER_LOCAL_MODELS") and local and is_paid(model):
        choice = model if model in local else local[0]
        return RouteDecision(choice, "local-preferred", cls, f"{why}; a local model is up and preferred")
    if not routable(model):
        fallback = config("LLM_ROUTING_FALLBACK_MODEL")
        why = f"{why}; {model} cannot be routed (provider disabled or not configured), so the fallback answers"
        model, reason = fallback, "fallback"
    if budget_exhausted and is_paid(model) and local:
        return RouteDecision(local[0], "budget", cls, f"{why}; the budget is spent, so a local model answers")
    return RouteDecision(model, reason, cls, why)
