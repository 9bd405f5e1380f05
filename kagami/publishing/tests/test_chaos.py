"""Chaos: publishing workers are killed at random points while they publish a batch; in the
end every post is published and none twice (ARCHITECTURE.md, "Publishing")."""

import os
import random
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from kagami.posts.models import Post, PostState
from kagami.posts.testing import approved_post
from kagami.publishing.models import Attempt, Delivery, DeliveryState, SandboxPost
from kagami.publishing.tests.workers import WorkerPool
from kagami.registry.models import OfficialAccount
from kagami.registry.testing import publishing_account

BATCH = 40
KILLS = 5


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _approved_post(cast: object, account: OfficialAccount, text: str, due: datetime) -> Post:
    """An approved post of 総務課 for `account`, due at `due`."""
    return approved_post(
        department=cast.somu,  # type: ignore[attr-defined]
        author=cast.tanaka,  # type: ignore[attr-defined]
        approver=cast.suzuki,  # type: ignore[attr-defined]
        accounts=[account],
        text=text,
        publish_at=due,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_killed_workers_lose_nothing_and_duplicate_nothing(cast: object, tmp_path: Path) -> None:
    if connection.vendor == "sqlite" and settings.DATABASES["default"]["NAME"] == ":memory:":
        pytest.skip("needs a database file the worker processes can open")
    account = publishing_account(
        head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu
    )  # type: ignore[attr-defined]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kagami.settings_test",
        "DATABASE_URL": _database_url(),
        "KAGAMI_PUBLISH_LEASE_SECONDS": "1",
        # The sandbox answers 40 ms after storing a post: kills land between the two.
        "KAGAMI_SANDBOX_LATENCY_MS": "40",
    }
    # Workers forked from a pre-loaded process: a kill lands in real work, not in start-up.
    pool = WorkerPool(
        ["publish", "--every", "0.05", "--batch", "3", "--until-empty"], env, tmp_path
    )
    rng = random.Random(20261124)
    deadline = time.monotonic() + 60
    due = timezone.now() - timedelta(seconds=1)
    for n in range(BATCH):
        _approved_post(cast, account, f"お知らせ {n}", due)
    kills = 0
    try:
        pool.wait_ready(timeout=30)
        for _ in range(2):
            pool.spawn()
        # Kill a worker while it holds a started attempt: between the attempt's commit and its
        # result's, the case to prove. The replacement starts at once.
        while pool.running and time.monotonic() < deadline:
            if kills < KILLS:
                busy = {
                    int(worker.rsplit(":", 1)[1])
                    for worker in Attempt.objects.filter(
                        outcome=Attempt.Outcome.STARTED
                    ).values_list("worker", flat=True)
                } & pool.running
                if busy:
                    time.sleep(rng.uniform(0, 0.03))
                    pool.kill(rng.choice(sorted(busy)))
                    kills += 1
                    pool.spawn()
                    continue
            time.sleep(0.005)
        if pool.running:
            pytest.fail("the workers did not finish the batch in time")
    finally:
        pool.close()
    assert kills == KILLS
    deliveries = Delivery.objects.all()
    assert deliveries.count() == BATCH
    assert set(deliveries.values_list("state", flat=True)) == {DeliveryState.PUBLISHED}
    assert SandboxPost.objects.count() == BATCH  # none lost, none twice
    assert Post.objects.exclude(state=PostState.PUBLISHED).count() == 0
    # The killed workers left started attempts, and the next ones asked before posting.
    assert Attempt.objects.filter(outcome=Attempt.Outcome.STARTED).exists()
    assert Attempt.objects.filter(outcome=Attempt.Outcome.FOUND).exists()
