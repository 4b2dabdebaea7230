"""The TWS assistant's chat (framework-free): the page streams it, `POST /api/v1/chat` answers whole.

    async for event in stream(message, conversation_id, user):   # {"type": "start" | "delta" | "tool" | "done"}
        ...
    reply = await answer(message, conversation_id, user)         # the CONTRACT §9 shape (+ turn_id, footer, …)

1. The zero-cost fast path first (`intents` + `fastpath` over the snapshot): a plain lookup is answered from the
   plan with no model (`fast_path: true`, footer "answered from the plan, no model used").
2. Otherwise the model, through the LLM gateway (purpose `chat`, smart routing), with tools over the read layer
   (`tools.TOOLS`): model → tool calls → results → model, at most MAX_ROUNDS rounds; the tools used are listed in
   `tool_calls`, and the answer cites the plan data they returned. The last few turns are the context.
3. No usable provider or the budget spent: a clear refusal (`outcome` "refused"; `answer()` raises
   `ChatUnavailable`, which the API answers 503).
An action ("rerun job X") is never performed here: the reply carries a `confirm` proposal that a signed-in
operator confirms (`actions.confirm`); someone not signed in is told to sign in instead (`acting`). Every turn is
stored (`turns`), stopped ones too. Before the plan-free paths (no intent, or a knowledge question), an approved
operator correction that matches the question answers it at $0 (`learned_search`; footer "from approved answer
#N"); plan intents are always answered from the plan first.
Languages (`assistant/lang`): the fast path answers in the question's language (English or Brazilian Portuguese,
`language` in the reply); the model is told to answer in it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from typing import Any

from resync_app.assistant import lang, learned_search, turns
from resync_app.assistant.acting import NOT_SIGNED_IN_TOOL_NOTE, sign_in_to_act
from resync_app.assistant.fmt import name
from resync_app.assistant.turns import footer
from resync_app.assistant.fastpath import answer as fast_answer
from resync_app.assistant.intents import parse
from resync_app.assistant.plan import SnapshotReader
from resync_app.auth.models import ROLE_ADMIN, ROLE_OPERATOR
from resync_app.assistant.tools import TOOLS, ToolOutcome, as_text, parse_arguments, run_tool
from resync_app.llm.budget import BudgetExceeded
from resync_app.llm.gateway import get_gateway
from resync_app.llm.gateway_types import CallResult, GatewayError, ModelNotRoutable
from resync_app.settings import get_settings

MAX_MESSAGE_CHARS = 4000
MAX_ROUNDS = 4
MAX_ANSWER_TOKENS = 800
NO_PROVIDER = ("No language model is available to answer this: ask an admin to configure a provider (LiteLLM "
               "Configuration). Plain lookups still work, e.g. “status of job PAYROLL_DAILY” or “what is late?”.")
BUDGET_SPENT = ("The LLM budget is spent, so no model can answer this: ask an admin to raise the budget or wait for "
                "it to reset. Plain lookups still work, e.g. “status of job PAYROLL_DAILY” or “what is late?”.")
SYSTEM_PROMPT = """You are the TWS assistant of Resync, for operators of HCL Workload Automation (TWS).
Answer from the live plan: call the tools for every fact about jobs, streams, workstations, events and deadlines;
never guess a status. Cite the plan data you used (job names, statuses, return codes, times). Keep answers short,
in Markdown. You cannot change anything: to rerun, hold, release or cancel a job, call propose_action — the
operator confirms it in the console; never say an action was done."""


class ChatInputError(ValueError):
    """A message or conversation id the chat cannot take (HTTP 422)."""


class ChatUnavailable(Exception):
    """No model may answer (no provider, budget spent) and the fast path had no answer (HTTP 503)."""

    def __init__(self, detail: str, reply: dict[str, Any]) -> None:
        super().__init__(detail)
        self.detail, self.reply = detail, reply


@dataclass
class Reply:
    """One answered turn (`as_dict()` is the §9 shape plus the page's extras)."""

    conversation_id: str
    answer: str = ""
    fast_path: bool = False
    model: str | None = None
    route_reason: str | None = None
    tokens: int = 0
    cost_usd: float = 0.0
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    outcome: str = "ok"
    turn_id: int | None = None
    intent: str | None = None
    confirm: dict[str, Any] | None = None
    language: str = lang.EN  # of the question, and so of a fast-path answer ("en" or "pt-BR")
    learned_id: int | None = None  # answered from this approved entry (learning from operators)
    answered_from: str = turns.MODEL  # plan | knowledge | learned | model (`turns`)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["footer"] = footer(self.fast_path, self.model, self.route_reason, self.tokens, self.cost_usd,
                                self.outcome, answered=self.answered_from, learned_id=self.learned_id,
                                language=self.language)
        return data


def check_message(message: Any, conversation_id: Any) -> tuple[str, str]:
    """(message, conversation id) cleaned; raises ChatInputError with what is wrong."""
    if not isinstance(message, str) or not message.strip():
        raise ChatInputError("message: write a question")
    if len(message) > MAX_MESSAGE_CHARS:
        raise ChatInputError(f"message: at most {MAX_MESSAGE_CHARS} characters")
    if "\x00" in message:
        raise ChatInputError("message: may not contain NUL characters")
    if conversation_id in (None, ""):
        conversation_id = turns.new_conversation_id()
    elif not turns.valid_conversation_id(conversation_id):
        raise ChatInputError("conversation_id: 1-64 letters, digits, '-' or '_'")
    return message.strip(), conversation_id


async def stream(message: Any, conversation_id: Any = None, user: str | None = None,
                 instance: str | None = None, client: str | None = None) -> AsyncIterator[dict[str, Any]]:
    """Events of one turn: `start` {conversation_id}, `delta` {text}, `tool` {name, arguments}, then `done`
    {reply}. `aclose()` stops it: the partial answer is stored as "stopped". `client`: the asker's address (the
    per-client cap of stored turns when no one is signed in)."""
    message, conversation_id = check_message(message, conversation_id)
    reply = Reply(conversation_id, language=lang.detect(message))
    yield {"type": "start", "conversation_id": conversation_id}
    ended = "stopped"
    try:
        fast = await _fast_path(message, instance, signed_in=user is not None)
        if fast is not None:
            reply.answer, reply.fast_path, reply.tool_calls = fast.text, True, list(fast.calls)
            reply.intent, reply.confirm = fast.intent.name, _with_instance_state(fast.confirm)
            reply.language = fast.intent.lang
            reply.learned_id = fast.intent.get("entry") if fast.source == learned_search.SOURCE else None
            reply.answered_from = turns.answered_from(fast.source)
            yield {"type": "delta", "text": fast.text}
        else:
            async for event in _ask_model(message, conversation_id, reply, instance, signed_in=user is not None):
                yield event
        reply.turn_id = _store(message, reply, user, client)
        ended = ""
        yield {"type": "done", "reply": reply.as_dict()}
    except Exception:
        ended = "error"
        raise
    finally:
        if ended:  # stopped (or failed) before the end: keep what was said
            reply.outcome = ended if reply.outcome == "ok" else reply.outcome
            _store(message, reply, user, client)


async def answer(message: Any, conversation_id: Any = None, user: str | None = None,
                 instance: str | None = None, client: str | None = None) -> dict[str, Any]:
    """The whole reply of one turn; raises ChatUnavailable for a refusal (no provider, budget spent)."""
    reply: dict[str, Any] = {}
    async for event in stream(message, conversation_id, user, instance, client):
        if event["type"] == "done":
            reply = event["reply"]
    if reply.get("outcome") == "refused":
        raise ChatUnavailable(reply["answer"], reply)
    return reply


async def _fast_path(message: str, instance: str | None, signed_in: bool = True):
    intent = parse(message)
    if intent is None or intent.name == "knowledge":  # plan intents first: grounding beats recall
        learned = await learned_search.fast_answer(message, intent)
        if learned is not None:
            return learned
    if intent is None:
        return None
    reader = SnapshotReader(with_log=intent.name == "job_log")
    return await fast_answer(intent, reader, instance=instance, tz=get_settings().timezone, may_act=signed_in)


async def _ask_model(message: str, conversation_id: str, reply: Reply, instance: str | None,
                     signed_in: bool = True):
    """The tool loop, streaming the model's text; fills `reply`. Nobody signed in: a proposed action is dropped
    and the answer says to sign in (`acting`)."""
    import asyncio

    history = await asyncio.to_thread(turns.context, conversation_id)
    system = f"{SYSTEM_PROMPT}\n{lang.model_instruction(message)}"  # answer in the question's language
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}, *history,
                                      {"role": "user", "content": message}]
    reader = SnapshotReader()
    gateway = get_gateway()
    text: list[str] = []
    unsigned: dict[str, Any] | None = None  # an action proposed for someone not signed in
    for round_no in range(MAX_ROUNDS):
        tools = TOOLS if round_no < MAX_ROUNDS - 1 else None  # the last round must answer
        result: CallResult | None = None
        try:
            async for item in gateway.stream(messages, purpose="chat", tools=tools, max_tokens=MAX_ANSWER_TOKENS,
                                             tools_optional=True):
                if isinstance(item, CallResult):
                    result = item
                else:
                    text.append(item)
                    reply.answer = "".join(text)
                    yield {"type": "delta", "text": item}
        except (ModelNotRoutable, BudgetExceeded) as exc:
            refusal = BUDGET_SPENT if isinstance(exc, BudgetExceeded) else NO_PROVIDER
            if reply.model is None:  # nothing answered yet: a refusal
                reply.answer, reply.outcome = refusal, "refused"
            else:
                reply.answer, reply.outcome = _joined(text, refusal), "error"
            yield {"type": "delta", "text": refusal}
            return
        except GatewayError as exc:
            error = f"The model could not answer: {exc}"
            reply.answer, reply.outcome = _joined(text, error), "error"
            yield {"type": "delta", "text": error}
            return
        assert result is not None
        reply.model, reply.route_reason = result.model, reply.route_reason or result.route_reason
        reply.tokens += result.prompt_tokens + result.completion_tokens
        reply.cost_usd += result.cost_usd or 0.0
        if not result.tool_calls:
            break
        messages.append({"role": "assistant", "content": result.text or None, "tool_calls": [
            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
            for c in result.tool_calls]})
        for call in result.tool_calls:
            arguments = parse_arguments(call["arguments"])
            outcome = await run_tool(call["name"], arguments, reader, instance)
            reply.tool_calls.append({"name": call["name"], "arguments": arguments})
            if outcome.proposal is not None and not signed_in:
                unsigned = outcome.proposal
                outcome = ToolOutcome({"proposed": False, "performed": False, "note": NOT_SIGNED_IN_TOOL_NOTE})
            elif outcome.proposal is not None:
                reply.intent, reply.confirm = "action_request", _with_instance_state(outcome.proposal)
            yield {"type": "tool", "name": call["name"], "arguments": arguments}
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": as_text(outcome.result)})
        if text and not text[-1].endswith("\n"):
            text.append("\n\n")
    reply.answer = "".join(text).strip() or "The model gave no answer."
    if unsigned is not None:
        note = sign_in_to_act(unsigned["action"], name(unsigned.get("job") or unsigned.get("job_id")),
                              lang.wording(reply.language))
        reply.answer = f"{reply.answer}\n\n{note}"
        yield {"type": "delta", "text": f"\n\n{note}"}


def _joined(text: list[str], note: str) -> str:
    said = "".join(text).strip()
    return f"{said}\n\n{note}" if said else note


def _with_instance_state(proposal: dict[str, Any] | None) -> dict[str, Any] | None:
    """The proposal, with `read_only` set when its instance refuses actions."""
    if proposal is None:
        return None
    from resync_app.tws import instances
    from resync_app.tws.instance_config import UnknownInstance

    try:
        read_only = instances.get_instance(proposal["instance"]).read_only if proposal.get("instance") else False
    except UnknownInstance:
        read_only = True
    return {**proposal, "read_only": bool(read_only)}


def _store(message: str, reply: Reply, user: str | None, client: str | None = None) -> int:
    return turns.store(reply.conversation_id, message, reply.answer, fast_path=reply.fast_path, model=reply.model,
                       route_reason=reply.route_reason, tokens=reply.tokens, cost_usd=round(reply.cost_usd, 8),
                       outcome=reply.outcome, username=user, learned_id=reply.learned_id, client=client,
                       answered=reply.answered_from, language=reply.language)


def may_act(principal: Any) -> bool:
    """Whether a signed-in principal may change TWS (role operator or admin)."""
    return principal is not None and principal.role in (ROLE_OPERATOR, ROLE_ADMIN)


async def confirm_action(proposal: dict[str, Any], principal: Any, client: str = "") -> dict[str, Any]:
    """Perform a confirmed proposal for a signed-in operator (audited by `tws.service.perform_action`; a
    read-only instance refuses there with 409). Raises PermissionError for anyone else."""
    from resync_app.tws import service

    if not may_act(principal):
        raise PermissionError("Sign in as an operator to act on TWS.")
    return await service.perform_action(proposal["instance"], proposal["job_id"], proposal["action"],
                                        principal.username, client)
