"""Adaptive Cards (version 1.4) in the envelope Teams' incoming webhooks take (CONTRACT §7).

    {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                         "content": {"type": "AdaptiveCard", "version": "1.4", "body": [...]}}]}

A card has a header (avatar and bot name when set), a title coloured by severity, the message, a fact set and,
when RESYNC_PUBLIC_URL is set, a button that opens the console page of the event.

Text we did not write is never markup: TextBlocks and facts render a Markdown subset (bold, italic, lists, links)
and Teams links bare URLs, so every text that goes into a card passes through `plain` (in `adaptive_card`, the one
place cards are built): job names and TWS error text show as they are, never as a link or formatting.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from resync_app.notify import Alert, TwsEventNotice

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SEVERITY_COLOR = {"critical": "Attention", "warning": "Warning", "info": "Accent"}
RECOVERY_TYPES = {"instance_recovered", "workstation_linked", "job_completed"}
EVENT_TITLES = {
    "job_started": "Job started", "job_completed": "Job completed", "job_abended": "Job abended",
    "job_stuck": "Job stuck", "job_late": "Job late", "workstation_linked": "Workstation linked",
    "workstation_unlinked": "Workstation unlinked", "workstation_offline": "Workstation offline",
    "instance_degraded": "TWS instance degraded", "instance_critical": "TWS instance critical",
    "instance_recovered": "TWS instance recovered", "instance_unreachable": "TWS instance unreachable",
    "failure_rate_high": "Failure rate above threshold", "deadline_at_risk": "Deadline at risk",
}


_ESCAPE = frozenset("\\`*[]<>~|")  # CommonMark punctuation that starts inline markup wherever it stands
_ZWSP = "\u200b"  # a zero-width space: breaks what a linker matches without changing what is shown
_LINE_START = re.compile(r"^(\s*)([-+]|#{1,6}|\d{1,9}[.)])(?=\s|$)")  # a list item or heading
_SCHEME = re.compile(r"(?i)\b(mailto|tel|sip|callto|skype|msteams|file|javascript|data|vbscript)(:)(?=\S)")
_SLASHES = re.compile(r":(?=//)")
_DOMAIN_DOT = re.compile(r"(?<=\w)\.(?=[A-Za-z])")  # evil.example, www.x: what a linker takes for a host
_MAIL = re.compile(r"(?<=\w)@(?=\w)")


def plain(text: str | None) -> str:
    """`text` as inert card text: Markdown punctuation backslash-escaped (an underscore inside a word is left
    alone: it cannot start emphasis), a list or heading marker at its start escaped, line breaks made spaces, and
    what linkers look for — `://`, a scheme such as `mailto:`, a dot between a word and a letter (a host name),
    an e-mail `@` — split by an invisible zero-width space, so that no client turns it into a link."""
    if not text:
        return ""
    text = re.sub(r"[\r\n]+", " ", str(text))
    out = []
    for i, ch in enumerate(text):
        if ch in _ESCAPE:
            out.append("\\" + ch)
        elif ch == "_" and not (0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()):
            out.append("\\_")
        else:
            out.append(ch)
    result = _LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], "".join(out))
    result = _SCHEME.sub(lambda m: m.group(1) + _ZWSP + m.group(2), result)
    result = _SLASHES.sub(":" + _ZWSP, result)
    result = _DOMAIN_DOT.sub(_ZWSP + ".", result)
    return _MAIL.sub(_ZWSP + "@", result)


def public_url() -> str:
    """The console's public base URL (RESYNC_PUBLIC_URL), without a trailing slash; "" when unset."""
    return (os.environ.get("RESYNC_PUBLIC_URL") or "").strip().rstrip("/")


def when(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def envelope(card: dict[str, Any]) -> dict[str, Any]:
    return {"type": "message", "attachments": [{"contentType": CARD_CONTENT_TYPE, "contentUrl": None,
                                                "content": card}]}


def adaptive_card(title: str, text: str, facts: list[tuple[str, str]], severity: str, *, bot_name: str = "",
                  avatar_url: str = "", link: tuple[str, str] | None = None, color: str | None = None,
                  lines: list[tuple[str, str]] | None = None, note: str = "") -> dict[str, Any]:
    """One message with one Adaptive Card. Every text is made inert (`plain`). `lines` is a second fact set (an
    incident's first events), `note` a small line under it."""
    body: list[dict[str, Any]] = []
    if bot_name or avatar_url:
        columns: list[dict[str, Any]] = []
        if avatar_url:
            columns.append({"type": "Column", "width": "auto", "items": [
                {"type": "Image", "url": avatar_url, "size": "Small", "style": "Person", "altText": bot_name}]})
        columns.append({"type": "Column", "width": "stretch", "verticalContentAlignment": "Center", "items": [
            {"type": "TextBlock", "text": plain(bot_name or "Resync"), "weight": "Bolder", "isSubtle": True,
             "wrap": True}]})
        body.append({"type": "ColumnSet", "columns": columns})
    body.append({"type": "TextBlock", "text": plain(title), "size": "Large", "weight": "Bolder",
                 "color": color or SEVERITY_COLOR.get(severity, "Default"), "wrap": True})
    if text:
        body.append({"type": "TextBlock", "text": plain(text), "wrap": True})
    for pairs in (facts, lines or []):
        shown = [{"title": plain(name), "value": plain(value)} for name, value in pairs if value not in (None, "")]
        if shown:
            body.append({"type": "FactSet", "facts": shown})
    if note:
        body.append({"type": "TextBlock", "text": plain(note), "isSubtle": True, "size": "Small", "wrap": True})
    card: dict[str, Any] = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
                            "version": "1.4", "body": body, "msteams": {"width": "Full"}}
    if link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": link[0], "url": link[1]}]
    return envelope(card)


def event_title(event: TwsEventNotice) -> str:
    label = EVENT_TITLES.get(event.type, event.type.replace("_", " ").capitalize())
    subject = event.job or event.workstation or event.instance
    return f"{label}: {subject}" if subject else label


def tws_event_card(event: TwsEventNotice, bot_name: str = "", avatar_url: str = "") -> dict[str, Any]:
    facts = [("Instance", event.instance), ("Job", event.job or ""), ("Job stream", event.job_stream or ""),
             ("Workstation", event.workstation or ""), ("Status", event.status or ""),
             ("Return code", "" if event.return_code is None else str(event.return_code)),
             ("Severity", event.severity), ("Time", when(event.at))]
    base = public_url()
    link = None
    if base:
        query = {"instance": event.instance}
        if event.job:
            query["q"] = event.job
        link = ("Open in Resync", f"{base}/monitoring?{urlencode(query)}")
    color = "Good" if event.type in RECOVERY_TYPES and event.severity == "info" else None
    return adaptive_card(event_title(event), event.message, facts, event.severity, bot_name=bot_name,
                         avatar_url=avatar_url, link=link, color=color)


def alert_card(alert: Alert, bot_name: str = "", avatar_url: str = "") -> dict[str, Any]:
    facts = [(name.replace("_", " ").capitalize(), str(value)) for name, value in alert.facts.items()]
    base = public_url()
    link = ("Open LiteLLM Configuration", f"{base}/admin/litellm") if base and alert.kind == "llm.budget" else None
    return adaptive_card(alert.title, alert.text, facts, alert.severity, bot_name=bot_name, avatar_url=avatar_url,
                         link=link)


def sample_card(actor: str, channel_name: str = "", bot_name: str = "", avatar_url: str = "",
              now: datetime | None = None) -> dict[str, Any]:
    facts = [("Sent by", actor), ("Channel", channel_name), ("Time", when(now or datetime.now(timezone.utc)))]
    base = public_url()
    link = ("Open Teams Configuration", f"{base}/admin/teams") if base else None
    return adaptive_card("Resync test notification",
                         "Teams notifications from Resync reach this channel.", facts, "info", bot_name=bot_name,
                         avatar_url=avatar_url, link=link, color="Good")
