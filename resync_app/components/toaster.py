"""The toasts of server handlers, shown by the page itself: `toast_listener()`, in the admin and operator frames.

A handler returns `state.toast.success("…")` (or info / warning / error): that sets `ToastState.toast`, plain
data. The hook here, compiled into the page bundle, shows each new one once with Reflex's toaster (Sonner, which
renders the message as text). What the state held when the page mounted, or sent with a full state on (re)connect
(while the root state is not hydrated yet), is remembered, not shown again. (Not an app wrap: Reflex hoists an
app wrap's hooks above its state provider.) No code travels from the server:
the Content-Security-Policy allows no `eval` (`web/csp.py`).
"""

from __future__ import annotations

import reflex as rx
from reflex_base.utils.imports import ImportVar
from reflex_base.vars.base import Var, VarData

from resync_app.state.toast import LEVELS, ToastState

_HOOK = """
const resyncToastSeen = useRef(null);
useEffect(() => {
  const latest = %(toast)s || {};
  const id = Number(latest.id) || 0;
  if (resyncToastSeen.current === null || !%(hydrated)s || id < resyncToastSeen.current) {
    resyncToastSeen.current = id;
    return;
  }
  if (id === resyncToastSeen.current) { return; }
  resyncToastSeen.current = id;
  const show = refs['__toast'];
  if (!show || !latest.message) { return; }
  const level = %(levels)s.includes(latest.level) ? latest.level : 'info';
  show[level](String(latest.message));
}, [%(toast)s, %(hydrated)s]);
"""


def toast_listener(*children: rx.Component) -> rx.Component:
    """Shows `ToastState.toast` each time it changes (renders its children, nothing else)."""
    toast, hydrated = ToastState.toast, rx.State.is_hydrated
    code = _HOOK % {"toast": toast, "hydrated": hydrated, "levels": list(LEVELS)}
    imports = VarData(imports={"react": [ImportVar(tag="useEffect"), ImportVar(tag="useRef")],
                               "$/utils/state": [ImportVar(tag="refs")]})
    hook = Var(_js_expr=code, _var_data=VarData.merge(toast._get_all_var_data(), hydrated._get_all_var_data(),
                                                      imports))

    class ToastListener(rx.Fragment):
        def add_hooks(self) -> list[Var]:
            return [hook]

    return ToastListener.create(*children)
