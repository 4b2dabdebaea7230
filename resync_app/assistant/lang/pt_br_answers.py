"""The fast path's answers in Brazilian Portuguese: the catalogue of the fast path's English messages (see
`wording`), the plan's vocabulary (status phrases, risk levels, event types, threat reasons) and dates in the
Brazilian form (03/03/2025 14:05). Names, status codes, figures and plan text are never translated. The words of
the chat's other answers and of its per-answer pieces are in `pt_br_chat`; `PORTUGUESE` holds both.
"""

from __future__ import annotations

import re
from pathlib import Path

from resync_app.assistant.lang import pt_br_chat as chat
from resync_app.assistant.lang.wording import Wording

KNOWLEDGE_DIR = Path(__file__).resolve().parents[1] / "knowledge" / "pt-BR"

MESSAGES = {
    # an estimate of a job's end (prediction_answer.py)
    "{job} is **{status}**.": "{job} está **{status}**.",
    "It ended at {end}.": "Terminou às {end}.",
    "It ended at {end}, {verdict} its deadline ({deadline}).": "Terminou às {end}, {verdict} o prazo ({deadline}).",
    "within": "dentro do", "after": "depois do",
    "It will not finish without an operator (rerun it, or fix what blocks it).":
        "Não vai terminar sem um operador (reexecute-o ou corrija o que o bloqueia).",
    "Estimated end **{end}**, 80 % interval {low}–{high}.":
        "Término estimado **{end}**, intervalo de 80 % {low}–{high}.",
    "Deadline {deadline}: **{verdict}**, {confidence} chance of ending on time ({risk} risk).":
        "Prazo {deadline}: **{verdict}**, {confidence} de chance de terminar no prazo (risco {risk}).",
    "likely yes": "provavelmente sim", "uncertain": "incerto", "likely not": "provavelmente não",
    "What delays it:": "O que o atrasa:",
    "Nothing upstream delays it now.": "Nada antes dele o atrasa agora.",
    "No estimate for it yet: Resync estimates the critical jobs and their predecessors after each poll.":
        "Ainda não há estimativa: o Resync estima os jobs críticos e seus predecessores a cada coleta.",
    "It has no deadline in the plan.": "Não tem prazo no plano.",
    # one job
    "{job}{where} is **{status}**{phrase}{rc}.": "{job}{where} está **{status}**{phrase}{rc}.",
    "stream {stream}": "cadeia {stream}",
    "workstation {workstation}": "estação {workstation}",
    ", return code {rc}": ", código de retorno {rc}",
    "{jobs} named {job} are in the plan: {listed}. Ask again with the workstation and stream, e.g. {example}.":
        "Há {jobs} chamados {job} no plano: {listed}. Pergunte de novo com a estação e a cadeia, por exemplo "
        "{example}.",
    " in stream {stream}": " na cadeia {stream}",
    " Similar names: {names}.": " Nomes parecidos: {names}.",
    "No job named {job}{where} is in the current plan.{hint}": "Nenhum job chamado {job}{where} está no plano "
                                                               "atual.{hint}",
    "- Started {start}, ended {end} ({duration}).": "- Início {start}, fim {end} ({duration}).",
    "- Started {start}, running for {duration}.": "- Início {start}, rodando há {duration}.",
    "- Not started yet.": "- Ainda não começou.",
    "- **Late**: not started within the late threshold after its scheduled start.":
        "- **Atrasado**: não começou dentro do limite de atraso após o início programado.",
    "- **Stuck**: running longer than the stuck threshold.":
        "- **Travado**: rodando há mais tempo que o limite de travamento.",
    "- Critical job: deadline {deadline}, risk {risk} (confidence {confidence}).":
        "- Job crítico: prazo {deadline}, risco {risk} (confiança {confidence}).",
    "\nAsk “why did {job} fail?” for an analysis, or “show the log of {job}”.":
        "\nPergunte “por que o {job} falhou?” para uma análise, ou “mostra o log do {job}”.",
    "No job log is available for this run.": "Não há log disponível para esta execução.",
    "End of its job log:": "Final do log do job:",
    "It has no dependencies in the plan.": "Ele não tem dependências no plano.",
    "{dependencies}, {open} not satisfied:": "{dependencies}, {open} em aberto:",
    "dependency": "dependência",
    "✓ satisfied": "✓ satisfeita",
    "✗ not satisfied": "✗ não satisfeita",
    "No earlier runs are recorded for it.": "Não há execuções anteriores registradas.",
    "Its last recorded run took {duration}.\n": "A última execução registrada levou {duration}.\n",
    "Over its last {count} runs: median {median} (shortest {shortest}, longest {longest}).\n":
        "Nas últimas {count} execuções: mediana {median} (mais curta {shortest}, mais longa {longest}).\n",
    # lists
    "on {workstation}": "na estação {workstation}",
    "in stream {stream}": "na cadeia {stream}",
    "\n\n…and {count} more on the Monitoring page.": "\n\n…e mais {count} na página Monitoring.",
    "with status {statuses}": "com status {statuses}",
    " since {at}": " desde {at}",
    "No job{what}{scope} in the current plan.": "Nenhum job{what}{scope} no plano atual.",
    " (among the {count} most recent)": " (entre os {count} mais recentes)",
    "No {label} job{scope} right now.": "Nenhum job {label}{scope} agora.",
    "\n\nLate: not started within the late threshold after the scheduled start.":
        "\n\nAtrasado: não começou dentro do limite de atraso após o início programado.",
    "\n\nStuck: running longer than the stuck threshold.":
        "\n\nTravado: rodando há mais tempo que o limite de travamento.",
    # plan-wide
    "The plan is **{health}**.": "O plano está **{health}**.",
    "\nWorkstations: {linked} linked, {unlinked} unlinked (of {total}).":
        "\nEstações linkadas: {linked}; deslinkadas: {unlinked} (de {total}).",
    "No workstation named {workstation} is in the current plan.": "Nenhuma estação chamada {workstation} está no "
                                                                  "plano atual.",
    "**not linked**": "**não linkada**",
    ", status {status}": ", status {status}",
    "Workstation {workstation} is {state}{extra}.": "A estação {workstation} está {state}{extra}.",
    "No workstation is {link}.": "Nenhuma estação está {link}.",
    "No workstation is in the current plan.": "Nenhuma estação está no plano atual.",
    "**{workstations}** {link}:": "**{workstations}** {link}:",
    "**{workstations}**:": "**{workstations}**:",
    "yes": "sim",
    "no": "não",
    "No {events}{when}.": "Nenhum {event}{when}.",
    "**{events}**{when}, newest first:": "**{events}**{when}, do mais recente ao mais antigo:",
    "{job} has no deadline in the plan (it is not a critical job).": "{job} não tem prazo no plano (não é um job "
                                                                     "crítico).",
    "{job} is **{status}**, deadline {deadline}: **{risk} risk**, confidence {confidence} of ending on time "
    "(estimated end {end}).": "{job} está **{status}**, prazo {deadline}: **risco {risk}**, confiança de "
                              "{confidence} de terminar no prazo (término estimado {end}).",
    "\nNo predecessor threatens it now.": "\nNenhum predecessor o ameaça agora.",
    "What threatens it, least slack first:": "O que o ameaça, da menor folga para a maior:",
    "No critical job is at risk ({critical} in the plan).": "Nenhum job crítico está em risco ({critical} no "
                                                            "plano).",
    "**{critical} at risk**, least likely to end on time first:":
        "**{critical} em risco**, do menos provável de terminar no prazo ao mais provável:",
    "\n\nAsk “what threatens JOB's deadline?” for one job's critical path.":
        "\n\nPergunte “o que ameaça o prazo do JOB?” para ver o caminho crítico de um job.",
    "{} behind": "{} de atraso",
    # actions
    " Nothing was done.": " Nada foi feito.",
    "**{Action} {job}?** Nothing has been done yet: confirm to {action} it (needs a signed-in operator).":
        "**{Action} {job}?** Nada foi feito ainda: confirme para {action} (requer um operador com sessão iniciada).",
    "\nNote: {note}": "\nObservação: {note}",
    "it is running now; a rerun normally follows an ABEND or FAIL.":
        "ele está rodando agora; um rerun normalmente vem depois de um ABEND ou FAIL.",
    "it has not run yet.": "ele ainda não rodou.",
    "it is running now, and hold does not stop a running job.":
        "ele está rodando agora, e um hold não para um job em execução.",
    "it has already ended; a hold only keeps a job from starting.":
        "ele já terminou; um hold só impede que um job comece.",
    "it is not on hold.": "ele não está em hold.",
    "it is running now; cancelling a running job does not stop it.":
        "ele está rodando agora; cancelar um job em execução não o interrompe.",
    "it has already ended.": "ele já terminou.",
    "\n\nThis route never acts: a signed-in operator confirms it in the console or sends `POST {route}` with "
    "`{body}`.": "\n\nEsta rota nunca age: um operador com sessão iniciada confirma no console ou envia "
                 "`POST {route}` com `{body}`.",
    # knowledge
    "_From the built-in knowledge base ({id}) · no model used._":
        "_Da base de conhecimento embutida ({id}) · sem uso de modelo._",
    "_From the knowledge service (RAG) · no model used._": "_Do serviço de conhecimento (RAG) · sem uso de modelo._",
    "\n\nSee also: {titles}.": "\n\nVeja também: {titles}.",
    # the footer
    "⚠ TWS has not answered since {at}: this data may be out of date.":
        "⚠ O TWS não responde desde {at}: estes dados podem estar desatualizados.",
    "As of {at} ({zone})": "Dados de {at} ({zone})",
    "As of the last poll": "Dados da última coleta",
    " on {instance}": " em {instance}",
    "answered from the plan, no model used": "respondido a partir do plano, sem uso de modelo",
    "no model used": "sem uso de modelo",
    "No plan data is available for this TWS instance yet: the poller has not completed a poll. Check the instance "
    "on the TWS Configuration page.": "Ainda não há dados do plano para esta instância do TWS: o poller ainda não "
                                      "concluiu uma coleta. Verifique a instância na página TWS Configuration.",
    # table headers
    "job": "job", "stream": "cadeia", "workstation": "estação", "status": "status", "start": "início", "end": "fim",
    "RC": "RC", "duration": "duração", "running for": "rodando há", "slack": "folga", "estimated end": "término estimado",
    "why": "motivo", "deadline": "prazo", "risk": "risco", "confidence": "confiança", "linked": "linkada",
    "running": "em execução", "completed": "concluídos", "failed": "com falha", "pending": "pendentes",
    "late": "atrasados", "stuck": "travados", "total": "total",
}

NOUNS = {
    "job": ("job", "jobs"), "critical job": ("job crítico", "jobs críticos"),
    "late job": ("job atrasado", "jobs atrasados"), "stuck job": ("job travado", "jobs travados"),
    "running job": ("job em execução", "jobs em execução"), "dependency": ("dependência", "dependências"),
    "workstation": ("estação", "estações"), "linked": ("linkada", "linkadas"), "unlinked": ("deslinkada", "deslinkadas"),
    "event": ("evento", "eventos"), "critical event": ("evento crítico", "eventos críticos"),
    "warning event": ("aviso", "avisos"), "info event": ("evento informativo", "eventos informativos"),
}

TERMS = {
    # risk, health, severity, link state, the flags of a list
    "high": "alto", "potential": "potencial", "normal": "normal", "low": "baixo", "unknown": "desconhecido",
    "healthy": "saudável", "degraded": "degradado", "critical": "crítico", "warning": "aviso", "info": "info",
    "linked": "linkada", "unlinked": "deslinkada", "late": "atrasado", "stuck": "travado", "running": "em execução",
    # actions
    "rerun": "reexecutar", "hold": "colocar em hold", "release": "liberar", "cancel": "cancelar",
    # event types (notify.TWS_EVENT_TYPES)
    "event": "evento", "job_started": "job iniciado", "job_completed": "job concluído", "job_abended": "job abendou",
    "job_failed": "job falhou", "job_stuck": "job travado", "job_late": "job atrasado",
    "workstation_linked": "estação linkada", "workstation_unlinked": "estação deslinkada",
    "workstation_offline": "estação offline", "instance_degraded": "instância degradada",
    "instance_critical": "instância crítica", "instance_recovered": "instância recuperada",
    "instance_unreachable": "instância inacessível", "failure_rate_high": "taxa de falhas alta",
    "deadline_at_risk": "prazo em risco",
    # reasons of a deadline threat (tws/threats.py)
    "waiting behind a failed predecessor": "esperando atrás de um predecessor com falha",
    "held: it waits for its predecessors or an operator's release":
        "em hold: espera os predecessores ou a liberação por um operador",
    "late: not started after its scheduled start": "atrasado: não começou após o início programado",
    "waiting for a predecessor": "esperando um predecessor",
}

TERM_PATTERNS = (
    (re.compile(r"(\w+): it blocks the path until it is rerun or fixed"),
     r"\1: bloqueia o caminho até ser reexecutado ou corrigido"),
    (re.compile(r"running since (\d\d:\d\d), (\d+) min over its usual duration"),
     r"rodando desde \1, \2 min acima da duração habitual"),
    (re.compile(r"running since (\d\d:\d\d)"), r"rodando desde \1"),
    (re.compile(r"not started \((\w+)\)"), r"não começou (\1)"),
)

STATUS_PHRASES = {  # every code of tws/statuses.py's table (main), also those this branch's English list lacks
    "HOLD": "esperando as dependências ou o horário de início, ou em hold", "READY": "pronto para ser lançado",
    "FENCE": "prioridade abaixo do fence da estação", "INTRO": "sendo introduzido para lançamento",
    "FAIL": "não pôde ser lançado", "EXEC": "em execução", "WAIT": "esperando do lado do agente",
    "SUPPR": "suprimido: não vai rodar", "END": "terminado", "SUCC": "terminou com sucesso",
    "SUCCP": "confirmação de sucesso recebida, ainda não concluído", "ABEND": "terminou com erro",
    "CANCL": "cancelado", "CANCLP": "cancelamento pendente",
    "ABENP": "abend pendente: confirmação de abend recebida, ainda não concluído",
    "PEND": "terminou, esperando uma confirmação", "SUSP": "suspenso", "STUCK": "interrompido, precisa de um operador",
    "EXTRN": "dependência externa, status desconhecido", "INTRPT": "interrompido", "COMPLT": "completo",
    "ERROR": "terminou com erro (ou uma dependência remota não pôde ser verificada)",
    "PENDPRED": "esperando um predecessor pendente", "STARTED": "iniciado",
    "UNDCDED": "indefinido: o status está sendo verificado", "ARRVING": "chegando",
    "NONREPPRED": "esperando um predecessor numa estação que não informa o status",
    "SCHED": "o horário de início (at) ainda não chegou", "ADD": "sendo submetido", "WAITD": "esperando, adiado",
    "BOUND": "um shadow job vinculado ao job remoto", "DONE": "terminou num estado desconhecido",
    "USER STAT": "um status definido por um usuário, não pelo engine",
}

PORTUGUESE = Wording("pt-BR", messages={**MESSAGES, **chat.MESSAGES}, nouns={**NOUNS, **chat.NOUNS},
                     terms={**TERMS, **chat.TERMS}, status_phrases=STATUS_PHRASES,
                     term_patterns=TERM_PATTERNS + chat.TERM_PATTERNS, day_format="%d/%m/%Y %H:%M",
                     knowledge_dir=KNOWLEDGE_DIR)
