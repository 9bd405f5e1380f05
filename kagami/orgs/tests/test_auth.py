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


# Lockout per person and per address (G-4-7) ------------------------------------------------


def test_failures_under_any_spelling_of_a_login_lock_the_one_person(
    client: Client, cast: object
) -> None:
    for login in [
        "Tanaka@town.example.lg.jp",
        "TANAKA@town.example.lg.jp",
        "tanaka@TOWN.example.lg.jp",
        "１００１",
    ]:
        assert _post_login(client, login, "wrong").status_code == 200
    assert _post_login(client, "1001", "wrong").status_code == 429
    response = _post_login(client, "tanaka@town.example.lg.jp")  # the right password
    assert response.status_code == 429
    assert "一時的に停止" in response.text and "このアカウント" in response.text
    event = AuditEvent.objects.filter(action="auth.locked_out").order_by("seq").first()
    assert event is not None
    assert event.target_id == str(cast.tanaka.pk)  # type: ignore[attr-defined]
    assert event.data == {"login": "1001", "scope": "person"}


def test_a_locked_person_does_not_lock_their_colleagues(client: Client, cast: object) -> None:
    for _ in range(5):
        _post_login(client, "1001", "wrong")
    assert _post_login(client, "1002").status_code == 302


def test_unknown_logins_are_counted_case_and_width_insensitively(db: None) -> None:
    from kagami.orgs.auth import lockout_key

    assert lockout_key("Nobody@Example.JP") == lockout_key("ｎｏｂｏｄｙ＠example.jp")
    assert lockout_key(" NOBODY@example.jp ") == "nobody@example.jp"


def test_a_known_login_is_counted_under_the_person(db: None) -> None:
    from kagami.orgs.auth import lockout_key

    user = User.objects.create_user(
        email="Kato@town.example.lg.jp", staff_number="4001", display_name="加藤"
    )
    keys = {
        lockout_key(x)
        for x in ["kato@town.example.lg.jp", "KATO@TOWN.EXAMPLE.LG.JP", "4001", "４００１"]
    }
    assert keys == {f"user:{user.pk}"}


def test_many_failures_for_different_people_from_one_address_lock_the_address(
    client: Client, cast: object, settings: object
) -> None:
    settings.AXES_IP_FAILURE_LIMIT = 10  # type: ignore[attr-defined]
    logins = ["1001"] * 3 + ["1002"] * 3 + ["2001"] * 3 + ["nobody@town.example.lg.jp"]
    statuses = [_post_login(client, login, "wrong").status_code for login in logins]
    assert statuses == [200] * 9 + [429]
    response = _post_login(client, "3001")  # 高橋, the right password, never failed before
    assert response.status_code == 429
    assert "このネットワークからのログイン" in response.text
    event = AuditEvent.objects.filter(action="auth.locked_out").order_by("seq").first()
    assert event is not None and event.data["scope"] == "address"
    other = Client(REMOTE_ADDR="192.0.2.20")
    assert (
        other.post(reverse("orgs:login"), {"username": "3001", "password": PASSWORD}).status_code
        == 302
    )


def test_the_address_limit_is_higher_than_the_person_limit() -> None:
    from django.conf import settings

    assert settings.AXES_IP_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT


def test_signing_in_clears_only_the_persons_own_failures(client: Client, cast: object) -> None:
    from axes.models import AccessAttempt

    for login in ["1001", "1001", "1002", "1002"]:
        _post_login(client, login, "wrong")
    assert _post_login(client, "TANAKA@town.example.lg.jp").status_code == 302
    left = set(AccessAttempt.objects.values_list("username", flat=True))
    assert left == {f"user:{cast.suzuki.pk}"}  # type: ignore[attr-defined]


def test_a_full_width_staff_number_signs_in(client: Client, cast: object) -> None:
    assert _post_login(client, "１００１").status_code == 302


@pytest.mark.parametrize(
    ("login", "password"),
    [
        ("", PASSWORD),
        ("1001", ""),
        ("x" * 10_000, PASSWORD),
        ("1001", "x" * 10_000),
        ("tanaka\x00@town.example.lg.jp", PASSWORD),
        ("@", "wrong"),
        ("'; DROP TABLE orgs_user; --", "wrong"),
    ],
)
def test_bad_login_input_is_refused_in_japanese_without_an_error_page(
    client: Client, cast: object, login: str, password: str
) -> None:
    response = _post_login(client, login, password)
    if response.status_code == 400:  # a NUL character, refused in front of every view
        assert "\x00" in login + password and "使えない文字" in response.text
    else:
        assert response.status_code == 200
        assert 'role="alert"' in response.text or "field__errors" in response.text
    assert not client.session.get("_auth_user_id")


def test_an_e_mail_shared_by_two_accounts_in_different_case_is_refused_not_an_error(
    client: Client, cast: object
) -> None:
    User.objects.create_user(
        email="Kato@town.example.lg.jp", password=PASSWORD, display_name="加藤 一"
    )
    User.objects.create_user(
        email="kato@town.example.lg.jp", password=PASSWORD, display_name="加藤 二"
    )
    response = _post_login(client, "KATO@town.example.lg.jp")
    assert response.status_code == 200
    assert "正しくありません" in response.text
