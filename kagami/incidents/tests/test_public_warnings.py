"""The public directory warns about a fake account while its case is open (G-6-3): on the
pages, in directory.json, in the static export, and in the "is this official?" lookup."""

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine

from kagami.incidents import cases
from kagami.incidents.models import Case
from kagami.lib.workcalendar import JST
from kagami.public import export
from kagami.public.tests.helpers import listed_account, planned_account
from kagami.registry.models import OfficialAccount, Platform

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=JST)
FAKE = "@kagamino_town_jp"
FAKE_URL = "https://x.com/kagamino_town_jp"
DM = "お金や個人情報"


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def official(cast: Any) -> OfficialAccount:
    return listed_account(cast)  # @Kagamino_Town on X, listed


@pytest.fixture
def fake(cast: Any, official: OfficialAccount) -> Case:
    return cases.open_impersonation(
        actor=cast.tanaka,
        department=cast.somu,
        account=official,
        platform=official.platform,
        fake_handle=FAKE,
        fake_url=FAKE_URL,
        fake_name="鏡野町役場【公式】",
        found_at=NOW - timedelta(hours=1),
    )


def _no_link_to_the_fake(page: str) -> None:
    assert FAKE_URL in page
    assert f'href="{FAKE_URL}' not in page and "href='https://x.com/kagamino_town_jp" not in page


def test_the_directory_warns_while_the_case_is_open_and_not_after(
    client: Any, cast: Any, official: OfficialAccount, fake: Case
) -> None:
    page = client.get("/public/").content.decode()
    _no_link_to_the_fake(page)
    assert FAKE in page and "偽アカウント" in page
    assert "この一覧に載っているものだけです" in page and DM in page
    assert "本物のアカウントの見分け方" in page
    assert f'href="{official.url}"' in page  # the real one is a link, for comparison
    assert "現在、注意が必要ななりすましアカウントの情報はありません。" not in page
    cases.close_case(actor=cast.suzuki, case=fake, note="削除を確認した")
    page = client.get("/public/").content.decode()
    assert FAKE not in page
    assert "現在、注意が必要ななりすましアカウントの情報はありません。" in page


def test_the_feed_lists_the_warnings(client: Any, official: OfficialAccount, fake: Case) -> None:
    feed = client.get("/public/directory.json").json()
    assert feed["version"] == 1
    (warning,) = feed["impersonation_warnings"]
    assert warning == {
        "platform": {"code": "x", "name": "X（旧Twitter）"},
        "handle": FAKE,
        "display_name": "鏡野町役場【公式】",
        "url": FAKE_URL,
        "since": "2026-11-24",
        "notice": warning["notice"],
        "official_account_ids": [official.pk],
    }
    assert "偽のアカウント" in warning["notice"] and FAKE in warning["notice"]
    assert DM in warning["notice"]


def test_the_feed_has_an_empty_list_without_cases(client: Any, official: OfficialAccount) -> None:
    assert client.get("/public/directory.json").json()["impersonation_warnings"] == []


def test_the_static_export_carries_the_warning_in_every_form(
    official: OfficialAccount, fake: Case
) -> None:
    files = export.build("https://www.town.kagamino.lg.jp/sns/")
    index = files["index.html"].decode()
    _no_link_to_the_fake(index)
    assert DM in index
    snippet = files["snippet.html"].decode()
    _no_link_to_the_fake(snippet)
    assert 'class="kagami-directory__fake-handle"' in snippet
    feed = json.loads(files["directory.json"])
    assert feed["impersonation_warnings"][0]["handle"] == FAKE


@pytest.mark.parametrize(
    "query",
    [
        FAKE,
        "kagamino_town_jp",
        "＠ＫＡＧＡＭＩＮＯ＿ＴＯＷＮ＿ＪＰ",
        FAKE_URL,
        "x.com/kagamino_town_jp/status/1",
    ],
)
def test_the_lookup_names_the_case_for_the_fake(client: Any, fake: Case, query: str) -> None:
    page = client.get("/public/check/", {"q": query}).content.decode()
    assert "なりすまし）として確認しています" in page
    assert "公式アカウントです。" not in page
    _no_link_to_the_fake(page)


def test_the_lookup_still_calls_the_real_account_official(
    client: Any, official: OfficialAccount, fake: Case
) -> None:
    page = client.get("/public/check/", {"q": "@kagamino_town"}).content.decode()
    assert "公式アカウントです。" in page
    assert "として確認しています" not in page


def test_a_planned_account_of_the_town_is_never_called_impersonation(
    client: Any, cast: Any
) -> None:
    planned_account(
        cast, name="鏡野町防災", handle="@kagamino_bousai", url="https://x.com/kagamino_bousai"
    )
    for query in ("@kagamino_bousai", "https://x.com/kagamino_bousai"):
        page = client.get("/public/check/", {"q": query}).content.decode()
        assert "なりすまし" not in page.split('<form method="get"')[0].split("<main")[1]
        assert "一覧には載っていません" in page


def test_a_case_about_a_handle_the_town_later_planned_warns_nobody(
    client: Any, cast: Any, official: OfficialAccount, fake: Case
) -> None:
    planned_account(cast, name="鏡野町（準備中）", handle=FAKE, url=FAKE_URL)
    page = client.get("/public/").content.decode()
    assert FAKE not in page
    assert client.get("/public/directory.json").json()["impersonation_warnings"] == []
    page = client.get("/public/check/", {"q": FAKE}).content.decode()
    assert "として確認しています" not in page and "一覧には載っていません" in page


def test_a_hijack_is_not_a_public_warning(
    client: Any, cast: Any, official: OfficialAccount
) -> None:
    cases.open_hijack(actor=cast.suzuki, account=official, found_at=NOW)
    assert client.get("/public/directory.json").json()["impersonation_warnings"] == []


def test_a_fake_of_the_town_in_general_points_at_the_department_s_real_accounts(
    client: Any, cast: Any, official: OfficialAccount
) -> None:
    cases.open_impersonation(
        actor=cast.tanaka,
        department=cast.somu,
        platform=Platform.objects.get(code="x"),
        fake_handle="@kagamino_koho",
        found_at=NOW,
    )
    (warning,) = client.get("/public/directory.json").json()["impersonation_warnings"]
    assert warning["official_account_ids"] == [official.pk] and warning["url"] is None


def test_feed_md_documents_every_field_of_a_warning(
    client: Any, official: OfficialAccount, fake: Case
) -> None:
    import re
    from pathlib import Path

    import kagami.public

    text = (Path(kagami.public.__file__).parent / "FEED.md").read_text()
    example = json.loads(re.search(r"```json\n(.*?)```", text, re.S)[1])  # type: ignore[index]
    served = client.get("/public/directory.json").json()
    assert set(example) == set(served)
    assert set(example["impersonation_warnings"][0]) == set(served["impersonation_warnings"][0])
    section = text.split("### Each impersonation warning", 1)[1].split("###", 1)[0]
    for field in served["impersonation_warnings"][0]:
        assert f"| `{field}` |" in section, field
