"""Publishing through the `django.tasks` API (ARCHITECTURE.md, "Publishing"): the dispatcher claims and enqueues,
task workers publish. Inline on the test backend, on the database queue with `kagami worker`,
and on a real Celery worker over the real Redis, killed mid-batch."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from kagami.publishing import tasks, worker
from kagami.publishing.models import Attempt, Delivery, DeliveryState, SandboxPost
from kagami.publishing.tests.test_chaos import _approved_post, _database_url
from kagami.registry.testing import publishing_account

ROOT = Path(__file__).resolve().parents[3]
REDIS = ("127.0.0.1", 6379)
BATCH = 30


def test_dispatch_claims_and_enqueues_and_the_tasks_publish(cast: Any) -> None:
    account = publishing_account(
        head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu
    )
    for n in range(12):
        _approved_post(cast, account, f"お知らせ {n}", timezone.now() - timedelta(seconds=1))
    assert tasks.dispatch(limit=12, dispatcher="test") == 12  # inline: the tasks ran
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.PUBLISHED}
    assert SandboxPost.objects.count() == 12
    assert tasks.dispatch(dispatcher="test") == 0


def _redis_answers() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def celery(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, Any]]:
    """A real Celery worker process on Redis, on a queue of its own; yields how to start more."""
    if not _redis_answers():
        if os.environ.get("CI"):
            pytest.fail("Redis does not answer on 127.0.0.1:6379")
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    from kagami.celery import app

    # Claims made here (the dispatcher) and in the workers expire after 2 s, not 5 minutes.
    monkeypatch.setattr(worker, "LEASE", timedelta(seconds=2))
    queue = f"kagami-test-{uuid.uuid4().hex[:8]}"
    broker = "redis://127.0.0.1:6379/14"
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_celery.CeleryBackend",
            "OPTIONS": {"CELERY_APP": "kagami.celery.app"},
        }
    }
    app.conf.update(broker_url=broker, result_backend=broker, task_default_queue=queue)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kagami.settings_test",
        "DATABASE_URL": _database_url(),
        "KAGAMI_TASK_BACKEND": "django_tasks_celery.CeleryBackend",
        "KAGAMI_CELERY_BROKER_URL": broker,
        "KAGAMI_CELERY_QUEUE": queue,
        "KAGAMI_PUBLISH_LEASE_SECONDS": "2",
        "KAGAMI_SANDBOX_LATENCY_MS": "30",
    }
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        log = (tmp_path / f"celery-{len(procs)}.log").open("ab")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "kagami.celery",
                "worker",
                "-c",
                "2",
                "--pool",
                "prefork",
                "-Q",
                queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "WARNING",
                "-n",
                f"{queue}-{len(procs)}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,  # so a kill reaches the pool's children too
        )
        procs.append(proc)
        return proc

    try:
        yield {"start": start, "queue": queue, "logs": tmp_path}
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        app.conf.update(task_default_queue="kagami")


def _wait_until_published(count: int, deadline: float, logs: Path) -> None:
    while time.monotonic() < deadline:
        if Delivery.objects.filter(state=DeliveryState.PUBLISHED).count() == count:
            return
        time.sleep(0.2)
    story = "\n".join(p.read_text(errors="replace")[-3000:] for p in logs.glob("celery-*.log"))
    states = list(Delivery.objects.values_list("state", flat=True))
    pytest.fail(f"not all published in time: {states}\n{story}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_on_redis_publishes_each_post_once_even_when_killed(
    cast: Any, celery: dict[str, Any]
) -> None:
    account = publishing_account(
        head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu
    )
    due = timezone.now() - timedelta(seconds=1)
    for n in range(BATCH):
        _approved_post(cast, account, f"お知らせ {n}", due)
    first = celery["start"]()
    deadline = time.monotonic() + 60
    assert tasks.dispatch(limit=BATCH, dispatcher="test") == BATCH
    _wait_until_published(BATCH, deadline, celery["logs"])
    assert Attempt.objects.filter(outcome=Attempt.Outcome.PUBLISHED).count() == BATCH

    # A second batch; the worker is killed (with its pool) while it publishes.
    for n in range(BATCH):
        _approved_post(cast, account, f"二回目のお知らせ {n}", due)
    assert tasks.dispatch(limit=BATCH, dispatcher="test") == BATCH
    while not Attempt.objects.filter(outcome=Attempt.Outcome.STARTED).exists():
        assert time.monotonic() < deadline, "the worker never started the second batch"
        time.sleep(0.01)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    celery["start"]()
    # The dead worker's leases run out; the dispatcher claims those deliveries again.
    while Delivery.objects.exclude(state=DeliveryState.PUBLISHED).exists():
        if time.monotonic() > deadline:
            _wait_until_published(2 * BATCH, deadline, celery["logs"])  # fails with the story
        tasks.dispatch(limit=BATCH, dispatcher="test")
        time.sleep(0.5)
    assert Delivery.objects.count() == 2 * BATCH
    assert SandboxPost.objects.count() == 2 * BATCH  # none lost, none twice
    keys = set(SandboxPost.objects.values_list("idempotency_key", flat=True))
    assert len(keys) == 2 * BATCH
    # The kill landed mid-batch: attempts it left unfinished, posts found on a later attempt.
    assert Attempt.objects.filter(outcome=Attempt.Outcome.STARTED).exists()
    assert max(Delivery.objects.values_list("attempts", flat=True)) < worker.MAX_ATTEMPTS


@pytest.mark.django_db(transaction=True)
def test_kagami_worker_runs_enqueued_publishing_on_the_database_queue(
    cast: Any, settings: Any
) -> None:
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    account = publishing_account(
        head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu
    )
    for n in range(4):
        _approved_post(cast, account, f"お知らせ {n}", timezone.now() - timedelta(seconds=1))
    assert tasks.dispatch(dispatcher="test") == 4
    assert SandboxPost.objects.count() == 0  # enqueued, not yet run
    call_command("worker", "--batch", "--no-startup-delay")
    assert SandboxPost.objects.count() == 4
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.PUBLISHED}
