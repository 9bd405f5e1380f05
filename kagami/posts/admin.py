"""Administrators keep the working calendar here (extra closed days, official corrections)."""

from django.contrib import admin
from django.http import HttpRequest

from kagami.audit.admin import AuditedAdmin
from kagami.lib.admin import ReadOnlyAdmin
from kagami.posts.models import CalendarDay, Post, PreApprovalGrant


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    """Closed days beyond weekends, holidays and the year-end closure, and days opened against
    them (G-5-2). Deleting is allowed here: a mistaken entry is not a record to keep."""

    list_display = ["day", "is_open", "reason"]
    list_filter = ["is_open"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return True


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "department", "author", "publish_at", "state"]
    list_filter = ["state", "department"]


@admin.register(PreApprovalGrant)
class PreApprovalGrantAdmin(ReadOnlyAdmin):
    list_display = ["staff", "account", "valid_from", "valid_until", "revoked_at"]
