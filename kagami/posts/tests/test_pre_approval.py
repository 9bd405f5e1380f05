"""Pre-approved categories (G-5-2-a) and after-the-fact reports (G-5-3)."""

from datetime import date, datetime

import pytest
import time_machine
from django.core import mail

from kagami.lib.errors import DomainError
from kagami.lib.workcalendar import JST
from kagami.posts import pre_approval, workflow
from kagami.posts.models import AfterReport, PostState

NOW = datetime(2026, 11, 27, 14, 0, tzinfo=JST)  # a Friday afternoon
RESULT = "本日の健康まつりには約300人の方にご来場いただきました。ありがとうございました。"


@pytest.fixture
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def grant(cast: object, account: object, frozen: object) -> object:
    return pre_approval.grant_pre_approval(
        head=cast.suzuki,
        staff=cast.tanaka,
        account=account,  # type: ignore[attr-defined]
        categories=["facts", "published"],
        valid_from=date(2026, 11, 1),
        valid_until=date(2027, 3, 31),
    )


def result_post(cast: object, account: object, text: str = RESULT) -> object:
    return workflow.save_post(
        actor=cast.tanaka,
        department=cast.somu,
        accounts=[account],
        text=text,  # type: ignore[attr-defined]
        publish_at=datetime(2026, 11, 27, 15, 0, tzinfo=JST),
    )


def test_staff_publish_an_event_result_and_the_head_confirms(
    cast: object,
    account: object,
    grant: object,
    frozen: object,
    django_capture_on_commit_callbacks: object,
) -> None:
    post = result_post(cast, account)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        report = pre_approval.publish_pre_approved(
            actor=cast.tanaka,
            post=post,
            category="facts",  # type: ignore[attr-defined]
            why_no_approval="所属長が出張中で連絡がつかないため",
            evidence_note="会場受付の集計（300人）",
        )
    post.refresh_from_db()  # type: ignore[attr-defined]
    assert post.state == PostState.APPROVED and post.pre_approved_category == "facts"  # type: ignore[attr-defined]
    # Due at the end of the next working day: Monday 30 Nov at 17:15.
    assert report.due_at == datetime(2026, 11, 30, 17, 15, tzinfo=JST)
    assert [m.to for m in mail.outbox] == [["suzuki@town.example.lg.jp"]]
    pre_approval.confirm_after_report(actor=cast.suzuki, report=report, outcome="confirmed")  # type: ignore[attr-defined]
    report.refresh_from_db()
    assert report.outcome == "confirmed" and report.confirmed_by == cast.suzuki  # type: ignore[attr-defined]


def test_an_unconfirmed_report_escalates_to_the_policy_division(
    cast: object,
    account: object,
    grant: object,
    frozen: object,
    django_capture_on_commit_callbacks: object,
) -> None:
    post = result_post(cast, account)
    report = pre_approval.publish_pre_approved(
        actor=cast.tanaka,
        post=post,
        category="facts",
        why_no_approval="不在",
        evidence_note="集計表",  # type: ignore[attr-defined]
    )
    assert pre_approval.escalate_after_reports() == 0
    frozen.move_to(datetime(2026, 11, 30, 17, 16, tzinfo=JST))  # type: ignore[attr-defined]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert pre_approval.escalate_after_reports() == 1
    assert pre_approval.escalate_after_reports() == 0  # once only
    report.refresh_from_db()
    assert report.escalated_at is not None
    assert mail.outbox[0].to == ["takahashi@town.example.lg.jp"]


def test_without_a_grant_staff_need_approval(cast: object, account: object, frozen: object) -> None:
    post = result_post(cast, account)
    with pytest.raises(DomainError, match="事前承認を受けていません"):
        pre_approval.publish_pre_approved(
            actor=cast.tanaka,
            post=post,
            category="facts",
            why_no_approval="不在",
            evidence_note="集計",
        )  # type: ignore[attr-defined]
    assert not AfterReport.objects.exists()


def test_a_category_outside_the_grant_is_refused(
    cast: object, account: object, grant: object
) -> None:
    post = result_post(cast, account)
    with pytest.raises(DomainError, match="この区分の事前承認を受けていません"):
        pre_approval.publish_pre_approved(
            actor=cast.tanaka,
            post=post,
            category="legal",
            why_no_approval="不在",
            evidence_note="条例",
        )  # type: ignore[attr-defined]


def test_already_published_content_needs_a_town_url(
    cast: object, account: object, grant: object
) -> None:
    post = result_post(
        cast,
        account,
        text="年末年始のごみ収集日程をお知らせします。詳しくは町ホームページをご覧ください。",
    )
    with pytest.raises(DomainError, match="ページのURLを入力"):
        pre_approval.publish_pre_approved(
            actor=cast.tanaka, post=post, category="published", why_no_approval="不在"
        )  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="町のサイトではありません"):
        pre_approval.publish_pre_approved(
            actor=cast.tanaka,
            post=post,
            category="published",
            why_no_approval="不在",  # type: ignore[attr-defined]
            evidence_url="https://town.kagamino.lg.jp.evil.example/gomi",
        )
    report = pre_approval.publish_pre_approved(
        actor=cast.tanaka,
        post=post,
        category="published",
        why_no_approval="不在",  # type: ignore[attr-defined]
        evidence_url="https://www.town.kagamino.lg.jp/kurashi/gomi.html",
    )
    assert report.evidence_url.endswith("gomi.html")


def test_a_revoked_or_expired_grant_no_longer_counts(
    cast: object, account: object, grant: object, frozen: object
) -> None:
    pre_approval.revoke_pre_approval(head=cast.suzuki, grant=grant)  # type: ignore[attr-defined, arg-type]
    post = result_post(cast, account)
    with pytest.raises(DomainError, match="事前承認を受けていません"):
        pre_approval.publish_pre_approved(
            actor=cast.tanaka,
            post=post,
            category="facts",
            why_no_approval="不在",
            evidence_note="集計",
        )  # type: ignore[attr-defined]


def test_only_the_head_grants_and_only_to_members(
    cast: object, account: object, frozen: object
) -> None:
    with pytest.raises(DomainError, match="所属長だけ"):
        pre_approval.grant_pre_approval(
            head=cast.tanaka,
            staff=cast.tanaka,
            account=account,
            categories=["facts"],  # type: ignore[attr-defined]
            valid_from=date(2026, 11, 1),
            valid_until=date(2026, 12, 1),
        )
    with pytest.raises(DomainError, match="所属の職員"):
        pre_approval.grant_pre_approval(
            head=cast.suzuki,
            staff=cast.sato,
            account=account,
            categories=["facts"],  # type: ignore[attr-defined]
            valid_from=date(2026, 11, 1),
            valid_until=date(2026, 12, 1),
        )


def test_a_problem_needs_a_description(cast: object, account: object, grant: object) -> None:
    post = result_post(cast, account)
    report = pre_approval.publish_pre_approved(
        actor=cast.tanaka, post=post, category="facts", why_no_approval="不在", evidence_note="集計"
    )  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="問題の内容"):
        pre_approval.confirm_after_report(actor=cast.suzuki, report=report, outcome="problem")  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="所属長か代決者だけ"):
        pre_approval.confirm_after_report(actor=cast.tanaka, report=report, outcome="confirmed")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "http://www.town.kagamino.lg.jp/kenko/",
        "https://evil.example\\@www.town.kagamino.lg.jp/",
        "https://user@www.town.kagamino.lg.jp/",
    ],
)
def test_the_evidence_url_must_be_a_plain_https_address(
    cast: object, account: object, grant: object, frozen: object, url: str
) -> None:
    post = result_post(cast, account)
    with pytest.raises(DomainError, match="根拠のURL"):
        pre_approval.publish_pre_approved(
            actor=cast.tanaka,  # type: ignore[attr-defined]
            post=post,
            category="published",
            why_no_approval="所属長が出張中のため",
            evidence_url=url,
        )
    post.refresh_from_db()  # type: ignore[attr-defined]
    assert post.state == PostState.DRAFT  # type: ignore[attr-defined]
