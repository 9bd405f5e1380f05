"""The administrators' site for people and departments. Every change is audited, nothing is
deleted (memberships are closed, users deactivated)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from kagami.audit.admin import AuditedAdmin
from kagami.lib.admin import ReadOnlyAdmin
from kagami.orgs.models import ActingAppointment, Department, Membership, TransferBatch, User


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["name", "code", "is_policy_division", "is_active", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["name", "name_kana", "code"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["department", "role", "valid_from", "valid_until"]
    can_delete = False


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
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
    fieldsets = (
        (None, {"fields": ("email", "staff_number", "password")}),
        (_("氏名"), {"fields": ("display_name", "display_name_kana", "language")}),
        (_("役割"), {"fields": ("is_active", "is_auditor", "is_administrator", "is_staff")}),
        (_("委託事業者"), {"fields": ("contractor_company", "access_ends_on")}),
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


@admin.register(ActingAppointment)
class ActingAppointmentAdmin(ReadOnlyAdmin):
    """Read-only here: heads appoint and revoke on the department page."""

    list_display = ["department", "deputy", "starts_at", "ends_at", "revoked_at"]


@admin.register(TransferBatch)
class TransferBatchAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "uploaded_by", "uploaded_at", "status"]
