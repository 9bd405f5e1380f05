"""Where posts, the registry and publishing meet: each way the guideline's promises broke
between apps, as a test named after it (G-5-2, G-4-2, G-4-3, G-5-3, G-6-4). The same
guarantees are tried in random orders of events in test_guarantees.py."""

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine

from kagami.audit.models import AuditEvent
from kagami.lib.errors import DomainError
from kagami.lib.workcalendar import JST
from kagami.orgs.models import ActingAppointment
from kagami.posts import pre_approval
from kagami.posts import workflow as posts
from kagami.posts.models import Post, PostState, PostVersion
from kagami.publishing import worker
from kagami.publishing import workflow as publishing
from kagami.publishing.adapters import REGISTRY, ErrorKind, PublishError
from kagami.publishing.models import Delivery, DeliveryState, SandboxPost
from kagami.publishing.tests.test_worker import FlakyAdapter
from kagami.registry import reports as registry_reports
from kagami.registry.models import END_CHECKLIST, OfficialAccount
from kagami.registry.testing import publishing_account

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=JST)
SLOT = datetime(2026, 11, 24, 10, 0, tzinfo=JST)
TEXT = "健康まつりのお知らせです。"
EDITED = "健康まつりは中止になりました。"


@pytest.fixture
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def account(cast: object) -> OfficialAccount:
    return publishing_account(head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu)  # type: ignore[attr-defined]


def _save(
    cast: Any,
    accounts: list[OfficialAccount],
    text: str = TEXT,
    *,
    actor: Any = None,
    publish_at: datetime = SLOT,
    post: Post | None = None,
) -> Post:
    """Save a draft of 総務課 (a new one, or an edit of `post`), by 田中 unless `actor`."""
    return posts.save_post(
        actor=actor or cast.tanaka,
        department=cast.somu,
        accounts=accounts,
        text=text,
        publish_at=publish_at,
        post=post,
    )


def _approved(cast: object, accounts: list[OfficialAccount], text: str = TEXT) -> Post:
    post = _save(cast, accounts, text)
    posts.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    return posts.approve_post(actor=cast.suzuki, post=post)  # type: ignore[attr-defined]


@pytest.fixture
def live(settings: object, monkeypatch: pytest.MonkeyPatch) -> type[FlakyAdapter]:
    settings.KAGAMI_PUBLISHING = "live"  # type: ignore[attr-defined]
    monkeypatch.setitem(REGISTRY, "x", FlakyAdapter)
    FlakyAdapter.errors, FlakyAdapter.posted = [], []
    return FlakyAdapter


def test_an_edit_after_a_temporary_failure_cancels_the_delivery_and_the_new_text_waits_for_approval(
    cast: object, account: OfficialAccount, frozen: object, live: type[FlakyAdapter]
) -> None:
    post = _approved(cast, [account])
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    live.errors = [PublishError("503 Service Unavailable", ErrorKind.UNAVAILABLE)]
    worker.run_once()
    assert Delivery.objects.get().state == DeliveryState.WAITING
    _save(cast, [account], EDITED, publish_at=SLOT + timedelta(hours=1), post=post)
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.CANCELLED and "編集" in delivery.reason
    frozen.move_to(SLOT + timedelta(hours=2))  # type: ignore[attr-defined]
    worker.run_once()
    assert live.posted == []  # neither the old nor the unapproved new text went out
    post.refresh_from_db()
    assert post.state == PostState.DRAFT and post.version == 2


def test_the_worker_sends_the_approved_text_even_if_the_live_row_changed_behind_its_back(
    cast: object, account: OfficialAccount, frozen: object
) -> None:
    post = _approved(cast, [account])
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    worker.schedule_due()
    Post.objects.filter(pk=post.pk).update(text=EDITED)  # not through the workflow
    worker.run_once()
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.CANCELLED
    assert "一致しない" in delivery.reason or "無効" in delivery.reason
    assert not SandboxPost.objects.exists()


def test_a_post_withdrawn_while_paused_stays_withdrawn_and_never_goes_out(
    cast: object, account: OfficialAccount, frozen: object
) -> None:
    post = _approved(cast, [account])
    stop = publishing.pause(actor=cast.takahashi, reason="災害対応", account=account)  # type: ignore[attr-defined]
    frozen.move_to(SLOT + timedelta(minutes=5))  # type: ignore[attr-defined]
    worker.run_once()
    posts.withdraw_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    assert Delivery.objects.get().state == DeliveryState.CANCELLED
    held = publishing.resume(actor=cast.takahashi, stop=stop)  # type: ignore[attr-defined]
    assert held == []
    worker.run_once()
    post.refresh_from_db()
    assert post.state == PostState.WITHDRAWN and not SandboxPost.objects.exists()


def test_a_held_delivery_of_a_withdrawn_post_cannot_be_sent_late(
    cast: object, account: OfficialAccount, frozen: object
) -> None:
    post = _approved(cast, [account])
    stop = publishing.pause(actor=cast.takahashi, reason="災害対応", account=account)  # type: ignore[attr-defined]
    frozen.move_to(SLOT + timedelta(minutes=5))  # type: ignore[attr-defined]
    worker.run_once()
    [held] = publishing.resume(actor=cast.takahashi, stop=stop)  # type: ignore[attr-defined]
    Post.objects.filter(pk=post.pk).update(state=PostState.WITHDRAWN)  # e.g. by the admin site
    with pytest.raises(DomainError, match="取り下げ"):
        publishing.decide_late(actor=cast.suzuki, delivery=held, send=True)  # type: ignore[attr-defined]
    assert Delivery.objects.get().state == DeliveryState.HELD


def _stop(cast: object, account: OfficialAccount, kind: str) -> None:
    report = registry_reports.file_end_report(
        actor=cast.suzuki,  # type: ignore[attr-defined]
        account=account,
        end_kind=kind,
        end_date=NOW.date(),
        reason="事業の見直しのため",
        disposition="lock",
        checklist=dict.fromkeys(END_CHECKLIST, True),
    )
    registry_reports.accept_report(actor=cast.takahashi, report=report)  # type: ignore[attr-defined]


def test_a_suspended_account_holds_what_was_already_queued(
    cast: object, account: OfficialAccount, frozen: object
) -> None:
    _approved(cast, [account])
    _stop(cast, account, "suspend")
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    worker.run_once()
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.HELD and delivery.reason
    assert not SandboxPost.objects.exists()
    assert AuditEvent.objects.filter(action="publishing.held").exists()


def test_an_ended_account_cancels_what_was_already_queued(
    cast: object, account: OfficialAccount, frozen: object
) -> None:
    _approved(cast, [account])
    _stop(cast, account, "end")
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    worker.run_once()
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.CANCELLED and "終了" in delivery.reason
    assert not SandboxPost.objects.exists()


def test_approval_checks_the_account_again(
    cast: object, account: OfficialAccount, frozen: object
) -> None:
    post = _save(cast, [account], TEXT)
    posts.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    _stop(cast, account, "suspend")
    with pytest.raises(DomainError, match="休止"):
        posts.approve_post(actor=cast.suzuki, post=post)  # type: ignore[attr-defined]
    post.refresh_from_db()
    assert post.state == PostState.SUBMITTED


def test_an_account_ending_in_the_future_still_publishes_until_its_end_date(
    cast: object, account: OfficialAccount, frozen: object
) -> None:
    report = registry_reports.file_end_report(
        actor=cast.suzuki,  # type: ignore[attr-defined]
        account=account,
        end_kind="end",
        end_date=NOW.date() + timedelta(days=3),
        reason="事業の見直しのため",
        disposition="lock",
        checklist=dict.fromkeys(END_CHECKLIST, True),
    )
    registry_reports.accept_report(actor=cast.takahashi, report=report)  # type: ignore[attr-defined]
    _approved(cast, [account], "このアカウントは12月末で運用を終了します。")
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    worker.run_once()
    assert Delivery.objects.get().state == DeliveryState.PUBLISHED  # the closing post


def test_a_head_who_rewrote_the_draft_cannot_approve_their_own_words(
    cast: object, account: OfficialAccount, frozen: object
) -> None:
    post = _save(cast, [account], TEXT)
    _save(cast, [account], EDITED, actor=cast.suzuki, post=post)
    posts.submit_post(actor=cast.suzuki, post=post)  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="自分が作成・編集"):
        posts.approve_post(actor=cast.suzuki, post=post)  # type: ignore[attr-defined]
    editors = set(PostVersion.objects.filter(post=post).values_list("edited_by", flat=True))
    assert editors == {cast.tanaka.pk, cast.suzuki.pk}  # type: ignore[attr-defined]


def test_an_acting_approver_cannot_confirm_their_own_after_the_fact_report(
    cast: object, account: OfficialAccount, frozen: object
) -> None:
    ActingAppointment.objects.create(
        department=cast.somu,  # type: ignore[attr-defined]
        deputy=cast.tanaka,  # type: ignore[attr-defined]
        appointed_by=cast.suzuki,  # type: ignore[attr-defined]
        starts_at=NOW - timedelta(days=1),
        ends_at=NOW + timedelta(days=7),
    )
    pre_approval.grant_pre_approval(
        head=cast.suzuki,  # type: ignore[attr-defined]
        staff=cast.tanaka,  # type: ignore[attr-defined]
        account=account,
        categories=["facts"],
        valid_from=NOW.date(),
        valid_until=NOW.date() + timedelta(days=30),
    )
    post = _save(cast, [account], "健康まつりには300人が来場しました。")
    report = pre_approval.publish_pre_approved(
        actor=cast.tanaka,  # type: ignore[attr-defined]
        post=post,
        category="facts",
        why_no_approval="所属長が出張中のため",
        evidence_note="実施報告書",
    )
    with pytest.raises(DomainError, match="事後報告は確認できません"):
        pre_approval.confirm_after_report(actor=cast.tanaka, report=report, outcome="confirmed")  # type: ignore[attr-defined]
    pre_approval.confirm_after_report(actor=cast.suzuki, report=report, outcome="confirmed")  # type: ignore[attr-defined]


def test_a_failed_delivery_can_be_sent_again_with_the_same_approved_text(
    cast: object, account: OfficialAccount, frozen: object, live: type[FlakyAdapter]
) -> None:
    post = _approved(cast, [account])
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    live.errors = [PublishError("Forbidden", ErrorKind.REFUSED)]
    worker.run_once()
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    with pytest.raises(DomainError):
        publishing.resend(actor=cast.sato, delivery=delivery)  # type: ignore[attr-defined]
    publishing.resend(actor=cast.tanaka, delivery=delivery)  # type: ignore[attr-defined]
    worker.run_once()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PUBLISHED
    assert live.posted == [str(delivery.idempotency_key)]
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHED


def test_a_post_edited_and_approved_again_after_a_failure_goes_out_as_a_fresh_delivery(
    cast: object, account: OfficialAccount, frozen: object, live: type[FlakyAdapter]
) -> None:
    post = _approved(cast, [account])
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    live.errors = [PublishError("too long", ErrorKind.CONTENT_REFUSED)]
    worker.run_once()
    later = SLOT + timedelta(hours=1)
    _save(cast, [account], EDITED, publish_at=later, post=post)
    posts.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    posts.approve_post(actor=cast.suzuki, post=post)  # type: ignore[attr-defined]
    frozen.move_to(later)  # type: ignore[attr-defined]
    worker.run_once()
    old, new = Delivery.objects.order_by("version")
    assert (old.version, old.state) == (1, DeliveryState.FAILED)
    assert (new.version, new.state, new.text) == (2, DeliveryState.PUBLISHED, EDITED)


def test_an_account_with_a_delivery_can_be_removed_from_the_post(
    cast: object, frozen: object, live: type[FlakyAdapter]
) -> None:
    first = publishing_account(
        head=cast.suzuki,  # type: ignore[attr-defined]
        policy_officer=cast.takahashi,  # type: ignore[attr-defined]
        department=cast.somu,  # type: ignore[attr-defined]
    )
    second = publishing_account(
        head=cast.suzuki,  # type: ignore[attr-defined]
        policy_officer=cast.takahashi,  # type: ignore[attr-defined]
        department=cast.somu,  # type: ignore[attr-defined]
        handle="@kagamino_kanko",
        url="https://x.com/kagamino_kanko",
        name="鏡野町観光",
    )
    post = _approved(cast, [first, second])
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    live.errors = [PublishError("Forbidden", ErrorKind.REFUSED)] * 2
    worker.run_once()
    _save(cast, [first], TEXT, publish_at=SLOT + timedelta(hours=1), post=post)
    assert [t.account for t in post.targets.all()] == [first]
    assert Delivery.objects.filter(account=second).exists()  # kept as a record


def test_a_date_passed_by_a_late_send_holds_the_delivery_for_a_person(
    cast: object, account: OfficialAccount, frozen: object
) -> None:
    _approved(cast, [account], "本日11月24日（火）10時から健康まつりを開催します。")
    stop = publishing.pause(actor=cast.takahashi, reason="災害対応")  # type: ignore[attr-defined]
    frozen.move_to(SLOT + timedelta(days=1))  # type: ignore[attr-defined]
    # Even if no worker ran during the pause, resuming finds the post that became due.
    [held] = publishing.resume(actor=cast.takahashi, stop=stop)  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="過ぎています"):
        publishing.decide_late(actor=cast.suzuki, delivery=held, send=True)  # type: ignore[attr-defined]
    publishing.decide_late(actor=cast.suzuki, delivery=held, send=False)  # type: ignore[attr-defined]
    assert Delivery.objects.get().state == DeliveryState.CANCELLED
    assert not SandboxPost.objects.exists()


def test_the_author_sends_a_failed_post_again_from_the_post_page(
    client: object,
    cast: object,
    account: OfficialAccount,
    frozen: object,
    live: type[FlakyAdapter],
    login: object,
) -> None:
    from django.urls import reverse

    post = _approved(cast, [account])
    frozen.move_to(SLOT)  # type: ignore[attr-defined]
    live.errors = [PublishError("Forbidden", ErrorKind.REFUSED)]
    worker.run_once()
    delivery = Delivery.objects.get()
    login(client, cast.sato)  # type: ignore[operator, attr-defined]
    resend = reverse("publishing:resend", args=[delivery.pk])
    assert client.post(resend).status_code == 404  # type: ignore[attr-defined]
    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    page = client.get(reverse("posts:post_detail", args=[post.pk])).content.decode()  # type: ignore[attr-defined]
    assert "同じ内容で送り直す" in page
    client.post(resend)  # type: ignore[attr-defined]
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.WAITING and delivery.attempts_this_round == 0


def test_deciding_on_a_held_post_never_redirects_off_site(
    client: object, cast: object, account: OfficialAccount, frozen: object, login: object
) -> None:
    from django.urls import reverse

    _approved(cast, [account])
    stop = publishing.pause(actor=cast.takahashi, reason="災害対応", account=account)  # type: ignore[attr-defined]
    frozen.move_to(SLOT + timedelta(minutes=5))  # type: ignore[attr-defined]
    [held] = publishing.resume(actor=cast.takahashi, stop=stop)  # type: ignore[attr-defined]
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    response = client.post(  # type: ignore[attr-defined]
        reverse("publishing:decide_late", args=[held.pk]),
        {"send": "0", "next": "https://evil.example/phish"},
    )
    assert response.status_code == 302 and "evil.example" not in response["Location"]
    assert Delivery.objects.get().state == DeliveryState.CANCELLED


@pytest.mark.parametrize("scope", ["a999999", "d999999", "x1", "a", "a1e3", "a" + "9" * 40])
def test_an_unknown_pause_scope_pauses_nothing(
    client: object, cast: object, account: OfficialAccount, login: object, scope: str
) -> None:
    from django.urls import reverse

    from kagami.publishing.models import Pause

    login(client, cast.takahashi)  # type: ignore[operator, attr-defined]
    response = client.post(  # type: ignore[attr-defined]
        reverse("publishing:pauses"), {"scope": scope, "reason": "訓練"}, follow=True
    )
    assert response.status_code == 200 and "止める範囲が見つかりません" in response.content.decode()
    assert not Pause.objects.exists()
