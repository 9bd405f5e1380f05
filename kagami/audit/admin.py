"""The read-only admin of the audit log, and `AuditedAdmin`, the base of every other app's admin
classes that change data."""

from datetime import date, datetime, time
from typing import Any

from django.contrib import admin
from django.db import models
from django.forms import BaseForm, ModelForm
from django.http import HttpRequest

from kagami.audit import log as audit
from kagami.audit.models import AuditEvent
from kagami.lib.admin import ReadOnlyAdmin

# A field whose name contains one of these may hold a secret: its change is recorded, never
# its value (G-4-7).
SECRET_FIELD_PARTS = ("password", "secret", "key", "token", "otp")


def is_secret_field(name: str) -> bool:
    return any(part in name.lower() for part in SECRET_FIELD_PARTS)


def plain_value(value: Any) -> Any:
    """A JSON value for the audit trail: related objects by primary key, dates as ISO text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, models.QuerySet | list | tuple | set):
        items = [plain_value(item) for item in value]
        return sorted(items, key=str) if isinstance(value, models.QuerySet | set) else items
    if hasattr(value, "name") and hasattr(value, "url"):  # a file field's value
        return str(value.name or "")
    return str(value)


def field_changes(form: BaseForm, *, added: bool = False) -> dict[str, Any]:
    """`fields` (every changed field's name) and `changes` (before and after values of those
    that cannot be secrets; a secret field appears in `fields` only)."""
    names = sorted(form.changed_data)
    changes: dict[str, dict[str, Any]] = {}
    for name in names:
        if is_secret_field(name):
            continue
        before = None if added else plain_value(form[name].initial)
        after = plain_value(getattr(form, "cleaned_data", {}).get(name))
        changes[name] = {"before": before, "after": after}
    return {"fields": names, "changes": changes}


class AuditedAdmin(admin.ModelAdmin):
    """Records `admin.added` / `admin.changed` with the changed fields' names and their values
    before and after (never values of fields that may be secrets: only that they changed), in
    the same transaction as the save; also for inline rows, and `admin.deleted` for removed
    inline rows."""

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit.record(
            "admin.changed" if change else "admin.added",
            actor=request.user,
            target=obj,
            data=field_changes(form, added=not change),
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
        parent = str(form.instance.pk)
        for deleted in formset.deleted_forms:
            if deleted.instance.pk is not None:
                audit.record(
                    "admin.deleted",
                    actor=request.user,
                    target=deleted.instance,
                    data={"label": str(deleted.instance), "parent": parent},
                    request=request,
                )
        super().save_formset(request, form, formset, change)
        forms_by_object = {id(row.instance): row for row in formset.forms}
        saved = [(obj, True) for obj in formset.new_objects] + [
            (obj, False) for obj, _fields in formset.changed_objects
        ]
        for obj, added in saved:
            row = forms_by_object.get(id(obj))
            data = field_changes(row, added=added) if row is not None else {}
            audit.record(
                "admin.added" if added else "admin.changed",
                actor=request.user,
                target=obj,
                data={**data, "parent": parent},
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
