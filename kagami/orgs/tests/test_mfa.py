"""The second factor's lifecycle (G-4-7): enrol, re-enrol with the current code, turn off, and
an administrator's reset after a lost phone. Workflow functions directly, then the screens."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from kagami.audit.models import AuditEvent
from kagami.lib.errors import DomainError
from kagami.orgs import mfa
from kagami.orgs.models import Notification, User

BAD_CODES = ["", "   ", "x" * 10_000, "12345", "1234567", "12a456", "12\x003456", "<script>"]


def _refused(response: object, message: str) -> bool:
    """Refused with `message` on the form, or, for a NUL character, by the request filter
    in front of every view (400 with its own Japanese message)."""
    status, text = response.status_code, response.text  # type: ignore[attr-defined]
    return (status == 200 and message in text) or (status == 400 and "使えない文字" in text)


def _code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _wrong(device: TOTPDevice) -> str:
    return f"{(int(_code(device)) + 1) % 1_000_000:06d}"


def _rested(device: TOTPDevice) -> TOTPDevice:
    """The device with django-otp's slow-down after a wrong code lifted (no sleeping)."""
    device.refresh_from_db()
    device.throttle_reset()
    return device


def _administrator() -> User:
    return User.objects.create_user(
        email="watanabe@town.example.lg.jp",
        password=PASSWORD,
        staff_number="0001",
        display_name="渡辺 浩",
        is_staff=True,
        is_superuser=True,
        is_administrator=True,
    )


def _devices(user: object) -> list[tuple[int, bool, str]]:
    return list(
        TOTPDevice.objects.filter(user=user).order_by("pk").values_list("pk", "confirmed", "key")
    )


# Workflow ----------------------------------------------------------------------------------


def test_starting_enrolment_twice_reuses_the_pending_device(cast: object) -> None:
    first = mfa.start_enrolment(user=cast.tanaka)  # type: ignore[attr-defined]
    second = mfa.start_enrolment(user=cast.tanaka)  # type: ignore[attr-defined]
    assert first.pk == second.pk
    assert TOTPDevice.objects.filter(user=cast.tanaka).count() == 1  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="auth.mfa_enrolment_started").count() == 1


def test_enrolment_cannot_start_over_a_confirmed_device(cast: object) -> None:
    device = mfa.start_enrolment(user=cast.tanaka)  # type: ignore[attr-defined]
    mfa.confirm_enrolment(user=cast.tanaka, code=_code(device))  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="設定済み"):
        mfa.start_enrolment(user=cast.tanaka)  # type: ignore[attr-defined]
    assert TOTPDevice.objects.filter(user=cast.tanaka).count() == 1  # type: ignore[attr-defined]


def test_confirming_with_the_right_code_turns_mfa_on_and_is_audited(cast: object) -> None:
    device = mfa.start_enrolment(user=cast.suzuki)  # type: ignore[attr-defined]
    confirmed = mfa.confirm_enrolment(user=cast.suzuki, code=_code(device))  # type: ignore[attr-defined]
    assert confirmed.pk == device.pk and confirmed.confirmed
    event = AuditEvent.objects.get(action="auth.mfa_enabled")
    assert event.actor == cast.suzuki and event.data == {"re_enrolment": False}  # type: ignore[attr-defined]


def test_confirming_with_a_wrong_code_changes_nothing_and_is_audited(cast: object) -> None:
    device = mfa.start_enrolment(user=cast.suzuki)  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="確認コードが正しくありません"):
        mfa.confirm_enrolment(user=cast.suzuki, code=_wrong(device))  # type: ignore[attr-defined]
    device.refresh_from_db()
    assert not device.confirmed
    assert AuditEvent.objects.get(action="auth.mfa_failed").data["step"] == "enrolment"


def test_confirming_without_a_pending_device_is_refused(cast: object) -> None:
    with pytest.raises(DomainError, match="最初からやり直して"):
        mfa.confirm_enrolment(user=cast.tanaka, code="123456")  # type: ignore[attr-defined]


def test_repeated_wrong_codes_are_slowed_down_with_a_clear_message(cast: object) -> None:
    device = mfa.start_enrolment(user=cast.suzuki)  # type: ignore[attr-defined]
    with pytest.raises(DomainError):
        mfa.confirm_enrolment(user=cast.suzuki, code=_wrong(device))  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="しばらく受け付けません"):
        mfa.confirm_enrolment(user=cast.suzuki, code=_code(device))  # type: ignore[attr-defined]
    device.refresh_from_db()
    assert not device.confirmed


def test_re_enrolling_with_a_wrong_current_code_changes_nothing(cast: object) -> None:
    old = TOTPDevice.objects.create(user=cast.suzuki, name="old phone", confirmed=True)  # type: ignore[attr-defined]
    before = _devices(cast.suzuki)  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="確認コードが正しくない"):
        mfa.re_enrol(user=cast.suzuki, code=_wrong(old))  # type: ignore[attr-defined]
    assert _devices(cast.suzuki) == before  # type: ignore[attr-defined]
    assert not AuditEvent.objects.filter(action="auth.mfa_re_enrolment_started").exists()
    assert AuditEvent.objects.get(action="auth.mfa_failed").data["step"] == "re_enrolment"


def test_re_enrolling_replaces_the_old_device_only_when_the_new_one_is_confirmed(
    cast: object,
) -> None:
    old = TOTPDevice.objects.create(user=cast.suzuki, name="old phone", confirmed=True)  # type: ignore[attr-defined]
    new = mfa.re_enrol(user=cast.suzuki, code=_code(old))  # type: ignore[attr-defined]
    assert new.pk != old.pk and not new.confirmed
    assert mfa.confirmed_device(cast.suzuki) == old  # type: ignore[attr-defined]  # still works
    mfa.confirm_enrolment(user=cast.suzuki, code=_code(new))  # type: ignore[attr-defined]
    assert _devices(cast.suzuki) == [(new.pk, True, new.key)]  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="auth.mfa_re_enrolment_started").count() == 1
    assert AuditEvent.objects.get(action="auth.mfa_enabled").data == {"re_enrolment": True}


def test_re_enrolling_without_a_device_is_refused(cast: object) -> None:
    with pytest.raises(DomainError, match="先に設定してください"):
        mfa.re_enrol(user=cast.tanaka, code="123456")  # type: ignore[attr-defined]
    assert not TOTPDevice.objects.exists()


def test_turning_mfa_off_needs_a_current_code(cast: object) -> None:
    device = TOTPDevice.objects.create(user=cast.tanaka, name="phone", confirmed=True)  # type: ignore[attr-defined]
    with pytest.raises(DomainError):
        mfa.disable_mfa(user=cast.tanaka, code=_wrong(device))  # type: ignore[attr-defined]
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    mfa.disable_mfa(user=cast.tanaka, code=_code(_rested(device)))  # type: ignore[attr-defined]
    assert not TOTPDevice.objects.filter(user=cast.tanaka).exists()  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="auth.mfa_disabled").exists()


def test_a_head_cannot_turn_mfa_off(cast: object) -> None:
    device = TOTPDevice.objects.create(user=cast.suzuki, name="phone", confirmed=True)  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="役割では"):
        mfa.disable_mfa(user=cast.suzuki, code=_code(device))  # type: ignore[attr-defined]
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert AuditEvent.objects.filter(action="auth.mfa_disabled_refused").exists()


def test_an_administrator_resets_a_lost_phone_with_a_reason(
    cast: object, django_capture_on_commit_callbacks: object
) -> None:
    administrator = _administrator()
    TOTPDevice.objects.create(user=cast.suzuki, name="phone", confirmed=True)  # type: ignore[attr-defined]
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        count = mfa.reset_mfa(
            administrator=administrator,
            user=cast.suzuki,  # type: ignore[attr-defined]
            reason="  スマートフォンを紛失したと本人から電話  ",
        )
    assert count == 1
    assert not TOTPDevice.objects.filter(user=cast.suzuki).exists()  # type: ignore[attr-defined]
    event = AuditEvent.objects.get(action="auth.mfa_reset")
    assert event.actor == administrator and event.target_id == str(cast.suzuki.pk)  # type: ignore[attr-defined]
    assert event.data == {"reason": "スマートフォンを紛失したと本人から電話", "devices": 1}
    note = Notification.objects.get(user=cast.suzuki)  # type: ignore[attr-defined]
    assert "リセット" in note.subject and "紛失" in note.body
    assert mail.outbox and mail.outbox[0].to == ["suzuki@town.example.lg.jp"]


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_a_reset_without_a_reason_is_refused(cast: object, reason: str) -> None:
    administrator = _administrator()
    device = TOTPDevice.objects.create(user=cast.suzuki, name="phone", confirmed=True)  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="理由を入力してください"):
        mfa.reset_mfa(administrator=administrator, user=cast.suzuki, reason=reason)  # type: ignore[attr-defined]
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not AuditEvent.objects.filter(action="auth.mfa_reset").exists()


def test_a_reset_with_a_very_long_reason_is_refused(cast: object) -> None:
    device = TOTPDevice.objects.create(user=cast.suzuki, name="phone", confirmed=True)  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="500文字以内"):
        mfa.reset_mfa(administrator=_administrator(), user=cast.suzuki, reason="紛" * 10_000)  # type: ignore[attr-defined]
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


@pytest.mark.parametrize("who", ["tanaka", "suzuki", "takahashi", "ito"])
def test_a_non_administrator_cannot_reset(cast: object, who: str) -> None:
    device = TOTPDevice.objects.create(user=cast.sato, name="phone", confirmed=True)  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="システム管理者だけ"):
        mfa.reset_mfa(administrator=getattr(cast, who), user=cast.sato, reason="紛失")  # type: ignore[attr-defined]
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert (
        AuditEvent.objects.get(action="auth.mfa_reset_refused").data["code"] == "not_administrator"
    )


def test_an_administrator_cannot_reset_their_own_mfa(cast: object) -> None:
    administrator = _administrator()
    TOTPDevice.objects.create(user=administrator, name="phone", confirmed=True)
    with pytest.raises(DomainError, match="別のシステム管理者"):
        mfa.reset_mfa(administrator=administrator, user=administrator, reason="紛失")
    assert TOTPDevice.objects.filter(user=administrator).exists()


def test_resetting_someone_without_mfa_is_refused(cast: object) -> None:
    with pytest.raises(DomainError, match="リセットするものはありません"):
        mfa.reset_mfa(administrator=_administrator(), user=cast.tanaka, reason="紛失")  # type: ignore[attr-defined]
    assert not AuditEvent.objects.filter(action="auth.mfa_reset").exists()


# Screens -----------------------------------------------------------------------------------


def test_visiting_set_up_twice_leaves_one_unconfirmed_device(client: Client, cast: object) -> None:
    client.post(reverse("orgs:login"), {"username": "1002", "password": PASSWORD})
    first = client.get(reverse("orgs:mfa_setup"))
    second = client.get(reverse("orgs:mfa_setup"))
    assert first.status_code == second.status_code == 200
    devices = TOTPDevice.objects.filter(user=cast.suzuki)  # type: ignore[attr-defined]
    assert devices.count() == 1 and not devices.get().confirmed
    assert first.context["secret"] == second.context["secret"]


@pytest.mark.parametrize("code", BAD_CODES)
def test_bad_codes_on_set_up_are_refused_in_japanese(
    client: Client, cast: object, code: str
) -> None:
    client.post(reverse("orgs:login"), {"username": "1002", "password": PASSWORD})
    response = client.post(reverse("orgs:mfa_setup"), {"token": code})
    assert _refused(response, "6桁の数字を入力してください")
    assert not TOTPDevice.objects.filter(user=cast.suzuki, confirmed=True).exists()  # type: ignore[attr-defined]


def test_a_verified_user_visiting_set_up_is_asked_for_the_current_code_first(
    client: Client, cast: object, login: object
) -> None:
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    response = client.get(reverse("orgs:mfa_setup"))
    assert response.status_code == 302 and response.url == reverse("orgs:mfa_re_enrol")
    assert TOTPDevice.objects.filter(user=cast.suzuki).count() == 1  # type: ignore[attr-defined]


def test_re_enrolment_over_the_screens(client: Client, cast: object, login: object) -> None:
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    old = TOTPDevice.objects.get(user=cast.suzuki)  # type: ignore[attr-defined]
    page = client.get(reverse("orgs:mfa_re_enrol"))
    assert page.status_code == 200 and "今お使いの認証アプリの確認コード" in page.text
    response = client.post(reverse("orgs:mfa_re_enrol"), {"token": _wrong(old)})
    assert response.status_code == 200 and "確認コードが正しくない" in response.text
    assert TOTPDevice.objects.filter(user=cast.suzuki).count() == 1  # type: ignore[attr-defined]
    response = client.post(reverse("orgs:mfa_re_enrol"), {"token": _code(_rested(old))})
    assert response.status_code == 302 and response.url == reverse("orgs:mfa_setup")
    page = client.get(reverse("orgs:mfa_setup"))
    assert "新しいスマートフォン" in page.text
    new = TOTPDevice.objects.get(user=cast.suzuki, confirmed=False)  # type: ignore[attr-defined]
    response = client.post(reverse("orgs:mfa_setup"), {"token": _code(new)})
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=cast.suzuki).values_list("pk", flat=True)) == [
        new.pk
    ]  # type: ignore[attr-defined]
    assert client.get(reverse("dashboard:home")).status_code == 200  # still signed in


@pytest.mark.parametrize("code", BAD_CODES)
def test_bad_codes_on_re_enrolment_change_nothing(
    client: Client, cast: object, login: object, code: str
) -> None:
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    before = _devices(cast.suzuki)  # type: ignore[attr-defined]
    response = client.post(reverse("orgs:mfa_re_enrol"), {"token": code})
    assert _refused(response, "6桁の数字を入力してください")
    assert _devices(cast.suzuki) == before  # type: ignore[attr-defined]


def test_turning_mfa_off_over_the_screens(client: Client, cast: object, login: object) -> None:
    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    device = TOTPDevice.objects.get(user=cast.tanaka)  # type: ignore[attr-defined]
    assert "mfa/disable" in client.get(reverse("orgs:preferences")).text
    for code in BAD_CODES:
        response = client.post(reverse("orgs:mfa_disable"), {"token": code})
        assert _refused(response, "6桁の数字を入力してください")
    response = client.post(reverse("orgs:mfa_disable"), {"token": _wrong(device)})
    assert _refused(response, "確認コードが正しくない")
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    response = client.post(reverse("orgs:mfa_disable"), {"token": _code(_rested(device))})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.tanaka).exists()  # type: ignore[attr-defined]


def test_a_head_is_told_why_mfa_cannot_be_turned_off(
    client: Client, cast: object, login: object
) -> None:
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    device = TOTPDevice.objects.get(user=cast.suzuki)  # type: ignore[attr-defined]
    response = client.post(reverse("orgs:mfa_disable"), {"token": _code(device)})
    assert response.status_code == 200 and "役割では2段階認証を解除できません" in response.text
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_the_reset_page_is_for_administrators_only(
    client: Client, cast: object, login: object
) -> None:
    TOTPDevice.objects.create(user=cast.sato, name="phone", confirmed=True)  # type: ignore[attr-defined]
    login(client, cast.takahashi)  # type: ignore[operator, attr-defined]
    url = reverse("orgs:mfa_reset", args=[cast.sato.pk])  # type: ignore[attr-defined]
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "紛失"}).status_code == 404
    assert TOTPDevice.objects.filter(user=cast.sato, name="phone").exists()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "理由を入力してください"),
        ("   ", "理由を入力してください"),
        ("紛" * 10_000, "500文字以内"),
        ("a\x00b", "使えない文字"),
    ],
)
def test_bad_reasons_on_the_reset_page_change_nothing(
    client: Client, cast: object, login: object, reason: str, message: str
) -> None:
    device = TOTPDevice.objects.create(user=cast.suzuki, name="phone", confirmed=True)  # type: ignore[attr-defined]
    login(client, _administrator())  # type: ignore[operator]
    url = reverse("orgs:mfa_reset", args=[cast.suzuki.pk])  # type: ignore[attr-defined]
    response = client.post(url, {"reason": reason})
    assert _refused(response, message)
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_after_a_reset_the_head_enrols_again_at_the_next_sign_in(
    client: Client, cast: object, login: object
) -> None:
    TOTPDevice.objects.create(user=cast.suzuki, name="phone", confirmed=True)  # type: ignore[attr-defined]
    login(client, _administrator())  # type: ignore[operator]
    url = reverse("orgs:mfa_reset", args=[cast.suzuki.pk])  # type: ignore[attr-defined]
    page = client.get(url)
    assert page.status_code == 200 and "鈴木 花子" in page.text
    response = client.post(url, {"reason": "スマートフォンの紛失"})
    assert response.status_code == 302
    assert response.url == reverse("admin:otp_totp_totpdevice_changelist")
    head = Client()
    head.post(reverse("orgs:login"), {"username": "1002", "password": PASSWORD})
    response = head.get(reverse("dashboard:home"))
    assert response.status_code == 302 and response.url == reverse("orgs:mfa_setup")


def test_a_wrong_code_at_sign_in_is_refused_and_audited(client: Client, cast: object) -> None:
    device = TOTPDevice.objects.create(user=cast.tanaka, name="phone", confirmed=True)  # type: ignore[attr-defined]
    client.post(reverse("orgs:login"), {"username": "1001", "password": PASSWORD})
    for code in BAD_CODES:
        response = client.post(reverse("orgs:mfa_verify"), {"token": code})
        assert _refused(response, "6桁の数字を入力してください")
    response = client.post(reverse("orgs:mfa_verify"), {"token": _wrong(device)})
    assert _refused(response, "確認コードが正しくない")
    assert AuditEvent.objects.get(action="auth.mfa_failed").data["step"] == "sign_in"
    assert client.get(reverse("dashboard:home")).status_code == 302


@pytest.mark.parametrize(
    "target", ["1 ", "dashboard:home", "https://evil.example/", "//evil.example/"]
)
def test_after_the_code_only_a_path_on_this_site_is_followed(
    client: Client, cast: object, target: str
) -> None:
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=cast.suzuki, name="phone", confirmed=True)  # type: ignore[attr-defined]
    client.force_login(cast.suzuki, backend="kagami.orgs.auth.StaffLoginBackend")  # type: ignore[attr-defined]
    response = client.post(
        reverse("orgs:mfa_verify") + "?next=" + target,
        {"token": f"{TOTP(device.bin_key).token():06d}", "next": target},
    )
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:home")
