"""`/realtime-dashboard` state: display vars fed by the worker's one live producer (`live.fanout`).

A tab never polls. Its `open` (on mount) joins the producer's room for the chosen instance and copies the latest
build into the state; from then on the producer pushes the vars that changed, every `tws_dashboard_refresh_seconds`
or right after a poll, to every tab at once. `close` (on unmount) leaves the room; a closed tab leaves it by
disconnecting. Handlers here only read public plan data: operator pages are readable without signing in, unless
RESYNC_OPERATOR_LOGIN=required: then a tab whose session ended gets no further push (`guard.live_viewers`, asked
by the producer before each push) and is sent to /login.
"""

from __future__ import annotations

import plotly.graph_objects as go
import reflex as rx

from resync_app.components import charts
from resync_app.config.store import setting
from resync_app.live import realtime
from resync_app.state import guard
from resync_app.state.event_limits import limited
from resync_app.state.instance_choice import instance_choice
from resync_app.live.fanout import Channel, FanOut, app_rooms
from resync_app.live.realtime import FeedRow, Kpi, RiskRow, WsTile
from resync_app.tws.poll_store import SNAPSHOT_TOPIC

THEMES = {"light": "light", "dark": "dark"}  # anything else ("auto") follows the app's colour mode
SUMMARY = "/api/v1/tws/summary"  # the REST route these handlers mirror: they count against its limits


class RealtimeState(rx.State):
    """One tab of /realtime-dashboard (every var but the instance choice is pushed by the producer)."""

    health: str = "unknown"
    health_text: str = "Connecting…"
    kpis: list[Kpi] = []
    workstations: list[WsTile] = []
    events: list[FeedRow] = []
    at_risk: list[RiskRow] = []
    chart: go.Figure = charts.blank()
    as_of: str = ""
    updated: str = ""
    stale_since: str = ""
    last_event_id: int = 0
    display_name: str = ""
    instance: str = ""  # "" = the primary instance
    instance_shown: str = ""  # the instance whose data is on screen (what the picker shows)
    instance_names: list[str] = []
    refresh_s: int = 5
    notifications: bool = False
    theme: str = "inherit"
    _topic: str = ""

    def _apply(self, values: dict) -> None:
        for key, value in values.items():
            setattr(self, key, value)

    @rx.event
    @guard.operator_read_event
    @limited(SUMMARY)
    async def open(self):
        """`on_mount`: settings, the instance list, then join the live room (values now, pushes after)."""
        self.refresh_s = int(realtime.refresh_seconds())
        self.notifications = bool(setting("tws_browser_notifications_enabled"))
        self.theme = THEMES.get(str(setting("tws_dashboard_theme")), "inherit")
        self._pick(self.instance)
        await self._join(self.instance)

    async def _join(self, topic: str) -> None:
        sid = self.router.session.session_id
        if self._topic and self._topic != topic:
            await channel.leave(sid, self._topic)
        self._topic = topic
        self._apply(await channel.join(sid, topic, guard.session_cookie(self)))

    @rx.event
    @guard.operator_read_event
    async def close(self):
        """`on_unmount`: the tab left the page; it stops receiving pushes."""
        if self._topic or self.router.session.session_id:
            await channel.leave(self.router.session.session_id, self._topic)

    def _pick(self, name: str) -> None:
        choice = instance_choice(name)
        self.instance_names, self.instance, self.instance_shown = choice.names, choice.chosen, choice.shown

    @rx.event
    @guard.operator_read_event
    @limited(SUMMARY)
    async def pick_instance(self, name: str):
        self._pick(str(name))
        await self._join(self.instance)


channel = FanOut(Channel(name="realtime", state_name=RealtimeState.get_full_name(), build=realtime.build,
                         interval=realtime.refresh_seconds, wake=SNAPSHOT_TOPIC, admit=guard.live_viewers,
                         leave_to="/login?next=/realtime-dashboard"), app_rooms)
# browser notifications of new critical events: the page's own hook (components/event_notifier.py), no pushed code
