"""The administrators' site audits every change and deletes nothing."""

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from kagami.audit.models import AuditEvent
from kagami.orgs.models import Department, Membership, User


def test_an_administrator_adds_a_department_and_it_is_audited(
    client: Client, cast: object, login: object
) -> None:
    admin = User.objects.create_user(
        email="watanabe@town.example.lg.jp",
        display_name="渡辺 浩",
        is_staff=True,
        is_superuser=True,
        is_administrator=True,
    )
    login(client, admin)  # type: ignore[operator]
    response = client.post(
        reverse("admin:orgs_department_add"),
        {
            "code": "kankyo",
            "name": "環境課",
            "name_kana": "かんきょうか",
            "sort_order": 9,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    department = Department.objects.get(code="kankyo")
    event = AuditEvent.objects.get(action="admin.added")
    assert event.target_id == str(department.pk) and event.actor == admin
    assert "name" in event.data["fields"]
    delete = client.get(reverse("admin:orgs_department_delete", args=[department.pk]))
    assert delete.status_code == 403


def test_staff_cannot_enter_the_admin_site(client: Client, cast: object, login: object) -> None:
    login(client, cast.takahashi)  # type: ignore[operator, attr-defined]
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "login" in response.url


NO_INLINE_ROWS = {"memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"}


def _administrator() -> User:
    return User.objects.create_user(
        email="watanabe@town.example.lg.jp",
        display_name="渡辺 浩",
        is_staff=True,
        is_superuser=True,
        is_administrator=True,
    )


def test_the_authenticator_admin_never_shows_a_key_or_qr_code(
    client: Client, cast: object, login: object
) -> None:
    device = TOTPDevice.objects.create(user=cast.suzuki, name="phone", confirmed=True)  # type: ignore[attr-defined]
    login(client, _administrator())  # type: ignore[operator]
    listing = client.get(reverse("admin:otp_totp_totpdevice_changelist"))
    detail = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    for page in (listing, detail):
        assert page.status_code == 200
        assert device.key not in page.text
        assert "qrcode" not in page.text.lower() and "otpauth://" not in page.text
    assert "鈴木 花子" in listing.text
    assert reverse("orgs:mfa_reset", args=[cast.suzuki.pk]) in listing.text  # type: ignore[attr-defined]
    with pytest.raises(NoReverseMatch):
        reverse("admin:otp_totp_totpdevice_config", args=[device.pk])


def test_the_authenticator_admin_adds_changes_and_deletes_nothing(
    client: Client, cast: object, login: object
) -> None:
    device = TOTPDevice.objects.create(user=cast.suzuki, name="phone", confirmed=True)  # type: ignore[attr-defined]
    login(client, _administrator())  # type: ignore[operator]
    assert client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
    change = reverse("admin:otp_totp_totpdevice_change", args=[device.pk])
    assert client.post(change, {"name": "x", "confirmed": ""}).status_code == 403
    delete = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse("admin:otp_totp_totpdevice_changelist"),
        {"action": "delete_selected", "_selected_action": [device.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    device.refresh_from_db()
    assert device.name == "phone" and device.confirmed


def test_memberships_are_read_only_in_the_user_admin(
    client: Client, cast: object, login: object
) -> None:
    administrator = _administrator()
    login(client, administrator)  # type: ignore[operator]
    url = reverse("admin:orgs_user_change", args=[administrator.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="memberships-0-department"' not in page.text
    data = {
        "email": administrator.email,
        "staff_number": "",
        "display_name": administrator.display_name,
        "display_name_kana": "",
        "language": "ja",
        "is_active": "on",
        "is_administrator": "on",
        "is_staff": "on",
        "contractor_company": "",
        "access_ends_on": "",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-department": str(cast.kikaku.pk),  # type: ignore[attr-defined]
        "memberships-0-role": "staff",
        "memberships-0-valid_from": "2026-04-01",
        "memberships-0-user": str(administrator.pk),
    }
    client.post(url, data)
    assert not Membership.objects.filter(user=administrator).exists()
    assert not administrator.is_policy_division


def test_the_admin_has_no_password_form(client: Client, cast: object, login: object) -> None:
    login(client, _administrator())  # type: ignore[operator]
    tanaka = cast.tanaka  # type: ignore[attr-defined]
    with pytest.raises(NoReverseMatch):
        reverse("admin:auth_user_password_change", args=[tanaka.pk])
    page = client.get(reverse("admin:orgs_user_change", args=[tanaka.pk]))
    assert page.status_code == 200
    url = f"/admin/orgs/user/{tanaka.pk}/password/"
    assert url not in page.text and 'name="password"' not in page.text
    # What it offers instead: the audited link by which the person sets their own.
    assert reverse("orgs:password_link", args=[tanaka.pk]) in page.text
    client.post(
        url, {"password1": "new passphrase 2026 kagami", "password2": "new passphrase 2026 kagami"}
    )
    response = client.get(url, follow=True)
    assert 'name="password1"' not in response.text
    tanaka.refresh_from_db()
    assert tanaka.check_password(PASSWORD)


def test_admin_changes_record_the_values_before_and_after(
    client: Client, cast: object, login: object
) -> None:
    administrator = _administrator()
    login(client, administrator)  # type: ignore[operator]
    sato = cast.sato  # type: ignore[attr-defined]
    response = client.post(
        reverse("admin:orgs_user_change", args=[sato.pk]),
        {
            "email": sato.email,
            "staff_number": sato.staff_number,
            "display_name": "佐藤 健太",
            "display_name_kana": "",
            "language": "ja",
            "is_active": "on",
            "is_administrator": "on",
            "contractor_company": "",
            "access_ends_on": "",
            **NO_INLINE_ROWS,
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="admin.changed", target_id=str(sato.pk))
    assert event.actor == administrator
    assert event.data["changes"]["display_name"] == {"before": "佐藤 健", "after": "佐藤 健太"}
    assert event.data["changes"]["is_administrator"] == {"before": False, "after": True}


def test_admin_records_that_a_password_was_set_but_never_the_value(
    client: Client, cast: object, login: object
) -> None:
    login(client, _administrator())  # type: ignore[operator]
    secret = "ひまわり畑の向こうに富士山が見える"
    response = client.post(
        reverse("admin:orgs_user_add"),
        {
            "email": "kato@town.example.lg.jp",
            "staff_number": "4001",
            "display_name": "加藤 明",
            "password1": secret,
            "password2": secret,
            **NO_INLINE_ROWS,
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="admin.added")
    assert "password1" in event.data["fields"]
    assert "password1" not in event.data["changes"]
    assert event.data["changes"]["display_name"] == {"before": None, "after": "加藤 明"}
    assert secret not in str(event.data)


def test_fields_that_may_hold_secrets_are_named_but_never_valued() -> None:
    from django import forms

    from kagami.audit.admin import field_changes

    class Form(forms.Form):
        name = forms.CharField()
        api_key = forms.CharField()
        access_token = forms.CharField()
        otp_seed = forms.CharField()
        client_secret = forms.CharField()

    initial = {
        "name": "旧",
        "api_key": "k1",
        "access_token": "t1",
        "otp_seed": "o1",
        "client_secret": "s1",
    }
    form = Form(
        {
            "name": "新",
            "api_key": "k2",
            "access_token": "t2",
            "otp_seed": "o2",
            "client_secret": "s2",
        },
        initial=initial,
    )
    assert form.is_valid()
    data = field_changes(form)
    assert data["fields"] == ["access_token", "api_key", "client_secret", "name", "otp_seed"]
    assert data["changes"] == {"name": {"before": "旧", "after": "新"}}


def test_inline_rows_are_audited_with_their_values_and_deletions(cast: object, rf: object) -> None:
    from django.contrib import admin
    from django.forms import inlineformset_factory, modelform_factory

    from kagami.audit.admin import AuditedAdmin

    administrator = _administrator()
    tanaka = cast.tanaka  # type: ignore[attr-defined]
    kept = Membership.objects.get(user=tanaka)
    gone = Membership.objects.create(
        user=tanaka,
        department=cast.sangyo,
        valid_from="2024-04-01",  # type: ignore[attr-defined]
    )
    Rows = inlineformset_factory(
        User, Membership, fields=["department", "role", "valid_from", "valid_until"], extra=1
    )
    prefix = Rows.get_default_prefix()
    data = {
        f"{prefix}-TOTAL_FORMS": "3",
        f"{prefix}-INITIAL_FORMS": "2",
        f"{prefix}-0-id": str(kept.pk),
        f"{prefix}-0-department": str(kept.department_id),
        f"{prefix}-0-role": "head",
        f"{prefix}-0-valid_from": "2020-04-01",
        f"initial-{prefix}-0-valid_from": "2020-04-01",  # as the admin renders it (callable default)
        f"{prefix}-1-id": str(gone.pk),
        f"{prefix}-1-department": str(gone.department_id),
        f"{prefix}-1-role": "staff",
        f"{prefix}-1-valid_from": "2024-04-01",
        f"initial-{prefix}-1-valid_from": "2024-04-01",
        f"{prefix}-1-DELETE": "on",
        f"{prefix}-2-department": str(cast.kikaku.pk),  # type: ignore[attr-defined]
        f"{prefix}-2-role": "staff",
        f"{prefix}-2-valid_from": "2026-04-01",
    }
    formset = Rows(data, instance=tanaka, prefix=prefix)
    assert formset.is_valid(), formset.errors
    request = rf.post("/")  # type: ignore[attr-defined]
    request.user = administrator
    parent = modelform_factory(User, fields=["display_name"])(instance=tanaka)
    AuditedAdmin(User, admin.site).save_formset(request, parent, formset, change=True)

    changed = AuditEvent.objects.get(action="admin.changed", target_id=str(kept.pk))
    assert changed.data["changes"] == {"role": {"before": "staff", "after": "head"}}
    added = AuditEvent.objects.get(action="admin.added")
    assert added.data["changes"]["department"] == {"before": None, "after": cast.kikaku.pk}  # type: ignore[attr-defined]
    deleted = AuditEvent.objects.get(action="admin.deleted")
    assert deleted.target_id == str(gone.pk) and deleted.data["parent"] == str(tanaka.pk)
    assert not Membership.objects.filter(pk=gone.pk).exists()
