"""`kagami demo`: create the demo town (idempotent) and print its logins."""

from typing import Any

from django.core.management.base import BaseCommand

from kagami.dashboard.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Create the demo town 鏡野町 with a user for every role (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = load_demo()
        self.stdout.write(self.style.SUCCESS("デモの町（鏡野町）を用意しました。"))
        print_logins(self.stdout.write, logins)


def print_logins(write: Any, logins: list[tuple[str, str, str]]) -> None:
    write(f"ログイン（パスワードはすべて {DEMO_PASSWORD}）:")
    for email, number, what in logins:
        write(f"  {email:<36} 職員番号 {number or '-':<5} {what}")
    write("  ※ 所属長・情報政策担当・監査・管理者は初回ログイン時に2段階認証を設定します。")
