"""`/shift-report`'s state, called as Reflex calls it: every handler is an operator read (refused to an anonymous
client under RESYNC_OPERATOR_LOGIN=required, enumerated from the state so that a new handler is covered), the page
rows say what the report says, and the page keeps at most PAGE_ROWS rows a section however long the shift."""

from __future__ import annotations

import inspect
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from resync_app.reports import shift
from resync_app.state.shift_report import PAGE_ROWS, ShiftReportState, lines
from tests.support import shift_seed
from tests.support.shift_seed import EXPECTED, INSTANCE

BUILTIN = {"setvar"}  # Reflex's own, on every state


def _anonymous(path: str = "/shift-report/"):
    headers = SimpleNamespace(cookie="", origin="", raw_headers={})
    router = SimpleNamespace(headers=headers, url=SimpleNamespace(path=path, query_parameters={}),
                             session=SimpleNamespace(client_ip="127.0.0.1"))
    return SimpleNamespace(router=router)


def _redirect(spec) -> str:
    return dict((str(k), v._var_value) for k, v in spec.args)["path"]


def test_every_handler_is_an_operator_read():
    handlers = {name: h for name, h in ShiftReportState.event_handlers.items() if name not in BUILTIN}
    assert {"load", "set_preset", "apply_range", "pick_instance", "refresh"} <= set(handlers)
    assert all(getattr(h.fn, "_resync_operator_read_event", False) for h in handlers.values()), [
        name for name, h in handlers.items() if not getattr(h.fn, "_resync_operator_read_event", False)]


def test_anonymous_clients_are_refused_when_sign_in_is_required(operator_user, operator_login_required):
    for name, handler in ShiftReportState.event_handlers.items():
        if name in BUILTIN:
            continue
        args = ["x"] * (len(inspect.signature(handler.fn).parameters) - 1)
        refused = handler.fn(_anonymous(), *args)
        assert _redirect(refused) == "/login?next=/shift-report", name


def test_page_rows_say_what_the_report_says(clean_db):
    seeded = shift_seed.seed(datetime(2030, 6, 15, 14, 0, tzinfo=timezone.utc))
    report = shift.build(INSTANCE, shift.Window(seeded.start, seeded.end, ZoneInfo("UTC")), now=seeded.now)
    rows = lines(report)
    assert [r.job_id for r in rows["abended"]] == EXPECTED["abended"]
    payroll = rows["abended"][1]
    assert (payroll.job, payroll.now, payroll.detail, payroll.when) == ("PAYROLL_DAILY", "SUCC (run 2)", "12",
                                                                       "2030-06-15 07:00")
    assert payroll.href == f"/monitoring?job=J01&instance={INSTANCE}"
    assert [(r.user, r.action, r.detail) for r in rows["actions"]][2:4] == [
        ("carol", "release", "failed (refused)"), ("dave", "cancel", "refused (read-only)")]
    assert {r.job_id: r.detail for r in rows["open"]}["J10"] == "critical, at risk"
    hidden = lines(shift.build(INSTANCE, shift.Window(seeded.start, seeded.end, ZoneInfo("UTC")), now=seeded.now,
                               show_users=False))
    assert {r.user for r in hidden["actions"]} == {"(sign in to see)"}


def test_a_long_shift_keeps_the_page_small(clean_db):
    """600 abends in the window: the page's report holds PAGE_ROWS of them and says how many more."""
    from resync_app.db import session_scope
    from resync_app.tws.models import TwsEvent

    seeded = shift_seed.seed(datetime(2030, 6, 15, 14, 0, tzinfo=timezone.utc))
    with session_scope() as db:
        db.add_all([TwsEvent(at=seeded.start + timedelta(seconds=30 * n), instance=INSTANCE, type="job_abended",
                             severity="critical", job=f"BULK_{n:03d}", job_id=f"B{n:03d}", message="x",
                             dedupe_key=f"bulk:{n}") for n in range(600)])
    report = shift.build(INSTANCE, shift.Window(seeded.start, seeded.end, ZoneInfo("UTC")), now=seeded.now,
                         limit=PAGE_ROWS)
    assert report["totals"]["abended"] == 604 and len(lines(report)["abended"]) == PAGE_ROWS
    assert report["more"]["abended"] == 604 - PAGE_ROWS
    assert len(shift.markdown(report)) < 40_000  # what the copy button holds
