"""The Portuguese words of the chat's answers built outside the fast path's answer builders, and of the chat
page's per-answer pieces:

- the sign-in sentence an anonymous action request gets (`acting.py`);
- the frame of an approved operator answer (`learned_search.py`; the approved text itself is shown as written);
- the chat's shift report (`shift.py`);
- the line under each answer (`turns.footer`), "Plan data used", and the confirm card (`state/chat.py`,
  `pages/operator/chat.py`).

Same rules as `pt_br_answers`: the English text is the message id; names, codes and figures are never translated.
"""

from __future__ import annotations

import re

MESSAGES = {
    # sign in to act (acting.py)
    "**Sign in to {action} {job}.** You are not signed in: anyone may ask about the plan, but only a signed-in "
    "operator can {action} a job. [Sign in]({path}), then ask again. Nothing was done.":
        "**Faça login para {action} {job}.** Você não está logado: qualquer pessoa pode consultar o plano, mas só um "
        "operador logado pode {action} um job. [Fazer login]({path}) e pergunte de novo. Nada foi feito.",
    # an approved operator answer (learned_search.py)
    "_From approved answer #{id} · no model used._": "_Da resposta aprovada #{id} · sem uso de modelo._",
    # the line under an answer (turns.footer; "answered from the plan, no model used" is in pt_br_answers)
    "answered from the knowledge base, no model used": "respondido pela base de conhecimento, sem uso de modelo",
    "from approved answer #{id}, no model used": "da resposta aprovada #{id}, sem uso de modelo",
    "{tokens} tokens": "{tokens} tokens",
    "stopped": "interrompida",
    # the chat page: per answer (the rest of the page is English)
    "Plan data used: ": "Dados do plano usados: ",
    "{Action} {job} on {instance}?": "{Action} {job} em {instance}?",
    "Confirm": "Confirmar",
    "Cancel": "Cancelar",
    "Sign in as an operator to confirm actions.": "Faça login como operador para confirmar ações.",
    "This TWS instance is read-only in Resync: no action is possible.":
        "Esta instância do TWS é somente leitura no Resync: nenhuma ação é possível.",
    "Cancelled: nothing was done.": "Cancelado: nada foi feito.",
    "The answer failed; it has been logged.": "A resposta falhou; o erro foi registrado.",
    # the shift report in the chat (shift.py)
    "**Shift report** of {instance}, {start} → {end} ({hours} h):":
        "**Relatório do turno** de {instance}, {start} → {end} ({hours} h):",
    "started": "iniciados", "abended": "abendados", "reruns": "reexecuções", "holds": "holds",
    "releases": "liberações", "cancels": "cancelamentos", "critical missed": "críticos fora do prazo",
    "critical at risk": "críticos em risco",
    "**Abended**: nothing.": "**Abendados**: nenhum.",
    "**Abended** ({total}):": "**Abendados** ({total}):",
    "not in the plan": "fora do plano",
    ", run {run}": ", execução {run}",
    "- {at} {job}{rc} — now {now}": "- {at} {job}{rc} — agora {now}",
    " …and {count} more.": " …e mais {count}.",
    "**Operator actions**: {done}{failed}.": "**Ações dos operadores**: {done}{failed}.",
    "; {count} refused or failed": "; {count} recusadas ou com falha",
    "**Late, stuck or at risk**: nothing.": "**Atrasados, travados ou em risco**: nenhum.",
    "**Late, stuck or at risk** ({total}): {listed}.{more}": "**Atrasados, travados ou em risco** ({total}): "
                                                             "{listed}.{more}",
    " and ": " e ",
    "**Missed critical deadlines**: none.": "**Prazos críticos perdidos**: nenhum.",
    "{job} (deadline {deadline})": "{job} (prazo {deadline})",
    "**Missed critical deadlines** ({total}): {listed}.{more}": "**Prazos críticos perdidos** ({total}): "
                                                               "{listed}.{more}",
    "**Still open now**: nothing.": "**Ainda em aberto**: nada.",
    "**Still open now** ({total}): {parts} — {first}{more}": "**Ainda em aberto** ({total}): {parts} — {first}{more}",
    "[Open the full shift report]({link}) — who did what, every job, Copy as Markdown and CSV.":
        "[Abrir o relatório completo do turno]({link}) — quem fez o quê, todos os jobs, Copy as Markdown e CSV.",
    "A shift report covers at most {days} days: ask for fewer hours.":
        "Um relatório de turno cobre no máximo {days} dias: peça menos horas.",
    "That time has not come yet today: ask for a shift report since an earlier time.":
        "Esse horário ainda não chegou hoje: peça um relatório de turno desde um horário anterior.",
    "No TWS instance is configured, so there is no shift to report.":
        "Nenhuma instância do TWS está configurada, então não há turno para relatar.",
}

NOUNS = {
    # the shift report's operator actions and open jobs (English plural given where it is not noun + "s")
    "rerun": ("reexecução", "reexecuções"), "hold": ("hold", "holds"), "release": ("liberação", "liberações"),
    "cancel": ("cancelamento", "cancelamentos"), "abended": ("abendado", "abendados"),
    "stuck": ("travado", "travados"), "late": ("atrasado", "atrasados"),
    "critical at risk": ("crítico em risco", "críticos em risco"), "held": ("em hold", "em hold"),
}

TERMS = {"at risk": "em risco"}

_ACTION_NOUN = {"Rerun": "reexecução", "Hold": "hold", "Release": "liberação", "Cancel": "cancelamento"}
TERM_PATTERNS = (
    # the confirm card after a confirmed action (tws.service.perform_action's message)
    (re.compile(r"(Rerun|Hold|Release|Cancel) of job (.+) sent to (.+)\."),
     lambda m: f"Pedido de {_ACTION_NOUN[m[1]]} do job {m[2]} enviado para {m[3]}."),
)
