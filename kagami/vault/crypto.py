"""Encryption at rest for the vault (G-4-7): MultiFernet with keys from the environment.

Secrets are stored as Fernet tokens in ordinary text columns and decrypted only where a value
is really needed (a reveal, a publishing adapter). The first key encrypts; every key decrypts,
so a new key can be put in front, `kagami vault rotate-keys` run, and the old key removed,
without downtime.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.utils.translation import gettext as _

from kagami.lib.errors import DomainError
from kagami.vault.conf import vault_keys


class VaultKeyError(DomainError):
    """No configured key can decrypt a stored secret, or no key is configured at all."""


def _fernets() -> list[Fernet]:
    keys = vault_keys()
    if not keys:
        raise VaultKeyError(
            _(
                "暗号鍵（KAGAMI_VAULT_KEYS）が設定されていないため、認証情報を扱えません。"
                "システム管理者に連絡してください。"
            ),
            code="no_key",
        )
    try:
        return [Fernet(key.encode()) for key in keys]
    except (ValueError, TypeError) as exc:
        raise VaultKeyError(
            _(
                "暗号鍵（KAGAMI_VAULT_KEYS）の形式が正しくありません。システム管理者に連絡してください。"
            ),
            code="bad_key",
        ) from exc


def _multi() -> MultiFernet:
    return MultiFernet(_fernets())


def encrypt(plaintext: str) -> str:
    """The Fernet token of `plaintext` under the newest key; "" stays "" (nothing stored)."""
    if plaintext == "":
        return ""
    return _multi().encrypt(plaintext.encode("utf-8")).decode("ascii")


def mismatch_error() -> VaultKeyError:
    return VaultKeyError(
        _(
            "保存されている認証情報を復号できません。現在の暗号鍵（KAGAMI_VAULT_KEYS）は、"
            "この情報を暗号化したときの鍵と一致しません。バックアップから復元した場合は、"
            "当時の鍵を KAGAMI_VAULT_KEYS に加えてください。情報は失われていません。"
            "システム管理者に連絡してください。"
        ),
        code="key_mismatch",
    )


def decrypt(token: str) -> str:
    """The plaintext of a stored token; a clear VaultKeyError if no key fits."""
    if token == "":
        return ""
    try:
        return _multi().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise mismatch_error() from exc


def is_current(token: str) -> bool:
    """Whether `token` is already encrypted with the newest key."""
    if token == "":
        return True
    try:
        _fernets()[0].decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def reencrypt(token: str) -> str:
    """`token` re-encrypted with the newest key (MultiFernet.rotate)."""
    if token == "":
        return ""
    try:
        return _multi().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise mismatch_error() from exc


def key_problems(keys: list[str]) -> list[tuple[str, int | None]]:
    """(problem code, position from 1) for each unusable key; the keys themselves are never
    returned, so the result may be printed."""
    if not keys:
        return [("missing", None)]
    problems: list[tuple[str, int | None]] = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            problems.append(("malformed", position))
    if len(set(keys)) != len(keys):
        problems.append(("duplicate", None))
    return problems
