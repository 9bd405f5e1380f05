"""Deliveries and their attempts are listed for administrators; they change only through the
worker and the publishing screens. A platform rate limit may be lifted by hand (audited), e.g.
after the platform raised the account's tier."""

from django.contrib import admin
from django.http import HttpRequest

from kagami.audit.admin import AuditedAdmin
from kagami.lib.admin import ReadOnlyAdmin
from kagami.publishing.models import Attempt, Delivery, Pause, RateLimit


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ("number", "worker", "started_at", "finished_at", "outcome", "message")
    readonly_fields = ("number", "worker", "started_at", "finished_at", "outcome", "message")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "post",
        "account",
        "version",
        "state",
        "due_at",
        "attempts",
        "last_error_kind",
        "published_at",
    ]
    list_filter = ["state", "last_error_kind", "account__platform"]
    search_fields = ["text", "account__name", "platform_post_id"]
    list_select_related = ["post", "account"]
    inlines = [AttemptInline]


@admin.register(Pause)
class PauseAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "paused_by", "paused_at", "resumed_by", "resumed_at"]


@admin.register(RateLimit)
class RateLimitAdmin(AuditedAdmin):
    list_display = ["account", "until", "message"]
    readonly_fields = ["account", "until", "message"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return True
