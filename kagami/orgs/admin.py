"""The administrators' site for people and departments. Every change is audited, nothing is
deleted (memberships are closed, users deactivated). What has its own workflow is only listed
here: memberships (transfers), passwords (each person's own), authenticator apps (the MFA
reset, with a reason; G-4-7)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kagami.audit.admin import AuditedAdmin
from kagami.lib.admin import ReadOnlyAdmin
from kagami.orgs.models import ActingAppointment, Department, Membership, TransferBatch, User


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["name", "code", "is_policy_division", "is_active", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["name", "name_kana", "code"]


class MembershipInline(admin.TabularInline):
    """Read-only: a membership in the policy division opens the vault, so memberships change
    only through the transfer workflow, which audits each one."""

    model = Membership
    extra = 0
    fields = ["department", "role", "valid_from", "valid_until"]
    readonly_fields = ["department", "role", "valid_from", "valid_until"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def _mfa_reset_link(user_id: int) -> SafeString:
    return format_html(
        '<a href="{}">{}</a>', reverse("orgs:mfa_reset", args=[user_id]), _("リセットする")
    )


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    """People. Administrators do not set passwords here: there is no audited workflow for an
    administrator's password reset, so the admin password form and its URL are removed."""

    ordering = ["display_name_kana"]
    list_display = [
        "display_name",
        "staff_number",
        "email",
        "is_active",
        "contractor_company",
        "access_ends_on",
    ]
    list_filter = ["is_active", "is_auditor", "is_administrator"]
    search_fields = ["display_name", "display_name_kana", "email", "staff_number"]
    inlines = [MembershipInline]
    readonly_fields = ["mfa_status", "password_status"]
    fieldsets = (
        (None, {"fields": ("email", "staff_number")}),
        (_("氏名"), {"fields": ("display_name", "display_name_kana", "language")}),
        (_("役割"), {"fields": ("is_active", "is_auditor", "is_administrator", "is_staff")}),
        (_("委託事業者"), {"fields": ("contractor_company", "access_ends_on")}),
        (_("パスワード"), {"fields": ("password_status",)}),
        (_("2段階認証"), {"fields": ("mfa_status",)}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "staff_number", "display_name", "password1", "password2"),
            },
        ),
    )
    filter_horizontal = ()

    def get_urls(self) -> list[URLPattern]:
        return [
            url
            for url in super().get_urls()
            if getattr(url, "name", None) != "auth_user_password_change"
        ]

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        raise Http404

    @admin.display(description=_("2段階認証"))
    @admin.display(description=_("パスワード"))
    def password_status(self, user: User) -> str:
        """Whether a password is set, and the audited way to let the person set one."""
        if user.pk is None:
            return ""
        state = _("設定済み") if user.has_usable_password() else _("未設定")
        return format_html(
            '{}（<a href="{}">{}</a>）',
            state,
            reverse("orgs:password_link", args=[user.pk]),
            _("本人に設定のリンクを送る"),
        )

    def mfa_status(self, user: User) -> str:
        if user.pk is None or not TOTPDevice.objects.filter(user=user).exists():
            return str(_("未設定"))
        state = (
            _("設定済み")
            if TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            else _("登録の途中")
        )
        return format_html("{}（{}）", state, _mfa_reset_link(user.pk))


@admin.register(ActingAppointment)
class ActingAppointmentAdmin(ReadOnlyAdmin):
    """Read-only here: heads appoint and revoke on the department page."""

    list_display = ["department", "deputy", "starts_at", "ends_at", "revoked_at"]


@admin.register(TransferBatch)
class TransferBatchAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "uploaded_by", "uploaded_at", "status"]


# django-otp's own admin shows every user's TOTP key and QR code and deletes devices without
# an audit event; ours lists them only (G-4-7).
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(ReadOnlyAdmin):
    """Who has an authenticator app, never its key: removed only by the MFA reset."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at", "reset"]
    list_filter = ["confirmed"]
    list_select_related = ["user"]
    search_fields = ["user__display_name", "user__email", "user__staff_number"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = ["user", "name", "confirmed", "created_at", "last_used_at"]

    @admin.display(description=_("2段階認証のリセット"))
    def reset(self, device: TOTPDevice) -> SafeString:
        return _mfa_reset_link(device.user_id)
