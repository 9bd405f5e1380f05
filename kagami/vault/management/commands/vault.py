"""`kagami vault rotate-keys` and `kagami vault check-keys` (G-4-7).

To change the key: put a new key first in KAGAMI_VAULT_KEYS (keep the old ones after it),
restart, run `kagami vault rotate-keys`, then remove the old keys. Nothing stops meanwhile.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kagami.vault import keys
from kagami.vault.crypto import VaultKeyError


class Command(BaseCommand):
    help = "Vault tools: `rotate-keys` re-encrypts every secret with the first key; `check-keys` counts secrets no key can decrypt."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        rotate = sub.add_parser("rotate-keys", help="re-encrypt every secret with the newest key")
        rotate.add_argument("--batch-size", type=int, default=500)
        sub.add_parser("check-keys", help="count stored secrets that no configured key decrypts")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        try:
            if subcommand == "rotate-keys":
                counts = keys.rotate_keys(batch_size=options["batch_size"])
                self.stdout.write(
                    _(
                        "再暗号化: %(reencrypted)s 件、既に最新の鍵: %(current)s 件、復号できない: %(failed)s 件"
                    )
                    % counts
                )
                failed = counts["failed"]
            else:
                failed = keys.undecryptable_count()
                self.stdout.write(_("復号できない秘密情報: %(failed)s 件") % {"failed": failed})
        except VaultKeyError as error:
            raise CommandError(error.message, returncode=2) from error
        if failed:
            raise CommandError(
                _(
                    "どの鍵でも復号できない秘密情報があります。データは変更していません。"
                    "その情報を暗号化した鍵を KAGAMI_VAULT_KEYS に加えてから、やり直してください。"
                ),
                returncode=1,
            )
