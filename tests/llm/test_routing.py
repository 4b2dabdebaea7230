"""Smart routing as pure functions: `routing.classify` and `routing.choose` with every input injected."""

from __future__ import annotations

import pytest

from resync_app.llm import routing

SIMPLE, COMPLEX, FALLBACK, AGENT, LOCAL = "gpt-3.5-turbo", "gpt-4o", "gpt-4o-mini", "gpt-4", "ollama/llama3"


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "You are the TWS assistant."}, {"role": "user", "content": text}]


def config(**overrides):
    values = {"LLM_ROUTING_ENABLED": True, "LLM_ROUTING_SIMPLE_MODEL": SIMPLE, "LLM_ROUTING_COMPLEX_MODEL": COMPLEX,
              "LLM_ROUTING_FALLBACK_MODEL": FALLBACK, "agent_model_name": AGENT, "LLM_PREFER_LOCAL_MODELS": False,
              **overrides}
    return values.__getitem__


def choose(text: str, *, cfg=None, routable=None, local=(), fits=True, exhausted=False, requested=None, tools=None):
    """`routing.choose` with a world where every model is routable, nothing local is up, nothing exhausted."""
    return routing.choose(
        user(text), cfg or config(), routable or (lambda m: True), lambda: list(local), lambda m: fits,
        lambda m: not m.startswith("ollama/"), exhausted, requested=requested, tools=tools)


# ---- classify --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "is PAYROLL running?",
    "list abended jobs",
    "status of job stream NIGHTLY_BATCH",
    "show me the workstations",
    "when did BACKUP01 start?",
    "",
])
def test_status_and_lookups_are_simple(text):
    assert routing.classify(user(text)).kind == "simple"


@pytest.mark.parametrize("text,why", [
    ("why did job X abend?", "why"),
    ("Troubleshoot the failing payroll stream", "troubleshoot"),
    ("please diagnose the AWSBHT023E error", "diagnos"),
    ("analyze last night's failures", "analy"),
    ("what is the root cause of the late start", "root cause"),
    ("Explain the dependency chain of PAYROLL", "explain"),
    ("how do I fix the abend in job Y", "fix"),
    ("recommend a schedule for the backups", "recommend"),
    ("can you debug this", "debug"),
    ("predict tomorrow's runtime", "predict"),
])
def test_analysis_and_troubleshooting_are_complex(text, why):
    result = routing.classify(user(text))
    assert result.kind == "complex" and why in result.why


def test_stems_match_word_starts_only():
    # "prefix" contains "fix" but not at a word start; "whyever" starts with "why" (a stem, by design)
    assert routing.classify(user("show the prefix of job names")).kind == "simple"
    assert routing.classify(user("Whyever")).kind == "complex"


def test_long_message_is_complex():
    assert routing.classify(user("x" * 400)).kind == "simple"
    long = routing.classify(user("x" * 401))
    assert long.kind == "complex" and "401" in long.why


def test_three_questions_are_complex():
    assert routing.classify(user("running? late? ")).kind == "simple"
    assert routing.classify(user("running? late? abended?")).kind == "complex"


def test_tools_make_it_complex():
    assert routing.classify(user("is PAYROLL running?"), tools=[{"type": "function"}]).kind == "complex"


def test_classification_uses_the_last_user_message_and_text_parts():
    messages = [{"role": "user", "content": "why did it fail?"}, {"role": "assistant", "content": "because"},
                {"role": "user", "content": [{"type": "text", "text": "list"}, {"type": "text", "text": "jobs"}]}]
    assert routing.last_user_text(messages) == "list jobs"
    assert routing.classify(messages).kind == "simple"
    assert routing.classify([{"role": "system", "content": "why"}]).kind == "simple"  # no user message


def test_classification_is_deterministic():
    texts = ["is X running?", "why did X fail?", "a" * 500]
    assert [routing.classify(user(t)) for t in texts] == [routing.classify(user(t)) for t in texts]


# ---- choose ----------------------------------------------------------------------------------------

def test_simple_goes_to_the_simple_model_and_complex_to_the_complex_one():
    simple = choose("is PAYROLL running?")
    assert (simple.model, simple.reason, simple.classification.kind) == (SIMPLE, "simple", "simple")
    complex_ = choose("why did PAYROLL abend?")
    assert (complex_.model, complex_.reason) == (COMPLEX, "complex")
    assert "why" in complex_.explanation


def test_explicit_model_wins_over_everything():
    decision = choose("why did it abend?", requested="gpt-4", local=[LOCAL], exhausted=True,
                      cfg=config(LLM_PREFER_LOCAL_MODELS=True))
    assert (decision.model, decision.reason) == ("gpt-4", "requested")


def test_routing_off_uses_the_agent_model():
    decision = choose("is PAYROLL running?", cfg=config(LLM_ROUTING_ENABLED=False))
    assert (decision.model, decision.reason) == (AGENT, "default")


def test_prefer_local_sends_a_paid_request_to_the_local_model():
    cfg = config(LLM_PREFER_LOCAL_MODELS=True)
    decision = choose("why did PAYROLL abend?", cfg=cfg, local=[LOCAL])
    assert (decision.model, decision.reason) == (LOCAL, "local-preferred")
    # no local model up, or it does not fit the context, or preference off: the paid model answers
    assert choose("why did PAYROLL abend?", cfg=cfg).model == COMPLEX
    assert choose("why did PAYROLL abend?", cfg=cfg, local=[LOCAL], fits=False).model == COMPLEX
    assert choose("why did PAYROLL abend?", local=[LOCAL]).model == COMPLEX
    # a local model that is up but not routable is not used
    assert choose("why?", cfg=cfg, local=[LOCAL], routable=lambda m: m != LOCAL).model == COMPLEX


def test_prefer_local_keeps_a_chosen_local_model():
    cfg = config(LLM_PREFER_LOCAL_MODELS=True, LLM_ROUTING_SIMPLE_MODEL="ollama/mistral")
    decision = choose("is X running?", cfg=cfg, local=[LOCAL, "ollama/mistral"])
    assert (decision.model, decision.reason) == ("ollama/mistral", "simple")  # already free: no preference needed


def test_unroutable_choice_falls_back():
    decision = choose("why did it abend?", routable=lambda m: m != COMPLEX)
    assert (decision.model, decision.reason) == (FALLBACK, "fallback")
    assert COMPLEX in decision.explanation and "fallback" in decision.explanation


def test_spent_budget_sends_paid_requests_to_a_local_model_if_one_is_up():
    decision = choose("is X running?", exhausted=True, local=[LOCAL])
    assert (decision.model, decision.reason) == (LOCAL, "budget")
    refused = choose("is X running?", exhausted=True)  # nothing local: the gateway will refuse it
    assert (refused.model, refused.reason) == (SIMPLE, "simple")


def test_spent_budget_after_fallback_still_goes_local():
    decision = choose("why?", exhausted=True, local=[LOCAL], routable=lambda m: m not in (COMPLEX,))
    assert (decision.model, decision.reason) == (LOCAL, "budget")
