"""Brazilian Portuguese questions: the words that tell the language apart, and how a question is read by the intent
parser (`READER`: phrase rules and a word table into the parser's vocabulary; see `reading`).

Written from how Brazilian TWS operators ask: "quais jobs abendaram hoje?", "o job X terminou?", "o que está
atrasado no CPU_LINUX01?", "segura o job X", "status da cadeia FINANCE_EOD"; the jargon: abendou / deu abend,
cadeia / job stream / fluxo, estação / agente, segurar / liberar / cancelar / reexecutar / rodar de novo, atrasado,
travado / preso, rodando / em execução. Patterns are written without accents (the text is matched without them)
and in lower case; replacements are UPPER CASE English (never rewritten again).
"""

from __future__ import annotations

import re

from resync_app.assistant.lang.reading import Reader, compile_rules

# Words that only Portuguese uses (without accents); English never writes them in a question. Detection counts them,
# with every word of the word table below except those English writes too.
_ALSO_ENGLISH = frozenset("a as so ha ate pro dia define compare resolve ignore media rode mate panorama".split())
_DETECT = frozenset("""
o os da das dos na nas nos no do em um uma uns umas que qual quais quem quando onde como esta estao estava estavam
ta tem ha nao de para pra pro por com sem meu minha meus minhas hoje agora ontem amanha ja ainda tudo todos todas
algum alguma alguns algumas nenhum nenhuma foi foram sao eh e ou desde ate entre depois antes pelo pela ao aos se
voce vc isso esse essa este cade pode favor obrigado obrigada valeu bom boa dia tarde noite oi ola quanto quantos
quantas mostra mostre lista liste diz diga mim vai vao deu deram tambem mas
abendou abendaram abendado abendados abendada abendadas abendando falhou falharam falhado falhados falha falhas
erro erros cancelado cancelados cancelada canceladas terminou terminaram acabou acabaram rodou rodaram rodando
executando execucao atrasado atrasados atrasada atrasadas atrasou atraso travado travados travada travadas preso
presos presa presas cadeia cadeias fluxo fluxos estacao estacoes agente agentes servidor servidores maquina maquinas
segura segure segurar libera libere liberar cancela cancele cancelar reexecuta reexecute reexecutar reroda rerodar
roda rodar prazo prazos risco riscos resumo eventos evento alertas alerta avisos aviso aconteceu plano malha
linkada linkadas linkado linkados deslinkada deslinkadas conectada conectadas conectados desconectada desconectadas
ultima ultimas ultimo ultimos horas hora minutos critico criticos critica criticas saida historico dependencias
predecessores significa comecou iniciou porque pq
""".split())

_NUMBER = r"(?:\d+|um|uma|dois|duas|tres|quatro|cinco|seis|dez|quinze|vinte|trinta)"


def _clock(suffix: str):
    """"2 da tarde" → "2PM", "8 da manhã" → "8AM" (the parser reads "since 2pm")."""
    def replace(match: re.Match[str]) -> str:
        minutes = f":{match.group(2)}" if match.group(2) else ""
        return f"{match.group(1)}{minutes}{suffix}"
    return replace


# (pattern, replacement): most specific first
_RULES = [
    # greetings and politeness
    (r"\b(?:bom dia|boa tarde|boa noite|oi|ola|tudo bem|tudo certo|e ai)\b", "HI"),
    (r"\b(?:obrigad[oa]|valeu|brigad[oa])\b", "THANKS"),
    (r"\bpor (?:favor|gentileza)\b|\bpfv?\b|\bporfa\b", "PLEASE"),
    (r"\b(?:voce |vc )?(?:pode|poderia|podes|consegue|conseguiria)\b", "CAN YOU"),
    (r"\b(?:eu )?(?:quero|queria|gostaria de)\b", "I WANT TO"),
    # why and other reasoning
    (r"\bpor ?ques?\b|\bporque\b|\bpq\b", "WHY"),
    (r"\bo ?que deu errado\b|\bdeu errado\b", "WHAT WENT WRONG"),
    (r"\bo ?que (?:houve|aconteceu)\b", "WHAT HAPPENED"),
    # time expressions
    (rf"\b(?:ha|faz) {_NUMBER} (?:horas?|minutos?|dias?)\b", "BEFORE 1 HOUR"),  # "2 hours ago": the model
    (r"\b(?:ha|faz) quanto tempo\b", "HOW LONG HAS"),
    (r"\bquanto tempo\b", "HOW LONG"),
    (r"\b(?:ha|faz|por) (?:muito tempo|tempo demais|horas)\b|\b(?:muito tempo|tempo demais)\b|"
     r"\bdemorando (?:muito|demais)\b", "FOR TOO LONG"),
    (r"\bate (?:agora|o momento)\b", "SO FAR"),
    (r"\b(?:agora mesmo|neste momento|nesse momento|no momento)\b", "RIGHT NOW"),
    (r"\b(?:hoje )?(?:de|pela|nesta|esta|essa|nessa) manha\b|\bhoje cedo\b", "THIS MORNING"),
    (r"\b(?:hoje a|esta|nesta|essa|nessa) tarde\b", "TODAY"),
    (r"\b(?:de|na|nesta|esta|essa|durante a|pela) madrugada\b|\b(?:ontem a|de|durante a|esta|nesta|essa|nessa) noite\b"
     r"|\ba noite\b", "OVERNIGHT"),
    (r"\b(?:esta|nesta|essa|nessa) semana\b", "THIS WEEK"),
    (r"\b(?:semana passada|ultima semana)\b", "LAST WEEK"),
    (r"\b(?:este|neste|esse|nesse) mes\b", "THIS MONTH"),
    (r"\b(?:mes passado|ultimo mes)\b", "LAST MONTH"),
    (r"\bdesde (?:a |as )?meia[- ]noite\b", "SINCE MIDNIGHT"),
    (r"\bmeia[- ]noite\b", "MIDNIGHT"),
    (r"\bmeio[- ]dia\b", "NOON"),
    (r"\bmeia hora\b", "HALF AN HOUR"),
    (r"\bquarenta e cinco\b", "FORTY-FIVE"),
    (r"\ba partir d(?:e|a|as|o)\b", "SINCE"),
    (r"\b(\d{1,2})(?::(\d\d))? (?:horas? )?da (?:tarde|noite)\b", _clock("PM")),
    (r"\b(\d{1,2})(?::(\d\d))? (?:horas? )?da (?:manha|madrugada)\b", _clock("AM")),
    (r"\bd(?:as|e) (\d{1,2}\S*) (?:as|a|ate) (\d)", r"FROM \1 TO \2"),
    (r"\bantes d(?:e|as|a|o)\b", "BEFORE"),
    (r"\bdepois d(?:e|as|a|o)\b", "AFTER"),
    # actions said in several words
    (r"\b(?:roda|rode|rodar|executa|execute|executar|dispara|dispare|disparar|submete|submeta|submeter|processa|"
     r"processe|processar) (?:de novo|novamente|outra vez)\b", "RERUN"),
    (r"\b(?:de novo|novamente|outra vez)\b", "AGAIN"),
    (r"\b(?:coloca|coloque|colocar|poe|ponha|por|bota|bote|botar|deixa|deixe|deixar) (?:o |a )?(?:job )?(\S+) "
     r"(?:em|no|de) (?:hold|espera)\b", r"PUT \1 ON HOLD"),
    (r"\b(?:tira|tire|tirar) (?:o |a )?(?:job )?(\S+) d[oae] (?:hold|espera)\b", r"TAKE \1 OFF HOLD"),
    (r"(?:^|\b(?:give|da|de|dar|faz|faca|fazer) (?:um |o )?)(hold|rerun|release|cancel) (?:no|na|em|do|da) ", r"\1 "),
    # statuses said in several words
    (r"\b(?:deu|deram|dando|com|em|teve|tiveram|tomou|tomaram) (?:um )?abend\b", "ABENDED"),
    (r"\b(?:deu|deram|dando|com|em|teve|tiveram) (?:erro|falha)\b", "IN ERROR"),
    (r"\b(?:(?:terminou|terminaram|terminado|terminados|concluiu|concluiram|concluido|concluidos|finalizou|"
     r"finalizaram|rodou|rodaram|executou|executaram|acabou|acabaram) )?com sucesso\b|\bbem[- ]sucedid[oa]s?\b",
     "SUCCEEDED"),
    (r"\b(?:em|no) hold\b", "ON HOLD"),
    (r"\bem espera\b", "WAITING"),
    (r"\bem (?:execucao|andamento|processamento)\b", "RUNNING"),
    (r"\b(?:em|com) atraso\b|\bfora do horario\b", "LATE"),
    (r"\bfora do ar\b|\bfora de linha\b", "OFFLINE"),
    (r"\bno ar\b", "ONLINE"),
    (r"\bem risco\b", "AT RISK"),
    (r"\b(?:vai |vao )?dar tempo\b", "MAKE IT"),
    (r"\b(?:a tempo|no prazo|dentro do prazo|no horario)\b", "ON TIME"),
    (r"\bcodigo de (?:retorno|saida)\b", "RETURN CODE"),
    (r"\bcodigo de erro\b", "ERROR CODE"),
    (r"\bhistorico de (?:execucoes|execucao|rodadas)\b", "HISTORY"),
    (r"\b(?:execucoes|rodadas|execucao|rodada) anteriore?s?\b|\bultimas (?:execucoes|rodadas)\b", "PREVIOUS RUNS"),
    (r"\btempos? de execucao\b", "RUN TIMES"),
    (r"\bvisao geral\b", "OVERVIEW"),
    (r"\bpassagem de (?:turno|plantao)\b", "HANDOVER"),
    # the shift report: "resumo do turno" is the shift summary; a named shift ("turno da noite") is not ours
    (r"\b(resumo|sumario|relatorio) d[oa] (?:meu |nosso |(?:d?est|d?ess)e )?(?:turno|plantao)\b",
     lambda m: "SHIFT REPORT" if m.group(1) == "relatorio" else "SHIFT SUMMARY"),
    (r"\b(?:turno|plantao) d[ae] (noite|madrugada|manha|tarde|dia)\b",
     lambda m: {"noite": "NIGHT", "madrugada": "NIGHT", "manha": "MORNING", "tarde": "AFTERNOON"}.get(
         m.group(1), "DAY") + " SHIFT"),
    (r"\bsituacao geral\b", "OVERALL STATUS"),
    (r"\besta(?:cao|coes) de trabalho\b", lambda m: "WORKSTATIONS" if m.group(0).startswith("estacoes")
     else "WORKSTATION"),
    (r"\bjob ?streams?\b", "STREAM"),
    (r"\b(esta(?:cao|coes)|agentes?|servidor(?:es)?|maquinas?|hosts?)\b(.*?)\b(?:caiu|cairam|caida|caidas|caido|"
     r"caidos)\b", r"\1\2OFFLINE"),
    # how is …
    (r"\bcomo (?:esta|estao|vai|vao|anda|andam|ta|tao) (?:o |a |os |as )?(?=(?:tws|hwa|plano|malha|batch|"
     r"processamento|ambiente|sistema|coisas|tudo|schedule)\b)", "HOW IS "),
    (r"\bcomo (?:esta|estao|anda|andam|vai|ta)\b", "STATUS OF"),
    (r"^como (?:eu )?(?:faco|fazer|posso|se faz|faz) (?:para |pra )?", "HOW DO I "),
    (r"^como (?=[a-z]+(?:ar|er|ir)\b)", "HOW TO "),
    (r"^como (?:eu )?(?=(?:libero|reexecuto|cancelo|investigo|resolvo|trato|corrijo|vejo|leio)\b)",
     "HOW DO I "),
    # what does X mean, what is a X
    (r"\bo ?q(?:ue)? (?:significa|quer dizer|eh que significa)\b", "WHAT MEANS"),
    (r"\b(?:significa|quer dizer)\b", "MEANS"),
    (r"^o ?q(?:ue)? (?:eh|sao|seria) (?:um|uma|uns|umas) ", "WHAT IS A "),
    (r"^o ?q(?:ue)? (?:eh|sao) (\S+)\s*\??$", r"WHAT MEANS \1"),
    (r"^o ?q(?:ue)? (?:eh|sao|seria) (?:o|a|os|as) ", "WHAT IS THE "),
    (r"^qual (?:eh )?a diferenca\b", "WHAT IS THE DIFFERENCE"),
    # dependencies
    (r"\b(?:esta |estao )?(?:esperando|aguardando) (?:por |pelo |pela )?(?:o que|quem|qual|quais|que)\b",
     "WAITING FOR"),
    (r"\b(?:esperando|aguardando|espera|aguarda) (?:por|pelo|pela)\b", "WAITING FOR"),
    (r"^(?:de|do) (?:que|quem|quais|qual) (.+?) depende(?:m)?\b", r"WHAT DOES \1 DEPEND ON"),
    (r"\b(\S+) depende(?:m)? de (?:o que|que|quem|quais|qual)\b", r"WHAT DOES \1 DEPEND ON"),
    (r"\bdepende(?:m)? d(?:e|o|a|os|as)\b", "DEPENDS ON"),
    (r"\bo ?que (?:esta |estao )?(?:segurando|bloqueando|travando|prendendo) (?:o |a )?(?:job )?(\S+)",
     r"WHAT IS \1 WAITING FOR"),
    (r"\b(?:bloquead|pres|travad|parad)[oa]s? (?:por|pelo|pela)\b", "BLOCKED BY"),
    # the question words
    (r"\bo ?q(?:ue)?\b", "WHAT"),
]

_WORDS: dict[str, str] = {}


def _add(english: str, words: str) -> None:
    for word in words.split():
        _WORDS[word] = english


for _english, _words in [
    ("", "o a os as um uma uns umas"),
    ("OF", "do da dos das de"), ("ON", "no na nos nas"), ("IN", "em num numa"), ("BY", "pelo pela pelos pelas por"),
    ("TO", "ao aos"), ("FOR", "para pra pro"), ("WITH", "com"), ("WITHOUT", "sem"), ("SINCE", "desde"),
    ("UNTIL", "ate"), ("BETWEEN", "entre"), ("BEFORE", "antes"), ("THEN", "depois entao"), ("AFTER", "apos"),
    ("ABOUT", "sobre"), ("AND", "e"), ("OR", "ou"), ("BUT", "mas"), ("ALSO", "tambem"), ("NOT", "nao"),
    ("NEVER", "nunca"), ("EXCEPT", "exceto menos"), ("ONLY", "so somente apenas"),
    ("WHICH", "qual quais"), ("WHO", "quem"), ("WHEN", "quando"), ("WHERE", "onde cade"), ("HOW", "como"),
    ("HOW MANY", "quantos quantas quanto quanta"), ("THAT", "que"),
    ("IS", "eh esta ta fica ficou"), ("ARE", "sao estao tao ficam ficaram"), ("WAS", "estava foi"),
    ("WERE", "estavam foram"), ("ANY", "tem tinha ha existe existem temos houve teve algum alguma alguns algumas "
                                        "nenhum nenhuma qualquer"),
    ("WILL", "vai vao ira irao"), ("SHOULD", "deve devo devemos deveria deveriamos"),
    ("SHOW", "mostra mostre mostrar mostrem exibe exiba exibir ver veja traz traga"),
    ("LIST", "lista liste listar listagem relacione relaciona"), ("TELL", "diz diga fala fale conta conte informa "
                                                                          "informe"),
    ("CHECK", "verifica verifique verificar checa cheque checar confere confira"),
    ("EXPLAIN", "explica explique explicar explicacao"),
    ("ANALYSE", "analisa analise analisar analises"), ("COMPARE", "compara compare comparar comparacao"),
    ("CAUSED", "causa causou causaram causando causas"), ("REASON", "motivo motivos razao"),
    ("RECOMMEND", "recomenda recomende recomendar recomendacao"),
    ("SUGGEST", "sugere sugira sugerir sugestao sugestoes"), ("SAFE", "seguro"),
    ("TREND", "tendencia tendencias"), ("PATTERN", "padrao padroes"), ("PREDICT", "previsao preve prever"),
    ("IMPACT", "impacto impactos impacta afeta afetou afetados"), ("YESTERDAY", "ontem"),
    ("TOMORROW", "amanha"), ("IGNORE", "ignore ignora ignorar"), ("INSTRUCTIONS", "instrucoes instrucao"),
    ("PRETEND", "finja finge fingir"), ("FIXES", "correcoes correcao"),
    ("IMPROVE", "melhorar melhore otimizar otimize"),
    ("FIX", "corrige corrija corrigir corrijo conserta conserte consertar arruma arrume arrumar"),
    ("RESOLVE", "resolve resolva resolver resolvo soluciona solucione solucionar"),
    ("TROUBLESHOOT", "investiga investigue investigar investigo diagnostica diagnostique diagnosticar depura depurar"),
    ("HANDLE", "tratar trata trato lidar"), ("READ", "leio ler"), ("SEE", "vejo"),
    ("TODAY", "hoje"), ("NOW", "agora"), ("YET", "ja"), ("STILL", "ainda"), ("HOURS", "horas"), ("HOUR", "hora"),
    ("MINUTES", "minutos"), ("MINUTE", "minuto"), ("LAST", "ultima ultimas ultimo ultimos"), ("DAYS", "dias"),
    ("DAY", "dia"), ("WEEKS", "semanas"), ("WEEK", "semana"), ("MONTHS", "meses"), ("MONTH", "mes"),
    ("TWO", "dois duas"), ("THREE", "tres"), ("FOUR", "quatro"), ("FIVE", "cinco"), ("SIX", "seis"), ("TEN", "dez"),
    ("FIFTEEN", "quinze"), ("TWENTY", "vinte"), ("THIRTY", "trinta"),
    ("JOBS", "tarefas rotinas processos"), ("JOB", "tarefa rotina processo"),
    ("STREAMS", "cadeias fluxos jobstreams"), ("STREAM", "cadeia fluxo jobstream"),
    ("WORKSTATIONS", "estacoes"), ("WORKSTATION", "estacao"), ("AGENTS", "agentes"), ("AGENT", "agente"),
    ("SERVERS", "servidores"), ("SERVER", "servidor"), ("MACHINES", "maquinas"), ("MACHINE", "maquina"),
    ("THE PLAN", "plano malha"), ("THE BATCH", "processamento"), ("THE SYSTEM", "ambiente sistema"),
    ("THINGS", "coisas"), ("EVERYTHING", "tudo"), ("ALL", "todos todas toda todo"), ("ANYTHING", "algo"),
    ("NOTHING", "nada"), ("MY", "meu minha meus minhas"), ("OUR", "nosso nossa nossos nossas"), ("I", "eu"),
    ("YOU", "voce vc"), ("IT", "isso isto esse essa este ele ela"), ("THEM", "eles elas deles delas"),
    ("THESE", "esses essas estes estas"), ("IF", "se"), ("ME", "mim"),
    ("CURRENTLY", "atual atualmente"), ("STATUS", "situacao estado"),
    ("ABENDED", "abendou abendaram abendado abendados abendada abendadas abendando"), ("ABEND", "abendar"),
    ("FAILED", "falhou falharam falhado falhados falhada falhadas falhando falha caiu cairam quebrou quebraram "
               "quebrado quebrados errou"),
    ("FAILURES", "falhas"), ("ERROR", "erro"), ("ERRORS", "erros"),
    ("CANCELLED", "cancelado cancelados cancelada canceladas cancelou cancelaram"),
    ("CANCELLATIONS", "cancelamento cancelamentos"), ("SUCCESS", "sucesso"),
    ("FINISHED", "terminou terminaram terminado terminados terminada terminadas acabou acabaram finalizou "
                 "finalizaram finalizado finalizados concluiu concluiram concluido concluidos completou "
                 "completaram encerrou encerraram"),
    ("FINISH", "terminar terminara acabar finalizar concluir"),
    ("HELD", "segurado segurados segurada seguradas retido retidos retida retidas"),
    ("WAITING", "esperando aguardando"), ("READY", "pronto prontos pronta prontas"),
    ("SUSPENDED", "suspenso suspensos suspensa suspensas"), ("SUPPRESSED", "suprimido suprimidos"),
    ("RAN", "rodou rodaram executou executaram rodado"), ("RUN", "roda rodar rode executa executar execute"),
    ("RUNNING", "rodando executando processando ativo ativos ativa ativas"),
    ("RUNNING LONG", "demorando"),
    ("STARTED", "comecou comecaram iniciou iniciaram iniciado iniciada startou partiu"),
    ("START", "comecar iniciar comeca inicia"),
    ("TAKE", "demora demorou leva levou dura durou levar demorar durar"), ("USUALLY", "costuma costumam normalmente "
                                                                                      "geralmente usualmente"),
    ("TYPICALLY", "tipicamente"), ("AVERAGE", "media"), ("HISTORY", "historico"), ("DURATION", "duracao"),
    ("DURATIONS", "duracoes"), ("RUNS", "execucoes rodadas"), ("RUN TIME", "execucao"),
    ("LATE", "atrasado atrasados atrasada atrasadas atrasou atrasaram atraso atrasos"),
    ("STUCK", "travado travados travada travadas travou travaram preso presos presa presas pendurado pendurados "
              "pendurada penduradas congelado congelados empacado empacados"),
    ("LINKED", "linkada linkadas linkado linkados conectada conectadas conectado conectados ligada ligadas ligado "
               "ligados"),
    ("UNLINKED", "deslinkada deslinkadas deslinkado deslinkados desconectada desconectadas desconectado "
                 "desconectados desligada desligadas desligado desligados"),
    ("DOWN", "caida caidas caido caidos"),
    ("EVENTS", "eventos"), ("EVENT", "evento"), ("ALERTS", "alertas"), ("ALERT", "alerta"), ("ALARMS", "alarmes"),
    ("ALARM", "alarme"), ("WARNINGS", "avisos"), ("WARNING", "aviso"), ("INCIDENTS", "incidentes"),
    ("INCIDENT", "incidente"), ("NOTIFICATIONS", "notificacao notificacoes"),
    ("CHANGES", "mudanca mudancas alteracao alteracoes"),
    ("HAPPENED", "aconteceu aconteceram ocorreu ocorreram rolou"), ("HAPPENING", "acontecendo rolando ocorrendo"),
    ("NEWS", "novidade novidades"), ("CRITICAL", "critico criticos critica criticas"),
    ("INFO", "informativo informativos"),
    ("SUMMARY", "resumo resuma resumir sumario"), ("OVERVIEW", "panorama"), ("HEALTH", "saude"),
    ("HEALTHY", "saudavel"), ("DASHBOARD", "painel"), ("OVERALL", "geral"),
    ("DEADLINES", "prazos"), ("DEADLINE", "prazo"), ("RISKS", "riscos"), ("RISK", "risco"), ("RISKY", "arriscado"),
    ("THREATENS", "ameaca ameacam ameacando"), ("THREATS", "ameacas"),
    ("MAKE", "cumprir cumpre cumprira bater atingir"), ("MISS", "estourar estoura perder perde"),
    ("OUTPUT", "saida saidas"), ("DEPENDENCIES", "dependencias dependencia"),
    ("PREDECESSORS", "predecessores predecessor antecessores antecessor"),
    ("SUCCESSORS", "sucessores sucessor"), ("DEPENDENTS", "dependentes"),
    ("PREREQUISITES", "pre-requisito pre-requisitos prerequisito prerequisitos"),
    ("RERUN", "reexecuta reexecute reexecutar re-executa re-execute re-executar reroda rerode rerodar reprocessa "
              "reprocesse reprocessar reinicia reinicie reiniciar resubmete resubmeta resubmeter ressubmete reexecuto "
              "ressubmeter reexecutado reexecutados reexecutada reexecutadas rerodado rerodados"),
    ("SHIFT", "turno plantao"),
    ("HOLD", "segura segure segurar reter retem retenha"),
    ("RELEASE", "libera libere liberar libero solta solte soltar destrava destrave destravar"),
    ("RELEASED", "liberado liberados liberada liberadas"), ("CANCEL", "cancela cancele cancelar cancelo"),
    ("KILL", "mata mate matar"), ("SUBMIT", "submete submeta submeter"),
    ("DIFFERENCE", "diferenca"), ("DEFINITION", "definicao"), ("DEFINE", "define defina definir"),
    ("MEANING", "significado"),
]:
    _add(_english, _words)

# English word order after the rewrite: the adjective before the noun ("jobs late" → "late jobs")
_ADJECTIVES = (r"late|stuck|critical|failed|abended|cancelled|running|held|waiting|ready|suspended|succeeded|"
               r"finished|linked|unlinked|released|offline|online")
_AFTER = [(rf"\b(jobs?|streams?|workstations?|agents?) ({_ADJECTIVES})\b", r"\2 \1"),
          (r"\b(on|in|of|during) shift\b", r"\1 the shift")]  # "no turno": the article the rewrite drops

DETECT_WORDS = _DETECT | (frozenset(_WORDS) - _ALSO_ENGLISH)

READER = Reader(
    before=(("é", "eh"), ("dá", "give"), ("dê", "give")),
    rules=compile_rules(_RULES),
    words=_WORDS,
    after=compile_rules(_AFTER),
    keep_upper=frozenset({"tws", "hwa", "iws", "rc", "sla", "ok", "log", "hold", "rerun", "cancel", "release"}),
)
