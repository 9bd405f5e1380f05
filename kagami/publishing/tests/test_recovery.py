"""Recovery after an unclear attempt, as the worker does it for every platform (ARCHITECTURE.md,
"Publishing"; issue "adapters as the platforms really behave", point 6):

* only a post made after the delivery's *first* attempt may be adopted, so a weekly notice is
  never matched to last week's identical post;
* a "duplicate" refusal after an unclear attempt means "look again", not a final refusal;
* what an adapter notes about a delivery, and tokens a platform rotates, survive the attempt.

The platform here is a small in-memory timeline behind the real `Adapter` contract; the
adapters' own tests prove the same against each platform's fake server.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import time_machine

from kagami.audit.models import AuditEvent
from kagami.lib.workcalendar import JST
from kagami.posts import workflow as posts
from kagami.posts.models import Post
from kagami.publishing import worker
from kagami.publishing.adapters import (
    REGISTRY,
    Adapter,
    ErrorKind,
    Published,
    PublishError,
    PublishRequest,
)
from kagami.publishing.models import Attempt, Delivery, DeliveryState
from kagami.registry.testing import publishing_account
from kagami.vault import crypto
from kagami.vault import workflow as vault
from kagami.vault.models import ApiToken

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=JST)
SLOT = datetime(2026, 11, 30, 10, 0, tzinfo=JST)
WEEKLY = "今週のごみ収集日のお知らせです。燃えるごみは月曜日と木曜日です。"


@dataclass
class Made:
    text: str
    created_at: datetime
    id: str


class Timeline(Adapter):
    """A platform without idempotency keys: its answer may be lost after it made the post,
    and it refuses a text it already has as a duplicate."""

    code = "timeline"
    posts: list[Made] = []
    lose_next_answer = False
    refuse_duplicates = True
    listed = True  # False: the timeline does not show new posts yet (eventual consistency)
    requests: list[PublishRequest] = []

    def publish(self, request: PublishRequest) -> Published:
        self.requests.append(request)
        if self.refuse_duplicates and any(p.text == request.text for p in self.posts):
            raise PublishError(
                "timeline: duplicate content", ErrorKind.CONTENT_REFUSED, duplicate=True
            )
        made = Made(request.text, datetime.now(JST), str(len(self.posts) + 1))
        self.posts.append(made)
        if self.lose_next_answer:
            Timeline.lose_next_answer = False
            raise PublishError("timeline: connection reset", ErrorKind.NETWORK)
        return Published(made.id, f"https://timeline.example/{made.id}")

    def find_existing(self, request: PublishRequest) -> Published | None:
        self.requests.append(request)
        if not self.listed:
            return None
        for made in reversed(self.posts):
            if made.text == request.text and request.may_be_ours(made.created_at):
                return Published(made.id, f"https://timeline.example/{made.id}")
        return None


@pytest.fixture
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def timeline(settings: object, monkeypatch: pytest.MonkeyPatch) -> type[Timeline]:
    settings.KAGAMI_PUBLISHING = "live"  # type: ignore[attr-defined]
    monkeypatch.setitem(REGISTRY, "x", Timeline)
    Timeline.posts, Timeline.requests = [], []
    Timeline.lose_next_answer, Timeline.refuse_duplicates, Timeline.listed = False, True, True
    return Timeline


def _approved(cast: object, text: str = WEEKLY) -> Post:
    account = publishing_account(
        head=cast.suzuki,  # type: ignore[attr-defined]
        policy_officer=cast.takahashi,  # type: ignore[attr-defined]
        department=cast.somu,  # type: ignore[attr-defined]
    )
    post = posts.save_post(
        actor=cast.tanaka,  # type: ignore[attr-defined]
        department=cast.somu,  # type: ignore[attr-defined]
        accounts=[account],
        text=text,
        publish_at=SLOT,
    )
    posts.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    posts.approve_post(actor=cast.suzuki, post=post)  # type: ignore[attr-defined]
    return post


def _crash_before_the_call(frozen: object) -> Delivery:
    """A worker claims the delivery, writes its attempt and dies before calling the platform."""
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    worker.schedule_due()
    [delivery_id] = worker.claim(1, worker="dying")
    delivery = Delivery.objects.get(pk=delivery_id)
    Delivery.objects.filter(pk=delivery_id).update(state=DeliveryState.PUBLISHING, attempts=1)
    Attempt.objects.create(delivery=delivery, number=1, worker="dying", started_at=SLOT)
    frozen.move_to(SLOT + worker.LEASE + timedelta(seconds=1))  # type: ignore[attr-defined]
    return delivery


def test_last_weeks_identical_notice_is_not_taken_for_this_weeks(
    cast: object, frozen: object, timeline: type[Timeline]
) -> None:
    timeline.refuse_duplicates = False  # most platforms accept the same text a week later
    timeline.posts = [Made(WEEKLY, SLOT - timedelta(days=7), "last-week")]
    _approved(cast)
    delivery = _crash_before_the_call(frozen)
    worker.run_once(worker="next")
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PUBLISHED
    assert delivery.platform_post_id == "2"  # sent now, not last week's adopted
    assert [p.id for p in timeline.posts] == ["last-week", "2"]
    # The platform was asked about the first attempt's time, not the retry's.
    assert all(r.first_attempt_at == SLOT for r in timeline.requests)


def test_a_post_made_by_the_crashed_attempt_is_found_not_sent_again(
    cast: object, frozen: object, timeline: type[Timeline]
) -> None:
    _approved(cast)
    delivery = _crash_before_the_call(frozen)
    timeline.posts = [Made(WEEKLY, SLOT + timedelta(seconds=1), "made-by-the-dead-worker")]
    worker.run_once(worker="next")
    delivery.refresh_from_db()
    assert (delivery.state, delivery.platform_post_id) == (
        DeliveryState.PUBLISHED,
        "made-by-the-dead-worker",
    )
    assert len(timeline.posts) == 1
    assert list(delivery.attempt_log.values_list("outcome", flat=True)) == ["started", "found"]


def test_a_duplicate_refusal_after_a_lost_answer_looks_again_and_waits_for_the_listing(
    cast: object, frozen: object, timeline: type[Timeline]
) -> None:
    _approved(cast)
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    timeline.lose_next_answer = True
    timeline.listed = False  # the new post does not show in the timeline at first
    worker.run_once()
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.WAITING  # a lost answer: retried, not failed
    frozen.move_to(delivery.next_attempt_at)  # type: ignore[attr-defined]
    worker.run_once()
    delivery.refresh_from_db()
    # The platform says "duplicate" and the post is not listed yet: wait, do not fail.
    assert delivery.state == DeliveryState.WAITING
    assert delivery.last_error_kind == ErrorKind.BAD_RESPONSE
    timeline.listed = True
    frozen.move_to(delivery.next_attempt_at)  # type: ignore[attr-defined]
    worker.run_once()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.platform_post_id) == (DeliveryState.PUBLISHED, "1")
    assert len(timeline.posts) == 1


def test_a_duplicate_refusal_without_an_unclear_attempt_is_final(
    cast: object, frozen: object, timeline: type[Timeline]
) -> None:
    timeline.posts = [Made(WEEKLY, SLOT - timedelta(hours=1), "an-hour-ago")]
    _approved(cast)
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    worker.run_once()
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.last_error_kind == ErrorKind.CONTENT_REFUSED


class Noting(Adapter):
    """Notes a container id, then is not ready; the next attempt must see the note."""

    code = "noting"
    seen: list[str | None] = []

    def publish(self, request: PublishRequest) -> Published:
        self.seen.append(request.notes.get("container"))
        if request.notes.get("container") is None:
            request.notes.put("container", "c-1")
            raise PublishError("still processing", ErrorKind.UNAVAILABLE)
        return Published("p-1", "https://example.jp/p-1")

    def find_existing(self, request: PublishRequest) -> Published | None:
        return None


def test_what_an_adapter_notes_survives_to_the_next_attempt(
    cast: object, frozen: object, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.KAGAMI_PUBLISHING = "live"  # type: ignore[attr-defined]
    monkeypatch.setitem(REGISTRY, "x", Noting)
    Noting.seen = []
    _approved(cast)
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    worker.run_once()
    delivery = Delivery.objects.get()
    assert delivery.adapter_notes == {"container": "c-1"}
    frozen.move_to(delivery.next_attempt_at)  # type: ignore[attr-defined]
    worker.run_once()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PUBLISHED and Noting.seen == [None, "c-1"]


class Refreshing(Adapter):
    """Refreshes its token on every call, as X does with a rotating refresh token."""

    code = "refreshing"
    credential_names = ("access_token",)

    def publish(self, request: PublishRequest) -> Published:
        self.keep_credentials({"access_token": "new-access", "refresh_token": "new-refresh"})
        raise PublishError("platform down after the refresh", ErrorKind.UNAVAILABLE)

    def find_existing(self, request: PublishRequest) -> Published | None:
        return None


def test_refreshed_tokens_are_kept_in_the_vault_even_when_the_post_then_fails(
    cast: object, frozen: object, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.KAGAMI_PUBLISHING = "live"  # type: ignore[attr-defined]
    monkeypatch.setitem(REGISTRY, "x", Refreshing)
    post = _approved(cast)
    account = post.targets.get().account
    credential = vault.store_credential(
        actor=cast.suzuki,  # type: ignore[attr-defined]
        account=account,
        login_id="kagamino_town",
        password="trombone-velvet-quasar-91",
        recovery_email="",
        recovery_phone="",
        two_factor_method="app",
        two_factor_storage="公用スマートフォン",
        custodian=cast.suzuki,  # type: ignore[attr-defined]
    )
    vault.set_api_token(
        actor=cast.suzuki,  # type: ignore[attr-defined]
        credential=credential,
        name="access_token",
        value="old-access",
    )
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    worker.run_once()
    tokens = {
        t.name: crypto.decrypt(t.value_encrypted)
        for t in ApiToken.objects.filter(credential=credential)
    }
    assert tokens["access_token"] == "new-access" and tokens["refresh_token"] == "new-refresh"
    event = AuditEvent.objects.get(action="vault.api_token_refreshed")
    assert event.data == {"names": ["access_token", "refresh_token"], "platform": "x"}
    assert "new-" not in str(event.data)
    assert Delivery.objects.get().state == DeliveryState.WAITING


class FourAtMost(Adapter):
    code = "four"
    max_images = 0
    called = False

    def publish(self, request: PublishRequest) -> Published:
        FourAtMost.called = True
        return Published("1", "https://example.jp/1")

    def find_existing(self, request: PublishRequest) -> Published | None:
        FourAtMost.called = True
        return None


def test_more_images_than_the_platform_takes_fail_before_any_call(
    cast: object, frozen: object, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.KAGAMI_PUBLISHING = "live"  # type: ignore[attr-defined]
    monkeypatch.setitem(REGISTRY, "x", FourAtMost)
    FourAtMost.called = False
    account = publishing_account(
        head=cast.suzuki,  # type: ignore[attr-defined]
        policy_officer=cast.takahashi,  # type: ignore[attr-defined]
        department=cast.somu,  # type: ignore[attr-defined]
    )
    post = posts.save_post(
        actor=cast.tanaka,  # type: ignore[attr-defined]
        department=cast.somu,  # type: ignore[attr-defined]
        accounts=[account],
        text=WEEKLY,
        publish_at=SLOT,
    )
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 90, 160)).save(buffer, "PNG")
    posts.add_image(
        actor=cast.tanaka,  # type: ignore[attr-defined]
        post=post,
        upload=SimpleUploadedFile("a.png", buffer.getvalue(), content_type="image/png"),
        alt_text="青い四角",
        source="総務課作成",
    )
    posts.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    posts.approve_post(actor=cast.suzuki, post=post)  # type: ignore[attr-defined]
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    worker.run_once()
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.last_error_kind == ErrorKind.CONTENT_REFUSED
    assert "at most 0 images" in delivery.last_error
    assert not FourAtMost.called
