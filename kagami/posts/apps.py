from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_


class PostsConfig(AppConfig):
    """Compose, approve and schedule posts (G-5-1 to G-5-4)."""

    name = "kagami.posts"
    verbose_name = _("投稿")
    audit_actions = {
        "posts.drafted": N_("投稿の下書き"),
        "posts.edited": N_("投稿の編集"),
        "posts.approval_voided": N_("編集による承認の取消し"),
        "posts.warning_acknowledged": N_("警告の確認"),
        "posts.submitted": N_("承認の依頼"),
        "posts.approved": N_("投稿の承認"),
        "posts.changes_requested": N_("修正の依頼"),
        "posts.rejected": N_("投稿の却下"),
        "posts.withdrawn": N_("投稿の取り下げ"),
        "posts.expired": N_("承認されないまま投稿時刻を過ぎた"),
        "posts.self_published": N_("事前承認の範囲での投稿"),
        "posts.pre_approval_granted": N_("事前承認の範囲の設定"),
        "posts.pre_approval_revoked": N_("事前承認の範囲の取消し"),
        "posts.after_report_confirmed": N_("事後報告の確認"),
        "posts.after_report_problem": N_("事後報告で問題を指摘"),
        "posts.after_report_escalated": N_("事後報告の確認遅れを担当課へ通知"),
    }
