"""Delivery exactly once (ARCHITECTURE.md, "Publishing"): schedule, claim, attempt-before-call, crash recovery,
retries and permanent failures, the emergency pause, manual posting."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from kagami.audit.models import AuditEvent
from kagami.lib.errors import DomainError
from kagami.lib.workcalendar import JST
from kagami.orgs.models import Notification
from kagami.posts import workflow as posts
from kagami.posts.models import PostState
from kagami.publishing import worker
from kagami.publishing import workflow as publishing
from kagami.publishing.adapters import (
    REGISTRY,
    Adapter,
    ErrorKind,
    Published,
    PublishError,
    PublishRequest,
)
from kagami.publishing.models import Attempt, Delivery, DeliveryState, SandboxPost
from kagami.registry.models import Platform
from kagami.registry.testing import publishing_account
from kagami.vault.models import RotationTask

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=JST)
SLOT = datetime(2026, 11, 24, 10, 0, tzinfo=JST)
TEXT = "健康まつりのお知らせです。詳しくは https://www.town.kagamino.lg.jp/ をご覧ください。"


@pytest.fixture
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def approved(cast: object, frozen: object) -> object:
    account = publishing_account(
        head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu
    )  # type: ignore[attr-defined]
    post = posts.save_post(
        actor=cast.tanaka, department=cast.somu, accounts=[account], text=TEXT, publish_at=SLOT
    )  # type: ignore[attr-defined]
    posts.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    posts.approve_post(actor=cast.suzuki, post=post)  # type: ignore[attr-defined]
    return post


def test_nothing_goes_out_before_its_time(approved: object) -> None:
    assert worker.run_once() == 0
    assert not Delivery.objects.exists()


def test_an_approved_post_goes_out_once_at_its_time(approved: object, frozen: object) -> None:
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    assert worker.run_once() == 1
    assert worker.run_once() == 0
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.PUBLISHED and delivery.url.startswith(
        "/publishing/sandbox/"
    )
    assert SandboxPost.objects.get().text == TEXT
    approved.refresh_from_db()  # type: ignore[attr-defined]
    assert approved.state == PostState.PUBLISHED  # type: ignore[attr-defined]
    assert list(delivery.attempt_log.values_list("outcome", flat=True)) == ["published"]
    assert AuditEvent.objects.filter(action="publishing.published").count() == 1


def test_two_workers_never_take_the_same_delivery(approved: object, frozen: object) -> None:
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    worker.schedule_due()
    first = worker.claim(10, worker="a")
    second = worker.claim(10, worker="b")
    assert len(first) == 1 and second == []
    assert worker.deliver(first[0], worker="b") == DeliveryState.CLAIMED  # not b's to deliver


def test_after_a_crash_mid_call_the_platform_is_asked_before_posting_again(
    approved: object, frozen: object
) -> None:
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    worker.schedule_due()
    [delivery_id] = worker.claim(1, worker="dying")
    delivery = Delivery.objects.get(pk=delivery_id)
    # The worker wrote its attempt and the platform accepted the post, then the process died.
    Delivery.objects.filter(pk=delivery_id).update(state=DeliveryState.PUBLISHING, attempts=1)
    Attempt.objects.create(delivery=delivery, number=1, worker="dying")
    SandboxPost.objects.create(
        account=delivery.account, text=TEXT, idempotency_key=str(delivery.idempotency_key)
    )
    frozen.move_to(SLOT + worker.LEASE + timedelta(seconds=1))  # type: ignore[attr-defined]
    assert worker.run_once(worker="next") == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PUBLISHED
    assert SandboxPost.objects.count() == 1
    assert list(delivery.attempt_log.values_list("outcome", flat=True)) == ["started", "found"]


class FlakyAdapter(Adapter):
    """Stands in for a platform answering with the errors the worker must handle."""

    code = "flaky"
    errors: list[PublishError] = []
    posted: list[str] = []

    def publish(self, request: PublishRequest) -> Published:
        if self.errors:
            raise self.errors.pop(0)
        self.posted.append(request.idempotency_key)
        return Published(platform_post_id="1", url="https://x.com/kagamino_town/status/1")

    def find_existing(self, request: PublishRequest) -> Published | None:
        return None


@pytest.fixture
def live(settings: object, monkeypatch: pytest.MonkeyPatch) -> type[FlakyAdapter]:
    settings.KAGAMI_PUBLISHING = "live"  # type: ignore[attr-defined]
    monkeypatch.setitem(REGISTRY, "x", FlakyAdapter)
    FlakyAdapter.errors, FlakyAdapter.posted = [], []
    return FlakyAdapter


def test_a_rate_limit_waits_for_the_reset_time_then_succeeds(
    approved: object, frozen: object, live: type[FlakyAdapter]
) -> None:
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    reset = SLOT + timedelta(minutes=15)
    live.errors = [PublishError("Rate limit exceeded", ErrorKind.RATE_LIMITED, retry_after=reset)]
    worker.run_once()
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.WAITING and delivery.next_attempt_at == reset
    frozen.move_to(reset - timedelta(seconds=1))  # type: ignore[attr-defined]
    assert worker.run_once() == 0
    frozen.move_to(reset)  # type: ignore[attr-defined]
    worker.run_once()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PUBLISHED and live.posted == [
        str(delivery.idempotency_key)
    ]


def test_a_rejected_token_fails_at_once_and_tells_the_author_and_head(
    cast: object,
    approved: object,
    frozen: object,
    live: type[FlakyAdapter],
    django_capture_on_commit_callbacks: object,
) -> None:
    from kagami.vault import workflow as vault

    vault.store_credential(
        actor=cast.suzuki,  # type: ignore[attr-defined]
        account=approved.targets.get().account,  # type: ignore[attr-defined]
        login_id="kagamino_town",
        password="trombone-velvet-quasar-91",
        recovery_email="",
        recovery_phone="",
        two_factor_method="app",
        two_factor_storage="公用スマートフォン",
        custodian=cast.suzuki,  # type: ignore[attr-defined]
    )
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    live.errors = [PublishError("Invalid or expired token", ErrorKind.CREDENTIALS)]
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        worker.run_once()
    delivery = Delivery.objects.get()
    assert (
        delivery.state == DeliveryState.FAILED and "Invalid or expired token" in delivery.last_error
    )
    failure = next(m for m in mail.outbox if "投稿できませんでした" in m.subject)
    assert sorted(failure.to) == ["suzuki@town.example.lg.jp", "tanaka@town.example.lg.jp"]
    assert "ログイン情報" in failure.body and "パスワード金庫でトークンを更新" in failure.body
    assert delivery.last_error_kind == ErrorKind.CREDENTIALS
    task = RotationTask.objects.get()  # the account is flagged for its credentials
    assert task.reason == "rejected" and "Invalid or expired token" in task.note


def test_retries_stop_after_the_limit(
    approved: object, frozen: object, live: type[FlakyAdapter]
) -> None:
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    live.errors = [
        PublishError("502 Bad Gateway", ErrorKind.UNAVAILABLE) for _ in range(worker.MAX_ATTEMPTS)
    ]
    for _ in range(worker.MAX_ATTEMPTS):
        worker.run_once()
        frozen.move_to(Delivery.objects.get().next_attempt_at)  # type: ignore[attr-defined]
    assert Delivery.objects.get().state == DeliveryState.FAILED


def test_a_pause_holds_everything_and_resuming_asks_about_late_posts(
    cast: object, approved: object, frozen: object
) -> None:
    stop = publishing.pause(actor=cast.takahashi, reason="炎上のため全アカウント停止")  # type: ignore[attr-defined]
    frozen.move_to(SLOT + timedelta(hours=1))  # type: ignore[attr-defined]
    assert worker.run_once() == 0
    with pytest.raises(DomainError, match="情報政策担当課だけ"):
        publishing.resume(actor=cast.suzuki, stop=stop)  # type: ignore[attr-defined]
    held = publishing.resume(actor=cast.takahashi, stop=stop)  # type: ignore[attr-defined]
    assert [d.post for d in held] == [approved]
    assert worker.run_once() == 0  # a person decides first
    publishing.decide_late(actor=cast.suzuki, delivery=held[0], send=True)  # type: ignore[attr-defined]
    assert worker.run_once() == 1
    assert Delivery.objects.get().state == DeliveryState.PUBLISHED


def test_a_manual_platform_waits_for_the_url_staff_record(
    cast: object, frozen: object, settings: object
) -> None:
    settings.KAGAMI_PUBLISHING = "live"  # type: ignore[attr-defined]
    account = publishing_account(
        head=cast.suzuki,
        policy_officer=cast.takahashi,
        department=cast.somu,  # type: ignore[attr-defined]
        platform="note",
        name="鏡野町note",
        handle="kagamino_town",
        url="https://note.com/kagamino_town",
    )
    post = posts.save_post(
        actor=cast.tanaka, department=cast.somu, accounts=[account], text=TEXT, publish_at=SLOT
    )  # type: ignore[attr-defined]
    posts.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    posts.approve_post(actor=cast.suzuki, post=post)  # type: ignore[attr-defined]
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    worker.run_once()
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.MANUAL
    assert AuditEvent.objects.filter(action="publishing.manual_requested").count() == 1
    [asked] = Notification.objects.filter(subject__contains="手作業で投稿してください")
    assert asked.user == cast.tanaka and TEXT in asked.body  # type: ignore[attr-defined]
    frozen.move_to(SLOT + timedelta(minutes=29))  # type: ignore[attr-defined]
    assert publishing.remind_manual_posts() == 0
    frozen.move_to(SLOT + timedelta(minutes=30))  # type: ignore[attr-defined]
    assert publishing.remind_manual_posts() == 1
    assert publishing.remind_manual_posts() == 0  # once
    reminded = Notification.objects.filter(subject__contains="まだ記録されていません")
    assert {n.user for n in reminded} == {cast.tanaka, cast.suzuki}  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="アドレスではありません"):
        publishing.record_manual_post(
            actor=cast.tanaka, delivery=delivery, url="https://x.com/kagamino/status/1"
        )  # type: ignore[attr-defined]
    for hostile in [
        "javascript:alert(1)",
        "http://note.com/kagamino_town/n/n1234",
        "https://evil.example\\@note.com/kagamino_town/n/n1234",
        "",
    ]:
        with pytest.raises(DomainError):
            publishing.record_manual_post(actor=cast.tanaka, delivery=delivery, url=hostile)  # type: ignore[attr-defined]
    assert Delivery.objects.get().state == DeliveryState.MANUAL
    publishing.record_manual_post(
        actor=cast.tanaka, delivery=delivery, url="https://note.com/kagamino_town/n/n1234"
    )  # type: ignore[attr-defined]
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHED


def test_the_post_page_explains_a_failure_in_the_users_language(
    cast: object,
    approved: object,
    frozen: object,
    live: type[FlakyAdapter],
    client: object,
    login: object,
) -> None:
    from django.urls import reverse

    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    live.errors = [
        PublishError("x: 403 Forbidden: Your account is suspended", ErrorKind.ACCOUNT_GONE)
    ]
    worker.run_once()
    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    page = client.get(reverse("posts:post_detail", args=[approved.pk]))  # type: ignore[attr-defined]
    assert "凍結・停止・削除されています" in page.text
    assert '<code lang="en">x: 403 Forbidden: Your account is suspended</code>' in page.text
    cast.tanaka.language = "en"  # type: ignore[attr-defined]
    cast.tanaka.save()  # type: ignore[attr-defined]
    page = client.get(reverse("posts:post_detail", args=[approved.pk]))  # type: ignore[attr-defined]
    assert "suspended, deactivated or deleted" in page.text
    assert "Your account is suspended" in page.text


def test_a_worker_that_lost_its_lease_mid_batch_leaves_the_rest_to_the_new_owner(
    cast: object, frozen: object, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.KAGAMI_PUBLISHING = "live"  # type: ignore[attr-defined]
    account = publishing_account(
        head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu
    )  # type: ignore[attr-defined]
    for n in range(2):
        post = posts.save_post(
            actor=cast.tanaka,  # type: ignore[attr-defined]
            department=cast.somu,  # type: ignore[attr-defined]
            accounts=[account],
            text=f"{TEXT} ({n})",
            publish_at=SLOT,
        )
        posts.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
        posts.approve_post(actor=cast.suzuki, post=post)  # type: ignore[attr-defined]
    calls: list[str] = []

    class SlowAdapter(FlakyAdapter):
        def publish(self, request: PublishRequest) -> Published:
            calls.append(request.text)
            if len(calls) == 1:
                # This call outlives the lease: meanwhile worker b takes both deliveries over.
                worker.claim(10, worker="b", now=timezone.now() + timedelta(seconds=1))
            return Published(platform_post_id=str(len(calls)), url=f"https://x.com/s/{len(calls)}")

    monkeypatch.setitem(REGISTRY, "x", SlowAdapter)
    monkeypatch.setattr(worker, "LEASE", timedelta(0))  # renew before every call
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    worker.schedule_due()
    ids = worker.claim(10, worker="a")
    states = worker.deliver_batch(ids, worker="a")
    assert len(calls) == 1  # a did not send the second post after losing it
    assert sorted(states.values()) == [DeliveryState.CLAIMED, DeliveryState.PUBLISHED]
    worker.deliver_batch(ids, worker="b")
    assert len(calls) == 2 and len(set(calls)) == 2  # b sent only the second, once
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.PUBLISHED}
    assert not Attempt.objects.filter(outcome=Attempt.Outcome.STARTED).exists()


def test_an_account_without_its_api_token_fails_alone_naming_the_token(
    cast: object, approved: object, frozen: object, settings: object
) -> None:
    # The vault holds no access token for this Mastodon account: nothing is sent.
    settings.KAGAMI_PUBLISHING = "live"  # type: ignore[attr-defined]
    settings.KAGAMI_PLATFORM_BASE_URLS = {}  # type: ignore[attr-defined]
    account = approved.targets.get().account  # type: ignore[attr-defined]
    account.platform = Platform.objects.get(code="mastodon")
    account.save()
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    assert worker.run_once() == 1
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.last_error_kind == ErrorKind.CREDENTIALS
    assert delivery.last_error == "mastodon: the vault holds no API token named access_token"
