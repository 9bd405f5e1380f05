"""Emergency mode: emergency information goes everywhere with any head's approval, ordinary
posts are held for a decision, and the mode ends with a report."""

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from kagami.incidents import emergency
from kagami.lib.errors import DomainError
from kagami.lib.workcalendar import JST
from kagami.posts import workflow as posts
from kagami.posts.models import EmergencyMode, PostState
from kagami.publishing import worker
from kagami.publishing import workflow as publishing
from kagami.publishing.models import Delivery, DeliveryState, SandboxPost
from kagami.registry.models import OfficialAccount
from kagami.registry.testing import publishing_account

NOW = datetime(2026, 11, 24, 21, 0, tzinfo=JST)  # a weekday night: out of hours


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def somu_x(cast: Any) -> OfficialAccount:
    return publishing_account(head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu)


@pytest.fixture
def sangyo_line(cast: Any) -> OfficialAccount:
    from kagami.orgs.models import Membership, Role

    Membership.objects.create(
        user=cast.suzuki, department=cast.sangyo, role=Role.HEAD, valid_from=NOW.date()
    )
    return publishing_account(
        head=cast.suzuki,
        policy_officer=cast.takahashi,
        department=cast.sangyo,
        platform="line",
        handle="@kagamino",
        url="https://lin.ee/kagamino",
        name="鏡野町LINE",
    )


def test_who_may_declare_and_end(cast: Any) -> None:
    for outsider in (cast.tanaka, cast.sato, cast.ito):
        with pytest.raises(DomainError):
            emergency.declare(actor=outsider, reason="大雨警報")
    with pytest.raises(DomainError):
        emergency.declare(actor=cast.suzuki, reason=" ")
    mode = emergency.declare(actor=cast.suzuki, reason="大雨警報（土砂災害）")
    with pytest.raises(DomainError):
        emergency.declare(actor=cast.takahashi, reason="地震")
    with pytest.raises(DomainError):
        emergency.end(actor=cast.takahashi, mode=mode, report="")
    emergency.end(actor=cast.takahashi, mode=mode, report="避難情報を3回発信した。")
    assert not EmergencyMode.objects.active().exists()


def test_emergency_information_goes_to_every_account_with_any_heads_approval(
    cast: Any, somu_x: OfficialAccount, sangyo_line: OfficialAccount, frozen: Any
) -> None:
    with pytest.raises(DomainError):  # not outside emergency mode
        posts.save_post(
            actor=cast.takahashi,
            department=cast.kikaku,
            accounts=[somu_x],
            text="避難指示",
            publish_at=NOW + timedelta(minutes=5),
            emergency=True,
        )
    emergency.declare(actor=cast.takahashi, reason="大雨特別警報")
    warning = posts.save_post(
        actor=cast.takahashi,
        department=cast.kikaku,
        accounts=[somu_x, sangyo_line],  # other departments' accounts, LINE included
        text="【緊急】鏡野町全域に避難指示を発令しました。",
        publish_at=NOW + timedelta(minutes=5),
        out_of_hours_kind="disaster",
        emergency=True,
    )
    posts.submit_post(actor=cast.takahashi, post=warning)
    posts.approve_post(actor=cast.suzuki, post=warning)  # a head of another department
    frozen.move_to(NOW + timedelta(minutes=5))
    worker.run_once()
    assert SandboxPost.objects.count() == 2
    # Staff may not send emergency information beyond their department's accounts.
    with pytest.raises(DomainError):
        posts.save_post(
            actor=cast.tanaka,
            department=cast.somu,
            accounts=[sangyo_line],
            text="避難指示",
            publish_at=NOW + timedelta(minutes=20),
            emergency=True,
        )


def test_ordinary_posts_are_held_during_the_emergency_and_decided_after(
    cast: Any, somu_x: OfficialAccount, frozen: Any
) -> None:
    notice = posts.save_post(
        actor=cast.tanaka,
        department=cast.somu,
        accounts=[somu_x],
        text="紅葉まつりにお越しください。",
        publish_at=NOW + timedelta(minutes=30),
        out_of_hours_kind="emergency",
    )
    posts.submit_post(actor=cast.tanaka, post=notice)
    posts.approve_post(actor=cast.suzuki, post=notice)
    mode = emergency.declare(actor=cast.suzuki, reason="地震（震度5強）")
    frozen.move_to(NOW + timedelta(minutes=30))
    worker.run_once()
    delivery = Delivery.objects.get(post=notice)
    assert delivery.state == DeliveryState.HELD and "緊急モード" in delivery.reason
    with pytest.raises(DomainError, match="緊急モード"):
        publishing.decide_late(actor=cast.suzuki, delivery=delivery, send=True)
    emergency.end(actor=cast.suzuki, mode=mode, report="被害なし。通常の投稿は翌日に回す。")
    publishing.decide_late(actor=cast.suzuki, delivery=delivery, send=True)
    worker.run_once()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PUBLISHED
    notice.refresh_from_db()
    assert notice.state == PostState.PUBLISHED


def test_the_emergency_page(cast: Any, client: Any, login: Any, frozen: Any) -> None:
    login(client, cast.tanaka)
    assert client.get(reverse("incidents:emergency")).status_code == 404
    login(client, cast.suzuki)
    url = reverse("incidents:emergency")
    for bad in ({}, {"reason": ""}, {"reason": "あ" * 400}):
        client.post(url, bad)
    assert not EmergencyMode.objects.exists()
    client.post(url, {"reason": "大雨警報"})
    assert EmergencyMode.objects.active().count() == 1
    page = client.get(reverse("dashboard:home")).text
    assert "緊急モード中" in page
    client.post(url, {"report": ""})
    assert EmergencyMode.objects.active().exists()
    client.post(url, {"report": "避難所を2か所開設した旨を発信した。"})
    assert not EmergencyMode.objects.active().exists()
