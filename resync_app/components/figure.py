"""`Fig`: the part of `plotly.graph_objects.Figure`'s API the chart builders use, on plain plotly JSON.

A `go.Figure` creates a property object, with its validators, for every layout attribute it is given: about 50 ms
for the layout of one small chart, so 400–600 ms for the seven charts of /metrics/dashboard whenever its window
changes (issue 19: clicks that answer at once). `Fig` keeps the layout as a dict and merges updates into it;
`figure()` hands the result to `go.Figure(…, _validate=False)`, which stores it as it is (under a millisecond).
Traces are still built as `go.Bar`, `go.Scatter` … objects (cheap), so their arguments are checked.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

_NESTED = ("title",)  # magic-underscore keys the builders use: title_text → {"title": {"text": …}}


def _expand(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        head, _, rest = key.partition("_")
        if rest and head in _NESTED:
            merge(out, {head: _expand({rest: value})})
        else:
            merge(out, {key: value})
    return out


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Merge `patch` into `base` in place (nested dicts merged, anything else replaced) and return `base`."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


def _json(trace: Any) -> dict[str, Any]:
    return trace.to_plotly_json() if hasattr(trace, "to_plotly_json") else dict(trace)


class Fig:
    """A figure under construction: traces and a layout as plotly JSON."""

    def __init__(self, traces: Any = ()) -> None:
        if not isinstance(traces, list | tuple):
            traces = [traces]
        self.data: list[dict[str, Any]] = [_json(t) for t in traces]
        self.layout: dict[str, Any] = {}

    def add_trace(self, trace: Any) -> Fig:
        self.data.append(_json(trace))
        return self

    def update_layout(self, patch: dict[str, Any] | None = None, **values: Any) -> Fig:
        merge(self.layout, _expand({**(patch or {}), **values}))
        return self

    def _axes(self, letter: str, values: dict[str, Any]) -> Fig:
        names = [k for k in self.layout if k == f"{letter}axis" or (k.startswith(f"{letter}axis") and
                                                                    k[5:].isdigit())] or [f"{letter}axis"]
        for name in names:
            merge(self.layout.setdefault(name, {}), _expand(values))
        return self

    def update_xaxes(self, **values: Any) -> Fig:
        """Every x axis (as go.Figure.update_xaxes)."""
        return self._axes("x", values)

    def update_yaxes(self, **values: Any) -> Fig:
        """Every y axis (as go.Figure.update_yaxes)."""
        return self._axes("y", values)

    def add_annotation(self, **values: Any) -> Fig:
        self.layout.setdefault("annotations", []).append(_expand(values))
        return self

    def add_hline(self, y: float, line: dict[str, Any], annotation_text: str = "",
                  annotation_font: dict[str, Any] | None = None) -> Fig:
        """A horizontal line across the plot at `y`, its label above its left end (go.Figure.add_hline with
        annotation_position="top left")."""
        self.layout.setdefault("shapes", []).append({"type": "line", "xref": "x domain", "x0": 0, "x1": 1,
                                                      "yref": "y", "y0": y, "y1": y, "line": line})
        if annotation_text:
            self.add_annotation(text=annotation_text, showarrow=False, xref="x domain", x=0, xanchor="left",
                                yref="y", y=y, yanchor="bottom", font=annotation_font or {})
        return self

    def figure(self) -> go.Figure:
        """The go.Figure, stored as it is (no property objects, no validation)."""
        return go.Figure({"data": self.data, "layout": self.layout}, _validate=False)
