"""Known secret values planted through the admin API (a provider key, a Teams webhook URL, a TWS password) so
that tests can grep whatever an operator sees for them. Nothing planted here is ever contacted: the provider and
Teams stay disabled and the TWS instance points at a closed loopback port, disabled too."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

_RUN = uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Sentinels:
    provider_key: str = f"rk-sentinel-{_RUN}-Zq9X"
    key_hint: str = "Zq9X"  # what an admin page shows of the key ("…Zq9X")
    webhook_url: str = f"https://contoso.webhook.office.com/webhookb2/sentinel-{_RUN}/IncomingWebhook/Wh7K"
    webhook_secret_part: str = f"sentinel-{_RUN}"
    webhook_hint: str = "Wh7K"  # the masked URL's last characters
    tws_password: str = f"tws-sentinel-{_RUN}"

    def secrets(self) -> dict[str, str]:
        """Every value that must never reach an operator (name → value)."""
        return {"provider key": self.provider_key, "provider key hint": self.key_hint,
                "webhook URL": self.webhook_url, "webhook path": self.webhook_secret_part,
                "webhook hint": self.webhook_hint, "TWS password": self.tws_password,
                "bcrypt hash": "$2b$"}


SENTINELS = Sentinels()


def plant(call: Callable[..., object]) -> Sentinels:
    """Store the sentinels through the admin API; `call(method, path, json=…)` answers an httpx-like response
    (authenticated as an admin)."""
    steps = [
        ("PUT", "/api/v1/litellm/providers/openai",
         {"enabled": False, "api_key": SENTINELS.provider_key, "api_base": "http://127.0.0.1:9/v1"}),
        ("PUT", "/api/v1/admin/teams-config", {"enabled": False, "webhook_url": SENTINELS.webhook_url}),
        ("PUT", "/api/v1/admin/tws-config", {"primary_instance": "sentinel", "instances": [{
            "name": "sentinel", "display_name": "Sentinel", "base_url": "http://127.0.0.1:9",
            "username": "tws-operator", "password": SENTINELS.tws_password, "verify_tls": False,
            "enabled": False, "read_only": True}]}),
    ]
    for method, path, body in steps:
        answer = call(method, path, json=body)
        assert answer.status_code == 200, f"{method} {path}: {answer.status_code} {answer.text}"
    return SENTINELS


def remove(call: Callable[..., object]) -> None:
    """Take the sentinels out again (other tests of a shared server expect no TWS instance and no webhook)."""
    steps = [
        ("PUT", "/api/v1/admin/tws-config", {"primary_instance": None, "instances": []}),
        ("PUT", "/api/v1/admin/teams-config", {"enabled": False, "webhook_url": ""}),
        ("PUT", "/api/v1/litellm/providers/openai", {"enabled": False, "api_key": "", "api_base": ""}),
    ]
    for method, path, body in steps:
        answer = call(method, path, json=body)
        assert answer.status_code == 200, f"{method} {path}: {answer.status_code} {answer.text}"


def leaks(text: str, extra: dict[str, str] | None = None) -> list[str]:
    """The names of the sentinels (and `extra` values) found in `text`."""
    values = {**SENTINELS.secrets(), **(extra or {})}
    return [name for name, value in values.items() if value and value in text]
