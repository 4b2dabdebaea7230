"""Markdown for text Resync did not write (model answers, knowledge documents, job and TWS text): `safe_markdown`.

`rx.markdown` adds `rehype-raw` (raw HTML becomes elements), `remark-math` and KaTeX. This component is
react-markdown configured instead, with no rehype plugin at all:

- **No raw HTML.** Without `rehype-raw`, react-markdown turns every HTML fragment of the text into plain text
  (`<script>` shows as the characters "<script>"), and `allowedElements` keeps only the elements Markdown itself
  makes (anything else is unwrapped to its text).
- **Links are http(s) or in-app paths only.** `urlTransform` keeps absolute http(s) URLs and paths of this site
  (`/login?next=/`, not `//host`) and drops every other URL (`javascript:`, `data:`, other relative forms,
  fragments): such a link shows as its text. Links open in a new tab with rel="noopener noreferrer nofollow".
- **Images are never fetched.** An image shows as "[image: alt]" text; its URL is dropped before rendering.
- GitHub Markdown (tables, strikethrough, autolinks) stays; math does not (a `$` is just a dollar).

The Content-Security-Policy (`resync_app/web/csp.py`) backs this up in the browser.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.components.markdown.markdown import Markdown
from reflex_base.components.component import field
from reflex_base.vars.base import Var
from reflex_base.vars.sequence import LiteralArrayVar

LINK_REL = "noopener noreferrer nofollow"

# what Markdown (CommonMark + GFM) produces; `img` is kept only to be shown as text (see `_image`)
ALLOWED_ELEMENTS = ("p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote", "a", "img",
                    "ul", "ol", "li", "input", "h1", "h2", "h3", "h4", "h5", "h6",
                    "table", "thead", "tbody", "tr", "th", "td", "sup", "section")

# react-markdown's `urlTransform(url, key, node)`: keep an `a` element's absolute http(s) URL or an in-app path
# ("/login?next=/", never "//host" or "/\\host"), drop anything else (null removes the attribute: no href, no src).
URL_TRANSFORM = Var(
    _js_expr="((url, key, node) => (key === 'href' && node.tagName === 'a'"
             " && (/^https?:\\/\\/[^\\s\\/]/i.test(url) || /^\\/(?![\\/\\\\])\\S*$/.test(url)) ? url : null))")

_NO_HREF = Var(_js_expr="undefined")  # a dropped URL leaves no href (rx.link's default is "#")
_IMAGE_TEXT = Var(_js_expr="(props.alt ? '[image: ' + props.alt + ']' : '[image]')", _var_type=str)


class _ReactMarkdown(Markdown):
    """react-markdown with the options `rx.markdown` does not expose."""

    url_transform: Var[Any] = field(doc="Rewrites (or drops, with null) every URL of the rendered tree.")
    allowed_elements: Var[list[str]] = field(doc="The only elements rendered; others are removed.")
    unwrap_disallowed: Var[bool] = field(doc="A removed element is replaced by its children.")
    skip_html: Var[bool] = field(doc="Drop raw HTML instead of showing it as text.")


def _link(children: Any, **props: Any) -> rx.Component:
    return rx.link(children, href=_NO_HREF, as_child=False, rel=LINK_REL, target="_blank", **props)


def _image(_children: Any, **props: Any) -> rx.Component:
    return rx.text.span(_IMAGE_TEXT, class_name="md-image-alt", color=rx.color("gray", 11), **props)


def safe_markdown(text: str | Var, **props: Any) -> rx.Component:
    """`text` as Markdown without raw HTML, with http(s) links only and no remote images (module docstring);
    `props` style the box around it."""
    return rx.box(
        _ReactMarkdown.create(
            text,
            component_map={"a": _link, "img": _image},
            remark_plugins=LiteralArrayVar.create([rx.markdown.plugin.gfm]),
            rehype_plugins=LiteralArrayVar.create([]),
            url_transform=URL_TRANSFORM,
            allowed_elements=list(ALLOWED_ELEMENTS),
            unwrap_disallowed=True,
            skip_html=False,
        ),
        **props,
    )
