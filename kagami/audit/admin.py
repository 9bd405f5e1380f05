from django.contrib import admin
from django.http import HttpRequest

from kagami.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is changed by nobody, administrators included."""

    list_display = ["seq", "at", "actor_label", "action", "target_label", "department"]
    list_filter = ["action"]
    search_fields = ["action", "actor_label", "target_label"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
