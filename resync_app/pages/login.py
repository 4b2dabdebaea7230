"""/login: sign-in for admins and operators. The form posts to the server, which sets an HttpOnly session cookie."""

from __future__ import annotations

import reflex as rx

from resync_app.components.brand import mark
from resync_app.components.native_form import native_form
from resync_app.state.session import LoginState


def login() -> rx.Component:
    return rx.center(
        rx.card(
            native_form(
                rx.vstack(
                    rx.hstack(mark("32px"), rx.heading("Resync sign-in", size="6"), align="center"),
                    rx.cond(LoginState.signed_out,
                            rx.callout("You have signed out.", icon="info", color_scheme="green", width="100%")),
                    rx.cond(LoginState.login_message != "",
                            rx.callout(LoginState.login_message, icon="triangle-alert", color_scheme="red",
                                       width="100%", id="login-error")),
                    rx.text("Username", size="2", weight="medium"),
                    rx.input(name="username", id="username", auto_complete="username", required=True,
                             width="100%", size="3"),
                    rx.text("Password", size="2", weight="medium"),
                    rx.input(name="password", id="password", type="password", auto_complete="current-password",
                             required=True, width="100%", size="3"),
                    rx.el.input(type="hidden", name="next", value=LoginState.login_next),
                    rx.button("Sign in", type="submit", width="100%", size="3", id="sign-in"),
                    rx.link("← Operator dashboards", href="/", size="2"),
                    spacing="3",
                    width="100%",
                ),
                action="/api/v1/auth/session",
                method="post",
            ),
            width="100%",
            max_width="26em",
            padding=rx.breakpoints(initial="1.25em", xs="2em"),
        ),
        min_height="100vh",
        padding="1em",
        background=rx.color("gray", 2),
    )
