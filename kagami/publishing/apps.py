from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class PublishingConfig(AppConfig):
    """Delivering approved posts to the platforms exactly once; emergency pause (G-6-4)."""

    name = "kagami.publishing"
    verbose_name = _("配信")
    audit_actions = {
        "publishing.published": gettext_noop("プラットフォームへの公開"),
        "publishing.found_existing": gettext_noop("中断後の確認で公開済みと判明"),
        "publishing.retry": gettext_noop("配信の再試行"),
        "publishing.failed": gettext_noop("配信の失敗"),
        "publishing.manual_requested": gettext_noop("手作業での投稿の依頼"),
        "publishing.manual_recorded": gettext_noop("手作業での投稿の記録"),
        "publishing.paused": gettext_noop("投稿の一時停止"),
        "publishing.resumed": gettext_noop("投稿の再開"),
        "publishing.late_sent": gettext_noop("遅れた投稿の送信"),
        "publishing.late_cancelled": gettext_noop("遅れた投稿の取りやめ"),
        "publishing.held": gettext_noop("配信の保留"),
        "publishing.cancelled": gettext_noop("配信の取りやめ"),
        "publishing.resent": gettext_noop("失敗した配信の再送"),
    }

    def ready(self) -> None:
        from kagami.posts.signals import approval_ended
        from kagami.publishing import checks  # noqa: F401  (registers the system checks)
        from kagami.publishing.workflow import cancel_open_deliveries

        approval_ended.connect(cancel_open_deliveries, dispatch_uid="publishing.cancel_open")
