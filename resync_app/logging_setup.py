"""Structured logging: JSON or text (`log_format`, at start), live level (`log_level`) and secret redaction.

Redaction (`log_sensitive_data_redaction`) masks every secret value the app has registered (provider keys,
webhook URLs, passwords it handles) and common credential patterns, in the message and in the arguments.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from datetime import datetime, timezone

_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"(?i)(basic\s+)[A-Za-z0-9+/=]{8,}"),
    re.compile(r"(?i)((?:api[_-]?key|password|secret|token|authorization)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]{4,}"),
    re.compile(r"\b(sk-)[A-Za-z0-9_-]{8,}"),
    re.compile(r"(://[^:/\s]+:)[^@/\s]+(@)"),
]
_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_state = {"redact": True}


def register_secret(value: str | None) -> None:
    """Remember a secret so that it never appears in a log line."""
    if value and len(value) >= 4:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """Mask registered secrets and credential-looking substrings."""
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "***" + (m.group(2) if m.re.groups > 1 else ""), text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with secrets masked (while redaction is on)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _state["redact"]:
            try:
                message = record.getMessage()
            except Exception:  # a broken format string must not drop the record
                message = str(record.msg)
            record.msg, record.args = redact(message), None
            if record.exc_info and not record.exc_text:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info or record.exc_text:
            payload["exc"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


_handler: logging.Handler | None = None


def setup_logging(fmt: str = "json", level: str = "INFO", redact_secrets: bool = True) -> None:
    """Install the root handler once; later calls only change level and redaction."""
    global _handler
    root = logging.getLogger()
    if _handler is None:
        _handler = logging.StreamHandler(sys.stderr)
        _handler.addFilter(RedactingFilter())
        root.addHandler(_handler)
    _handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    set_level(level)
    set_redaction(redact_secrets)
    for noisy in ("httpx", "httpx2", "httpcore", "urllib3"):  # one line per outgoing request is noise
        logging.getLogger(noisy).setLevel(logging.WARNING)


def set_level(level: str) -> None:
    """Switch the minimum level of the app's records at once."""
    logging.getLogger().setLevel(level)
    logging.getLogger("resync").setLevel(level)


def set_redaction(enabled: bool) -> None:
    _state["redact"] = bool(enabled)
