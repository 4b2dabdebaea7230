"""What operators see of TWS trouble: a plain state, never the TWS internals (CONTRACT §11).

Operator reads (`/api/v1/tws/*`, /monitoring, /realtime-dashboard, the chat and its tools) may be anonymous. They
never show the TWS user name, the TWS host or port, the poller's leader (`host:pid`), the engine's details
(`engine_info`: roles, versions) or the raw error text of a failed call. Instead they get a plain state: "TWS
refused the credentials", "TWS unreachable", … The detail stays for admins: the poller status
(`GET /api/v1/admin/tws/poller`, /admin/proactive), Test connection, the server log.

- `plain_state(kind)`: the words for an error kind of `tws.errors` (or of the poller's stored `last_error`).
- `summary(data)`: the operator view of `queries.summary`'s full dict.
- `event(data)`: the operator view of one event (an outage event stored before messages were plain is reworded).
- `unreachable_message(instance, kind)`: the message of an `instance_unreachable` event, plain from the start.
- `log_error(kind)`: why a job log could not be read, in the same words.
- `scrub(text, config)`: an action's outcome for the operator who asked: TWS' own reason kept (they need it), the
  address and the user name taken out.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

PLAIN_STATES = {
    "unreachable": "TWS unreachable",
    "unauthorized": "TWS refused the credentials",
    "forbidden": "TWS refused access (the configured user lacks rights)",
    "not_found": "no TWS REST API at the configured address",
    "timeout": "TWS did not answer in time",
    "bad_answer": "TWS gave an answer Resync cannot use",
    "refused": "TWS refused the request",
    "read_only": "the instance is read-only",
    "disabled": "the instance is disabled",
    "password_unreadable": "the stored TWS password cannot be read",
}
UNKNOWN = "unexpected error"
_UNREACHABLE = "TWS instance {instance} cannot be polled: {state}"  # as detect.unreachable_event words it


def plain_state(kind: str | None) -> str:
    return PLAIN_STATES.get((kind or "").strip(), UNKNOWN)


def stored_error_state(last_error: str | None) -> str | None:
    """The plain state of a poller's stored `last_error` ("<kind>: <detail>"), None when there is none."""
    if not last_error:
        return None
    return plain_state(last_error.split(":", 1)[0])


def unreachable_message(instance: str, kind: str | None) -> str:
    return _UNREACHABLE.format(instance=instance, state=plain_state(kind))


def summary(data: dict[str, Any]) -> dict[str, Any]:
    """`queries.summary`'s dict without engine info and leader, the poller's error as a plain state."""
    out = {key: value for key, value in data.items() if key != "engine_info"}
    poller = {key: value for key, value in (data.get("poller") or {}).items() if key != "leader"}
    if "last_error" in poller:
        poller["last_error"] = stored_error_state(poller["last_error"])
    out["poller"] = poller
    return out


_PLAIN_OUTAGES = {_UNREACHABLE.format(instance="{}", state=state) for state in (*PLAIN_STATES.values(), UNKNOWN)}


def event(data: dict[str, Any]) -> dict[str, Any]:
    """One event as operators see it: an outage event whose message is not one of the plain ones (stored before
    they were plain: it held TWS' error text) says only that the instance cannot be polled."""
    if data.get("type") != "instance_unreachable":
        return data
    instance = str(data.get("instance") or "")
    message = str(data.get("message") or "")
    if message in {plain.format(instance) for plain in _PLAIN_OUTAGES}:
        return data
    return {**data, "message": f"TWS instance {instance} cannot be polled."}  # the cause: in the admin pages


def log_error(kind: str | None) -> str:
    if kind == "not_found":
        return "TWS has no log for this job: it has not run yet, or it left the plan."
    return f"The log could not be read: {plain_state(kind)}."


def scrub(text: str, config: Any) -> str:
    """`text` without the instance's address (base URL, host:port, host) and user name."""
    parts = urlsplit(config.base_url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = None
    out = text
    for address in (config.base_url.rstrip("/"), f"{host}:{port}" if port else "", parts.netloc):
        if address:
            out = re.sub(rf"\s*\bat {re.escape(address)}\S*", "", out)  # "TWS at host:port …" → "TWS …"
            out = out.replace(address, "the TWS server")
    if host:
        out = re.sub(rf"(?<![\w.-]){re.escape(host)}(?![\w-])", "the TWS server", out)
    user = getattr(config, "username", "") or ""
    if user:
        out = out.replace(f"user '{user}'", "configured user")
        out = re.sub(rf"(?<![\w.@-]){re.escape(user)}(?![\w.@-])", "the configured user", out)
    return out
