"""The chat page's per-answer pieces in the answer's language (`ChatLine.language`): "Plan data used", the confirm
card's buttons and its sign-in hint. The rest of the page is English (CONTRACT §16 asks for answers in the
question's language, not for a translated console)."""

from __future__ import annotations

import reflex as rx

from resync_app.assistant.lang import LANGUAGES, EN, wording


def said(line, msgid: str):
    """`msgid` (English) in the language of `line` (a ChatLine var), chosen in the browser."""
    return rx.match(line.language, *((code, wording(code).t(msgid)) for code in LANGUAGES if code != EN), msgid)
