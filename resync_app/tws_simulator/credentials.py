"""The bundled simulator's credentials, shared by the simulator process and the app (imports nothing heavy).

User `twsadmin`; password from RESYNC_TWS_SIMULATOR_PASSWORD, else generated once into
`<data dir>/tws-simulator-password` (mode 0600) so the simulator started by `make run` and the app's default TWS
instance agree without anyone typing it. Port: RESYNC_TWS_SIMULATOR_PORT (default 31116).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SIMULATOR_USERNAME = "twsadmin"
DEFAULT_PORT = 31116
PASSWORD_FILE = "tws-simulator-password"


def data_dir() -> Path:
    return Path(os.environ.get("RESYNC_DATA_DIR", "./data")).resolve()


def simulator_port() -> int:
    return int(os.environ.get("RESYNC_TWS_SIMULATOR_PORT", str(DEFAULT_PORT)) or DEFAULT_PORT)


def simulator_base_url() -> str:
    """Where `make run`'s simulator listens (the default TWS instance points here)."""
    return f"http://127.0.0.1:{simulator_port()}"


def simulator_credentials() -> tuple[str, str]:
    """(username, password) of the bundled simulator; creates the password file on first use."""
    if env := os.environ.get("RESYNC_TWS_SIMULATOR_PASSWORD"):
        return SIMULATOR_USERNAME, env
    path = data_dir() / PASSWORD_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process wrote it first
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(18))
    return SIMULATOR_USERNAME, path.read_text().strip()


__all__ = ["DEFAULT_PORT", "SIMULATOR_USERNAME", "simulator_base_url", "simulator_credentials", "simulator_port"]
