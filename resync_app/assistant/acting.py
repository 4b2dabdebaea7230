"""Action requests in the chat from someone who is not signed in (issue 18, "Also").

Anyone may read the plan in the chat, but only a signed-in operator or admin may rerun, hold, release or cancel
a job. So an action request from an anonymous visitor (page or `POST /api/v1/chat`) gets no proposal to confirm:
the answer says to sign in first, and nothing is done.
"""

from __future__ import annotations

from resync_app.assistant.lang import Wording
from resync_app.assistant.lang.en import ENGLISH

SIGN_IN_PATH = "/login?next=/"
NOT_SIGNED_IN_TOOL_NOTE = ("The user is not signed in, so no action can be proposed or confirmed: tell them to sign "
                           "in as an operator to act. Nothing was done.")


def sign_in_to_act(action: str, job: str, w: Wording = ENGLISH) -> str:
    """The sentence an anonymous visitor gets instead of a confirm button (`job`: inline code or a name), in the
    question's language (`w`)."""
    return w.t("**Sign in to {action} {job}.** You are not signed in: anyone may ask about the plan, but only a "
               "signed-in operator can {action} a job. [Sign in]({path}), then ask again. Nothing was done.",
               action=w.term(action), job=job, path=SIGN_IN_PATH)
