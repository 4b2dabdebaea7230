"""A real subset of the Orchestration Query Language (OQL) for the simulator's plan queries.

Supported: `field = value`, `!=`, `<`, `<=`, `>`, `>=`, `field IN [v, …]`, `field NOT IN […]`, `field LIKE 'A@'`
(`@` any characters, `?` one), `AND`, `OR`, `NOT`, parentheses, and `ORDER BY field [ASC|DESC], …`. Values:
'strings' (a doubled '' is a quote), integers, true, false, null. Keywords are case-insensitive; field names are
matched case-insensitively; values are case-sensitive. Fields are the JSON property paths of the objects (the
spec's examples: `jobruns.compositeStatus.status = 'SUCC'`, `commonStatus = 'SUCCESSFUL'`, `activeStates IN
['ONLINE']`, `jobStreamName = 'X' AND key.name = 'Y'`); a path through an array (`jobruns.…`, `activeStates`)
matches when any element does. Anything else is an `OQLError` (the server answers 400 with its message).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from resync_app.tws.plan_values import parse_time
from resync_app.tws_simulator.model import Job, Stream, Workstation
from resync_app.tws_simulator.render import common_status, shown_status, stream_status


class OQLError(ValueError):
    pass


JOB_FIELDS: dict[str, Callable[[Job], Any]] = {
    "id": lambda j: j.id,
    "name": lambda j: j.name,
    "key.name": lambda j: j.name,
    "key": lambda j: j.key,
    "folder": lambda j: "/",
    "workstation": lambda j: j.ws.name,
    "workstationId": lambda j: j.ws.id,
    "jobStreamName": lambda j: j.stream.name,
    "jobStreamId": lambda j: j.stream.id,
    "jobStreamWorkstation": lambda j: j.stream.ws.name,
    "priority": lambda j: j.priority,
    "position": lambda j: j.position,
    "lastRunCompositeStatus.status": lambda j: shown_status(j, j.run),
    "status": lambda j: shown_status(j, j.run),
    "internalStatus": lambda j: shown_status(j, j.run),
    "jobruns.compositeStatus.status": lambda j: [shown_status(j, r) for r in j.runs],
    "lastRunCompositeStatus.substatus": lambda j: j.run.substatus,
    "lastRunCommonStatus": lambda j: common_status(j, j.run),
    "commonStatus": lambda j: common_status(j, j.run),
    "jobruns.commonStatus": lambda j: [common_status(j, r) for r in j.runs],
    "jobruns.returnCode": lambda j: [r.rc for r in j.runs],
    "jobruns.jobNumber": lambda j: [r.number for r in j.runs],
    "jobruns.id": lambda j: [r.id for r in j.runs],
    "jobOptions.critical": lambda j: j.critical,
    "critical": lambda j: j.critical,
    "jobStatusFlags.jobLate": lambda j: j.late_flag,
    "jobStatusFlags.deadlineHasPassed": lambda j: j.deadline_passed,
    "schedTime": lambda j: j.stream.at,
    "timeRestrictions.startTime": lambda j: j.at,
    "timeRestrictions.deadlineTime": lambda j: j.deadline,
    "criticalStart": lambda j: j.critical_start,
}
JOB_TIME_FIELDS = {"schedTime", "timeRestrictions.startTime", "timeRestrictions.deadlineTime", "criticalStart"}

STREAM_FIELDS: dict[str, Callable[[Stream], Any]] = {
    "id": lambda s: s.id,
    "name": lambda s: s.name,
    "key.name": lambda s: s.name,
    "originalJobStreamName": lambda s: s.name,
    "folder": lambda s: "/",
    "workstation": lambda s: s.ws.name,
    "workstationId": lambda s: s.ws.id,
    "compositeStatus.status": lambda s: stream_status(s)[0],
    "status": lambda s: stream_status(s)[0],
    "schedTime": lambda s: s.at,
    "timeRestrictions.deadlineTime": lambda s: s.deadline,
}
STREAM_TIME_FIELDS = {"schedTime", "timeRestrictions.deadlineTime"}

WORKSTATION_FIELDS: dict[str, Callable[[Workstation], Any]] = {
    "id": lambda w: w.id,
    "name": lambda w: w.name,
    "key": lambda w: w.name,
    "folder": lambda w: "/",
    "type": lambda w: w.type,
    "os": lambda w: w.os,
    "hostType": lambda w: w.host_type,
    "domainName": lambda w: w.domain,
    "activeStates": lambda w: w.states(),
}

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+)|(?P<op>!=|<=|>=|=|<|>)|(?P<punct>[()\[\],])"
                    r"|(?P<word>[A-Za-z][A-Za-z0-9_.\-]*))")
_KEYWORDS = {"AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "ASC", "DESC", "TRUE", "FALSE", "NULL"}


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise OQLError(f"OQL syntax error near {text[pos:pos + 20]!r} (position {pos + 1})")
        pos = match.end()
        if match.group("str") is not None:
            out.append(("value", match.group("str")[1:-1].replace("''", "'")))
        elif match.group("num") is not None:
            out.append(("value", int(match.group("num"))))
        elif match.group("op"):
            out.append(("op", match.group("op")))
        elif match.group("punct"):
            out.append((match.group("punct"), match.group("punct")))
        else:
            word = match.group("word")
            upper = word.upper()
            if upper in ("TRUE", "FALSE", "NULL"):
                out.append(("value", {"TRUE": True, "FALSE": False, "NULL": None}[upper]))
            elif upper in _KEYWORDS:
                out.append(("kw", upper))
            else:
                out.append(("field", word))
    return out


class Query:
    """A compiled OQL query: `matches(obj)` and `sort(objs)`."""

    def __init__(self, text: str, fields: dict[str, Callable], time_fields: set[str], what: str) -> None:
        self.text = text
        self._names = sorted(fields)
        self._fields = {k.lower(): v for k, v in fields.items()}
        self._time_fields = {k.lower() for k in time_fields}
        self._what = what
        self._tokens = _tokens(text or "")
        self._pos = 0
        self.order: list[tuple[Callable, bool]] = []
        if not self._tokens:
            self.matches: Callable[[Any], bool] = lambda obj: True
            return
        if self._peek() == ("kw", "ORDER"):
            self.matches = lambda obj: True
        else:
            self.matches = self._or()
        if self._peek() == ("kw", "ORDER"):
            self._order_by()
        if self._pos != len(self._tokens):
            raise OQLError(f"OQL syntax error: unexpected {self._tokens[self._pos][1]!r}")

    # -- parser --
    def _peek(self) -> tuple[str, Any] | None:
        return self._tokens[self._pos] if self._pos < len(self._tokens) else None

    def _take(self, kind: str, value: Any = None) -> Any:
        token = self._peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            found = "the end of the query" if token is None else repr(token[1])
            raise OQLError(f"OQL syntax error: expected {value or kind}, found {found}")
        self._pos += 1
        return token[1]

    def _or(self) -> Callable[[Any], bool]:
        parts = [self._and()]
        while self._peek() == ("kw", "OR"):
            self._pos += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda obj: any(p(obj) for p in parts))

    def _and(self) -> Callable[[Any], bool]:
        parts = [self._term()]
        while self._peek() == ("kw", "AND"):
            self._pos += 1
            parts.append(self._term())
        return parts[0] if len(parts) == 1 else (lambda obj: all(p(obj) for p in parts))

    def _term(self) -> Callable[[Any], bool]:
        token = self._peek()
        if token == ("(", "("):
            self._pos += 1
            inner = self._or()
            self._take(")")
            return inner
        if token == ("kw", "NOT"):
            self._pos += 1
            inner = self._term()
            return lambda obj: not inner(obj)
        name = self._take("field")
        getter, is_time = self._field(name)
        token = self._peek()
        negate = False
        if token == ("kw", "NOT"):
            self._pos += 1
            negate = True
            token = self._peek()
        if token == ("kw", "IN"):
            self._pos += 1
            values = self._list(is_time)
            test = _in(getter, values)
        elif token == ("kw", "LIKE"):
            self._pos += 1
            pattern = self._take("value")
            if not isinstance(pattern, str):
                raise OQLError("OQL: LIKE takes a 'string' pattern")
            test = _like(getter, pattern)
        elif not negate and token is not None and token[0] == "op":
            op = self._take("op")
            test = _compare(getter, op, self._value(is_time))
        else:
            raise OQLError(f"OQL syntax error after {name!r}: expected =, !=, <, >, IN or LIKE")
        return (lambda obj: not test(obj)) if negate else test

    def _list(self, is_time: bool) -> list[Any]:
        self._take("[")
        values = [self._value(is_time)]
        while self._peek() == (",", ","):
            self._pos += 1
            values.append(self._value(is_time))
        self._take("]")
        return values

    def _value(self, is_time: bool) -> Any:
        value = self._take("value")
        if is_time and value is not None:
            parsed = parse_time(value)
            if parsed is None:
                raise OQLError(f"OQL: {value!r} is not an instant (2025-12-01T23:00:00.000Z)")
            return parsed.timestamp()
        return value

    def _field(self, name: str) -> tuple[Callable, bool]:
        key = name.lower()
        if key not in self._fields:
            known = ", ".join(self._names)
            raise OQLError(f"OQL: unknown field {name!r} for {self._what}; this server supports: {known}")
        return self._fields[key], key in self._time_fields

    def _order_by(self) -> None:
        self._take("kw", "ORDER")
        self._take("kw", "BY")
        while True:
            getter, _ = self._field(self._take("field"))
            descending = False
            if self._peek() in (("kw", "ASC"), ("kw", "DESC")):
                descending = self._take("kw") == "DESC"
            self.order.append((getter, descending))
            if self._peek() != (",", ","):
                break
            self._pos += 1

    def sort(self, items: list) -> list:
        for getter, descending in reversed(self.order):
            items = sorted(items, key=lambda obj: _sort_key(getter(obj)), reverse=descending)
        return items


def _sort_key(value: Any) -> tuple:
    if isinstance(value, list):
        value = value[-1] if value else None
    return (value is None, str(type(value)), value if value is not None else 0)


def _values(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _in(getter: Callable, values: list) -> Callable[[Any], bool]:
    wanted = set(v for v in values if v is not None)
    has_null = any(v is None for v in values)
    return lambda obj: any((v in wanted) or (v is None and has_null) for v in _values(getter(obj)))


def _like(getter: Callable, pattern: str) -> Callable[[Any], bool]:
    regex = re.compile("".join(".*" if c == "@" else "." if c == "?" else re.escape(c) for c in pattern) + r"\Z",
                       re.DOTALL)
    return lambda obj: any(isinstance(v, str) and regex.match(v) for v in _values(getter(obj)))


def _compare(getter: Callable, op: str, value: Any) -> Callable[[Any], bool]:
    if op == "=":
        return lambda obj: any(v == value for v in _values(getter(obj)))
    if op == "!=":
        return lambda obj: all(v != value for v in _values(getter(obj)))
    if value is None or isinstance(value, bool):
        raise OQLError(f"OQL: {op} needs a number or a string")
    compare = {"<": lambda a: a < value, "<=": lambda a: a <= value, ">": lambda a: a > value,
               ">=": lambda a: a >= value}[op]

    def test(obj: Any) -> bool:
        for v in _values(getter(obj)):
            if v is None or isinstance(v, bool) or isinstance(v, str) != isinstance(value, str):
                continue
            if compare(v):
                return True
        return False
    return test


def job_query(text: str | None) -> Query:
    return Query(text or "", JOB_FIELDS, JOB_TIME_FIELDS, "jobs in plan")


def stream_query(text: str | None) -> Query:
    return Query(text or "", STREAM_FIELDS, STREAM_TIME_FIELDS, "job streams in plan")


def workstation_query(text: str | None) -> Query:
    return Query(text or "", WORKSTATION_FIELDS, set(), "workstations in plan")
