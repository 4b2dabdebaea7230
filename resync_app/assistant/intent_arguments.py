"""The arguments the fast path's parser reads from a question: job, stream and workstation names with the role their
context gives them, plan statuses, the time window (`since`, and `resolve_since` for the datetime it stands for)
and the severity of events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from resync_app.assistant.intent_words import (
    COMMON, JOB_BEFORE, LAST_RE, NAME_KEYWORDS, NAME_RE, NOT_A_NAME_RE, NUMBER_WORDS, PLAN_STATUSES, QUOTED_RE,
    RESERVED, SEVERITY_RE, SINCE_RE, STATUS_RE, STREAM_AFTER, STREAM_BEFORE, TODAY_RE, UNPARSED_TIME_RE, WS_AFTER,
    WS_BEFORE)


@dataclass
class QuestionName:
    """A name found in a question."""

    text: str
    role: str  # job | stream | workstation | bare
    stream: str | None = None
    workstation: str | None = None


def clean_token(token: str) -> str:
    """A word of the question without its quotes, brackets, punctuation and possessive 's."""
    token = token.strip("\"'`()[]{}<>,;:!?")
    if token.lower().endswith("'s"):
        token = token[:-2]
    return token.rstrip(".")


def find_names(text: str) -> list[QuestionName]:
    """The job, stream and workstation names in `text`, with the role their context gives them."""
    all_upper = not any(c.islower() for c in text)
    quoted = {m.group(1).rstrip(".").upper() for m in QUOTED_RE.finditer(text)}
    tokens = [clean_token(t) for t in text.split()]
    lowered = [t.lower() for t in tokens]
    found: list[QuestionName] = []
    for i, token in enumerate(tokens):
        if (token.isalpha() and token.islower() and (not i or lowered[i - 1] not in NAME_KEYWORDS)
                and token.upper() not in quoted) or lowered[i] in COMMON:
            continue  # plain words (the most tokens) are names only when quoted or after "job", "stream", …
        match = NAME_RE.match(token)
        if not match or NOT_A_NAME_RE.match(token):
            continue
        upper = token.upper()
        before = lowered[i - 1] if i else ""
        before2 = lowered[i - 2] if i > 1 else ""
        after = lowered[i + 1] if i + 1 < len(tokens) else ""
        qualified = match.group("ws") or match.group("stream")
        if qualified and any(len(p) < 2 for p in (match.group("ws"), match.group("stream"), match.group("name")) if p):
            continue  # "e.g", "i.e"
        shaped = bool(qualified) or ("_" in token) or (any(c.isdigit() for c in token) and any(c.isalpha() for c in
                                                                                                  token))
        keyword = before in NAME_KEYWORDS  # "job payroll", "workstation cpu1": a plain word named as such
        capital = token.isupper() and len(token) >= 2 and not all_upper and any(c.isalpha() for c in token)
        if upper in RESERVED and upper not in quoted and not shaped:
            continue
        if token.lower() in COMMON and upper not in quoted:
            continue
        if not (upper in quoted or shaped or capital or (keyword and token.lower() not in COMMON)):
            continue
        if match.group("stream") or match.group("ws"):
            role = "job"
        elif after in WS_AFTER or before in WS_BEFORE or (before == "the" and before2 in WS_BEFORE):
            role = "workstation"
        elif after in STREAM_AFTER or before in STREAM_BEFORE or (before == "the" and before2 in STREAM_BEFORE):
            role = "stream"
        elif before in JOB_BEFORE:
            role = "job"
        else:
            role = "bare"
        found.append(QuestionName(match.group("name").upper(), role, (match.group("stream") or "").upper() or None,
                           (match.group("ws") or "").upper() or None))
    return found


def find_statuses(low: str, text: str) -> list[str]:
    """The plan statuses the question names: status codes as written, then the words for them."""
    codes: list[str] = []
    for token in text.split():
        word = clean_token(token)
        if word.isupper() and word in PLAN_STATUSES and word not in codes:
            codes.append(word)
    for pattern, mapped in STATUS_RE:
        if pattern.search(low):
            codes += [c for c in mapped if c not in codes]
    return codes


def find_since(low: str) -> tuple[str | None, bool]:
    """(since spec, whether a time expression was found that could not be understood)."""
    match = LAST_RE.search(low)
    if match:
        amount = match.group(1) or ""
        count = float(amount) if amount.isdigit() else NUMBER_WORDS.get(amount, 1)
        minutes = count * (60 if match.group(2).startswith("h") else 1)
        return (f"{int(minutes)}m", False) if minutes >= 1 else (None, True)
    match = SINCE_RE.search(low)
    if match:
        hour, minute, suffix = int(match.group(1)), int(match.group(2) or 0), match.group(3)
        if suffix == "pm" and hour < 12:
            hour += 12
        elif suffix == "am" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59:
            return None, True
        return f"{hour:02d}:{minute:02d}", False
    if TODAY_RE.search(low):
        return "today", False
    if UNPARSED_TIME_RE.search(low):
        return None, True
    return None, False


def find_severity(low: str) -> str | None:
    """The event severity the question asks about (critical, warning, info), or None."""
    match = SEVERITY_RE.search(low)
    if not match:
        return None
    word = match.group(1)
    return "warning" if word.startswith("warning") else word


def resolve_since(spec: str | None, now: datetime, tz: tzinfo) -> datetime | None:
    """The aware datetime a `since` spec stands for, at `now` in the operator's time zone `tz`."""
    if not spec:
        return None
    local = now.astimezone(tz)
    if spec == "today":
        return datetime.combine(local.date(), time(0, 0), tz)
    if spec.endswith("m") and spec[:-1].isdigit():
        return now - timedelta(minutes=int(spec[:-1]))
    hour, _, minute = spec.partition(":")
    at = datetime.combine(local.date(), time(int(hour), int(minute)), tz)
    return at if at <= local else at - timedelta(days=1)  # "since 23:00" asked at 01:00 means last night
