"""Chaos: publishing workers are killed at random points while they publish a batch; in the
end every post is published and none twice (issue 7)."""

import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from kagami.posts.models import Approval, Decision, Post, PostState, PostTarget
from kagami.publishing.models import Attempt, Delivery, DeliveryState, SandboxPost
from kagami.registry.models import OfficialAccount
from kagami.registry.testing import publishing_account

ROOT = Path(__file__).resolve().parents[3]
BATCH = 40


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _approved_post(cast: object, account: OfficialAccount, text: str, due: datetime) -> Post:
    """An approved post of 総務課 for `account`, due at `due`."""
    post = Post.objects.create(
        department=cast.somu,  # type: ignore[attr-defined]
        author=cast.tanaka,  # type: ignore[attr-defined]
        text=text,
        publish_at=due,
        state=PostState.APPROVED,
    )
    PostTarget.objects.create(post=post, account=account)
    Approval.objects.create(
        post=post,
        version=1,
        digest=post.digest(),
        decision=Decision.APPROVED,
        decided_by=cast.suzuki,  # type: ignore[attr-defined]
    )
    return post


def _worker() -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kagami.settings_test",
        "DATABASE_URL": _database_url(),
        "KAGAMI_PUBLISH_LEASE_SECONDS": "1",
    }
    return subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "publish",
            "--every",
            "0.05",
            "--batch",
            "3",
            "--until-empty",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_killed_workers_lose_nothing_and_duplicate_nothing(cast: object) -> None:
    if connection.vendor == "sqlite" and settings.DATABASES["default"]["NAME"] == ":memory:":
        pytest.skip("needs a database file the worker processes can open")
    account = publishing_account(
        head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu
    )  # type: ignore[attr-defined]
    due = timezone.now() - timedelta(seconds=1)
    for n in range(BATCH):
        _approved_post(cast, account, f"お知らせ {n}", due)
    rng = random.Random(20261124)
    deadline = time.monotonic() + 60
    for _round in range(6):
        workers = [_worker() for _ in range(2)]
        time.sleep(rng.uniform(0.2, 1.2))
        for proc in workers:
            proc.send_signal(signal.SIGKILL)
        for proc in workers:
            proc.wait()
        time.sleep(1.1)  # let the dead workers' leases expire
    survivor = _worker()
    while survivor.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    if survivor.poll() is None:
        survivor.kill()
        pytest.fail("the last worker did not finish the batch in time")
    deliveries = Delivery.objects.all()
    assert deliveries.count() == BATCH
    assert set(deliveries.values_list("state", flat=True)) == {DeliveryState.PUBLISHED}
    assert SandboxPost.objects.count() == BATCH  # none lost, none twice
    # Every delivery was attempted at least once (kills may add unfinished attempts).
    assert Attempt.objects.count() >= BATCH
