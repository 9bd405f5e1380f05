"""Posts and their approval (G-5-1, G-5-2): errors block, warnings need a reason, nobody
approves their own post, an approval binds the version, late posts expire."""

from datetime import datetime

import pytest
import time_machine

from kagami.audit.models import AuditEvent
from kagami.lib.errors import DomainError
from kagami.lib.workcalendar import JST
from kagami.posts import workflow
from kagami.posts.models import Approval, PostState

# A Tuesday morning; the post goes out on Wednesday 25 Nov 2026 at 10:00.
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=JST)
SLOT = datetime(2026, 11, 25, 10, 0, tzinfo=JST)
CLEAN = "【お知らせ】11月28日（土）に鏡野町文化センターで健康まつりを開催します。詳しくは https://www.town.kagamino.lg.jp/ をご覧ください。"

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def draft(
    cast: object, account: object, text: str = CLEAN, when: datetime = SLOT, **extra: object
) -> object:
    return workflow.save_post(
        actor=cast.tanaka,
        department=cast.somu,
        accounts=[account],
        text=text,
        publish_at=when,
        **extra,  # type: ignore[attr-defined]
    )


def test_a_clean_post_is_submitted_and_approved_by_the_head(cast: object, account: object) -> None:
    post = draft(cast, account)
    workflow.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    workflow.approve_post(actor=cast.suzuki, post=post, comment="OKです")  # type: ignore[attr-defined]
    post.refresh_from_db()  # type: ignore[attr-defined]
    assert post.state == PostState.APPROVED  # type: ignore[attr-defined]
    assert post.current_approval().decided_by == cast.suzuki  # type: ignore[attr-defined]
    actions = list(
        AuditEvent.objects.filter(target_type="posts.post")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["posts.drafted", "posts.submitted", "posts.approved"]


def test_errors_block_submission(cast: object, account: object) -> None:
    post = draft(cast, account, text="11月25日（火）に①の会場で開催します。")
    with pytest.raises(DomainError, match="直す必要がある項目"):
        workflow.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    post.refresh_from_db()  # type: ignore[attr-defined]
    assert post.state == PostState.DRAFT  # type: ignore[attr-defined]


def test_warnings_need_a_recorded_reason(cast: object, account: object) -> None:
    post = draft(cast, account, text="詳しくは https://bit.ly/kagamino をご覧ください。")
    with pytest.raises(DomainError, match=r"link\.shortener"):
        workflow.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    workflow.submit_post(
        actor=cast.tanaka, post=post, acknowledgements={"link.shortener": "県の公式短縮URLのため"}
    )  # type: ignore[attr-defined]
    ack = post.acknowledgements.get()  # type: ignore[attr-defined]
    assert (ack.rule, ack.reason, ack.by, ack.excerpt) == (
        "link.shortener",
        "県の公式短縮URLのため",
        cast.tanaka,
        "https://bit.ly/kagamino",
    )  # type: ignore[attr-defined]


def test_nobody_approves_their_own_post(cast: object, account: object) -> None:
    post = workflow.save_post(
        actor=cast.suzuki, department=cast.somu, accounts=[account], text=CLEAN, publish_at=SLOT
    )  # type: ignore[attr-defined]
    workflow.submit_post(actor=cast.suzuki, post=post)  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="自分が作成・編集した投稿"):
        workflow.approve_post(actor=cast.suzuki, post=post)  # type: ignore[attr-defined]
    assert not Approval.objects.exists()


def test_staff_and_outsiders_cannot_approve(cast: object, account: object) -> None:
    post = draft(cast, account)
    workflow.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    for outsider in (cast.sato, cast.takahashi):  # type: ignore[attr-defined]
        with pytest.raises(DomainError, match="所属長か代決者だけ"):
            workflow.approve_post(actor=outsider, post=post)


def test_the_acting_approver_approves_while_on_duty(cast: object, account: object) -> None:
    from kagami.orgs import workflow as orgs
    from kagami.orgs.models import Membership, Role, User

    deputy = User.objects.create_user(
        email="nakamura@town.example.lg.jp", display_name="中村 翔", staff_number="1003"
    )
    Membership.objects.create(user=deputy, department=cast.somu, role=Role.STAFF)  # type: ignore[attr-defined]
    orgs.appoint_acting_approver(
        head=cast.suzuki,
        department=cast.somu,
        deputy=deputy,  # type: ignore[attr-defined]
        starts_at=NOW,
        ends_at=datetime(2026, 11, 24, 18, 0, tzinfo=JST),
        reason="出張のため",
    )
    post = draft(cast, account)
    workflow.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    workflow.approve_post(actor=deputy, post=post)
    assert Approval.objects.get().as_acting_approver


def test_an_edit_after_approval_needs_a_new_approval(cast: object, account: object) -> None:
    post = draft(cast, account)
    workflow.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    workflow.approve_post(actor=cast.suzuki, post=post)  # type: ignore[attr-defined]
    workflow.save_post(
        actor=cast.tanaka,
        department=cast.somu,
        accounts=[account],
        text=CLEAN + "（雨天決行）",
        publish_at=SLOT,
        post=post,  # type: ignore[attr-defined]
    )
    post.refresh_from_db()  # type: ignore[attr-defined]
    assert post.state == PostState.DRAFT and post.version == 2 and post.current_approval() is None  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="posts.approval_voided").exists()


def test_a_post_not_approved_in_time_expires(cast: object, account: object, frozen: object) -> None:
    post = draft(cast, account)
    workflow.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    frozen.move_to(datetime(2026, 11, 25, 10, 1, tzinfo=JST))  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="期限切れ"):
        workflow.approve_post(actor=cast.suzuki, post=post)  # type: ignore[attr-defined]
    post.refresh_from_db()  # type: ignore[attr-defined]
    assert post.state == PostState.EXPIRED  # type: ignore[attr-defined]


def test_the_worker_expires_waiting_posts(cast: object, account: object, frozen: object) -> None:
    post = draft(cast, account)
    workflow.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    assert workflow.expire_overdue_posts() == 0
    frozen.move_to(datetime(2026, 11, 25, 10, 0, tzinfo=JST))  # type: ignore[attr-defined]
    assert workflow.expire_overdue_posts() == 1
    post.refresh_from_db()  # type: ignore[attr-defined]
    assert post.state == PostState.EXPIRED  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (datetime(2026, 11, 28, 10, 0, tzinfo=JST), "閉庁日（土曜日）"),
        (datetime(2026, 12, 30, 10, 0, tzinfo=JST), "閉庁日（年末年始）"),
        (datetime(2026, 11, 25, 19, 0, tzinfo=JST), "運用時間外"),
    ],
)
def test_a_time_outside_hours_needs_a_reason_and_names_the_next_slot(
    cast: object, account: object, when: datetime, message: str
) -> None:
    post = draft(
        cast,
        account,
        text="ごみ収集日のお知らせです。詳しくは https://www.town.kagamino.lg.jp/ をご覧ください。",
        when=when,
    )
    with pytest.raises(DomainError, match=message) as error:
        workflow.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    assert "次に投稿できるのは" in error.value.message
    post = workflow.save_post(
        actor=cast.tanaka,
        department=cast.somu,
        accounts=[account],
        text=post.text,
        publish_at=when,  # type: ignore[attr-defined]
        out_of_hours_kind="disaster",
        post=post,
    )
    workflow.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    assert post.state == PostState.SUBMITTED  # type: ignore[attr-defined]


def test_an_account_whose_start_report_is_not_accepted_cannot_be_a_target(cast: object) -> None:
    from kagami.registry import workflow as registry
    from kagami.registry.models import Platform

    planned = registry.plan_account(
        actor=cast.suzuki,
        platform=Platform.objects.get(code="bluesky"),
        name="防災",  # type: ignore[attr-defined]
        handle="kagamino.bsky.social",
        url="https://bsky.app/profile/kagamino.bsky.social",
        lead_department=cast.somu,  # type: ignore[attr-defined]
    )
    with pytest.raises(DomainError, match="運用開始報告書が受理されていない"):
        draft(cast, planned)


def test_another_department_cannot_post_on_the_account(cast: object, account: object) -> None:
    with pytest.raises(DomainError, match="この所属の投稿は作成できません"):
        workflow.save_post(
            actor=cast.sato, department=cast.somu, accounts=[account], text=CLEAN, publish_at=SLOT
        )  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="この所属のアカウントではありません"):
        workflow.save_post(
            actor=cast.sato, department=cast.sangyo, accounts=[account], text=CLEAN, publish_at=SLOT
        )  # type: ignore[attr-defined]
