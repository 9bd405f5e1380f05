"""`kagami export-directory DIR`: the public directory as static files (G-4-6)."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from kagami.lib.urls import public_https_url_problem
from kagami.public import export


class Command(BaseCommand):
    help = (
        "公式アカウント一覧を静的なHTML、埋め込み用の断片（snippet.html）とJSON"
        "（directory.json）として DIR に書き出します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", metavar="DIR", help="書き出し先のフォルダ")
        parser.add_argument(
            "--base-url",
            default=None,
            help=(
                "書き出したファイルを公開するURL（例: https://www.town.example.lg.jp/sns/）。"
                "JSONと snippet.html のリンクがこのURLからの完全なURLになります。"
                "省略時は KAGAMI_DIRECTORY_URL。"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["directory"])
        base_url = options["base_url"]
        if base_url is None:
            base_url = settings.KAGAMI_DIRECTORY_URL
        problem = public_https_url_problem(base_url) if base_url else None
        if problem:
            raise CommandError(
                _("公開するURL「%(url)s」は使えません: %(problem)s")
                % {"url": base_url[:300], "problem": problem}
            )
        with translation.override(settings.LANGUAGE_CODE):
            self._writing(target, export.prepare)
            files = export.build(base_url)
            self._writing(target, lambda path: export.write(path, files))
            accounts = sum(1 for name in files if export.ACCOUNT_PAGE.match(name))
            self.stdout.write(
                _("%(dir)s に %(files)s個のファイルを書き出しました（公式アカウント %(n)s件）。")
                % {"dir": target, "files": len(files), "n": accounts}
            )

    @staticmethod
    def _writing(target: Path, action: Callable[[Path], None]) -> None:
        try:
            action(target)
        except OSError as exc:
            raise CommandError(
                _(
                    "書き出し先「%(dir)s」に書き込めません（%(reason)s）。"
                    "フォルダの場所と書き込みの権限を確かめてください。"
                )
                % {"dir": target, "reason": exc.strerror or exc}
            ) from exc
