"""Corrections (G-6-1): the original is kept as published before anything changes, the
correction post is drafted from the kind's text, linked both ways, approved on the fast track
(never by its writer), and the original comes down through the adapter or by hand."""

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from kagami.audit.models import AuditEvent
from kagami.incidents import corrections
from kagami.incidents.models import Correction
from kagami.incidents.models.corrections import RemovalState
from kagami.lib.errors import DomainError
from kagami.lib.workcalendar import JST
from kagami.orgs.models import Notification
from kagami.posts import workflow as posts
from kagami.posts.models import Post, PostState
from kagami.publishing import worker
from kagami.publishing.models import SandboxPost
from kagami.registry.models import OfficialAccount
from kagami.registry.testing import publishing_account

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=JST)
SLOT = datetime(2026, 11, 24, 10, 0, tzinfo=JST)
WRONG = "12月3日（木）は燃えるごみの収集日です。"


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def account(cast: Any) -> OfficialAccount:
    return publishing_account(head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu)


@pytest.fixture
def published(cast: Any, account: OfficialAccount, frozen: Any) -> Post:
    post = posts.save_post(
        actor=cast.tanaka, department=cast.somu, accounts=[account], text=WRONG, publish_at=SLOT
    )
    posts.submit_post(actor=cast.tanaka, post=post)
    posts.approve_post(actor=cast.suzuki, post=post)
    frozen.move_to(SLOT)
    worker.run_once()
    post.refresh_from_db()
    assert post.state == PostState.PUBLISHED
    return post


def _open(cast: Any, post: Post, **extra: Any) -> Correction:
    return corrections.open_correction(
        actor=extra.pop("actor", cast.tanaka),
        original=post,
        kind=extra.pop("kind", "correction"),
        what_was_wrong="収集日は12月4日（金）でした。",
        affected="東地区の住民の方",
        **extra,
    )


def test_a_correction_keeps_the_original_and_drafts_a_linked_post(
    cast: Any, published: Post
) -> None:
    correction = _open(cast, published)
    record = correction.original_record
    assert record["text"] == WRONG
    [where] = record["published"]
    assert where["platform_post_id"] and where["url"]
    draft = correction.post
    assert draft is not None and draft.statement == "correction" and draft.corrects == published
    assert "【訂正】" in draft.text and "総務課" in draft.text
    assert list(published.corrections.all()) == [draft]
    assert Notification.objects.filter(user=cast.takahashi, subject__contains="訂正").exists()
    assert AuditEvent.objects.filter(action="incidents.correction_opened").count() == 1


def test_the_fast_track_lets_the_policy_division_approve_but_never_the_writer(
    cast: Any, published: Post
) -> None:
    correction = _open(cast, published)
    draft = correction.post
    assert draft is not None
    posts.submit_post(actor=cast.tanaka, post=draft)
    with pytest.raises(DomainError):
        posts.approve_post(actor=cast.tanaka, post=draft)
    posts.approve_post(actor=cast.takahashi, post=draft)  # not the department's head
    draft.refresh_from_db()
    assert draft.state == PostState.APPROVED
    # An ordinary post still needs the department's head or acting approver.
    ordinary = posts.save_post(
        actor=cast.tanaka,
        department=cast.somu,
        accounts=[published.targets.get().account],
        text="お知らせ",
        publish_at=SLOT + timedelta(hours=1),
    )
    posts.submit_post(actor=cast.tanaka, post=ordinary)
    with pytest.raises(DomainError):
        posts.approve_post(actor=cast.takahashi, post=ordinary)


def test_the_original_comes_down_through_the_adapter_and_stays_on_record(
    cast: Any, published: Post
) -> None:
    correction = _open(cast, published)
    with pytest.raises(DomainError):
        corrections.remove_original(actor=cast.tanaka, correction=correction)
    [removal] = corrections.remove_original(actor=cast.suzuki, correction=correction)
    assert removal.state == RemovalState.REMOVED
    assert SandboxPost.objects.get().deleted_at is not None
    correction.refresh_from_db()
    assert correction.original_record["text"] == WRONG  # kept as published
    assert AuditEvent.objects.filter(action="incidents.original_removed").count() == 1
    # Nothing left to remove: a second press does nothing.
    assert corrections.remove_original(actor=cast.suzuki, correction=correction) == []


def test_a_platform_without_a_delete_api_is_removed_by_hand_with_the_time_recorded(
    cast: Any, published: Post, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kagami.publishing.adapters.sandbox import SandboxAdapter

    monkeypatch.setattr(SandboxAdapter, "can_delete", False)
    correction = _open(cast, published)
    [removal] = corrections.remove_original(actor=cast.suzuki, correction=correction)
    assert removal.state == RemovalState.BY_HAND
    with pytest.raises(DomainError):
        corrections.record_removed_by_hand(
            actor=cast.tanaka, removal=removal, at=SLOT + timedelta(days=3)
        )
    corrections.record_removed_by_hand(actor=cast.tanaka, removal=removal, at=SLOT)
    removal.refresh_from_db()
    assert removal.state == RemovalState.REMOVED_BY_HAND and removal.done_at == SLOT


def test_only_a_published_post_is_corrected_and_bad_input_changes_nothing(
    cast: Any, account: OfficialAccount, published: Post
) -> None:
    draft = posts.save_post(
        actor=cast.tanaka, department=cast.somu, accounts=[account], text="下書き", publish_at=SLOT
    )
    with pytest.raises(DomainError):
        _open(cast, draft)
    for bad in (
        {"kind": "press"},
        {"actor": cast.sato},
        {"actor": cast.ito},
    ):
        with pytest.raises(DomainError):
            _open(cast, published, **bad)
    with pytest.raises(DomainError):
        corrections.open_correction(
            actor=cast.tanaka, original=published, kind="apology", what_was_wrong="  "
        )
    assert not Correction.objects.exists()


def test_the_public_log_lists_a_correction_once_it_is_published(
    cast: Any, published: Post, frozen: Any
) -> None:
    correction = _open(cast, published, kind="apology")
    assert corrections.public_log() == []
    draft = correction.post
    assert draft is not None
    posts.save_post(
        actor=cast.tanaka,
        department=cast.somu,
        accounts=[published.targets.get().account],
        text="【お詫び】12月3日と書いた収集日は、正しくは12月4日（金）でした。お詫びします。",
        publish_at=SLOT + timedelta(minutes=30),
        statement="apology",
        post=draft,
    )
    posts.submit_post(actor=cast.tanaka, post=draft)
    posts.approve_post(actor=cast.suzuki, post=draft)
    frozen.move_to(SLOT + timedelta(minutes=30))
    worker.run_once()
    assert corrections.public_log() == [correction]
    # In the public directory: the page and the feed.
    from django.test import Client

    page = Client().get(reverse("public:index")).content.decode()
    assert "訂正・お詫びの履歴" in page and WRONG.split("。")[0] in page
    [logged] = Client().get(reverse("public:feed")).json()["corrections"]
    # The training network's addresses are not public ones: no link, the entry stays.
    assert logged["kind"] == "お詫び" and logged["links"] == []


def test_the_correction_pages(cast: Any, published: Post, client: Any, login: Any) -> None:
    login(client, cast.tanaka)
    detail = client.get(reverse("posts:post_detail", args=[published.pk]))
    assert reverse("incidents:correction_new", args=[published.pk]) in detail.text
    new = reverse("incidents:correction_new", args=[published.pk])
    for bad in (
        {},
        {"kind": "correction", "what_was_wrong": ""},
        {"kind": "<b>", "what_was_wrong": "x"},
        {"kind": "correction", "what_was_wrong": "あ" * 5000},
    ):
        page = client.post(new, bad)
        assert page.status_code == 200 and "エラー" in page.text
    assert not Correction.objects.exists()
    made = client.post(new, {"kind": "correction", "what_was_wrong": "日付の誤り"})
    correction = Correction.objects.get()
    assert made["Location"] == reverse("incidents:correction_detail", args=[correction.pk])
    page = client.get(made["Location"])
    assert WRONG in page.text
    login(client, cast.sato)
    assert client.get(made["Location"]).status_code == 404
    assert client.get(new).status_code == 404


def test_a_post_may_be_corrected_twice(cast: Any, published: Post) -> None:
    first = _open(cast, published)
    corrections.remove_original(actor=cast.suzuki, correction=first)
    second = _open(cast, published, kind="apology")
    [removal] = corrections.remove_original(actor=cast.suzuki, correction=second)
    assert removal.state == RemovalState.REMOVED  # already gone: success
    assert published.corrections.count() == 2


def test_a_problem_found_on_an_after_the_fact_report_leads_to_a_correction(
    cast: Any, account: OfficialAccount, frozen: Any, client: Any, login: Any
) -> None:
    from datetime import date

    from kagami.posts import pre_approval

    pre_approval.grant_pre_approval(
        head=cast.suzuki,
        staff=cast.tanaka,
        account=account,
        categories=["facts"],
        valid_from=date(2026, 11, 1),
        valid_until=date(2027, 3, 31),
    )
    post = posts.save_post(
        actor=cast.tanaka,
        department=cast.somu,
        accounts=[account],
        text="本日の健康まつりには約3000人の方にご来場いただきました。",
        publish_at=SLOT,
    )
    report = pre_approval.publish_pre_approved(
        actor=cast.tanaka,
        post=post,
        category="facts",
        why_no_approval="所属長が出張中",
        evidence_note="受付の集計",
    )
    frozen.move_to(SLOT)
    worker.run_once()
    pre_approval.confirm_after_report(
        actor=cast.suzuki, report=report, outcome="problem", comment="来場者は約300人の誤り"
    )
    assert Notification.objects.filter(user=cast.tanaka, subject__contains="問題がある").exists()
    login(client, cast.tanaka)
    page = client.get(reverse("posts:post_detail", args=[post.pk])).text
    assert "この問題の訂正・お詫びを始める" in page
    assert reverse("incidents:correction_new", args=[post.pk]) in page
