"""The account settings page over HTTP (G-4-6, G-4-7): members get the day-to-day form and
see operators and identity read-only; the head of the lead department and the policy division
get the head-only forms. Bad input is refused on the form and changes nothing."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kagami.audit.models import AuditEvent
from kagami.registry import workflow
from kagami.registry.models import OfficialAccount, Platform

HUGE = "あ" * 10_000


@pytest.fixture
def account(cast: Any) -> OfficialAccount:
    return workflow.plan_account(
        actor=cast.suzuki,
        platform=Platform.objects.get(code="x"),
        name="鏡野町【公式】",
        handle="@kagamino_town",
        url="https://x.com/kagamino_town",
        lead_department=cast.somu,
        operators=[cast.tanaka],
    )


def settings_url(account: OfficialAccount) -> str:
    return reverse("registry:account_settings", args=[account.pk])


def snapshot(account: OfficialAccount) -> tuple[Any, ...]:
    account.refresh_from_db()
    return (
        account.name,
        account.handle,
        account.url,
        account.reply_policy,
        account.operation_hours,
        sorted(account.operators.values_list("pk", flat=True)),
    )


def test_members_see_operators_and_identity_read_only(
    client: Client, cast: Any, login: Any, account: OfficialAccount
) -> None:
    login(client, cast.tanaka)
    page = client.get(settings_url(account)).content.decode()
    assert 'name="hours_mon"' in page and 'name="reply_policy"' in page
    assert 'name="operators"' not in page and 'name="url"' not in page
    assert "田中 一郎" in page and "https://x.com/kagamino_town" in page
    assert "所管課の所属長か情報政策担当課が決めます" in page


@pytest.mark.parametrize("who", ["suzuki", "takahashi"])
def test_the_head_and_the_policy_division_get_the_head_only_forms(
    client: Client, cast: Any, login: Any, account: OfficialAccount, who: str
) -> None:
    login(client, getattr(cast, who))
    page = client.get(settings_url(account)).content.decode()
    assert 'name="operators"' in page and 'name="url"' in page and 'name="handle"' in page


def test_a_member_posting_operators_is_refused_and_nothing_changes(
    client: Client, cast: Any, login: Any, account: OfficialAccount
) -> None:
    before = snapshot(account)
    login(client, cast.tanaka)
    response = client.post(
        settings_url(account),
        {"action": "operators", "operators": [cast.tanaka.pk, cast.suzuki.pk]},
        follow=True,
    )
    assert "所管課の所属長か情報政策担当課だけです" in response.content.decode()
    assert snapshot(account) == before
    assert AuditEvent.objects.filter(action="registry.operators_appointed_refused").exists()


def test_a_member_posting_a_new_url_is_refused_and_nothing_changes(
    client: Client, cast: Any, login: Any, account: OfficialAccount
) -> None:
    before = snapshot(account)
    login(client, cast.tanaka)
    response = client.post(
        settings_url(account),
        {
            "action": "identity",
            "name": "鏡野町【公式】",
            "handle": "@kagamino_fake",
            "url": "https://x.com/kagamino_fake",
        },
        follow=True,
    )
    assert "所管課の所属長か情報政策担当課だけです" in response.content.decode()
    assert snapshot(account) == before


def test_the_head_appoints_operators_and_changes_the_url_over_http(
    client: Client, cast: Any, login: Any, account: OfficialAccount
) -> None:
    login(client, cast.suzuki)
    response = client.post(
        settings_url(account), {"action": "operators", "operators": [cast.suzuki.pk]}
    )
    assert response.status_code == 302
    assert list(account.operators.all()) == [cast.suzuki]
    response = client.post(
        settings_url(account),
        {
            "action": "identity",
            "name": "鏡野町役場",
            "handle": "@kagamino_yakuba",
            "url": "x.com/kagamino_yakuba",  # typed without https://
        },
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.url == "https://x.com/kagamino_yakuba" and account.name == "鏡野町役場"


def test_a_member_saves_the_day_to_day_settings(
    client: Client, cast: Any, login: Any, account: OfficialAccount
) -> None:
    login(client, cast.tanaka)
    response = client.post(
        settings_url(account),
        {
            "action": "settings",
            "reply_policy": "reply",
            "profile_shows_directory": "on",
            "hours_sat": "10:00-12:00",
        },
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.reply_policy == "reply" and account.operation_hours["sat"] == [
        ["10:00", "12:00"]
    ]
    assert account.profile_shows_directory
    assert [u.pk for u in account.operators.all()] == [cast.tanaka.pk]  # untouched


@pytest.mark.parametrize(
    "data",
    [
        # Head-only: the name, handle and URL.
        {"action": "identity", "name": "", "handle": "", "url": ""},
        {"action": "identity", "name": HUGE, "handle": HUGE, "url": "https://x.com/" + HUGE},
        {"action": "identity", "name": "町", "handle": "@kagamino_town", "url": HUGE},
        {
            "action": "identity",
            "name": "町",
            "handle": "@kagamino_town",
            "url": "javascript:alert(1)",
        },
        {
            "action": "identity",
            "name": "町",
            "handle": "@kagamino_town",
            "url": "https://evil.example\\@x.com/kagamino_town",
        },
        {"action": "identity", "name": "町", "handle": "@kagamino_town", "url": "https://[::1"},
        {
            "action": "identity",
            "name": "町",
            "handle": "@kagamino_town",
            "url": "https://x.com/\x00",
        },
        {"action": "identity", "name": "町", "handle": "@a b", "url": "https://x.com/a b"},
        {
            "action": "identity",
            "name": "町",
            "handle": "@other",
            "url": "https://x.com/kagamino_town",
        },
        # Head-only: the operators.
        {"action": "operators", "operators": ["abc"]},
        {"action": "operators", "operators": ["9" * 10_000]},
        {"action": "operators", "operators": ["9" * 30]},
        {"action": "operators", "operators": ["-1"]},
        {"action": "operators", "operators": ["sato"]},
        # Every member: hours and reply policy.
        {"action": "settings", "reply_policy": ""},
        {"action": "settings", "reply_policy": HUGE},
        {"action": "settings", "reply_policy": "no_reply", "hours_mon": HUGE},
        {"action": "settings", "reply_policy": "no_reply", "hours_mon": "25:00-26:00"},
        {"action": "settings", "reply_policy": "no_reply", "hours_mon": "08:30-24:30"},
        {"action": "settings", "reply_policy": "no_reply", "hours_mon": "17:15-08:30"},
        {"action": "settings", "reply_policy": "no_reply", "hours_mon": "朝から晩まで"},
    ],
)
def test_bad_input_is_refused_on_the_form_and_changes_nothing(
    client: Client, cast: Any, login: Any, account: OfficialAccount, data: dict[str, Any]
) -> None:
    data = {
        key: ([str(cast.sato.pk)] if value == ["sato"] else value) for key, value in data.items()
    }
    before = snapshot(account)
    login(client, cast.suzuki)
    response = client.post(settings_url(account), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "入力内容を確認してください" in page or "エラー: " in page
    assert snapshot(account) == before


def test_an_unknown_action_is_a_bad_request(
    client: Client, cast: Any, login: Any, account: OfficialAccount
) -> None:
    login(client, cast.suzuki)
    assert client.post(settings_url(account), {"action": "x" * 10_000}).status_code == 400


def test_someone_outside_the_departments_gets_404(
    client: Client, cast: Any, login: Any, account: OfficialAccount
) -> None:
    login(client, cast.sato)
    assert client.get(settings_url(account)).status_code == 404
    response = client.post(settings_url(account), {"action": "operators", "operators": []})
    assert response.status_code == 404
    assert account.operators.count() == 1
