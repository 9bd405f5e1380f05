"""A head signs in for the first time in a real browser and is led through MFA set-up."""

import base64

import pytest
from django_otp.oath import TOTP

from conftest import PASSWORD
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_head_signs_in_and_sets_up_mfa(page: object, live_server: object, cast: object) -> None:
    page.goto(f"{live_server.url}/")  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text() == "ログイン"  # type: ignore[attr-defined]
    assert_accessible(page)
    page.get_by_label("職員番号またはメールアドレス").fill("1002")  # type: ignore[attr-defined]
    page.get_by_label("パスワード").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="ログイン").click()  # type: ignore[attr-defined]

    page.wait_for_url("**/accounts/mfa/setup/")  # type: ignore[attr-defined]
    assert "2段階認証が必須" in page.content()  # type: ignore[attr-defined]
    assert_accessible(page)
    secret = page.locator(".secret").inner_text()  # type: ignore[attr-defined]
    code = TOTP(base64.b32decode(secret)).token()
    page.get_by_label("確認コード（6桁）").fill(f"{code:06d}")  # type: ignore[attr-defined]
    page.get_by_role("button", name="設定する").click()  # type: ignore[attr-defined]

    page.wait_for_url(f"{live_server.url}/")  # type: ignore[attr-defined]
    assert "鈴木 花子 さんへのお知らせ" in page.locator("h1").inner_text()  # type: ignore[attr-defined]
    assert "2段階認証を設定しました" in page.content()  # type: ignore[attr-defined]
    assert_accessible(page)


def test_a_wrong_password_is_announced_accessibly(
    page: object, live_server: object, cast: object
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")  # type: ignore[attr-defined]
    page.get_by_label("職員番号またはメールアドレス").fill("1001")  # type: ignore[attr-defined]
    page.get_by_label("パスワード").fill("wrong password")  # type: ignore[attr-defined]
    page.get_by_role("button", name="ログイン").click()  # type: ignore[attr-defined]
    assert page.get_by_role("alert").is_visible()  # type: ignore[attr-defined]
    assert "パスワードが正しくありません" in page.get_by_role("alert").inner_text()  # type: ignore[attr-defined]
    assert_accessible(page)
