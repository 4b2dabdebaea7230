"""The shift report (CONTRACT §15): what happened on one TWS instance in a window, and what is still open.

One framework-free service with four front doors — `GET /api/v1/reports/shift` (JSON, Markdown, CSV), the
`/shift-report` page, its "Copy as Markdown" button, and the chat's fast-path answer to "what happened in my
shift?":

    window = parse_window(from_, to, hours, tz=settings.timezone, now=utcnow())   # BadParams → 422
    report = build(instance, window, show_users=signed_in)                        # UnknownInstance → 404
    text = render(report, "md" | "csv")

Modules: `window` (the time window), `reads` (the SQL, counted on indexes), `report` (the JSON), `render`
(Markdown and CSV from the JSON).
"""

from resync_app.reports.shift.render import csv_text, markdown, render
from resync_app.reports.shift.report import LIST_LIMIT, TOTAL_KEYS, build, monitoring_link
from resync_app.reports.shift.window import DEFAULT_HOURS, MAX_HOURS, BadParams, Window, parse_window

FORMATS = ("json", "md", "csv")

__all__ = ["BadParams", "DEFAULT_HOURS", "FORMATS", "LIST_LIMIT", "MAX_HOURS", "TOTAL_KEYS", "Window", "build",
           "csv_text", "markdown", "monitoring_link", "parse_window", "render"]
