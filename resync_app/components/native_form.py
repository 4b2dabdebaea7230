"""A plain HTML form that the browser submits itself (Reflex's form always prevents the default submit).

Used where the server must answer with a redirect and an HttpOnly cookie: sign-in and sign-out.
"""

from __future__ import annotations

from reflex_components_core.el.elements.forms import Form


class NativeForm(Form):
    """`<form action=… method=post>` without a client-side submit handler."""

    @classmethod
    def create(cls, *children, **props):
        return super(Form, cls).create(*children, **props)


native_form = NativeForm.create
