"""`kagami serve`: migrate, load the demo town once, and run the web server and the task
worker together until Ctrl-C. This is what `make run` calls."""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from kagami.dashboard.demo import EMAIL_DOMAIN, load_demo
from kagami.orgs.models import User


class Command(BaseCommand):
    help = "Run the web server (gunicorn) and the task worker together."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default=os.environ.get("KAGAMI_BIND", "127.0.0.1:8000"))
        parser.add_argument("--no-demo", action="store_true", help="do not load the demo town")

    def handle(self, *args: Any, bind: str, no_demo: bool, **options: Any) -> None:
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        from kagami.dashboard.management.commands.demo import print_logins

        # The demo town is loaded into an empty database only, never into a real town's data.
        first_run = not User.objects.exists()
        has_demo = User.objects.filter(email__endswith="@" + EMAIL_DOMAIN).exists()
        logins = load_demo() if not no_demo and (first_run or has_demo) else []
        children = [
            subprocess.Popen(  # noqa: S603 - fixed argument lists, our own interpreter
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "kagami.wsgi",
                    "--bind",
                    bind,
                    "--workers",
                    os.environ.get("KAGAMI_WEB_WORKERS", "2"),
                    "--access-logfile",
                    "-",
                ]
            ),
            subprocess.Popen([sys.executable, "-m", "kagami", "db_worker"]),
            # Periodic jobs (expiry, escalation, vault reminders) and the publishing worker.
            subprocess.Popen([sys.executable, "-m", "kagami", "tick", "--every", "60"]),
            subprocess.Popen([sys.executable, "-m", "kagami", "publish"]),
        ]
        self.stdout.write(
            self.style.SUCCESS(f"Kagami が動いています: http://{bind}/  （終了は Ctrl-C）")
        )
        if logins:
            print_logins(self.stdout.write, logins)
        else:
            self.stdout.write("デモの利用者は `kagami demo` で表示できます。")
        stop = False

        def on_signal(signum: int, frame: Any) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        try:
            while not stop and all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
