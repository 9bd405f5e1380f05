"""「このアカウントは公式？」: the lookup by URL or handle (G-4-6)."""

import pytest

from kagami.public.directory import url_key
from kagami.public.tests.helpers import listed_account, planned_account, stop

pytestmark = pytest.mark.django_db

OFFICIAL = "公式アカウントです"
UNKNOWN = "台帳に登録されていません。なりすましの可能性があります。"


@pytest.fixture
def official(cast):
    return listed_account(cast)


@pytest.mark.parametrize(
    "query",
    [
        "@Kagamino_Town",
        "kagamino_town",
        "＠ｋａｇａｍｉｎｏ＿ｔｏｗｎ",
        "  @KAGAMINO_TOWN  ",
        "https://x.com/Kagamino_Town",
        "http://x.com/kagamino_town",
        "https://www.x.com/kagamino_town/",
        "https://twitter.com/kagamino_town",
        "https://mobile.twitter.com/Kagamino_Town?lang=ja",
        "x.com/kagamino_town",
        "twitter.com/kagamino_town/",
        "https://x.com/kagamino_town?s=20#top",
        "https://x.com/kagamino_town/status/1234567890",
    ],
)
def test_variants_of_the_official_handle_and_url_are_official(client, official, query):
    page = client.get("/public/check/", {"q": query}).content.decode()
    assert OFFICIAL in page
    assert f'href="/public/accounts/{official.pk}/"' in page
    assert UNKNOWN not in page


@pytest.mark.parametrize(
    "query",
    [
        "@kagamino_town_official",
        "kagamino_town2",
        "https://x.com/kagamino_towm",
        "https://x.com/kagamino_town_fake",
        "https://evil.example/kagamino_town",
        "https://x.com.evil.example/kagamino_town",
        "https://x.com@evil.example/kagamino_town",
        "https://evil.example/?next=https://x.com/kagamino_town",
        "https://x.com/search?q=kagamino_town",
        "https://x.com/",
    ],
)
def test_other_handles_and_urls_may_be_impersonation(client, official, query):
    page = client.get("/public/check/", {"q": query}).content.decode()
    assert UNKNOWN in page
    assert OFFICIAL not in page
    assert "役場までお知らせください" in page


def test_the_result_is_the_page_title_and_a_status_message(client, official):
    page = client.get("/public/check/", {"q": "@kagamino_town"}).content.decode()
    assert "<title>公式アカウントです - " in page
    assert 'role="status"' in page
    page = client.get("/public/check/", {"q": "@someone"}).content.decode()
    assert "<title>台帳に登録されていません - " in page


def test_the_question_is_shown_escaped_and_kept_in_the_form(client, official):
    page = client.get("/public/check/", {"q": "<b>@fake</b>"}).content.decode()
    assert "<b>@fake</b>" not in page
    assert "&lt;b&gt;@fake&lt;/b&gt;" in page
    assert 'value="&lt;b&gt;@fake&lt;/b&gt;"' in page


def test_an_empty_question_shows_only_the_form(client, official):
    page = client.get("/public/check/", {"q": "  @ "}).content.decode()
    assert OFFICIAL not in page
    assert UNKNOWN not in page
    assert '<label for="q">アカウントのURLまたはユーザーID</label>' in page


def test_a_handle_on_several_platforms_lists_each_account(client, cast, official):
    listed_account(
        cast,
        platform="instagram",
        name="鏡野町 インスタグラム",
        handle="kagamino_town",
        url="https://www.instagram.com/kagamino_town/",
    )
    page = client.get("/public/check/", {"q": "kagamino_town"}).content.decode()
    assert "鏡野町 インスタグラム" in page
    assert "鏡野町役場 総務課" in page
    page = client.get("/public/check/", {"q": "instagram.com/kagamino_town"}).content.decode()
    assert "鏡野町 インスタグラム" in page
    assert "鏡野町役場 総務課" not in page


def test_planned_and_ended_accounts_are_not_official(client, cast):
    planned_account(cast)
    page = client.get("/public/check/", {"q": "@kagamino_town"}).content.decode()
    # The town's own planned account is neither official yet nor ever called impersonation.
    assert OFFICIAL not in page and UNKNOWN not in page
    assert "一覧には載っていません" in page
    ended = listed_account(
        cast,
        platform="facebook",
        handle="kagamino.town",
        url="https://www.facebook.com/kagamino.town",
    )
    stop(cast, ended)
    page = client.get(
        "/public/check/", {"q": "https://facebook.com/kagamino.town"}
    ).content.decode()
    assert UNKNOWN in page


def test_accounts_with_urls_that_are_not_on_the_handle_match_by_url(client, cast):
    line = listed_account(
        cast,
        platform="line",
        name="鏡野町 LINE",
        handle="@kagamino",
        url="https://line.me/R/ti/p/@kagamino",
    )
    for query in ("https://line.me/R/ti/p/@kagamino", "line.me/r/ti/p/@kagamino/", "@kagamino"):
        page = client.get("/public/check/", {"q": query}).content.decode()
        assert f"/public/accounts/{line.pk}/" in page, query


def test_url_keys():
    assert url_key("https://www.X.com/Kagamino/?a=1") == ("x.com", "/kagamino")
    assert url_key("twitter.com/kagamino") == ("x.com", "/kagamino")
    assert url_key("https://www.facebook.com/profile.php?id=100&ref=x") == (
        "facebook.com",
        "/profile.php?id=100",
    )
    assert url_key("@kagamino") is None
    assert url_key("kagamino_town") is None
    assert url_key("https://[bad") is None
