from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class RegistryConfig(AppConfig):
    """Platforms, official accounts, their policies and terms, start and end reports (G-2–G-4)."""

    name = "kagami.registry"
    verbose_name = _("アカウント台帳")
    audit_actions = {
        "registry.account_planned": gettext_noop("アカウントの計画"),
        "registry.account_updated": gettext_noop("アカウント設定の変更"),
        "registry.operators_appointed": gettext_noop("運用担当者の任命"),
        "registry.identity_changed": gettext_noop("アカウント名・ユーザーID・URLの変更"),
        "registry.paper_report_recorded": gettext_noop("紙の運用開始報告書の記録"),
        "registry.scheduled_change_applied": gettext_noop("予定していた休止・終了の実施"),
        "registry.scheduled_change_dropped": gettext_noop("予定していた休止・終了の取消し"),
        "registry.account_reviewed": gettext_noop("アカウントの見直し"),
        "registry.account_imported": gettext_noop("台帳からの取込み"),
        "registry.policy_drafted": gettext_noop("運用方針の下書き"),
        "registry.policy_filed": gettext_noop("運用方針の確定"),
        "registry.terms_drafted": gettext_noop("利用規約の下書き"),
        "registry.terms_filed": gettext_noop("利用規約の確定"),
        "registry.start_report_filed": gettext_noop("運用開始報告書の提出"),
        "registry.end_report_filed": gettext_noop("運用終了・休止報告書の提出"),
        "registry.report_accepted": gettext_noop("報告書の受理"),
        "registry.report_returned": gettext_noop("報告書の差戻し"),
        "registry.operation_begun": gettext_noop("運用の開始"),
        "registry.account_resumed": gettext_noop("運用の再開"),
        "registry.register_uploaded": gettext_noop("アカウント台帳ファイルの取込み"),
        "registry.register_applied": gettext_noop("アカウント台帳の反映"),
    }
