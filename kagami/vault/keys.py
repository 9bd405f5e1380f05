"""The vault's encryption keys (G-4-7): re-encrypt every stored secret with the newest key
after a new one is added, and count what no configured key can read (after a restore)."""

from django.db import models, transaction

from kagami.audit import log as audit
from kagami.vault import crypto
from kagami.vault.models import ApiToken, Credential, OldSecret

ENCRYPTED_COLUMNS: list[tuple[type[models.Model], tuple[str, ...]]] = [
    (Credential, ("password_encrypted", "recovery_email_encrypted", "recovery_phone_encrypted")),
    (ApiToken, ("value_encrypted",)),
    (OldSecret, ("value_encrypted",)),
]


def rotate_keys(*, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every stored secret with the newest key, batch by batch; values already
    under it are left alone, so a second run changes nothing (G-4-7)."""
    counts = {"reencrypted": 0, "current": 0, "failed": 0}
    for model, columns in ENCRYPTED_COLUMNS:
        last_pk = 0
        while True:
            with transaction.atomic():
                batch = list(
                    model._default_manager.filter(pk__gt=last_pk)
                    .order_by("pk")
                    .only("pk", *columns)[:batch_size]
                )
                if not batch:
                    break
                for row in batch:
                    changed = []
                    for column in columns:
                        token = getattr(row, column)
                        if crypto.is_current(token):
                            counts["current"] += 1
                            continue
                        try:
                            setattr(row, column, crypto.reencrypt(token))
                        except crypto.VaultKeyError:
                            counts["failed"] += 1
                            continue
                        changed.append(column)
                        counts["reencrypted"] += 1
                    if changed:
                        row.save(update_fields=changed)
                last_pk = batch[-1].pk
    if counts["reencrypted"] or counts["failed"]:
        audit.record("vault.keys_rotated", data=dict(counts))
    return counts


def undecryptable_count() -> int:
    """How many stored secrets no configured key can decrypt (after a restore, say)."""
    failed = 0
    for model, columns in ENCRYPTED_COLUMNS:
        for row in model._default_manager.only("pk", *columns).iterator(chunk_size=500):
            for column in columns:
                try:
                    crypto.decrypt(getattr(row, column))
                except crypto.VaultKeyError:
                    failed += 1
    return failed
