"""Signing in: login names, lockout, MFA for heads (G-4-7 spirit for our own accounts), expiry."""

import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from kagami.audit.models import AuditEvent
from kagami.orgs.models import User

JST = ZoneInfo("Asia/Tokyo")


def _post_login(client: Client, login: str, password: str = PASSWORD) -> object:
    return client.post(reverse("orgs:login"), {"username": login, "password": password})


def _token(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_the_login_page_is_japanese(client: Client, db: None) -> None:
    response = client.get(reverse("orgs:login"))
    assert response.status_code == 200
    assert '<html lang="ja">' in response.text
    assert "職員番号またはメールアドレス" in response.text


def test_staff_sign_in_by_email_or_by_staff_number(client: Client, cast: object) -> None:
    assert _post_login(client, "TANAKA@town.example.lg.jp").status_code == 302
    client.post(reverse("orgs:logout"))
    response = _post_login(client, "1001")
    assert response.status_code == 302
    assert client.get(reverse("dashboard:home")).status_code == 200
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions == ["auth.logged_in", "auth.logged_out", "auth.logged_in"]


def test_a_wrong_password_is_refused_in_japanese_and_audited(client: Client, cast: object) -> None:
    response = _post_login(client, "1001", "wrong password")
    assert response.status_code == 200
    assert "パスワードが正しくありません" in response.text
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.data == {"login": "1001", "reason": "bad_credentials"}
    assert "wrong password" not in str(event.data)


def test_repeated_failures_lock_the_login(client: Client, cast: object) -> None:
    for _ in range(4):
        assert _post_login(client, "1001", "wrong").status_code == 200
    assert _post_login(client, "1001", "wrong").status_code == 429
    response = _post_login(client, "1001")  # even the right password, while locked
    assert response.status_code == 429
    assert "一時的に停止" in response.text
    assert AuditEvent.objects.filter(action="auth.locked_out").exists()


def test_a_head_must_set_up_mfa_before_anything_else(client: Client, cast: object) -> None:
    _post_login(client, "1002")  # 鈴木, head of 総務課
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302 and response.url == reverse("orgs:mfa_setup")
    page = client.get(reverse("orgs:mfa_setup"))
    assert "<svg" in page.text and "2段階認証の設定" in page.text
    device = TOTPDevice.objects.get(user=cast.suzuki, confirmed=False)  # type: ignore[attr-defined]
    response = client.post(reverse("orgs:mfa_setup"), {"token": _token(device)})
    assert response.status_code == 302
    assert client.get(reverse("dashboard:home")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.mfa_enabled", actor=cast.suzuki).exists()  # type: ignore[attr-defined]


def test_staff_may_work_without_mfa(client: Client, cast: object) -> None:
    _post_login(client, "1001")
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_a_user_with_mfa_must_enter_a_valid_code(client: Client, cast: object) -> None:
    device = TOTPDevice.objects.create(user=cast.suzuki, name="phone", confirmed=True)  # type: ignore[attr-defined]
    _post_login(client, "1002")
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("orgs:mfa_verify"))
    wrong = f"{(int(_token(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("orgs:mfa_verify"), {"token": wrong})
    assert "確認コードが正しくない" in response.text
    assert AuditEvent.objects.filter(action="auth.mfa_failed").count() == 1
    assert client.get(reverse("dashboard:home")).status_code == 302
    device.refresh_from_db()
    device.throttle_reset()
    response = client.post(
        reverse("orgs:mfa_verify"), {"token": _token(device), "next": "/orgs/departments/"}
    )
    assert response.status_code == 302 and response.url == "/orgs/departments/"
    assert client.get(reverse("dashboard:home")).status_code == 200


def test_mfa_verify_never_redirects_off_site(client: Client, cast: object) -> None:
    device = TOTPDevice.objects.create(user=cast.tanaka, name="phone", confirmed=True)  # type: ignore[attr-defined]
    _post_login(client, "1001")
    response = client.post(
        reverse("orgs:mfa_verify"), {"token": _token(device), "next": "https://evil.example/"}
    )
    assert response.url == reverse("dashboard:home")


def test_an_expired_contractor_cannot_sign_in(client: Client, cast: object) -> None:
    contractor = User.objects.create_user(
        email="vendor@agency.example.jp",
        password=PASSWORD,
        display_name="委託 太郎",
        contractor_company="株式会社かがみの",
        access_ends_on=timezone.localdate() - timedelta(days=1),
    )
    response = _post_login(client, "vendor@agency.example.jp")
    assert response.status_code == 200
    assert "利用期間は終了" in response.text or "正しくありません" in response.text
    assert (
        AuditEvent.objects.get(action="auth.login_failed", target_id=str(contractor.pk)).data[
            "reason"
        ]
        == "expired"
    )


def test_a_contractor_is_signed_out_when_the_end_date_passes(client: Client, cast: object) -> None:
    User.objects.create_user(
        email="vendor@agency.example.jp",
        password=PASSWORD,
        display_name="委託 太郎",
        contractor_company="株式会社かがみの",
        access_ends_on=date(2026, 11, 30),
    )
    with time_machine.travel(datetime(2026, 11, 30, 23, 50, tzinfo=JST), tick=False):
        assert _post_login(client, "vendor@agency.example.jp").status_code == 302
        assert client.get(reverse("dashboard:home")).status_code == 200
    with time_machine.travel(datetime(2026, 12, 1, 0, 10, tzinfo=JST), tick=False):
        response = client.get(reverse("dashboard:home"))
        assert response.status_code == 302 and response.url == reverse("orgs:login")
        assert AuditEvent.objects.filter(
            action="auth.session_ended", data__reason="access_ended"
        ).exists()
        assert client.get(reverse("dashboard:home")).status_code == 302


def test_a_session_ends_after_the_maximum_working_day(
    client: Client, cast: object, settings: object
) -> None:
    settings.SESSION_COOKIE_AGE = 24 * 3600  # type: ignore[attr-defined]  # idle limit out of the way
    _post_login(client, "1001")
    assert client.get(reverse("dashboard:home")).status_code == 200
    with time_machine.travel(time.time() + 9 * 3600, tick=False):
        assert client.get(reverse("dashboard:home")).status_code == 200
    with time_machine.travel(time.time() + 11 * 3600, tick=False):
        response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302 and response.url == reverse("orgs:login")
    assert AuditEvent.objects.filter(
        action="auth.session_ended", data__reason="session_too_old"
    ).exists()


@pytest.mark.parametrize(
    "password",
    [
        "kagamino2026!",
        "ｋａｇａｍｉｎｏ２０２６",
        "tanaka19850401",
        "qwertyuiop123",
        "yakusho12345",
    ],
)
def test_guessable_passwords_are_refused(cast: object, password: str) -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password(password, cast.tanaka)  # type: ignore[attr-defined]


def test_a_long_unrelated_passphrase_is_accepted(cast: object) -> None:
    from django.contrib.auth.password_validation import validate_password

    validate_password("ひまわり畑の向こうに富士山が見える", cast.tanaka)  # type: ignore[attr-defined]
