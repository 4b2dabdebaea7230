"""Browser notifications for new critical TWS events, shown by the page itself: `critical_event_notifier`.

The live dashboard's feed (`events`, newest first, pushed by the producer) is watched by a hook compiled into the
page bundle: when the feed gains critical events the tab had not seen, it shows up to 3 notifications (title
"TWS job abended", body the event's message, as text) if notifications are on (`enabled`) and the user allowed
them. The events present when the tab opens are not notified. No code travels from the server (the
Content-Security-Policy allows no `eval`, see `web/csp.py`).
"""

from __future__ import annotations

import reflex as rx
from reflex_base.utils.imports import ImportVar
from reflex_base.vars.base import Var, VarData

MAX_AT_ONCE = 3
TITLE_CHARS, BODY_CHARS = 80, 200

_HOOK = """
const resyncSeenEvent = useRef(null);
useEffect(() => {
  const rows = Array.isArray(%(events)s) ? %(events)s : [];
  const newest = rows.reduce((top, e) => Math.max(top, Number(e.id) || 0), 0);
  if (resyncSeenEvent.current === null) { resyncSeenEvent.current = newest; return; }
  const seen = resyncSeenEvent.current;
  resyncSeenEvent.current = Math.max(seen, newest);
  if (!%(enabled)s || !window.Notification || Notification.permission !== 'granted') { return; }
  rows.filter((e) => Number(e.id) > seen && e.severity === 'critical').slice(0, %(max)d).forEach((e) => {
    new Notification(('TWS ' + String(e.type).replace(/_/g, ' ')).slice(0, %(title)d),
                     {body: String(e.message).slice(0, %(body)d), tag: 'resync-tws'});
  });
}, [%(events)s, %(enabled)s]);
"""


def critical_event_notifier(events: Var, enabled: Var) -> rx.Component:
    """Notify the critical events that appear in `events` (a list var of feed rows) while `enabled` is true.
    Renders nothing; the hook is all it carries."""
    code = _HOOK % {"events": events, "enabled": enabled, "max": MAX_AT_ONCE, "title": TITLE_CHARS,
                    "body": BODY_CHARS}
    react = VarData(imports={"react": [ImportVar(tag="useEffect"), ImportVar(tag="useRef")]})
    hook = Var(_js_expr=code, _var_data=VarData.merge(events._get_all_var_data(), enabled._get_all_var_data(), react))

    class CriticalEventNotifier(rx.Fragment):
        def add_hooks(self) -> list[Var]:
            return [hook]

    return CriticalEventNotifier.create()
