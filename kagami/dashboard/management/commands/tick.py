"""`kagami tick`: run the periodic jobs once, or every N seconds with `--every N`.

`kagami serve` runs it every minute beside the web server and the worker; at scale, run one
`kagami tick --every 60` (or schedule `kagami tick` from cron) per installation. Every job is
idempotent, so an extra run does no harm.
"""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from kagami.incidents import cases as incident_cases
from kagami.incidents import watch as incident_watch
from kagami.posts import pre_approval
from kagami.posts import workflow as posts
from kagami.publishing import workflow as publishing
from kagami.registry import workflow as registry
from kagami.vault import workflow as vault

logger = logging.getLogger(__name__)

JOBS: list[tuple[str, Callable[[], int]]] = [
    ("registry.apply_scheduled_account_changes", registry.apply_scheduled_account_changes),
    ("posts.expire_overdue_posts", posts.expire_overdue_posts),
    ("pre_approval.escalate_after_reports", pre_approval.escalate_after_reports),
    ("publishing.remind_manual_posts", publishing.remind_manual_posts),
    ("vault.open_tasks_for_leavers", vault.open_tasks_for_leavers),
    ("vault.remind_due_rotations", vault.remind_due_rotations),
    ("vault.destroy_old_secrets", vault.destroy_old_secrets),
    ("incidents.remind_unanswered_requests", incident_cases.remind_unanswered_requests),
    ("incidents.watch_lookalikes", incident_watch.watch_lookalikes),
]


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (scheduled suspensions and ends of accounts, expiry of unapproved "
        "posts, escalation of after-the-fact reports, reminders, vault tasks)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--every", type=int, default=0, help="repeat every N seconds")

    def handle(self, *args: Any, every: int, **options: Any) -> None:
        while True:
            failed = []
            for name, job in JOBS:
                try:
                    count = job()
                except Exception:  # one failing job must not stop the others
                    logger.exception("periodic job %s failed", name)
                    failed.append(name)
                    continue
                if count:
                    self.stdout.write(f"{name}: {count}")
            if not every:
                if failed:
                    raise CommandError(f"failed: {', '.join(failed)}")
                return
            close_old_connections()
            time.sleep(every)
