from django.contrib import admin

from kagami.audit.models import AuditEvent
from kagami.lib.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is changed by nobody, administrators included."""

    list_display = ["seq", "at", "actor_label", "action", "target_label", "department"]
    list_filter = ["action"]
    search_fields = ["action", "actor_label", "target_label"]
