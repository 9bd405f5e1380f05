"""A head plans an account and drafts its policy from the model wording in a real browser;
every screen passes axe-core (WCAG 2.1 A/AA)."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _sign_in(page: object, live_server: object, user: object) -> None:
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    page.goto(f"{live_server.url}/accounts/login/")  # type: ignore[attr-defined]
    page.get_by_label("職員番号またはメールアドレス").fill(user.staff_number)  # type: ignore[attr-defined]
    page.get_by_label("パスワード").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="ログイン").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/accounts/mfa/verify/**")  # type: ignore[attr-defined]
    page.get_by_label("確認コード（6桁）").fill(f"{TOTP(device.bin_key).token():06d}")  # type: ignore[attr-defined]
    page.get_by_role("button", name="確認する").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{live_server.url}/")  # type: ignore[attr-defined]


def test_a_head_plans_an_account_and_drafts_its_policy(
    page: object, live_server: object, cast: object
) -> None:
    _sign_in(page, live_server, cast.suzuki)  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/registry/new/")  # type: ignore[attr-defined]
    assert_accessible(page)
    page.get_by_label("X（旧Twitter）（高い（匿名で使われることが多い））").check()  # type: ignore[attr-defined]
    page.get_by_label("アカウント名").fill("鏡野町 総務課")  # type: ignore[attr-defined]
    page.get_by_label("ユーザーID").fill("@kagamino_somu")  # type: ignore[attr-defined]
    page.get_by_label("アカウントのURL").fill("https://x.com/kagamino_somu")  # type: ignore[attr-defined]
    page.get_by_role("button", name="台帳に登録する").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/registry/*/")  # type: ignore[attr-defined]
    assert "計画中" in page.locator("h1").inner_text()  # type: ignore[attr-defined]
    assert_accessible(page)

    page.get_by_role("link", name="作成・改定する").first.click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="ひな形から下書きを作る").click()  # type: ignore[attr-defined]
    assert "を利用します。" in page.get_by_label("(a) 利用するソーシャルメディア").input_value()  # type: ignore[attr-defined]
    page.get_by_role("button", name="この内容で確定する").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/registry/*/")  # type: ignore[attr-defined]
    assert "運用方針 第1版を確定しました" in page.content()  # type: ignore[attr-defined]
    assert_accessible(page)
