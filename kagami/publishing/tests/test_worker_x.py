"""The worker against the fake X API v2 (ARCHITECTURE.md, "Publishing"). X has no idempotency key: after an attempt
that may have reached X, only `find_existing` (the account's latest posts) keeps a post from
going out twice."""

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import requests
import time_machine

from kagami.audit.models import AuditEvent
from kagami.lib.workcalendar import JST
from kagami.posts import workflow as posts
from kagami.posts.models import Post
from kagami.publishing import worker
from kagami.publishing.adapters import PublishRequest
from kagami.publishing.adapters.fakes import CLOSE
from kagami.publishing.adapters.fakes.server import Answer
from kagami.publishing.adapters.fakes.x import (
    CLIENT_ID,
    REFRESH_TOKEN,
    TOKEN,
    USERNAME,
    FakeX,
    XUser,
    shown,
)
from kagami.publishing.models import Attempt, Delivery, DeliveryState
from kagami.registry.testing import publishing_account
from kagami.vault import crypto
from kagami.vault.models import ApiToken, RotationReason, RotationTask

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
    # As a person stores them after authorising the app (offline.access): the access token,
    # the refresh token and the app's client ID.
    for name, value in (
        ("access_token", TOKEN),
        ("refresh_token", REFRESH_TOKEN),
        ("client_id", CLIENT_ID),
    ):
        vault.set_api_token(
            actor=cast.suzuki,  # type: ignore[attr-defined]
            credential=credential,
            name=name,
            value=value,
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


def test_three_hours_after_the_token_was_stored_the_post_still_goes_out(
    approved: Post, frozen: time_machine.Traveller, fake: FakeX
) -> None:
    # The tokens were stored at NOW; the access token expired two hours later.
    frozen.move_to(NOW + timedelta(hours=3))
    assert worker.run_once() == 1
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PUBLISHED, delivery.last_error
    [post] = fake.posts
    assert delivery.platform_post_id == post["id"]
    # The vault holds the rotated tokens, encrypted; the spent refresh token is gone.
    tokens = {t.name: t for t in ApiToken.objects.filter(credential__account=delivery.account)}
    new_refresh = fake.refresh_token_of(fake.user)
    assert new_refresh is not None and new_refresh != REFRESH_TOKEN
    assert crypto.decrypt(tokens["refresh_token"].value_encrypted) == new_refresh
    access = crypto.decrypt(tokens["access_token"].value_encrypted)
    assert access != TOKEN and fake.user_of(access) is fake.user
    expires = datetime.fromisoformat(
        crypto.decrypt(tokens["access_token_expires_at"].value_encrypted)
    )
    assert expires == NOW + timedelta(hours=5)
    for token in tokens.values():
        for value in (new_refresh, access):
            assert value not in str(token.value_encrypted)
    # Audited by name, never by value.
    [event] = AuditEvent.objects.filter(action="vault.api_token_refreshed")
    assert event.data["names"] == ["access_token", "access_token_expires_at", "refresh_token"]
    assert event.data["platform"] == "x"
    for value in (new_refresh, access, REFRESH_TOKEN, TOKEN):
        assert value not in str(event.data)


def test_the_next_run_uses_the_refreshed_tokens_from_the_vault(
    approved: Post, frozen: time_machine.Traveller, fake: FakeX, cast: object
) -> None:
    frozen.move_to(NOW + timedelta(hours=3))
    worker.run_once()
    second = posts.save_post(
        actor=cast.tanaka,  # type: ignore[attr-defined]
        department=cast.somu,  # type: ignore[attr-defined]
        accounts=[Delivery.objects.get().account],
        text="二件目のお知らせです。",
        publish_at=NOW + timedelta(hours=4),
    )
    posts.submit_post(actor=cast.tanaka, post=second)  # type: ignore[attr-defined]
    posts.approve_post(actor=cast.suzuki, post=second)  # type: ignore[attr-defined]
    frozen.move_to(NOW + timedelta(hours=4))
    assert worker.run_once() == 1
    assert [p["text"] for p in fake.posts] == ["二件目のお知らせです。", shown(TEXT)]
    # One refresh in all: the second run took the new access token from the vault.
    assert len(fake.received("POST", "/2/oauth2/token")) == 1
    assert Delivery.objects.filter(state=DeliveryState.PUBLISHED).count() == 2


def test_two_workers_refreshing_at_once_spend_the_refresh_token_once(
    approved: Post, frozen: time_machine.Traveller, fake: FakeX
) -> None:
    """Both hold the tokens read before either refreshed; the second, under the account's
    token lock, finds the vault's refresh token changed and adopts the first one's tokens
    instead of spending a refresh token X no longer takes."""
    account = approved.targets.get().account
    first, second = worker.adapter_for(account), worker.adapter_for(account)
    frozen.move_to(NOW + timedelta(hours=3))
    assert first.find_existing(_request()) is None  # any call: refreshes on the way
    assert second.find_existing(_request()) is None
    assert len(fake.received("POST", "/2/oauth2/token")) == 1
    assert second.credentials["access_token"] == first.credentials["access_token"]
    assert not RotationTask.objects.exists()


def _request() -> PublishRequest:
    return PublishRequest(
        text="確認", idempotency_key="k", handle=f"@{USERNAME}", first_attempt_at=NOW
    )


def test_a_spent_refresh_token_fails_the_delivery_for_a_person_to_authorise_again(
    approved: Post, frozen: time_machine.Traveller, fake: FakeX
) -> None:
    # Another client of the same grant already used the refresh token.
    requests.post(
        f"{fake.url}/2/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": REFRESH_TOKEN,
            "client_id": CLIENT_ID,
        },
        timeout=2,
    ).raise_for_status()
    frozen.move_to(NOW + timedelta(hours=3))
    worker.run_once()
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    assert "invalid_request" in delivery.last_error
    assert fake.posts == []
    assert len(fake.received("POST", "/2/oauth2/token")) == 2  # the other client's and ours
    assert not AuditEvent.objects.filter(action="vault.api_token_refreshed").exists()
    # The custodian is asked to look at the account's access.
    assert RotationTask.objects.filter(
        credential__account=delivery.account, reason=RotationReason.REJECTED
    ).exists()


def test_last_weeks_identical_notice_is_not_taken_for_this_weeks(
    approved: Post, frozen: time_machine.Traveller, fake: FakeX
) -> None:
    fake.refuse_duplicates = False  # whether X refuses a week-old duplicate is not documented
    last_week = fake.add_post(TEXT, at=SLOT - timedelta(days=7))
    frozen.move_to(SLOT)
    worker.schedule_due()
    [delivery_id] = worker.claim(1, worker="dying")
    # The worker wrote its attempt and died before (or while) calling X.
    Delivery.objects.filter(pk=delivery_id).update(state=DeliveryState.PUBLISHING, attempts=1)
    Attempt.objects.create(delivery_id=delivery_id, number=1, worker="dying")
    frozen.move_to(SLOT + worker.LEASE + timedelta(seconds=1))
    assert worker.run_once(worker="next") == 1
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PUBLISHED
    [this_week] = [p for p in fake.posts if p is not last_week]
    assert delivery.platform_post_id == this_week["id"] != last_week["id"]
    assert len(fake.received("POST", "/2/tweets")) == 1
