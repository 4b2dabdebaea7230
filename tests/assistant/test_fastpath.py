"""Fast-path answers, formatted from an in-memory stand-in of the read layer (`plan_double.MemoryPlan`)."""

from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from resync_app.assistant.fast_answer import PLAN_FOOTER, FastAnswer
from resync_app.assistant.fastpath import answer, fast_path
from resync_app.assistant.intent_types import Intent
from resync_app.assistant.lang import wording
from resync_app.assistant.rag import RagClient, knowledge_search
from tests.assistant.plan_double import JOBS, NOW, AsyncMemoryPlan, MemoryPlan, at
from tests.assistant.rag_server import FakeRagServer
from tests.assistant.test_intents import load_questions


async def builtin_only(query: str, limit: int, **options):
    return await knowledge_search(query, limit, rag=RagClient(url=""), **options)


async def ask(message: str, reader=None, **kwargs) -> FastAnswer | None:
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("knowledge", builtin_only)
    return await fast_path(message, reader or MemoryPlan(), **kwargs)


def call_names(result: FastAnswer) -> list[str]:
    return [c["name"] for c in result.calls]


@pytest.mark.parametrize("item", load_questions(), ids=lambda item: item["q"][:40])
async def test_every_fast_path_question_of_the_set_is_answered_at_no_cost(item):
    result = await ask(item["q"])
    if item["expect"] is None:
        assert result is None
        return
    w = wording(result.intent.lang) if result is not None else None  # the set has one Portuguese question
    assert result is not None and w.t("no model used") in result.text
    assert result.intent.name == item["expect"]["intent"]
    if item["expect"].get("job"):
        assert f"`{item['expect']['job']}`" in result.text or item["expect"]["job"] in result.text
    if result.source == "plan":
        assert result.text.rstrip().endswith(f"{w.t(PLAN_FOOTER)}._") and result.as_of is not None
        assert call_names(result)[0] == "plan.summary"


async def test_job_status_cites_the_plan_data():
    result = await ask("status of job PAYROLL_DAILY")
    text = result.text
    assert "`PAYROLL_DAILY` (stream `HR_PAYROLL`, workstation `CPU_LINUX01`) is **ABEND** (ended in error)" in text
    assert "return code 12" in text and "Started 06:00, ended 06:12 (12 min)" in text
    assert "deadline 11:00, risk high (confidence 23 %)" in text
    assert "_As of 09:59 (UTC) on `PROD` · answered from the plan, no model used._" in text
    assert result.source == "plan" and result.confirm is None
    assert result.as_of == NOW - timedelta(seconds=20)
    assert result.calls == [
        {"name": "plan.summary", "arguments": {"instance": None}},
        {"name": "plan.jobs", "arguments": {"instance": None, "q": "PAYROLL_DAILY", "limit": 50}},
        {"name": "plan.job", "arguments": {"instance": None, "job": "j1"}},
    ]
    assert result.as_dict()["fast_path"] is True and result.as_dict()["tool_calls"] == result.calls


async def test_running_and_stuck_job_status():
    text = (await ask("is BACKUP_NIGHTLY running?")).text
    assert "**EXEC** (running)" in text and "running for 1 h 30 min" in text and "**Stuck**" in text
    late = (await ask("status of GL_CLOSE")).text
    assert "**HOLD**" in late and "Not started yet" in late and "**Late**" in late


async def test_times_are_shown_in_the_operator_time_zone():
    paris = ZoneInfo("Europe/Paris")
    text = (await ask("status of job PAYROLL_DAILY", tz=paris)).text
    assert "Started 07:00, ended 07:12" in text and "(CET)" in text
    listed = (await ask("which jobs failed today?", tz=paris)).text
    assert "since 00:00" in listed and "| `INVOICE_RUN` | SALES | CPU_WIN02 | ABEND | 10:05 | 10:30 | 8 |" in listed


async def test_unknown_job_suggests_close_names():
    text = (await ask("status of job PAYROLL")).text
    assert "No job named `PAYROLL` is in the current plan." in text
    assert "`HR_PAYROLL.PAYROLL_DAILY`" in text and "`HR_PAYROLL.PAYROLL_PREP`" in text
    missing = (await ask("status of job NOPE_JOB")).text
    assert "No job named `NOPE_JOB`" in missing and "Similar names" not in missing


async def test_a_name_in_two_streams_asks_which_one():
    text = (await ask("status of CLEANUP")).text
    assert "2 jobs named `CLEANUP`" in text
    assert "`CPU_LINUX01#SYSTEM.CLEANUP`" in text and "`CPU_WIN02#SALES.CLEANUP`" in text
    sales = (await ask("status of SALES.CLEANUP")).text
    assert "`CLEANUP` (stream `SALES`, workstation `CPU_WIN02`) is **SUCC**" in sales
    by_ws = (await ask("show job CPU_LINUX01#SYSTEM.CLEANUP")).text
    assert "(stream `SYSTEM`, workstation `CPU_LINUX01`)" in by_ws


async def test_lists_filter_by_time_status_and_place():
    last_hour = (await ask("what abended in the last hour")).text
    assert "**1 job** with status ABEND since 09:00" in last_hour
    assert "`INVOICE_RUN`" in last_hour and "PAYROLL_DAILY" not in last_hour
    on_ws = (await ask("list the failed jobs on CPU_WIN02 since 8:00")).text
    assert "**2 jobs** with status ABEND, FAIL, ABENP, ERROR since 08:00 on `CPU_WIN02`" in on_ws
    assert "`REPORT_SALES`" in on_ws and "PAYROLL_DAILY" not in on_ws
    assert (await ask("what is late on CPU_LINUX01")).text.startswith("No late job on `CPU_LINUX01` right now.")
    stream = (await ask("jobs in stream FINANCE_EOD")).text
    assert "**3 jobs** in stream `FINANCE_EOD`" in stream


async def test_long_lists_are_cut_and_point_to_monitoring():
    plan = MemoryPlan()
    base = copy.deepcopy(JOBS[7])  # INVOICE_RUN, ABEND at 09:30
    plan.jobs_rows += [{**base, "id": f"x{i}", "name": f"BULK_{i:02d}"} for i in range(15)]
    text = (await ask("list abended jobs", plan)).text
    assert "**17 jobs** with status ABEND" in text
    assert text.count("| `BULK_") + text.count("| `INVOICE_RUN`") + text.count("| `PAYROLL_DAILY`") == 10
    assert "…and 7 more on the Monitoring page." in text


async def test_summary_and_events():
    text = (await ask("how is TWS doing?")).text
    assert "The plan is **degraded**." in text
    assert "| 2 | 4 | 3 | 3 | 1 | 1 | 13 |" in text and "2 linked, 1 unlinked (of 3)" in text
    events = (await ask("show critical events today")).text
    assert "**3 critical events** since 00:00" in events
    assert events.index("09:30 · critical · job abended · `INVOICE_RUN`") < events.index("06:12 · critical")
    assert "job started" not in events
    recent = await ask("what happened in the last 30 minutes?")
    assert "**1 event** since 09:30" in recent.text
    assert recent.calls[-1] == {"name": "plan.events", "arguments": {
        "instance": None, "since": "2025-03-03T09:30:00+00:00", "limit": 10}}


async def test_workstations():
    assert "Workstation `CPU_LINUX01` is linked" in (await ask("is workstation CPU_LINUX01 linked?")).text
    assert "Workstation `ACCT` is **not linked**" in (await ask("is ACCT linked?")).text
    unlinked = (await ask("which workstations are unlinked?")).text
    assert "**1 workstation** unlinked" in unlinked and "`ACCT`" in unlinked and "CPU_WIN02" not in unlinked
    assert "No workstation named `NOPE_WS`" in (await ask("is workstation NOPE_WS linked?")).text


async def test_a_reader_without_workstation_data_hands_the_question_to_the_model():
    assert await ask("is workstation CPU_LINUX01 linked?", MemoryPlan(with_workstations=False)) is None


async def test_deadline_threats_least_slack_first():
    text = (await ask("What threatens PAYROLL_DAILY's deadline?")).text
    assert "deadline 11:00: **high risk**, confidence 23 % of ending on time (estimated end 11:20)" in text
    assert text.index("`FINANCE_EOD.GL_CLOSE` | HOLD | 20 min behind") < text.index("`FINANCE_EOD.EOD_SETTLEMENT`")
    calm = (await ask("what threatens EOD_SETTLEMENT's deadline?")).text
    assert "**potential risk**" in calm and "No predecessor threatens it now." in calm
    assert "has no deadline in the plan" in (await ask("is GL_POST_01 at risk?")).text


async def test_critical_jobs_at_risk():
    text = (await ask("which critical jobs are at risk?")).text
    assert "**2 critical jobs at risk**" in text
    assert text.index("PAYROLL_DAILY") < text.index("EOD_SETTLEMENT")  # least likely to end on time first
    assert "PAYROLL_PREP" not in text  # normal risk


async def test_critical_jobs_at_risk_leave_out_finished_and_missed_ones():
    plan = MemoryPlan()
    plan.jobs_rows += [
        {**plan.jobs_rows[0], "id": "j20", "name": "DONE_ANYWAY", "status": "SUCC"},  # high risk, but it ended well
        {**plan.jobs_rows[0], "id": "j21", "name": "TOO_LATE", "deadline": at(8)},  # its deadline has passed
    ]
    text = (await ask("which critical jobs are at risk?", plan)).text
    assert "**2 critical jobs at risk**" in text
    assert "DONE_ANYWAY" not in text and "TOO_LATE" not in text


async def test_job_log_dependencies_and_history():
    log = (await ask("show the log of PAYROLL_DAILY")).text
    assert "```\n=== JOB PAYROLL_DAILY" in log and "ERROR: table PAYROLL locked by session 42" in log
    assert "No job log is available" in (await ask("show the log of GL_POST_01")).text
    deps = (await ask("what is PAYROLL_DAILY waiting for?")).text
    assert "2 dependencies, 1 not satisfied" in deps
    assert deps.index("`FINANCE_EOD.GL_CLOSE` (EXTERNAL_JOB) — HOLD · ✗ not satisfied") < deps.index("✓ satisfied")
    assert "no dependencies in the plan" in (await ask("what is GL_POST_01 waiting for?")).text
    history = (await ask("how long does PAYROLL_DAILY usually take?")).text
    assert "Over its last 3 runs: median 11 min (shortest 10 min, longest 14 min)" in history
    assert "| 2025-03-02 06:00 | 10 min | SUCC | 0 |" in history


async def test_log_excerpts_cannot_break_out_of_their_block():
    plan = MemoryPlan()
    original = plan.job

    def job(instance, job_id_or_name):
        detail = original(instance, job_id_or_name)
        if detail:
            detail["log_excerpt"] = "line 1\n```\n# injected heading\n" + "\n".join(f"l{i}" for i in range(100))
        return detail

    plan.job = job
    text = (await ask("show the log of PAYROLL_DAILY", plan)).text
    block = text.split("```\n", 1)[1].split("\n```", 1)[0]
    assert "```" not in block and "l99" in block and "l10\n" not in block  # the end of the log, in one block


async def test_action_requests_ask_for_confirmation_and_change_nothing():
    plan = MemoryPlan()
    before = copy.deepcopy(plan.jobs_rows)
    result = await ask("rerun PAYROLL_DAILY", plan)
    assert "**Rerun `HR_PAYROLL.PAYROLL_DAILY`?** Nothing has been done yet" in result.text
    assert "Note:" not in result.text
    assert result.confirm == {"action": "rerun", "job_id": "j1", "job": "PAYROLL_DAILY", "job_stream": "HR_PAYROLL",
                              "workstation": "CPU_LINUX01", "instance": "PROD"}
    assert plan.jobs_rows == before
    hold_done = await ask("please hold job GL_POST_01", plan)
    assert "Note: it has already ended; a hold only keeps a job from starting." in hold_done.text
    assert hold_done.confirm["action"] == "hold"
    assert "Note: it is running now" in (await ask("cancel BACKUP_NIGHTLY", plan)).text
    assert "Note:" not in (await ask("release GL_CLOSE", plan)).text
    assert "Note: it is not on hold." in (await ask("release EOD_SETTLEMENT", plan)).text
    unknown = await ask("rerun NOPE_JOB", plan)
    assert unknown.confirm is None and "Nothing was done." in unknown.text
    assert plan.jobs_rows == before


async def test_one_stream_job_on_two_workstations_is_two_jobs_not_two_runs():
    """STREAM.JOB on two workstations are different jobs: the fast path asks which one (it used to take them for
    two runs of one job and propose an action on either), and with the workstation it proposes that exact job."""
    plan = MemoryPlan()
    twin = next(dict(r) for r in plan.jobs_rows if r["id"] == "j1")
    twin.update(id="j1-win", workstation="CPU_WIN02")
    plan.jobs_rows.append(twin)
    ambiguous = await ask("rerun HR_PAYROLL.PAYROLL_DAILY", plan)
    assert ambiguous.confirm is None and "2 jobs named `PAYROLL_DAILY`" in ambiguous.text
    assert "`CPU_LINUX01#HR_PAYROLL.PAYROLL_DAILY`" in ambiguous.text
    assert "`CPU_WIN02#HR_PAYROLL.PAYROLL_DAILY`" in ambiguous.text
    exact = await ask("rerun CPU_WIN02#HR_PAYROLL.PAYROLL_DAILY", plan)
    assert exact.confirm["job_id"] == "j1-win" and exact.confirm["workstation"] == "CPU_WIN02"


async def test_action_confirmation_names_the_instance_asked_for():
    result = await ask("rerun PAYROLL_DAILY", instance="QA")
    assert result.confirm["instance"] == "QA"
    assert all(call["arguments"]["instance"] == "QA" for call in result.calls)


async def test_an_async_reader_gives_the_same_answers():
    for question in ("status of job PAYROLL_DAILY", "which critical jobs are at risk?", "show critical events today",
                     "which workstations are unlinked?", "rerun PAYROLL_DAILY"):
        sync, asynchronous = await ask(question, MemoryPlan()), await ask(question, AsyncMemoryPlan())
        assert sync.text == asynchronous.text and sync.confirm == asynchronous.confirm


async def test_stale_snapshot_is_said():
    text = (await ask("what is late?", MemoryPlan(stale=True))).text
    assert text.startswith("⚠ TWS has not answered since 09:50: this data may be out of date.")


async def test_no_snapshot_yet():
    result = await ask("status of job PAYROLL_DAILY", MemoryPlan(empty=True))
    assert "No plan data is available for this TWS instance yet" in result.text and "no model used" in result.text


async def test_questions_for_the_model_make_no_read():
    class Recording(MemoryPlan):
        reads = 0

        def summary(self, instance):
            Recording.reads += 1
            return super().summary(instance)

    assert await ask("why did PAYROLL_DAILY fail?", Recording()) is None
    assert Recording.reads == 0


async def test_knowledge_from_the_builtin_base():
    result = await ask("what does ABEND mean?")
    assert result.source == "knowledge:builtin" and result.as_of is None
    assert result.text.startswith("**ABEND and ABENP: the job ended in error**")
    assert "_From the built-in knowledge base (`status-abend`) · no model used._" in result.text
    assert "See also: Troubleshooting an abend" in result.text
    assert result.calls == [{"name": "knowledge_search", "arguments": {"query": "what does ABEND mean", "limit": 3}}]


async def test_knowledge_from_the_rag_service():
    with FakeRagServer() as rag:
        rag.results = [{"id": "kb-42", "title": "Site runbook: ABEND", "text": "Call the on-call DBA.", "score": 9}]

        async def via_rag(query, limit):
            return await knowledge_search(query, limit, rag=RagClient(url=rag.url, timeout=5, max_retries=0))

        result = await ask("what does ABEND mean?", knowledge=via_rag)
    assert result.source == "knowledge:rag"
    assert result.text == ("**Site runbook: ABEND**\n\nCall the on-call DBA.\n\n"
                           "_From the knowledge service (RAG) · no model used._")


HOSTILE_TITLE = 'Runbook <img src=x onerror="alert(1)"> [click](javascript:alert(2))'
HOSTILE_TEXT = ('Step 1 <script>window.pwned=1</script>\n\n<iframe srcdoc="<script>parent.pwned=2</script>">'
                '</iframe>\n![pixel](http://127.0.0.1:9/pixel.png) <javascript:alert(3)> `code`')


async def test_knowledge_service_text_is_escaped_never_markdown_links_images_or_html():
    """A RAG document is text Resync did not write: its title, snippet and the other hits' titles are shown as
    text (every `[`, `]`, `<`, `>`, backquote escaped)."""
    with FakeRagServer() as rag:
        rag.results = [{"id": "kb-1", "title": HOSTILE_TITLE, "text": HOSTILE_TEXT, "score": 9},
                       {"id": "kb-2", "title": "See <b>this</b> ![x](http://127.0.0.1:9/x.png)", "text": "t",
                        "score": 3}]

        async def via_rag(query, limit):
            return await knowledge_search(query, limit, rag=RagClient(url=rag.url, timeout=5, max_retries=0))

        text = (await ask("what does ABEND mean?", knowledge=via_rag)).text
    assert text.startswith("**Runbook \\<img src=x onerror=\"alert(1)\"\\> \\[click\\](javascript:alert(2))**\n\n")
    assert "Step 1 \\<script\\>window.pwned=1\\</script\\> \\<iframe srcdoc=" in text
    assert "!\\[pixel\\](http://127.0.0.1:9/pixel.png) \\<javascript:alert(3)\\> \\`code\\`" in text
    assert "See also: See \\<b\\>this\\</b\\> !\\[x\\](http://127.0.0.1:9/x.png)." in text
    unescaped = re.sub(r"\\.", "", text)  # what is left once every escaped character is removed
    assert not re.search(r"[<>\[\]`]", unescaped)


async def test_knowledge_without_an_answer_goes_to_the_model():
    assert await ask("what does XYZZY mean?") is None


async def test_answer_accepts_an_intent_directly():
    result = await answer(Intent("summary"), MemoryPlan(), now=NOW + timedelta(days=1))
    assert "As of 2025-03-03 09:59" in result.text  # another day: the date is shown


def test_time_helpers():
    from resync_app.assistant import fmt

    assert fmt.duration(None) == "–" and fmt.duration(42) == "42 s" and fmt.duration(3900) == "1 h 05 min"
    assert fmt.slack(-1200) == "20 min behind" and fmt.slack(900) == "15 min" and fmt.slack(None) == "–"
    assert fmt.to_datetime("2025-03-03T09:00:00") == datetime(2025, 3, 3, 9, tzinfo=timezone.utc)
    assert fmt.to_datetime("not a time") is None
    assert fmt.cell("a|b\nc") == "a\\|b c" and fmt.name("x`y") == "`xy`"


async def test_text_from_the_plan_cannot_inject_markdown():
    plan = MemoryPlan()
    original = plan.events

    def events(instance, **kwargs):
        page = original(instance, **kwargs)
        for event in page["results"]:
            event["message"] = "click [here](javascript:alert(1)) <img src=x onerror=alert(1)> | # title"
        return page

    plan.events = events
    text = (await ask("show critical events today", plan)).text
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(lines) == 3
    for line in lines:
        message = line.split(" — ", 1)[1]
        assert message == "click \\[here\\](javascript:alert(1)) \\<img src=x onerror=alert(1)\\> \\| # title"
        assert not re.search(r"(?<!\\)[\[\]<>|]", message)  # no unescaped link, HTML or cell syntax


async def test_one_job_on_two_plan_days_answers_about_the_run_that_started():
    """A plan spanning two days holds PAYROLL_PREP twice (same stream and workstation): not "ambiguous", but the
    run that has started (tomorrow's is only scheduled)."""
    plan = MemoryPlan()
    tomorrow = copy.deepcopy(next(r for r in plan.jobs_rows if r["id"] == "j13"))
    tomorrow.update(id="j13-next", status="HOLD", start=None, end=None, return_code=None,
                    scheduled_start=(NOW + timedelta(days=1)).isoformat())
    plan.jobs_rows.append(tomorrow)
    result = await ask("status of job PAYROLL_PREP", plan)
    assert "are in the plan" not in result.text
    assert "`PAYROLL_PREP` (stream `HR_PAYROLL`, workstation `CPU_LINUX01`) is **SUCC**" in result.text
    assert {"name": "plan.job", "arguments": {"instance": None, "job": "j13"}} in result.calls
