"""Realistic names for the simulated plan: workstations, job streams, jobs, commands."""

from __future__ import annotations

import random

WORKSTATIONS = (  # name, type, os
    ("MASTER", "MANAGER", "LINUX"), ("CPU_LINUX01", "FTA", "LINUX"), ("CPU_LINUX02", "FTA", "LINUX"),
    ("CPU_AIX01", "FTA", "AIX"), ("CPU_WIN01", "AGENT", "WINDOWS"), ("SAP_PROD01", "X-AGENT", "LINUX"),
    ("DB_ORA01", "AGENT", "LINUX"), ("ETL_AGENT01", "AGENT", "LINUX"), ("CPU_LINUX03", "FTA", "LINUX"),
    ("CPU_AIX02", "FTA", "AIX"), ("CPU_WIN02", "AGENT", "WINDOWS"), ("DB_DB2P01", "AGENT", "AIX"),
    ("FTP_GW01", "AGENT", "LINUX"), ("MF_ZOS01", "REM-ENG", "ZOS"), ("HADOOP_EDGE01", "AGENT", "LINUX"),
    ("CPU_HPUX01", "FTA", "HPUX"),
)

STREAM_STEMS = (
    "PAYROLL", "BILLING", "GL_CLOSE", "INVENTORY", "CRM_SYNC", "DWH_LOAD", "BACKUP", "EDI_INBOUND", "EDI_OUTBOUND",
    "SAP_BATCH", "AR_AGING", "AP_PAYMENTS", "HR_FEED", "RISK_CALC", "TREASURY", "ORDER_ENTRY", "SHIPPING",
    "CUSTOMER_360", "FRAUD_SCAN", "STATEMENTS", "TAX_REPORT", "PRICING", "MARKETING_MART", "ARCHIVE", "SECURITY_AUDIT",
    "CARD_SETTLE", "LOAN_ACCRUAL", "MDM_MERGE", "LOG_ROTATE", "DB_MAINT",
)
STREAM_SUFFIXES = ("DAILY", "NIGHTLY", "EOD", "SOD", "MORNING", "WEEKDAY", "HOURLY", "BATCH", "LOAD", "CLOSE")

JOB_VERBS = (
    "EXTRACT", "LOAD", "TRANSFORM", "VALIDATE", "SORT", "MERGE", "REPORT", "ARCHIVE", "CLEANUP", "FTP_SEND",
    "FTP_RECV", "BACKUP", "RECONCILE", "CALC", "NOTIFY", "CHECK_FILE", "REFRESH", "EXPORT", "IMPORT", "AGGREGATE",
    "PURGE", "INDEX", "STATS", "POST", "SPLIT",
)
JOB_OBJECTS = (
    "EMP", "GL", "AR", "AP", "ORDERS", "CUST", "INV", "TXN", "LEDGER", "SALES", "STOCK", "RATES", "ACCTS", "CARDS",
    "CLAIMS", "FEEDS", "MASTER", "DELTA", "HIST", "TMP", "LOGS", "STATS", "PRICES", "VENDORS", "ASSETS",
)
DESCRIPTIONS = {
    "EXTRACT": "Extract {obj} records from the source system", "LOAD": "Load {obj} into the warehouse",
    "TRANSFORM": "Transform {obj} staging data", "VALIDATE": "Validate {obj} totals and control counts",
    "REPORT": "Produce the {obj} report", "BACKUP": "Back up the {obj} tables", "FTP_SEND": "Send the {obj} file",
    "FTP_RECV": "Receive the {obj} file", "RECONCILE": "Reconcile {obj} against the ledger",
}


def workstation_specs(count: int) -> list[tuple[str, str, str]]:
    """`count` workstations: the named catalogue first, then numbered agents."""
    out = list(WORKSTATIONS[:count])
    n = len(out)
    while len(out) < count:
        n += 1
        os_name = ("LINUX", "AIX", "WINDOWS")[n % 3]
        prefix = {"LINUX": "CPU_LINUX", "AIX": "CPU_AIX", "WINDOWS": "CPU_WIN"}[os_name]
        out.append((f"{prefix}{n:02d}", "AGENT" if os_name == "WINDOWS" else "FTA", os_name))
    return out


def stream_name(rng: random.Random, used: set[str]) -> str:
    """A unique job stream name such as PAYROLL_DAILY (numbered once the stems run out)."""
    tries = 20 if len(used) < len(STREAM_STEMS) * len(STREAM_SUFFIXES) else 0
    for _ in range(tries):
        name = f"{rng.choice(STREAM_STEMS)}_{rng.choice(STREAM_SUFFIXES)}"
        if name not in used:
            used.add(name)
            return name
    base = f"{rng.choice(STREAM_STEMS)}_{rng.choice(STREAM_SUFFIXES)}"
    n = 2
    while f"{base}_{n:03d}" in used:
        n += 1
    used.add(f"{base}_{n:03d}")
    return f"{base}_{n:03d}"


def job_name(rng: random.Random, used: set[str]) -> tuple[str, str, str]:
    """A job name unique within its stream (EXTRACT_EMP), with its verb and object."""
    for _ in range(30):
        verb, obj = rng.choice(JOB_VERBS), rng.choice(JOB_OBJECTS)
        name = f"{verb}_{obj}"
        if name not in used:
            used.add(name)
            return name, verb, obj
    verb, obj = rng.choice(JOB_VERBS), rng.choice(JOB_OBJECTS)
    n = 2
    while f"{verb}_{obj}{n}" in used:
        n += 1
    used.add(f"{verb}_{obj}{n}")
    return f"{verb}_{obj}{n}", verb, obj


def description(verb: str, obj: str) -> str:
    return DESCRIPTIONS.get(verb, "{verb} step for {obj}").format(verb=verb.title().replace("_", " "), obj=obj)


def command(verb: str, obj: str, os_name: str) -> str:
    if os_name == "WINDOWS":
        return f"C:\\batch\\{verb.lower()}_{obj.lower()}.cmd"
    if os_name == "ZOS":
        return f"//{verb[:4]}{obj[:4]} JOB (ACCT),'{verb} {obj}'"
    return f"/opt/batch/bin/{verb.lower()}_{obj.lower()}.sh"
