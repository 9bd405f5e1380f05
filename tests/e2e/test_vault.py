"""The head reveals a platform password in a real browser after password and TOTP; the value
shows once and the vault screens pass axe-core (G-4-7)."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from kagami.registry.testing import documented_account
from kagami.vault import workflow as vault
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_registry import _sign_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SECRET = "trombone-velvet-quasar-91"


def test_the_head_reveals_the_password_once(
    page: object, live_server: object, cast: object
) -> None:
    account = documented_account(head=cast.suzuki, department=cast.somu)  # type: ignore[attr-defined]
    vault.store_credential(
        actor=cast.suzuki,  # type: ignore[attr-defined]
        account=account,
        login_id="kagamino_town",
        password=SECRET,
        recovery_email="sns@town.example.lg.jp",
        recovery_phone="",
        two_factor_method="app",
        two_factor_storage="総務課の公用スマートフォン",
        custodian=cast.suzuki,  # type: ignore[attr-defined]
    )
    _sign_in(page, live_server, cast.suzuki)  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/vault/accounts/{account.pk}/")  # type: ignore[attr-defined]
    assert SECRET not in page.content()  # type: ignore[attr-defined]
    assert_accessible(page)
    page.goto(f"{live_server.url}/vault/accounts/{account.pk}/reveal/")  # type: ignore[attr-defined]
    assert_accessible(page)
    device = TOTPDevice.objects.get(user=cast.suzuki)  # type: ignore[attr-defined]
    # The sign-in just used this 30-second code; django-otp refuses a replay, so let the test
    # stand in for the next time step.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    page.get_by_label("表示する理由").fill("アカウントのログイン確認のため")  # type: ignore[attr-defined]
    page.get_by_label("あなたのログインパスワード").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_label("確認コード（認証アプリの6桁の数字）").fill(
        f"{TOTP(device.bin_key).token():06d}"
    )  # type: ignore[attr-defined]
    page.get_by_role("button", name="表示する").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert SECRET in page.content()  # type: ignore[attr-defined]
    assert_accessible(page)
