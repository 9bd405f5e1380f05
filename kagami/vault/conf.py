"""The vault's settings, with the defaults that apply until the environment says otherwise."""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "KAGAMI_VAULT_KEYS": [],
    "KAGAMI_VAULT_KEEP_OLD_DAYS": 30,
    "KAGAMI_VAULT_REMIND_DAYS": 14,
    "KAGAMI_VAULT_ROTATION_DAYS": 90,
    "KAGAMI_VAULT_REVEAL_SECONDS": 60,
    "KAGAMI_VAULT_MIN_LENGTH": 12,
    "KAGAMI_VAULT_MIN_SCORE": 3,
    "KAGAMI_VAULT_GENERATED_LENGTH": 20,
    "KAGAMI_VAULT_REVEAL_FAILURE_LIMIT": 5,
}


def get(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def vault_keys() -> list[str]:
    """The Fernet keys, newest first; a comma-separated string is accepted too."""
    raw = get("KAGAMI_VAULT_KEYS")
    if isinstance(raw, str):
        raw = raw.split(",")
    return [str(key).strip() for key in raw or [] if str(key).strip()]
