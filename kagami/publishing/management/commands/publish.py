"""`kagami publish`: the publishing worker. Claims due deliveries and publishes them, every
`--every` seconds (default 1). Run as many as you like, on as many machines as you like:
claims never overlap. With `--enqueue` it only claims and hands the deliveries to the task
workers (`kagami db_worker`, or Celery workers: kagami/celery.py)."""

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from kagami.publishing.models import Delivery, DeliveryState
from kagami.publishing.scheduling import undelivered_targets
from kagami.publishing.tasks import dispatch
from kagami.publishing.worker import run_once, worker_name


class Command(BaseCommand):
    help = "Publish approved posts whose time has come (runs until stopped)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--every", type=float, default=1.0, help="seconds between polls")
        parser.add_argument("--batch", type=int, default=50, help="deliveries per claim")
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="claim and enqueue for the task workers instead of publishing here",
        )
        parser.add_argument(
            "--until-empty",
            action="store_true",
            help="exit when nothing is scheduled, waiting or in progress",
        )

    def handle(
        self,
        *args: Any,
        every: float,
        batch: int,
        once: bool,
        until_empty: bool,
        enqueue: bool,
        **options: Any,
    ) -> None:
        name = worker_name()
        while True:
            done = dispatch(batch, dispatcher=name) if enqueue else run_once(batch, worker=name)
            if once:
                return
            if until_empty and not done:
                in_flight = [DeliveryState.WAITING, DeliveryState.CLAIMED, DeliveryState.PUBLISHING]
                busy = (
                    Delivery.objects.filter(state__in=in_flight).exists()
                    or undelivered_targets().exists()
                )
                if not busy:
                    return
            if not done:
                close_old_connections()
                time.sleep(every)
