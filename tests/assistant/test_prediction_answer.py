"""The fast path's answer to "when will X finish?" / "will X make its deadline?" (intent `job_estimate`, issue 17):
the estimated end, its 80 % interval, the chance of ending on time and the top causes, in English and Portuguese."""

from __future__ import annotations

from tests.assistant.plan_double import MemoryPlan
from tests.assistant.test_fastpath import ask


async def test_when_will_it_finish_gives_the_interval_and_the_causes():
    result = await ask("when will EOD_SETTLEMENT finish?")
    assert result.intent.name == "job_estimate" and result.source == "plan"
    text = result.text
    assert "`EOD_SETTLEMENT` is **READY**." in text
    assert "Estimated end **11:40**, 80 % interval 11:20–12:10." in text
    assert "Deadline 12:00: **uncertain**, 61 % chance of ending on time (potential risk)." in text
    assert text.index("GL_CLOSE is running slower than usual (+21 min)") < text.index(
        "EOD_SETTLEMENT started late (or cannot start on time) (+4 min)")  # most minutes first
    assert "no model used" in text and {"name": "plan.job", "arguments": {"instance": None, "job": "j5"}} \
        in result.calls


async def test_will_it_make_its_deadline_in_portuguese():
    result = await ask("o job EOD_SETTLEMENT vai cumprir o prazo?")
    assert result.intent.name == "job_estimate" and result.intent.lang == "pt-BR"
    text = result.text
    assert "Término estimado **11:40**, intervalo de 80 % 11:20–12:10." in text
    assert "Prazo 12:00: **incerto**, 61 % de chance de terminar no prazo (risco potencial)." in text
    assert "GL_CLOSE está mais lento que o normal (+21 min)" in text
    assert "O que o atrasa:" in text
    when = (await ask("quando o job EOD_SETTLEMENT termina?")).text
    assert "Término estimado **11:40**" in when


async def test_finished_failed_and_unestimated_jobs_say_so():
    done = (await ask("when will PAYROLL_PREP finish?")).text
    assert "It ended at 05:55, within its deadline (09:00)." in done
    failed = (await ask("will PAYROLL_DAILY make its deadline?")).text
    assert "It will not finish without an operator" in failed
    plan = MemoryPlan()
    plan.jobs_rows = [dict(r, estimated_end=None) if r["name"] == "EOD_SETTLEMENT" else r for r in plan.jobs_rows]
    missing = (await ask("when will EOD_SETTLEMENT finish?", plan)).text
    assert "No estimate for it yet" in missing and "80 %" not in missing
    assert "No job named `NOPE_JOB`" in (await ask("when will NOPE_JOB finish?")).text
