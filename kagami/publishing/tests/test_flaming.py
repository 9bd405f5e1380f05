"""炎上 mode at the publishing seam (G-6-4): while an account is restricted to statements,
scheduled posts wait and only approved official statements go out; who may restrict and lift.
The same rule is tried in random orders of events in test_guarantees.py."""

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine

from kagami.lib.errors import DomainError
from kagami.lib.workcalendar import JST
from kagami.posts import workflow as posts
from kagami.posts.models import Post
from kagami.publishing import worker
from kagami.publishing import workflow as publishing
from kagami.publishing.models import Delivery, DeliveryState, SandboxPost
from kagami.registry.models import OfficialAccount
from kagami.registry.testing import publishing_account

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=JST)
SLOT = datetime(2026, 11, 24, 10, 0, tzinfo=JST)


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def account(cast: Any) -> OfficialAccount:
    return publishing_account(head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu)


def _approved(cast: Any, account: OfficialAccount, text: str, statement: str = "") -> Post:
    post = posts.save_post(
        actor=cast.tanaka,
        department=cast.somu,
        accounts=[account],
        text=text,
        publish_at=SLOT,
        statement=statement,
    )
    posts.submit_post(actor=cast.tanaka, post=post)
    posts.approve_post(actor=cast.suzuki, post=post)
    return post


def test_only_approved_statements_go_out_while_the_account_is_in_flaming_mode(
    cast: Any, account: OfficialAccount, frozen: Any
) -> None:
    notice = _approved(cast, account, "紅葉まつりのお知らせです。")
    apology = _approved(cast, account, "昨日の投稿に誤りがありました。お詫びします。", "apology")
    stop = publishing.restrict_to_statements(
        actor=cast.suzuki, account=account, reason="ごみ収集日の誤りへの批判が続いているため"
    )
    frozen.move_to(SLOT)
    worker.run_once()
    assert [p.text for p in SandboxPost.objects.all()] == [apology.text]
    waiting = Delivery.objects.get(post=notice)
    assert waiting.state == DeliveryState.WAITING
    # Lifted by the head when the incident ends: the late notice waits for a person's decision.
    frozen.move_to(SLOT + timedelta(hours=2))
    [held] = publishing.resume(actor=cast.suzuki, stop=stop)
    assert held.post == notice and held.state == DeliveryState.HELD


def test_making_an_approved_post_a_statement_afterwards_needs_a_new_approval(
    cast: Any, account: OfficialAccount, frozen: Any
) -> None:
    notice = _approved(cast, account, "紅葉まつりのお知らせです。")
    publishing.restrict_to_statements(actor=cast.suzuki, account=account, reason="炎上対応")
    posts.save_post(
        actor=cast.tanaka,
        department=cast.somu,
        accounts=[account],
        text=notice.text,
        publish_at=SLOT,
        statement="explanation",
        post=notice,
    )
    frozen.move_to(SLOT)
    worker.run_once()
    assert not SandboxPost.objects.exists()
    notice.refresh_from_db()
    assert notice.current_approval() is None


def test_who_may_declare_and_lift_flaming_mode(cast: Any, account: OfficialAccount) -> None:
    for outsider in (cast.tanaka, cast.sato, cast.ito):
        with pytest.raises(DomainError):
            publishing.restrict_to_statements(actor=outsider, account=account, reason="炎上")
    with pytest.raises(DomainError):
        publishing.restrict_to_statements(actor=cast.suzuki, account=account, reason="  ")
    stop = publishing.restrict_to_statements(actor=cast.takahashi, account=account, reason="炎上")
    with pytest.raises(DomainError):
        publishing.resume(actor=cast.tanaka, stop=stop)
    publishing.resume(actor=cast.suzuki, stop=stop)
    # An ordinary stop stays the policy division's to lift.
    strict = publishing.pause(actor=cast.takahashi, reason="訓練", account=account)
    with pytest.raises(DomainError):
        publishing.resume(actor=cast.suzuki, stop=strict)


def test_a_statement_kind_that_does_not_exist_is_refused(
    cast: Any, account: OfficialAccount
) -> None:
    with pytest.raises(DomainError, match="声明の種類"):
        _approved(cast, account, "お知らせ", statement="press-release")
    assert not Post.objects.exists()
