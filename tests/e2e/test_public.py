"""A resident, not signed in, uses the public directory in a real browser (G-4-6)."""

import pytest

from kagami.public.tests.helpers import listed_account, stop
from kagami.registry.models import EndKind
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_resident_reads_the_directory_an_account_and_checks_a_handle(
    page: object, live_server: object, cast: object
) -> None:
    account = listed_account(cast)
    kanko = listed_account(
        cast,
        platform="instagram",
        name="かがみの観光",
        handle="kagamino_kanko",
        url="https://www.instagram.com/kagamino_kanko/",
    )
    stop(cast, kanko, EndKind.SUSPEND)

    page.goto(f"{live_server.url}/public/")  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text() == "鏡野町の公式SNSアカウント"  # type: ignore[attr-defined]
    assert page.get_by_role("heading", name="X（旧Twitter）").is_visible()  # type: ignore[attr-defined]
    assert "休止中" in page.locator("#platform-instagram").locator("..").inner_text()  # type: ignore[attr-defined]
    assert "注意が必要ななりすましアカウントの情報はありません" in page.content()  # type: ignore[attr-defined]
    assert_accessible(page)

    page.get_by_role("link", name="鏡野町役場 総務課", exact=True).click()  # type: ignore[attr-defined]
    page.wait_for_url(f"**/public/accounts/{account.pk}/")  # type: ignore[attr-defined]
    assert page.get_by_role("heading", name="運用方針").is_visible()  # type: ignore[attr-defined]
    assert page.get_by_role("heading", name="利用規約").is_visible()  # type: ignore[attr-defined]
    assert page.locator(".public-clauses li").count() == 3  # type: ignore[attr-defined]
    assert_accessible(page)

    page.get_by_role("link", name="公式アカウントかどうか調べる").click()  # type: ignore[attr-defined]
    page.get_by_label("アカウントのURLまたはユーザーID").fill("https://twitter.com/kagamino_town/")  # type: ignore[attr-defined]
    page.get_by_role("button", name="公式アカウントか調べる").click()  # type: ignore[attr-defined]
    status = page.get_by_role("status")  # type: ignore[attr-defined]
    assert "鏡野町の公式アカウントです" in status.inner_text()
    assert page.title().startswith("公式アカウントです")  # type: ignore[attr-defined]
    assert_accessible(page)

    page.get_by_label("アカウントのURLまたはユーザーID").fill("@kagamino_town_official")  # type: ignore[attr-defined]
    page.get_by_role("button", name="もう一度調べる").click()  # type: ignore[attr-defined]
    assert "なりすましの可能性があります" in page.get_by_role("status").inner_text()  # type: ignore[attr-defined]
    assert_accessible(page)


def test_the_guideline_page_is_accessible(page: object, live_server: object, db: None) -> None:
    page.goto(f"{live_server.url}/public/guideline/")  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text() == "鏡野町ソーシャルメディア運用ガイドライン"  # type: ignore[attr-defined]
    assert_accessible(page)
