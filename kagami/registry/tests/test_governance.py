"""Who may change what on an account (G-4-6, G-4-7): members change the day-to-day settings;
only the head of the lead department or the policy division appoints the operators (who can
reveal the password) and changes the name, handle and URL the public directory vouches for."""

import re
from datetime import date
from typing import Any

import pytest

from kagami.audit.models import AuditEvent
from kagami.lib.errors import DomainError
from kagami.orgs.models import Role
from kagami.registry import workflow
from kagami.registry.models import OfficialAccount, Platform
from kagami.registry.testing import add_member


def plan(cast: Any, **overrides: Any) -> OfficialAccount:
    fields = {
        "actor": cast.suzuki,
        "platform": Platform.objects.get(code="x"),
        "name": "鏡野町【公式】",
        "handle": "@kagamino_town",
        "url": "https://x.com/kagamino_town",
        "lead_department": cast.somu,
    }
    return workflow.plan_account(**(fields | overrides))


def operators(account: OfficialAccount) -> set[str]:
    return set(account.operators.values_list("display_name", flat=True))


# Day-to-day settings: every member ---------------------------------------------------------


def test_a_member_changes_the_hours_reply_policy_and_profile_link(cast: Any) -> None:
    account = plan(cast)
    hours = {"mon": [["09:00", "12:00"], ["13:00", "17:00"]], "sat": []}
    workflow.update_account_settings(
        actor=cast.tanaka,
        account=account,
        operation_hours=hours,
        reply_policy="redirect",
        profile_shows_directory=True,
    )
    account.refresh_from_db()
    assert account.operation_hours == hours and account.reply_policy == "redirect"
    # G-4-6: ticking the profile link records that it was checked today.
    assert account.profile_shows_directory and account.directory_link_verified_on is not None
    event = AuditEvent.objects.filter(action="registry.account_updated").get()
    assert event.data["fields"] == ["operation_hours", "profile_shows_directory", "reply_policy"]


def test_someone_outside_the_departments_cannot_change_the_settings(cast: Any) -> None:
    account = plan(cast)
    with pytest.raises(DomainError, match="変更できません"):
        workflow.update_account_settings(
            actor=cast.sato,
            account=account,
            operation_hours={},
            reply_policy="reply",
            profile_shows_directory=False,
        )
    account.refresh_from_db()
    assert account.reply_policy == "no_reply"
    assert AuditEvent.objects.filter(action="registry.account_updated_refused").exists()


@pytest.mark.parametrize(
    "hours",
    [
        {"mon": [["17:15", "08:30"]]},
        {"mon": [["08:30"]]},
        {"mon": [["25:00", "26:00"]]},
        {"mon": "08:30-17:15"},
        {"holiday": []},
        [],
    ],
)
def test_malformed_operation_hours_are_refused_by_the_workflow(cast: Any, hours: Any) -> None:
    account = plan(cast)
    with pytest.raises(DomainError, match="運用時間"):
        workflow.update_account_settings(
            actor=cast.tanaka,
            account=account,
            operation_hours=hours,
            reply_policy="no_reply",
            profile_shows_directory=False,
        )


# Operators: the head of the lead department or the policy division (G-4-7) ----------------


def test_staff_cannot_make_themselves_operators(cast: Any) -> None:
    account = plan(cast)
    with pytest.raises(DomainError, match="所管課の所属長か情報政策担当課だけ"):
        workflow.appoint_operators(actor=cast.tanaka, account=account, operators=[cast.tanaka])
    assert operators(account) == set()
    refused = AuditEvent.objects.get(action="registry.operators_appointed_refused")
    assert refused.actor == cast.tanaka


def test_a_contractor_member_cannot_make_themselves_an_operator(cast: Any) -> None:
    contractor = add_member(
        cast.somu,
        "itaku",
        "委託 花子",
        contractor_company="株式会社かがみ広告",
        access_ends_on=date(2099, 3, 31),
    )
    account = plan(cast)
    with pytest.raises(DomainError, match="所管課の所属長か情報政策担当課だけ"):
        workflow.appoint_operators(actor=contractor, account=account, operators=[contractor])
    assert operators(account) == set()


def test_staff_cannot_name_operators_when_planning_an_account(cast: Any) -> None:
    with pytest.raises(DomainError, match="運用担当者を決められるのは"):
        plan(cast, actor=cast.tanaka, operators=[cast.tanaka])
    assert not OfficialAccount.objects.exists()


def test_the_head_of_a_joint_department_that_does_not_lead_cannot_appoint(cast: Any) -> None:
    sangyo_head = add_member(cast.sangyo, "yamamoto", "山本 太郎", role=Role.HEAD)
    account = plan(cast, departments=[cast.sangyo], joint_theme="観光と移住の情報")
    with pytest.raises(DomainError, match="所管課の所属長か情報政策担当課だけ"):
        workflow.appoint_operators(actor=sangyo_head, account=account, operators=[cast.sato])
    assert operators(account) == set()


def test_the_head_appoints_operators_and_the_audit_names_who_came_and_went(cast: Any) -> None:
    watanabe = add_member(cast.somu, "watanabe", "渡辺 美咲")
    account = plan(cast, operators=[cast.tanaka])
    change = workflow.appoint_operators(
        actor=cast.suzuki, account=account, operators=[watanabe, cast.suzuki]
    )
    assert change.added == (cast.suzuki, watanabe) and change.removed == (cast.tanaka,)
    assert operators(account) == {"鈴木 花子", "渡辺 美咲"}
    event = AuditEvent.objects.get(action="registry.operators_appointed")
    assert event.actor == cast.suzuki
    assert event.data["added"] == [
        {"id": cast.suzuki.pk, "name": "鈴木 花子"},
        {"id": watanabe.pk, "name": "渡辺 美咲"},
    ]
    assert event.data["removed"] == [{"id": cast.tanaka.pk, "name": "田中 一郎"}]


def test_the_policy_division_appoints_operators(cast: Any) -> None:
    account = plan(cast)
    workflow.appoint_operators(actor=cast.takahashi, account=account, operators=[cast.tanaka])
    assert operators(account) == {"田中 一郎"}


def test_the_same_operators_again_change_and_record_nothing(cast: Any) -> None:
    account = plan(cast, operators=[cast.tanaka])
    change = workflow.appoint_operators(actor=cast.suzuki, account=account, operators=[cast.tanaka])
    assert not change.changed
    assert not AuditEvent.objects.filter(action="registry.operators_appointed").exists()


def test_operators_must_belong_to_one_of_the_accounts_departments(cast: Any) -> None:
    account = plan(cast, operators=[cast.tanaka])
    with pytest.raises(DomainError, match="佐藤 健 さんは所属していません"):
        workflow.appoint_operators(
            actor=cast.suzuki, account=account, operators=[cast.tanaka, cast.sato]
        )
    assert operators(account) == {"田中 一郎"}
    with pytest.raises(DomainError, match="所属の職員だけ"):
        plan(
            cast,
            handle="@kagamino_somu",
            url="https://x.com/kagamino_somu",
            operators=[cast.sato],
        )


def test_operators_of_an_ended_account_cannot_change(cast: Any) -> None:
    account = plan(cast)
    OfficialAccount.objects.filter(pk=account.pk).update(state="ended")
    account.refresh_from_db()
    with pytest.raises(DomainError, match="運用を終了した"):
        workflow.appoint_operators(actor=cast.suzuki, account=account, operators=[cast.tanaka])


# Name, handle and URL: what the public directory vouches for (G-4-6) -----------------------


def test_staff_cannot_change_the_url_the_directory_vouches_for(cast: Any) -> None:
    account = plan(cast)
    with pytest.raises(DomainError, match="所管課の所属長か情報政策担当課だけ"):
        workflow.change_account_identity(
            actor=cast.tanaka,
            account=account,
            name=account.name,
            handle="@kagamino_fake",
            url="https://x.com/kagamino_fake",
        )
    account.refresh_from_db()
    assert account.url == "https://x.com/kagamino_town"
    assert AuditEvent.objects.filter(action="registry.identity_changed_refused").exists()


def test_the_head_changes_name_handle_and_url_and_the_audit_keeps_both(cast: Any) -> None:
    account = plan(cast)
    workflow.change_account_identity(
        actor=cast.suzuki,
        account=account,
        name="鏡野町役場",
        handle="@Kagamino_Yakuba",
        url="https://twitter.com/kagamino_yakuba",
    )
    account.refresh_from_db()
    assert (account.name, account.handle_key) == ("鏡野町役場", "kagamino_yakuba")
    event = AuditEvent.objects.get(action="registry.identity_changed")
    assert event.data["before"]["url"] == "https://x.com/kagamino_town"
    assert event.data["after"]["url"] == "https://twitter.com/kagamino_yakuba"


@pytest.mark.parametrize(
    ("platform", "handle", "url"),
    [
        ("x", "@kagamino_town", "https://x.com/Kagamino_Town/"),
        ("instagram", "kagamino_kanko", "https://www.instagram.com/kagamino_kanko/?hl=ja"),
        ("bluesky", "@kagamino.bsky.social", "https://bsky.app/profile/kagamino.bsky.social"),
        ("threads", "kagamino_town", "https://www.threads.net/@kagamino_town"),
        ("mastodon", "@kagamino@mstdn.jp", "https://mstdn.jp/@kagamino"),
        ("tiktok", "@kagamino_town", "https://www.tiktok.com/@kagamino_town"),
        # The URL of these platforms need not carry the handle.
        ("line", "@kagamino", "https://lin.ee/AbCdEfG"),
        ("facebook", "kagamino.town", "https://www.facebook.com/profile.php?id=100064"),
        ("youtube", "@kagamino_town", "https://www.youtube.com/channel/UC1234567890"),
    ],
)
def test_a_url_that_agrees_with_the_handle_is_accepted(
    cast: Any, platform: str, handle: str, url: str
) -> None:
    account = plan(cast, platform=Platform.objects.get(code=platform), handle=handle, url=url)
    assert account.url == url


REFUSED_IDENTITIES = [
    ("x", "@kagamino_town", "https://x.com/kagamino_fake", "「https://x.com/kagamino_town」の形"),
    ("x", "@kagamino_town", "https://x.com/kagamino_town/status/1", "のページではありません"),
    ("x", "@kagamino_town", "https://x.com/", "のページではありません"),
    ("x", "@kagamino_town", "https://www.instagram.com/kagamino_town", "のアドレスではありません"),
    ("x", "@kagamino_town", "https://x.com.evil.example/kagamino_town", "のアドレスではありません"),
    ("x", "@kagamino_town", "https://evil.example\\@x.com/kagamino_town", "バックスラッシュ"),
    ("x", "@kagamino_town", "https://kagamino_town@x.com/kagamino_town", "「@」"),
    ("x", "@kagamino_town", "http://x.com/kagamino_town", "https://"),
    ("x", "@kagamino_town", "javascript:alert(1)//x.com/kagamino_town", "https://"),
    ("x", "@kagamino_town", "https://x.com/" + "a" * 400, "300文字以内"),
    ("x", "@kagamino town", "https://x.com/kagamino_town", "ユーザーIDに空白"),
    ("x", "kagamino/../town", "https://x.com/kagamino_town", "ユーザーIDに空白"),
    ("x", "@", "https://x.com/kagamino_town", "ユーザーIDを入力"),
    ("bluesky", "kagamino.bsky.social", "https://bsky.app/profile/other.bsky.social", "ページ"),
    ("mastodon", "@kagamino@mstdn.jp", "https://evil.example/@kagamino", "「https://mstdn.jp/@"),
]


@pytest.mark.parametrize(("platform", "handle", "url", "says"), REFUSED_IDENTITIES)
def test_an_account_the_directory_could_not_vouch_for_is_not_planned(
    cast: Any, platform: str, handle: str, url: str, says: str
) -> None:
    with pytest.raises(DomainError, match=re.escape(says)):
        plan(cast, platform=Platform.objects.get(code=platform), handle=handle, url=url)
    assert not OfficialAccount.objects.exists()


@pytest.mark.parametrize(
    ("handle", "url", "says"), [case[1:] for case in REFUSED_IDENTITIES if case[0] == "x"]
)
def test_a_refused_identity_change_leaves_the_account_as_it_was(
    cast: Any, handle: str, url: str, says: str
) -> None:
    account = plan(cast, handle="@kagamino_somu", url="https://x.com/kagamino_somu")
    with pytest.raises(DomainError, match=re.escape(says)):
        workflow.change_account_identity(
            actor=cast.suzuki, account=account, name=account.name, handle=handle, url=url
        )
    account.refresh_from_db()
    assert account.handle == "@kagamino_somu" and account.url == "https://x.com/kagamino_somu"
    assert not AuditEvent.objects.filter(action="registry.identity_changed").exists()


def test_a_handle_of_another_live_account_is_refused(cast: Any) -> None:
    plan(cast)
    other = plan(cast, handle="@kagamino_somu", url="https://x.com/kagamino_somu")
    with pytest.raises(DomainError, match="既に台帳に登録されています"):
        workflow.change_account_identity(
            actor=cast.takahashi,
            account=other,
            name=other.name,
            handle="@KAGAMINO_TOWN",
            url="https://x.com/kagamino_town",
        )
