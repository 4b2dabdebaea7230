"""English, the fast path's first language: the words that tell it apart from Portuguese, and its wording.

The intent parser (`intents.py`) is written in English and the answers' English text stays where it is written, in
the fast path's answer builders (it is the message id of the catalogues, as in gettext), so `ENGLISH` translates
nothing: it only carries the English date format and status phrases.
"""

from __future__ import annotations

from resync_app.assistant.fmt import STATUS_PHRASE
from resync_app.assistant.lang.wording import Wording

# Words that only English uses in an operator's question (lower case). Detection counts them.
DETECT_WORDS = frozenset("""
the is are was were what what's whats which who whom whose when where why how did does has have had any of on in at
for from with by and or not my you your can could would should will please show list give tell there this that
these those it its all running late stuck failed abended finished linked unlinked happened summary i i'm it's
doing done yet still again now today since last hour hours minutes waiting depend depends mean means difference
between about put take off
""".split())

ENGLISH = Wording("en", status_phrases=STATUS_PHRASE)
