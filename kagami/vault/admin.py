"""Admin: rotation tasks only, read-only. Credentials, tokens and old secrets are not
registered at all, so no secret (not even its ciphertext) can show on an admin page (G-4-7)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kagami.vault.models import RotationTask


@admin.register(RotationTask)
class RotationTaskAdmin(admin.ModelAdmin):
    list_display = ("credential", "reason", "status", "created_at", "done_at")
    list_filter = ("reason", "status")
    readonly_fields = (
        "credential",
        "reason",
        "status",
        "subject",
        "note",
        "created_at",
        "created_by",
        "done_at",
        "done_by",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
