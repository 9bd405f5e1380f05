"""Administrators maintain the platform catalogue here (G-2: adding a platform is data).
Accounts, documents and reports change only through the registry screens' workflow."""

from django.contrib import admin

from kagami.audit.admin import AuditedAdmin
from kagami.lib.admin import ReadOnlyAdmin
from kagami.registry.models import OfficialAccount, Platform, Report


@admin.register(Platform)
class PlatformAdmin(AuditedAdmin):
    list_display = [
        "name",
        "code",
        "anonymity",
        "comment_control",
        "publishing_mode",
        "is_active",
        "sort_order",
    ]
    list_editable = ["sort_order"]


@admin.register(OfficialAccount)
class OfficialAccountAdmin(ReadOnlyAdmin):
    list_display = ["name", "platform", "handle", "lead_department", "state"]
    list_filter = ["state", "platform"]
    search_fields = ["name", "handle"]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["fiscal_year", "number", "kind", "account", "status", "filed_at"]
    list_filter = ["kind", "status"]
