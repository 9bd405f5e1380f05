"""The read-only admin of the audit log, and `AuditedAdmin`, the base of every other app's admin
classes that change data."""

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from kagami.audit import log as audit
from kagami.audit.models import AuditEvent
from kagami.lib.admin import ReadOnlyAdmin


class AuditedAdmin(admin.ModelAdmin):
    """Records `admin.added` / `admin.changed` with the changed field names (never values,
    which may be secrets) in the same transaction as the save."""

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit.record(
            "admin.changed" if change else "admin.added",
            actor=request.user,
            target=obj,
            data={"fields": sorted(form.changed_data)},
            request=request,
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit.record(
            "admin.deleted",
            actor=request.user,
            target=obj,
            data={"label": str(obj)},
            request=request,
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: Any, change: bool
    ) -> None:
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects + [changed for changed, _fields in formset.changed_objects]:
            audit.record(
                "admin.changed",
                actor=request.user,
                target=obj,
                data={"parent": str(form.instance.pk)},
                request=request,
            )

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is changed by nobody, administrators included."""

    list_display = ["seq", "at", "actor_label", "action", "target_label", "department"]
    list_filter = ["action"]
    search_fields = ["action", "actor_label", "target_label"]
