"""Text we did not write is never markup on a Teams card (issue 15, item 1): Adaptive Cards TextBlocks and facts
render a Markdown subset and Teams links bare URLs, so job names and TWS error text pass through `cards.plain`.
Checked with a CommonMark renderer (markdown-it-py, the parser family Adaptive Cards' renderers follow): the text
shows as it is — same characters — with no link, emphasis, code, list or heading."""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from resync_app.teams.cards import plain
from tests.teams.conftest import make_event

HOSTILE = [
    "[click here](https://evil.example/login)",
    "**URGENT** _call_ `rm -rf` ~~gone~~ <b>bold</b> <https://evil.example>",
    "see www.evil.example or http://evil.example/x or mailto:ops@evil.example",
    "- first\n- second\n1. numbered",
    "# heading",
    "> quoted",
    "![img](https://evil.example/p.png)",
    "JOB_*_NAME* and __init__ and a\\*b",
    "12) not a list",
]
LINKABLE = re.compile(r"://|\w\.[A-Za-z]|\w@\w|(?i:mailto|javascript):")  # schemes, host names, addresses
MARKUP = re.compile(r"<(a|em|strong|code|ul|ol|li|h[1-6]|blockquote|img|del|s|pre)\b")
_md = MarkdownIt("commonmark")


def rendered_text(markdown: str) -> str:
    out = _md.render(markdown)
    return html.unescape(re.sub(r"<[^>]+>", "", out)).strip()


def assert_inert(shown: str, original: str) -> None:
    out = _md.render(shown)
    assert not MARKUP.search(out), (original, out)
    visible = rendered_text(shown).replace("\u200b", "")
    assert visible == " ".join(original.split()), (original, visible)  # every character shown as written
    assert not LINKABLE.search(shown), shown  # what autolinkers look for is split


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_makes_text_inert_and_keeps_it(text):
    assert MARKUP.search(_md.render(text)) or "://" in text or "www." in text or "@" in text or "1." in text \
        or "12)" in text, "the sample is markup as it stands"
    assert_inert(plain(text), text)


@pytest.mark.parametrize("text", ["PAYROLL_DAILY", "CPU_LINUX01#PAYROLL_JOB_01", "8.00", "2026-12-01 08:30:00 UTC",
                                  "Job rc 12: file not found", "Return code"])
def test_ordinary_names_are_unchanged(text):
    assert plain(text) == text


def test_a_card_shows_hostile_job_names_and_tws_text_as_text(teams, hook):
    teams.enable()
    job, message = HOSTILE[0], "AWSBHT001E " + HOSTILE[1] + " " + HOSTILE[2]
    teams.emit(make_event(job=job, message=message, job_stream="**STREAM**", workstation="[WS](http://x.example)"))
    teams.deliver()
    [card] = hook.cards
    texts = []
    for block in card["attachments"][0]["content"]["body"]:
        if block["type"] == "TextBlock":
            texts.append(block["text"])
        elif block["type"] == "FactSet":
            texts += [f["title"] for f in block["facts"]] + [f["value"] for f in block["facts"]]
    for text in texts:
        assert not MARKUP.search(_md.render(text)), text
        assert not LINKABLE.search(text), text
    shown = " ".join(rendered_text(t).replace("\u200b", "") for t in texts)
    for original in (job, "**STREAM**", "[WS](http://x.example)", "AWSBHT001E"):
        assert original in shown
