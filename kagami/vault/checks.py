"""System checks for the vault's keys (ids kagami.E010…): no key, no start."""

from django.core.checks import CheckMessage, Error, register

from kagami.vault.conf import vault_keys
from kagami.vault.crypto import key_problems


@register("kagami")
def check_vault_keys(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    """Refuse to run without a usable key list: secrets are never stored in plaintext (G-4-7)."""
    errors: list[CheckMessage] = []
    for problem, position in key_problems(vault_keys()):
        if problem == "missing":
            errors.append(
                Error(
                    "KAGAMI_VAULT_KEYS is not set: platform credentials cannot be encrypted.",
                    hint=(
                        "Set KAGAMI_VAULT_KEYS (or KAGAMI_VAULT_KEYS_FILE) to one or more "
                        "comma-separated Fernet keys, newest first. Generate one with: python -c "
                        "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
                    ),
                    id="kagami.E010",
                )
            )
        elif problem == "malformed":
            errors.append(
                Error(
                    f"KAGAMI_VAULT_KEYS: key number {position} is not a valid Fernet key.",
                    hint="Each key is 32 random bytes in URL-safe base64 (44 characters).",
                    id="kagami.E011",
                )
            )
        else:
            errors.append(
                Error(
                    "KAGAMI_VAULT_KEYS lists the same key more than once.",
                    hint="List each key once, the newest first.",
                    id="kagami.E012",
                )
            )
    return errors
