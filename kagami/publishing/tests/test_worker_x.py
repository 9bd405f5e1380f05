"""The worker against the fake X API v2 (ARCHITECTURE.md, "Publishing"). X has no idempotency key: after an attempt
that may have reached X, only `find_existing` (the account's latest posts) keeps a post from
going out twice."""

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import time_machine

from kagami.lib.workcalendar import JST
from kagami.posts import workflow as posts
from kagami.posts.models import Post
from kagami.publishing import worker
from kagami.publishing.adapters.fakes import CLOSE
from kagami.publishing.adapters.fakes.server import Answer
from kagami.publishing.adapters.fakes.x import TOKEN, USERNAME, FakeX, XUser
from kagami.publishing.models import Attempt, Delivery, DeliveryState
from kagami.registry.testing import publishing_account

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=JST)
SLOT = datetime(2026, 11, 24, 10, 0, tzinfo=JST)
TEXT = "健康まつりのお知らせです。詳しくは https://www.town.kagamino.lg.jp/ をご覧ください。"


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def fake(settings: object) -> Iterator[FakeX]:
    with FakeX() as server:
        settings.KAGAMI_PUBLISHING = "live"  # type: ignore[attr-defined]
        settings.KAGAMI_PLATFORM_BASE_URLS = {"x": server.url}  # type: ignore[attr-defined]
        yield server


@pytest.fixture
def approved(cast: object, frozen: object, fake: FakeX) -> Post:
    """A post approved for an X account whose access token is the fake's first user's."""
    from kagami.vault import workflow as vault

    account = publishing_account(
        head=cast.suzuki,  # type: ignore[attr-defined]
        policy_officer=cast.takahashi,  # type: ignore[attr-defined]
        department=cast.somu,  # type: ignore[attr-defined]
        handle=f"@{USERNAME}",
        url=f"https://x.com/{USERNAME}",
    )
    credential = vault.store_credential(
        actor=cast.suzuki,  # type: ignore[attr-defined]
        account=account,
        login_id="kagami_town@town.example.lg.jp",
        password="trombone-velvet-quasar-91",
        two_factor_method="app",
        two_factor_storage="公用スマートフォン",
        custodian=cast.suzuki,  # type: ignore[attr-defined]
    )
    vault.set_api_token(
        actor=cast.suzuki,  # type: ignore[attr-defined]
        credential=credential,
        name="access_token",
        value=TOKEN,
    )
    post = posts.save_post(
        actor=cast.tanaka,  # type: ignore[attr-defined]
        department=cast.somu,  # type: ignore[attr-defined]
        accounts=[account],
        text=TEXT,
        publish_at=SLOT,
    )
    posts.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    posts.approve_post(actor=cast.suzuki, post=post)  # type: ignore[attr-defined]
    return post


def test_a_post_goes_out_on_x_with_its_id_and_url(
    approved: Post, frozen: time_machine.Traveller, fake: FakeX
) -> None:
    frozen.move_to(SLOT)
    assert worker.run_once() == 1
    [post] = fake.posts
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PUBLISHED
    assert delivery.platform_post_id == post["id"]
    assert delivery.url == f"https://x.com/{USERNAME}/status/{post['id']}"


def test_after_a_worker_died_waiting_for_x_the_post_is_found_not_posted_again(
    approved: Post, frozen: time_machine.Traveller, fake: FakeX
) -> None:
    frozen.move_to(SLOT)
    worker.schedule_due()
    [delivery_id] = worker.claim(1, worker="dying")
    # The worker wrote its attempt, X made the post, and the worker died before the answer.
    Delivery.objects.filter(pk=delivery_id).update(state=DeliveryState.PUBLISHING, attempts=1)
    Attempt.objects.create(delivery_id=delivery_id, number=1, worker="dying")
    fake.add_post("前の投稿")
    made = fake.add_post(TEXT)  # as X shows it: a t.co link
    fake.add_post("後の投稿")
    frozen.move_to(SLOT + worker.LEASE + timedelta(seconds=1))
    assert worker.run_once(worker="next") == 1
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PUBLISHED
    assert delivery.platform_post_id == made["id"]
    assert delivery.url == f"https://x.com/{USERNAME}/status/{made['id']}"
    assert list(delivery.attempt_log.values_list("outcome", flat=True)) == ["started", "found"]
    assert fake.received("POST", "/2/tweets") == []
    assert [r.path for r in fake.received("GET", r"/2/users/.*")] == [
        "/2/users/me",
        f"/2/users/{fake.user.id}/tweets",
    ]


@pytest.mark.parametrize(
    "answer",
    [CLOSE, FakeX.error(503, "Service Unavailable", "Service Unavailable")],
    ids=["connection-dropped", "503"],
)
def test_a_post_x_made_before_an_error_is_found_on_the_retry_not_posted_again(
    approved: Post, frozen: time_machine.Traveller, fake: FakeX, answer: Answer
) -> None:
    answers = [answer]

    def lose_the_first_answer(_user: XUser, _post: dict[str, object]) -> Answer | None:
        return answers.pop() if answers else None

    fake.on_created = lose_the_first_answer
    frozen.move_to(SLOT)
    worker.run_once()
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.WAITING  # a retryable error; X has the post
    [made] = fake.posts
    frozen.move_to(SLOT + timedelta(seconds=worker.BACKOFF[0] + 1))
    worker.run_once()
    delivery.refresh_from_db()
    # Were the retry to post again, X would refuse the duplicate (403) and the delivery would
    # fail as "content refused" although the post is on X.
    assert len(fake.received("POST", "/2/tweets")) == 1, f"{delivery.state}: {delivery.last_error}"
    assert delivery.state == DeliveryState.PUBLISHED, delivery.last_error
    assert delivery.platform_post_id == made["id"]
    assert fake.posts == [made]
