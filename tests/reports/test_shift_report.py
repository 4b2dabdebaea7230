"""The shift report service (`reports.shift`) on a hand-made shift with known answers (tests/support/shift_seed.py):
totals, every section, the window's edges to the second, RESYNC_TIMEZONE, hidden user names, list limits, and
Markdown / CSV that carry the same content without letting job names become markup."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from markdown_it import MarkdownIt

from resync_app.reports import shift
from tests.support import shift_seed
from tests.support.shift_seed import EVIL, EXPECTED, INSTANCE

UTC = timezone.utc


@pytest.fixture
def seeded(clean_db):
    return shift_seed.seed(datetime(2030, 6, 15, 14, 0, tzinfo=UTC))


def _report(seeded, start=None, end=None, **kwargs):
    window = shift.Window(start or seeded.start, end or seeded.end, ZoneInfo("UTC"))
    return shift.build(INSTANCE, window, now=seeded.now, **kwargs)


def test_totals_and_sections_are_the_hand_worked_answers(seeded):
    report = _report(seeded)
    assert report["instance"] == INSTANCE and report["users_shown"] is True
    assert report["totals"] == EXPECTED["totals"]
    assert [r["job_id"] for r in report["abended"]] == EXPECTED["abended"]
    assert {r["job_id"]: r["now_status"] for r in report["abended"]} == EXPECTED["abended_now"]
    rerun = next(r for r in report["abended"] if r["job_id"] == "J01")
    assert (rerun["run"], rerun["now_run"], rerun["return_code"]) == (1, 2, 12)  # abended in run 1, now run 2
    assert [(a["user"], a["action"], a["job_id"], a["result"]) for a in report["actions"]] == EXPECTED["actions"]
    refused = next(a for a in report["actions"] if a["result"] == "refused")
    assert refused["error"] == "read-only" and refused["job"] == "CPU_C#ETL.CRUNCH" and refused["now_status"] == "EXEC"
    assert {r["job_id"]: r["flags"] for r in report["late"]} == EXPECTED["late"]
    assert [r["job_id"] for r in report["late"]] == ["J06", "J07", "J08", "J10"]  # by first flag
    assert [r["job_id"] for r in report["missed"]] == EXPECTED["missed"]
    assert report["missed"][0]["late_by_s"] == 1800  # CRIT_A ended 30 minutes after its deadline
    assert {r["job_id"]: r["reasons"] for r in report["open"]} == EXPECTED["open"]
    assert report["open_counts"] == EXPECTED["open_counts"]
    assert report["more"] == {"abended": 0, "actions": 0, "late": 0, "missed": 0, "open": 0}
    every_job = [r for key in ("abended", "actions", "late", "missed", "open") for r in report[key]]
    assert all(r["link"] == f"/monitoring?job={r['job_id']}&instance={INSTANCE}" for r in every_job)
    assert report["from"] == "2030-06-15T06:00:00+00:00" and report["to"] == "2030-06-15T14:00:00+00:00"


@pytest.mark.parametrize("start_s, end_s, abended, started, cancels", [
    (0, 0, 4, 6, 0),  # [06:00:00, 14:00:00): the abends at 06:00:00 and 13:59:59 are in
    (1, 0, 3, 6, 0),  # from 06:00:01: the 06:00:00 abend is out
    (0, -1, 3, 6, 0),  # to 13:59:59: the 13:59:59 abend is out
    (0, 1, 5, 7, 1),  # to 14:00:01: the abend, the start and the cancel at 14:00:00 are in
    (-1, 0, 5, 6, 0),  # from 05:59:59: the abend one second before the shift is in
])
def test_the_window_is_half_open_to_the_second(seeded, start_s, end_s, abended, started, cancels):
    report = _report(seeded, seeded.start + timedelta(seconds=start_s), seeded.end + timedelta(seconds=end_s))
    assert report["totals"]["abended"] == abended == len(report["abended"])
    assert report["totals"]["started"] == started
    assert report["totals"]["cancels"] == cancels


def test_another_instance_and_sign_ins_do_not_count(seeded):
    report = _report(seeded)
    assert "X01" not in {r["job_id"] for key in ("abended", "actions", "late") for r in report[key]}
    assert "zoe" not in {a["user"] for a in report["actions"]} and report["totals"]["reruns"] == 1


def test_anonymous_readers_get_no_user_names(seeded):
    report = _report(seeded, show_users=False)
    assert report["users_shown"] is False
    assert [a["user"] for a in report["actions"]] == [None] * len(EXPECTED["actions"])
    for text in (shift.markdown(report), shift.csv_text(report)):
        assert not re.search(r"\b(alice|bob|carol|dave|erin)\b", text)
        assert "sign in to see" in text


def test_lists_are_capped_and_say_how_many_more(seeded):
    report = _report(seeded, limit=2)
    assert report["totals"] == EXPECTED["totals"]  # exact whatever the limit
    assert len(report["abended"]) == 2 and report["more"]["abended"] == 2
    assert len(report["actions"]) == 2 and report["more"]["actions"] == 4
    assert len(report["open"]) == 2 and report["more"]["open"] == 9
    assert "…and 2 more" in shift.markdown(report)


def test_an_unknown_instance_is_refused(seeded):
    from resync_app.tws.instance_config import UnknownInstance

    with pytest.raises(UnknownInstance):
        shift.build("ghost", shift.Window(seeded.start, seeded.end, ZoneInfo("UTC")), now=seeded.now)


# ---- the window as people give it --------------------------------------------------------------------------

NOW = datetime(2030, 6, 15, 14, 5, 30, tzinfo=UTC)


def test_default_is_the_last_eight_hours():
    window = shift.parse_window(tz=ZoneInfo("UTC"), now=NOW)
    assert (window.start, window.end) == (datetime(2030, 6, 15, 6, 5, 30, tzinfo=UTC), NOW)
    assert shift.parse_window(hours="12", tz=ZoneInfo("UTC"), now=NOW).hours == 12
    to = "2030-06-15T10:00:00Z"
    assert shift.parse_window(end=to, hours=2, tz=ZoneInfo("UTC"), now=NOW).start == datetime(2030, 6, 15, 8,
                                                                                               tzinfo=UTC)


def test_times_without_an_offset_are_local_times_of_resync_timezone():
    sao_paulo = ZoneInfo("America/Sao_Paulo")  # UTC−3
    window = shift.parse_window("2030-06-15T06:00", "2030-06-15T14:00", tz=sao_paulo, now=NOW)
    assert window.start == datetime(2030, 6, 15, 9, tzinfo=UTC) and window.end == datetime(2030, 6, 15, 17,
                                                                                          tzinfo=UTC)
    assert window.iso(window.start) == "2030-06-15T06:00:00-03:00"
    explicit = shift.parse_window("2030-06-15T06:00Z", "2030-06-15T14:00:00 00:00",  # a "+" the URL made a space
                                  tz=sao_paulo, now=NOW)
    assert explicit.start == datetime(2030, 6, 15, 6, tzinfo=UTC) and explicit.end == datetime(2030, 6, 15, 14,
                                                                                              tzinfo=UTC)


def test_a_local_window_across_a_dst_change_has_its_real_length():
    berlin = ZoneInfo("Europe/Berlin")  # 2030-03-31 02:00 → 03:00
    window = shift.parse_window("2030-03-31T00:00", "2030-03-31T06:00", tz=berlin, now=NOW)
    assert window.hours == 5


@pytest.mark.parametrize("args, param", [
    ({"start": "yesterday"}, "from"), ({"end": "2030-13-01T00:00"}, "to"), ({"hours": "0"}, "hours"),
    ({"hours": "1.5"}, "hours"), ({"hours": str(shift.MAX_HOURS + 1)}, "hours"),
    ({"start": "2030-06-15T10:00Z", "hours": "2"}, "hours"),
    ({"start": "2030-06-15T10:00Z", "end": "2030-06-15T10:00Z"}, "from"),
    ({"start": "2030-06-15T10:00Z", "end": "2030-06-15T09:00Z"}, "from"),
    ({"start": "2030-06-01T00:00Z", "end": "2030-06-09T00:00Z"}, "to"),
])
def test_bad_windows_say_which_parameter(args, param):
    with pytest.raises(shift.BadParams) as caught:
        shift.parse_window(**args, tz=ZoneInfo("UTC"), now=NOW)
    assert param in caught.value.errors and caught.value.errors[param]


def test_the_report_follows_resync_timezone(clean_db, monkeypatch):
    """RESYNC_TIMEZONE=America/Sao_Paulo: a local window given without an offset finds the shift; its times are
    shown with −03:00; the same clock times read as UTC are another window (three hours earlier)."""
    from resync_app import settings

    monkeypatch.setenv("RESYNC_TIMEZONE", "America/Sao_Paulo")
    settings.reload_settings()
    try:
        tz = settings.get_settings().timezone
        seeded = shift_seed.seed(datetime(2030, 6, 15, 17, 0, tzinfo=UTC))  # 14:00 in São Paulo
        local = shift.parse_window("2030-06-15T06:00", "2030-06-15T14:00", tz=tz, now=seeded.now)
        report = shift.build(INSTANCE, local, now=seeded.now)
        assert report["totals"] == EXPECTED["totals"]
        assert report["from"] == "2030-06-15T06:00:00-03:00" and report["abended"][0]["at"].endswith("-03:00")
        assert report["abended"][0]["at"] == "2030-06-15T06:00:00-03:00"
        assert "2030-06-15 06:00 → 2030-06-15 14:00 (America\\/Sao\\_Paulo, 8 h)" in shift.markdown(report)
        as_utc = shift.parse_window("2030-06-15T06:00Z", "2030-06-15T14:00Z", tz=tz, now=seeded.now)
        earlier = shift.build(INSTANCE, as_utc, now=seeded.now)
        assert earlier["totals"]["abended"] == 3  # 03:00–11:00 local: 05:59:59, 06:00:00 and 07:00
    finally:
        monkeypatch.delenv("RESYNC_TIMEZONE")
        settings.reload_settings()


# ---- Markdown and CSV -----------------------------------------------------------------------------------------

def _outside_code(markdown: str) -> str:
    return re.sub(r"`[^`\n]*`", "", markdown)


def test_markdown_has_every_section_and_no_markup_from_job_names(seeded, monkeypatch):
    report = _report(seeded)
    text = shift.markdown(report)
    for heading in ("# Shift report", "## Totals", "## Abended (4)", "## Operator actions (6)",
                    "## Late, stuck or at risk (4)", "## Critical jobs that missed their deadline (2)",
                    "## Still open now (11)"):
        assert heading in text
    assert "| 6 | 3 | 4 | 1 | 2 | 1 | 0 | 1 | 1 | 2 | 2 |" in text  # the totals row, in TOTAL_LABELS order
    assert "SUCC (run 2)" in text and "failed (refused)" in text
    assert "<img" in text  # the name is there, as text of a code span …
    bare = _outside_code(text)
    assert "<" not in bare and "](" not in bare and "javascript" not in bare  # … and nowhere outside one
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    inline = [t for block in tokens for t in (block.children or [])]
    assert not [t for t in tokens + inline if t.type.startswith("html")]
    assert not [t for t in inline if t.type == "link_open"]  # no public URL: no links at all
    assert any(t.type == "code_inline" and t.content == EVIL for t in inline)


def test_markdown_links_jobs_to_the_public_console(seeded, monkeypatch):
    from resync_app import settings

    monkeypatch.setenv("RESYNC_PUBLIC_URL", "https://resync.example.com")
    settings.reload_settings()
    try:
        text = shift.render(_report(seeded), "md")
    finally:
        monkeypatch.delenv("RESYNC_PUBLIC_URL")
        settings.reload_settings()
    inline = [t for block in MarkdownIt("commonmark").enable("table").parse(text) for t in (block.children or [])]
    links = [t.attrs["href"] for t in inline if t.type == "link_open"]
    assert links and all(h.startswith("https://resync.example.com/monitoring?job=") for h in links)
    assert f"https://resync.example.com/monitoring?job=J13&instance={INSTANCE}" in links  # the EVIL job's own id
    assert not [t for t in inline if t.type.startswith("html")]


def test_csv_carries_the_same_content(seeded):
    report = _report(seeded)
    report["abended"][0]["job"] = "=HYPERLINK(\"http://x\")"  # a name a spreadsheet would run
    rows = list(csv.DictReader(io.StringIO(shift.csv_text(report))))
    totals = {r["item"]: int(r["value"]) for r in rows if r["section"] == "totals"}
    assert totals == EXPECTED["totals"]
    by_section = {s: [r for r in rows if r["section"] == s] for s in ("abended", "actions", "late", "missed", "open")}
    assert [r["job_id"] for r in by_section["abended"]] == EXPECTED["abended"]
    assert [(r["user"], r["action"], r["job_id"]) for r in by_section["actions"]] == [a[:3] for a in
                                                                                      EXPECTED["actions"]]
    assert {r["job_id"] for r in by_section["late"]} == set(EXPECTED["late"])
    assert [r["job_id"] for r in by_section["missed"]] == EXPECTED["missed"]
    assert {r["job_id"]: r["flags"].split() for r in by_section["open"]} == EXPECTED["open"]
    assert by_section["abended"][0]["job"].startswith("'=")
    assert by_section["abended"][1]["now_status"] == "SUCC (run 2)"
    assert {r["item"]: r["value"] for r in rows if r["section"] == "report"}["instance"] == INSTANCE
