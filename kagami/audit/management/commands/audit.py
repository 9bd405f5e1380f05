"""`kagami audit verify`: prove the audit chain whole, or name its first broken link."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kagami.audit.log import verify


class Command(BaseCommand):
    help = "Audit log tools. `verify` walks the hash chain and names the first broken link."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="check every event's hash and link")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        result = verify()
        if not result.ok:
            raise CommandError(
                _("監査ログの改ざんを検出しました: %(reason)s（%(checked)s 件目まで正常）")
                % {"reason": result.reason, "checked": result.checked},
                returncode=1,
            )
        self.stdout.write(
            _("監査ログは正常です: %(count)s 件、末尾のハッシュ %(hash)s")
            % {"count": result.checked, "hash": result.head_hash}
        )
