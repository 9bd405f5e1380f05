from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class PostsConfig(AppConfig):
    """Compose, approve and schedule posts (G-5-1 to G-5-4)."""

    name = "kagami.posts"
    verbose_name = _("投稿")
    audit_actions = {
        "posts.drafted": gettext_noop("投稿の下書き"),
        "posts.edited": gettext_noop("投稿の編集"),
        "posts.approval_voided": gettext_noop("編集による承認の取消し"),
        "posts.warning_acknowledged": gettext_noop("警告の確認"),
        "posts.submitted": gettext_noop("承認の依頼"),
        "posts.approved": gettext_noop("投稿の承認"),
        "posts.changes_requested": gettext_noop("修正の依頼"),
        "posts.rejected": gettext_noop("投稿の却下"),
        "posts.withdrawn": gettext_noop("投稿の取り下げ"),
        "posts.expired": gettext_noop("承認されないまま投稿時刻を過ぎた"),
        "posts.self_published": gettext_noop("事前承認の範囲での投稿"),
        "posts.pre_approval_granted": gettext_noop("事前承認の範囲の設定"),
        "posts.pre_approval_revoked": gettext_noop("事前承認の範囲の取消し"),
        "posts.after_report_confirmed": gettext_noop("事後報告の確認"),
        "posts.after_report_problem": gettext_noop("事後報告で問題を指摘"),
        "posts.after_report_escalated": gettext_noop("事後報告の確認遅れを担当課へ通知"),
    }
