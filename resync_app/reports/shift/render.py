"""The shift report as Markdown (a ticket, an e-mail, the page's "Copy as Markdown") and as CSV (a spreadsheet):
the same content as the JSON of `report.build`, rendered from it — nothing is computed twice.

Text that Resync did not write (job, stream and workstation names, user names, TWS statuses and errors) never
becomes markup: names are code spans (backticks removed, pipes escaped inside tables), other text has every ASCII
punctuation character backslash-escaped, so no link, autolink, image, HTML, emphasis or table break can come out
of it. Job names link to their /monitoring drawer only when RESYNC_PUBLIC_URL says where the console is (a
relative link means nothing in an e-mail). CSV cells that a spreadsheet would run as a formula (=, +, -, @ first)
get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from resync_app.settings import get_settings

TOTAL_LABELS = (("started", "started"), ("completed", "completed"), ("abended", "abended"), ("reruns", "reruns"),
                ("holds", "holds"), ("releases", "releases"), ("cancels", "cancels"), ("late", "late"),
                ("stuck", "stuck"), ("critical_missed", "critical missed"),
                ("critical_at_risk", "critical at risk"))
FLAG_WORDS = {"late": "late", "stuck": "stuck", "at_risk": "at risk"}
REASON_WORDS = {"abended": "abended", "stuck": "stuck", "late": "late", "at_risk": "critical, at risk",
                "held": "held by an operator"}
ANONYMOUS_USER = "(sign in to see)"
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character (CommonMark escapes them all)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def link_base() -> str | None:
    """Where the console is for people reading the report elsewhere: the first RESYNC_PUBLIC_URL, else None."""
    urls = get_settings().public_urls
    return urls[0] if urls else None


# ---- words shared by both renderings ---------------------------------------------------------------------------

def when(iso: str | None) -> str:
    """"2026-12-01 06:00" (the report's times are in RESYNC_TIMEZONE already); "" when unknown."""
    return iso[:16].replace("T", " ") if iso else ""


def now_words(status: str | None, run: int | None = None, was_run: int | None = None, text=str) -> str:
    """What a job is now: its status, the run when it was rerun since; "not in the plan" when it left. `text`
    renders the status (which TWS wrote)."""
    if not status:
        return "not in the plan"
    return f"{text(status)} (run {run})" if run is not None and was_run is not None and run > was_run else text(status)


def result_words(row: dict[str, Any], text=str) -> str:
    return row["result"] if not row.get("error") else f"{row['result']} ({text(row['error'])})"


def user_words(report: dict[str, Any], row: dict[str, Any]) -> str:
    return row["user"] if report["users_shown"] else ANONYMOUS_USER


# ---- Markdown ---------------------------------------------------------------------------------------------------

def md_text(value: Any) -> str:
    """Free text on one line with every Markdown-active character escaped."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(value if value is not None else "").split()))


def md_code(value: Any, in_table: bool = True) -> str:
    """A name as a code span (never a link or HTML)."""
    text = " ".join(str(value or "").replace("`", "").split())
    if not text:
        return ""
    return f"`{text.replace('|', chr(92) + '|') if in_table else text}`"


def md_job(row: dict[str, Any], base: str | None, key: str = "job") -> str:
    label = md_code(row.get(key) or row.get("job_id"))
    return f"[{label}]({base}{row['link']})" if base and row.get("link") and label else label


def md_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell or "–" for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _section(title: str, count: int, headers: list[str], rows: list[list[str]], more: int) -> str:
    if not count:
        return f"## {title} (0)\n\nNone."
    tail = f"\n\n…and {more} more (the CSV or the page lists up to the report's limit)." if more > 0 else ""
    return f"## {title} ({count})\n\n{md_table(headers, rows)}{tail}"


def markdown(report: dict[str, Any], base: str | None = None) -> str:
    """The report as GitHub-flavoured Markdown."""
    totals, more = report["totals"], report["more"]
    display = report["display_name"]
    named = f"{md_code(report['instance'], False)}" + (f" ({md_text(display)})" if display != report["instance"]
                                                         else "")
    head = [f"# Shift report: {named}", "",
            f"{when(report['from'])} → {when(report['to'])} ({md_text(report['timezone'])}, "
            f"{report['hours']:g} h) · plan as of {when(report['as_of']) or 'never polled'} · "
            f"generated {when(report['generated_at'])}"]
    if report.get("stale_since"):
        head.append(f"\n⚠ TWS has not answered since {when(report['stale_since'])}: the plan may be out of date.")
    parts = ["\n".join(head),
             "## Totals\n\n" + md_table([label for _, label in TOTAL_LABELS],
                                        [[str(totals[key]) for key, _ in TOTAL_LABELS]])]
    parts.append(_section("Abended", totals["abended"], ["at", "job", "stream", "workstation", "RC", "now"], [
        [when(r["at"]), md_job(r, base), md_code(r["job_stream"]), md_code(r["workstation"]),
         "" if r["return_code"] is None else str(r["return_code"]),
         now_words(r["now_status"], r["now_run"], r["run"], md_text)] for r in report["abended"]],
        more["abended"]))
    parts.append(_section("Operator actions", len(report["actions"]) + more["actions"],
                          ["at", "user", "action", "job", "result", "job now"], [
        [when(r["at"]), md_code(r["user"]) if report["users_shown"] else ANONYMOUS_USER,
         md_text(r["action"]), md_job(r, base), result_words(r, md_text), now_words(r["now_status"], text=md_text)]
        for r in report["actions"]], more["actions"]))
    parts.append(_section("Late, stuck or at risk", len(report["late"]) + more["late"],
                          ["first flagged", "job", "stream", "workstation", "flagged", "now"], [
        [when(r["at"]), md_job(r, base), md_code(r["job_stream"]), md_code(r["workstation"]),
         ", ".join(FLAG_WORDS[f] for f in r["flags"]), now_words(r["now_status"], text=md_text)]
        for r in report["late"]], more["late"]))
    parts.append(_section("Critical jobs that missed their deadline", totals["critical_missed"],
                          ["deadline", "job", "stream", "workstation", "ended", "now"], [
        [when(r["deadline"]), md_job(r, base), md_code(r["job_stream"]), md_code(r["workstation"]),
         when(r["end"]), now_words(r["now_status"], text=md_text)] for r in report["missed"]], more["missed"]))
    parts.append(_section("Still open now", report["open_counts"]["total"],
                          ["job", "stream", "workstation", "status", "why"], [
        [md_job(r, base), md_code(r["job_stream"]), md_code(r["workstation"]), md_text(r["status"]),
         ", ".join(REASON_WORDS[x] for x in r["reasons"])] for r in report["open"]], more["open"]))
    return "\n\n".join(parts) + "\n"


# ---- CSV --------------------------------------------------------------------------------------------------------

CSV_COLUMNS = ("section", "item", "value", "at", "job", "job_id", "job_stream", "workstation", "return_code",
               "status", "now_status", "user", "action", "result", "flags", "deadline", "ended", "link")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def csv_text(report: dict[str, Any], base: str | None = None) -> str:
    """The report as one CSV table: `report` and `totals` rows (item, value), then one row per listed job."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()

    def put(section: str, **values: Any) -> None:
        if "link" in values:
            values["link"] = (base or "") + values["link"]
        writer.writerow({k: _cell(v) for k, v in {"section": section, **values}.items()})

    for key in ("instance", "display_name", "from", "to", "timezone", "generated_at", "as_of"):
        put("report", item=key, value=report[key])
    for key, _ in TOTAL_LABELS:
        put("totals", item=key, value=report["totals"][key])
    put("totals", item="actions_failed", value=report["totals"]["actions_failed"])
    for r in report["abended"]:
        put("abended", at=r["at"], job=r["job"], job_id=r["job_id"], job_stream=r["job_stream"],
            workstation=r["workstation"], return_code=r["return_code"], status=r["status"],
            now_status=now_words(r["now_status"], r["now_run"], r["run"]), link=r["link"])
    for r in report["actions"]:
        put("actions", at=r["at"], job=r["job"], job_id=r["job_id"], user=user_words(report, r),
            action=r["action"], result=result_words(r), now_status=now_words(r["now_status"]), link=r["link"])
    for r in report["late"]:
        put("late", at=r["at"], job=r["job"], job_id=r["job_id"], job_stream=r["job_stream"],
            workstation=r["workstation"], flags=" ".join(r["flags"]), now_status=now_words(r["now_status"]),
            link=r["link"])
    for r in report["missed"]:
        put("missed", job=r["job"], job_id=r["job_id"], job_stream=r["job_stream"], workstation=r["workstation"],
            deadline=r["deadline"], ended=r["end"], now_status=now_words(r["now_status"]), link=r["link"])
    for r in report["open"]:
        put("open", job=r["job"], job_id=r["job_id"], job_stream=r["job_stream"], workstation=r["workstation"],
            status=r["status"], flags=" ".join(r["reasons"]), deadline=r["deadline"], link=r["link"])
    return out.getvalue()


def render(report: dict[str, Any], fmt: str) -> str:
    """"md" or "csv" (links absolute when RESYNC_PUBLIC_URL is set)."""
    base = link_base()
    return markdown(report, base) if fmt == "md" else csv_text(report, base)
