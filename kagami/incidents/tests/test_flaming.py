"""炎上 incidents (G-6-4): declaring holds the accounts to approved statements, a second
declaration joins, silence is measured in office time and prompts a holding statement once,
and the incident closes with a review the policy division accepts."""

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from kagami.audit.models import AuditEvent
from kagami.incidents import flaming
from kagami.incidents.models import Incident, IncidentAccount
from kagami.incidents.models.flaming import EntryKind, IncidentState
from kagami.lib.errors import DomainError
from kagami.lib.workcalendar import JST
from kagami.orgs.models import Notification
from kagami.posts import workflow as posts
from kagami.posts.models import Post
from kagami.publishing import worker
from kagami.publishing.models import Delivery, DeliveryState, Pause, SandboxPost
from kagami.registry.models import OfficialAccount
from kagami.registry.testing import publishing_account

# A Tuesday afternoon: office hours 08:30–17:15, one office hour of silence allowed.
NOW = datetime(2026, 11, 24, 16, 45, tzinfo=JST)


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def account(cast: Any) -> OfficialAccount:
    return publishing_account(head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu)


@pytest.fixture
def other(cast: Any) -> OfficialAccount:
    return publishing_account(
        head=cast.suzuki,
        policy_officer=cast.takahashi,
        department=cast.somu,
        handle="@kagamino_bousai",
        url="https://x.com/kagamino_bousai",
        name="鏡野町防災",
    )


def _approved(cast: Any, account: OfficialAccount, text: str, **extra: Any) -> Post:
    post = posts.save_post(
        actor=cast.tanaka,
        department=cast.somu,
        accounts=[account],
        text=text,
        publish_at=NOW + timedelta(minutes=5),
        out_of_hours_kind="emergency",
        **extra,
    )
    posts.submit_post(actor=cast.tanaka, post=post)
    posts.approve_post(actor=cast.suzuki, post=post)
    return post


def test_declaring_holds_the_account_to_approved_statements(
    cast: Any, account: OfficialAccount, frozen: Any
) -> None:
    notice = _approved(cast, account, "紅葉まつりのお知らせです。")
    incident = flaming.declare(
        actor=cast.suzuki, accounts=[account], reason="投稿の表現への批判が急増しています。"
    )
    pause = IncidentAccount.objects.get(incident=incident).pause
    assert pause.statements_allowed and pause.account == account
    statement = flaming.draft_statement(actor=cast.tanaka, incident=incident)
    assert statement.statement == "holding" and "総務課" in statement.text
    posts.submit_post(actor=cast.tanaka, post=statement)
    posts.approve_post(actor=cast.suzuki, post=statement)
    frozen.move_to(NOW + timedelta(minutes=20))
    worker.run_once()
    assert [p.text for p in SandboxPost.objects.all()] == [statement.text]
    assert Delivery.objects.get(post=notice).state == DeliveryState.WAITING
    assert [d.post for d in flaming.statements(incident)] == [statement]
    assert flaming.last_statements(incident)[account.pk] is not None
    # The heads and the policy division heard of it.
    assert Notification.objects.filter(user=cast.takahashi, subject__contains="炎上").exists()
    assert AuditEvent.objects.filter(action="incidents.declared").count() == 1


def test_a_second_declaration_joins_the_open_incident(
    cast: Any, account: OfficialAccount, other: OfficialAccount
) -> None:
    first = flaming.declare(actor=cast.suzuki, accounts=[account], reason="批判が急増")
    again = flaming.declare(
        actor=cast.takahashi, accounts=[account, other], reason="防災アカウントにも波及"
    )
    assert again == first and Incident.objects.count() == 1
    assert set(first.accounts.values_list("account", flat=True)) == {account.pk, other.pk}
    assert Pause.objects.filter(statements_allowed=True).count() == 2  # one per account
    assert [e.kind for e in first.entries.all()] == [EntryKind.DECLARED, EntryKind.JOINED]


def test_only_the_accounts_heads_and_the_policy_division_declare(
    cast: Any, account: OfficialAccount
) -> None:
    for outsider in (cast.tanaka, cast.sato, cast.ito):
        with pytest.raises(DomainError):
            flaming.declare(actor=outsider, accounts=[account], reason="炎上")
    for bad in ("", "   ", "あ" * (flaming.MAX_REASON + 1)):
        with pytest.raises(DomainError):
            flaming.declare(actor=cast.suzuki, accounts=[account], reason=bad)
    with pytest.raises(DomainError):
        flaming.declare(actor=cast.suzuki, accounts=[], reason="炎上")
    assert not Incident.objects.exists() and not Pause.objects.exists()


def test_silence_prompts_a_holding_statement_once_in_office_time(
    cast: Any, account: OfficialAccount, frozen: Any
) -> None:
    incident = flaming.declare(actor=cast.suzuki, accounts=[account], reason="批判が急増")
    # 16:45 + one office hour: 30 minutes today, 30 tomorrow from 08:30.
    assert flaming.holding_due_at(incident) == datetime(2026, 11, 25, 9, 0, tzinfo=JST)
    frozen.move_to(datetime(2026, 11, 24, 22, 0, tzinfo=JST))
    assert flaming.prompt_holding_statements() == 0
    frozen.move_to(datetime(2026, 11, 25, 9, 1, tzinfo=JST))
    assert flaming.prompt_holding_statements() == 1
    assert flaming.prompt_holding_statements() == 0  # once per silence
    assert Notification.objects.filter(
        user=cast.suzuki, subject__contains="対応中のお知らせ"
    ).exists()
    statement = flaming.draft_statement(actor=cast.tanaka, incident=incident)
    posts.submit_post(actor=cast.tanaka, post=statement)
    posts.approve_post(actor=cast.suzuki, post=statement)
    frozen.move_to(datetime(2026, 11, 25, 9, 20, tzinfo=JST))
    worker.run_once()
    assert flaming.holding_due_at(incident) > datetime(2026, 11, 25, 10, 0, tzinfo=JST)
    frozen.move_to(datetime(2026, 11, 25, 10, 30, tzinfo=JST))
    assert flaming.prompt_holding_statements() == 1  # silent again after the statement


def test_the_review_closes_the_incident_and_lifts_the_pauses(
    cast: Any, account: OfficialAccount, frozen: Any
) -> None:
    notice = _approved(cast, account, "紅葉まつりのお知らせです。")
    incident = flaming.declare(actor=cast.suzuki, accounts=[account], reason="批判が急増")
    with pytest.raises(DomainError):
        flaming.submit_review(
            actor=cast.tanaka, incident=incident, what="a", cause="b", measures="c"
        )
    with pytest.raises(DomainError):
        flaming.submit_review(
            actor=cast.suzuki, incident=incident, what="a", cause="", measures="c"
        )
    flaming.submit_review(
        actor=cast.suzuki,
        incident=incident,
        what="表現が不適切だった",
        cause="確認が一人だけだった",
        measures="二人で確認する",
    )
    with pytest.raises(DomainError):
        flaming.decide_review(actor=cast.suzuki, incident=incident, accept=True)
    with pytest.raises(DomainError):
        flaming.decide_review(actor=cast.takahashi, incident=incident, accept=False, note=" ")
    flaming.decide_review(
        actor=cast.takahashi, incident=incident, accept=False, note="原因をもう少し具体的に"
    )
    assert incident.state == IncidentState.OPEN
    flaming.submit_review(
        actor=cast.suzuki,
        incident=incident,
        what="表現が不適切だった",
        cause="確認が担当者一人だけで、承認時に表現を見落とした",
        measures="二人で確認する",
    )
    frozen.move_to(NOW + timedelta(hours=2))
    worker.run_once()
    flaming.decide_review(actor=cast.takahashi, incident=incident, accept=True)
    incident.refresh_from_db()
    assert incident.state == IncidentState.CLOSED
    assert not Pause.objects.in_force().exists()
    # The notice whose time passed during the incident waits for a person's decision.
    assert Delivery.objects.get(post=notice).state == DeliveryState.HELD
    assert AuditEvent.objects.filter(action="incidents.closed").count() == 1


def test_the_pages_of_an_incident(
    cast: Any, account: OfficialAccount, client: Any, login: Any, frozen: Any
) -> None:
    login(client, cast.suzuki)
    listing = reverse("incidents:incident_list")
    for bad in (
        {"reason": ""},
        {"accounts": [account.pk], "reason": ""},
        {"accounts": ["abc"], "reason": "炎上"},
        {"accounts": [account.pk], "reason": "あ" * 5000},
    ):
        page = client.post(listing, bad)
        assert page.status_code == 200 and "エラー" in page.text
    assert not Incident.objects.exists()
    page = client.post(listing, {"accounts": [account.pk], "reason": "批判が急増しています"})
    incident = Incident.objects.get()
    assert page.status_code == 302 and page["Location"] == reverse(
        "incidents:incident_detail", args=[incident.pk]
    )
    detail = client.get(page["Location"])
    assert "最後の公式の声明" in detail.text and "まだありません" in detail.text
    login(client, cast.tanaka)
    made = client.post(
        reverse("incidents:incident_statement", args=[incident.pk]), {"kind": "explanation"}
    )
    post = Post.objects.get(statement="explanation")
    assert made["Location"] == reverse("posts:post_edit", args=[post.pk])
    assert (
        client.post(
            reverse("incidents:incident_statement", args=[incident.pk]), {"kind": "<script>"}
        ).status_code
        == 302
    )
    assert Post.objects.count() == 1
    assert client.get(reverse("incidents:incident_print", args=[incident.pk])).status_code == 200
    login(client, cast.sato)  # another department: not theirs to see
    assert client.get(reverse("incidents:incident_detail", args=[incident.pk])).status_code == 404


def test_the_department_sees_its_account_is_in_flaming_mode_on_every_page(
    cast: Any, account: OfficialAccount, client: Any, login: Any
) -> None:
    flaming.declare(actor=cast.suzuki, accounts=[account], reason="批判が急増しています")
    login(client, cast.tanaka)
    for page in (reverse("dashboard:home"), reverse("posts:post_new")):
        text = client.get(page).text
        assert "炎上対応中" in text and "承認された公式の声明" in text
    login(client, cast.sato)
    assert "炎上対応中" not in client.get(reverse("dashboard:home")).text
    login(client, cast.suzuki)
    supervision = client.get(reverse("dashboard:supervision")).text
    assert "トラブル対応" in supervision and "批判が急増しています" in supervision


def test_the_demo_town_has_one_closed_incident_with_its_review(db: None) -> None:
    from kagami.dashboard.demo import load_demo

    load_demo()
    load_demo()  # idempotent
    [incident] = Incident.objects.all()
    assert incident.state == IncidentState.CLOSED and incident.review_measures
    assert not Pause.objects.in_force().filter(statements_allowed=True).exists()
