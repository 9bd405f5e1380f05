"""Chaos on a platform without an idempotency key (ARCHITECTURE.md, "Publishing").

X has no idempotency key: after a worker died mid-call, only Kagami's attempt log (written
before the call) and the X adapter's `find_existing` (the account's latest posts, compared by
text) keep a post from going out twice. Here real `publish` workers run against the fake X API
with the fake's duplicate-content check turned off, so a second post would simply appear.
Some workers are killed deliberately at the worst moment (X has stored the post and the worker
is waiting for the answer), others at random moments; in the end every post is on X once and
Kagami has recorded X's ID and URL for it. The workers are forked from a process that has
imported everything (`workers.WorkerPool`), so a replacement starts at once and a kill lands
in the middle of real work, not in Python's start-up.

An error answer after X made the post (a dropped connection, a 5xx) is another way to the
same place; test_worker_x covers it.
"""

import itertools
import os
import queue
import random
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from kagami.posts.models import Post, PostState
from kagami.publishing.adapters.fakes.x import FakeX, XUser, shown
from kagami.publishing.models import Attempt, Delivery, DeliveryState
from kagami.publishing.tests.test_chaos import _approved_post, _database_url
from kagami.publishing.tests.workers import WorkerPool
from kagami.registry.testing import publishing_account

ACCOUNTS = 3
POSTS_PER_ACCOUNT = 10
WORKERS = 3
# X answers this long after it has stored a post, so that random kills often land there.
ANSWER_DELAY = 0.15
# The n-th post X stores (counted over all accounts): its worker is killed while it waits for
# the answer, so the post is on X and Kagami has only a `started` attempt for it.
KILL_AFTER_STORING = (1, 9, 17)
RANDOM_KILLS = 5
BUDGET = 40.0  # seconds, start-up included


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_workers_killed_after_x_stored_the_post_find_it_instead_of_posting_again(
    cast: object, tmp_path: Path
) -> None:
    if connection.vendor == "sqlite" and settings.DATABASES["default"]["NAME"] == ":memory:":
        pytest.skip("needs a database file the worker processes can open")
    began = time.monotonic()
    deadline = began + BUDGET
    with FakeX() as fake:
        fake.refuse_duplicates = False
        fake.answer_delay = ANSWER_DELAY
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kagami.settings_test",
            "DATABASE_URL": _database_url(),
            "KAGAMI_PUBLISH_LEASE_SECONDS": "1",
            "KAGAMI_PUBLISHING": "live",
            "KAGAMI_PLATFORM_BASE_URLS": f"x={fake.url}",
        }
        # The pool imports Django and the SDKs while the accounts and posts are made.
        args = ["publish", "--every", "0.05", "--batch", "3", "--until-empty"]
        pool = WorkerPool(args, env, tmp_path)
        held: queue.Queue[tuple[str, str, threading.Event]] = queue.Queue()
        killed_waiting: dict[str, str] = {}  # text → the ID X gave it
        try:
            users = _accounts_with_posts(cast, fake)
            by_shown = {shown(p.text): p.text for p in Post.objects.all()}
            stored = itertools.count(1)

            def hold_the_answer(_user: XUser, post: dict[str, Any]) -> None:
                if next(stored) in KILL_AFTER_STORING:
                    release = threading.Event()
                    held.put((by_shown[post["text"]], post["id"], release))
                    release.wait(10)

            fake.on_created = hold_the_answer
            pool.wait_ready(timeout=max(1.0, deadline - time.monotonic()))
            ready = time.monotonic()
            for _ in range(WORKERS):
                pool.spawn()
            rng = random.Random(20261125)
            random_kills = RANDOM_KILLS
            next_kill = time.monotonic() + rng.uniform(0.3, 1.0)
            while pool.running and time.monotonic() < deadline:
                try:
                    text, post_id, release = held.get(timeout=0.02)
                except queue.Empty:
                    pass
                else:
                    # X has stored the post; the worker that sent it is waiting for the answer.
                    pid = _posting_worker(text)
                    if pool.kill(pid):
                        pool.spawn()
                    assert pid in pool.killed, f"{text}: sent by {pid}, not a worker of the test"
                    killed_waiting[text] = post_id
                    release.set()
                    continue
                if random_kills and time.monotonic() >= next_kill:
                    pool.kill(rng.choice(sorted(pool.running)))
                    pool.spawn()
                    random_kills -= 1
                    next_kill = time.monotonic() + rng.uniform(0.3, 1.0)
            finished = not pool.running
            done = time.monotonic()
        finally:
            while not held.empty():
                held.get()[2].set()
            pool.close()
        story = _story(users, pool)
        assert finished, f"the workers did not finish within {BUDGET:.0f} s\n{story}"

        # Each post is on its account's timeline on X exactly once: none lost, none twice.
        for account_id, user in users.items():
            expected = Counter(
                shown(t)
                for t in Post.objects.filter(targets__account_id=account_id).values_list(
                    "text", flat=True
                )
            )
            assert Counter(p["text"] for p in user.posts) == expected, story
        # Kagami knows each one's ID and URL on X.
        for delivery in Delivery.objects.select_related("post"):
            user = users[delivery.account_id]
            [post] = [p for p in user.posts if p["text"] == shown(delivery.post.text)]
            assert delivery.state == DeliveryState.PUBLISHED, story
            assert delivery.platform_post_id == post["id"], story
            assert delivery.url == f"https://x.com/{user.username}/status/{post['id']}", story
        assert set(Post.objects.values_list("state", flat=True)) == {PostState.PUBLISHED}
        assert Delivery.objects.count() == ACCOUNTS * POSTS_PER_ACCOUNT

        # The path under test: a post X made for a worker that died before it heard the answer
        # is found by the next worker (attempts `started`, then `found`) and not posted again.
        histories = {
            d.post.text: list(d.attempt_log.values_list("outcome", flat=True))
            for d in Delivery.objects.select_related("post")
        }
        assert len(killed_waiting) == len(KILL_AFTER_STORING), story
        for text, post_id in killed_waiting.items():
            assert histories[text][-1] == Attempt.Outcome.FOUND, f"{text}\n{story}"
            assert Attempt.Outcome.STARTED in histories[text][:-1], f"{text}\n{story}"
            assert Delivery.objects.get(post__text=text).platform_post_id == post_id
        found_after_crash = [t for t, h in histories.items() if _found_after_crash(h)]
        assert found_after_crash, story
        # An attempt left `started` belongs to a worker the test killed; no worker failed.
        unfinished = Attempt.objects.filter(outcome=Attempt.Outcome.STARTED)
        assert {int(w.rsplit(":", 1)[1]) for w in unfinished.values_list("worker", flat=True)} <= (
            pool.killed
        ), story
        for pid, code in pool.exits.items():
            assert pid in pool.killed or code == 0, f"worker {pid} ended with {code}\n{story}"
        print(
            f"\nX chaos: set-up {ready - began:.1f} s, publishing {done - ready:.1f} s; "
            f"{len(pool.logs)} workers, {len(pool.killed)} killed "
            f"({len(killed_waiting)} while waiting for X's answer); "
            f"{len(found_after_crash)} posts found after a crash instead of posted again; "
            f"{len(fake.received('POST', '/2/tweets'))} POST /2/tweets for "
            f"{ACCOUNTS * POSTS_PER_ACCOUNT} posts; "
            f"{Counter(Attempt.objects.values_list('outcome', flat=True))}"
        )


def _accounts_with_posts(cast: object, fake: FakeX) -> dict[int, XUser]:
    """X accounts of 総務課, each with its own access token (its own user on the fake X) and
    approved posts that are due; some carry a link, which X returns as a t.co link."""
    from kagami.vault import workflow as vault

    due = timezone.now() - timedelta(seconds=1)
    users = {}
    for a in range(1, ACCOUNTS + 1):
        handle = f"kagamino_{a}"
        account = publishing_account(
            head=cast.suzuki,  # type: ignore[attr-defined]
            policy_officer=cast.takahashi,  # type: ignore[attr-defined]
            department=cast.somu,  # type: ignore[attr-defined]
            name=f"鏡野町【公式】{a}",
            handle=f"@{handle}",
            url=f"https://x.com/{handle}",
        )
        credential = vault.store_credential(
            actor=cast.suzuki,  # type: ignore[attr-defined]
            account=account,
            login_id=f"{handle}@town.example.lg.jp",
            password="trombone-velvet-quasar-91",
            two_factor_method="app",
            two_factor_storage="公用スマートフォン",
            custodian=cast.suzuki,  # type: ignore[attr-defined]
        )
        token = f"x-user-token-{a}"
        vault.set_api_token(
            actor=cast.suzuki,  # type: ignore[attr-defined]
            credential=credential,
            name="access_token",
            value=token,
        )
        users[account.pk] = fake.add_user(token, handle, account.name)
        for n in range(POSTS_PER_ACCOUNT):
            link = f" https://www.town.kagamino.example/news/{a}-{n}" if n % 3 == 0 else ""
            _approved_post(cast, account, f"鏡野町からのお知らせ {a}-{n}{link}", due)
    return users


def _posting_worker(text: str) -> int:
    """The pid of the worker whose attempt for `text` is under way (workers are host:pid)."""
    worker = (
        Attempt.objects.filter(delivery__post__text=text, outcome=Attempt.Outcome.STARTED)
        .order_by("-number")
        .values_list("worker", flat=True)
        .first()
    )
    assert worker, f"no attempt under way for {text}"
    return int(worker.rsplit(":", 1)[1])


def _found_after_crash(outcomes: list[str]) -> bool:
    return (
        Attempt.Outcome.FOUND in outcomes
        and Attempt.Outcome.STARTED in outcomes[: outcomes.index(Attempt.Outcome.FOUND)]
    )


def _story(users: dict[int, XUser], pool: WorkerPool) -> str:
    """What happened, for a failure message: each delivery's attempts and the posts on X."""
    lines = []
    for d in Delivery.objects.select_related("post").order_by("pk"):
        attempts = ", ".join(
            f"#{a.number} {a.worker.rsplit(':', 1)[1]}"
            f"{'†' if int(a.worker.rsplit(':', 1)[1]) in pool.killed else ''} {a.outcome}"
            for a in d.attempt_log.all()
        )
        on_x = [p["id"] for p in users[d.account_id].posts if p["text"] == shown(d.post.text)]
        lines.append(
            f"{d.post.text[:24]}: {d.state} {d.platform_post_id or '-'} on X {on_x} [{attempts}]"
        )
    failed = [
        f"worker {pid} ({code}): {pool.log(pid)[-2000:]}"
        for pid, code in pool.exits.items()
        if pid not in pool.killed and code != 0
    ]
    return "\n".join([*lines, *failed, pool.log("pool")[-2000:]])
