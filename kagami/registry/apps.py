from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_


class RegistryConfig(AppConfig):
    """Platforms, official accounts, their policies and terms, start and end reports (G-2–G-4)."""

    name = "kagami.registry"
    verbose_name = _("アカウント台帳")
    audit_actions = {
        "registry.account_planned": N_("アカウントの計画"),
        "registry.account_updated": N_("アカウント設定の変更"),
        "registry.operators_appointed": N_("運用担当者の任命"),
        "registry.identity_changed": N_("アカウント名・ユーザーID・URLの変更"),
        "registry.paper_report_recorded": N_("紙の運用開始報告書の記録"),
        "registry.scheduled_change_applied": N_("予定していた休止・終了の実施"),
        "registry.scheduled_change_dropped": N_("予定していた休止・終了の取消し"),
        "registry.account_reviewed": N_("アカウントの見直し"),
        "registry.account_imported": N_("台帳からの取込み"),
        "registry.policy_drafted": N_("運用方針の下書き"),
        "registry.policy_filed": N_("運用方針の確定"),
        "registry.terms_drafted": N_("利用規約の下書き"),
        "registry.terms_filed": N_("利用規約の確定"),
        "registry.start_report_filed": N_("運用開始報告書の提出"),
        "registry.end_report_filed": N_("運用終了・休止報告書の提出"),
        "registry.report_accepted": N_("報告書の受理"),
        "registry.report_returned": N_("報告書の差戻し"),
        "registry.operation_begun": N_("運用の開始"),
        "registry.account_resumed": N_("運用の再開"),
        "registry.register_uploaded": N_("アカウント台帳ファイルの取込み"),
        "registry.register_applied": N_("アカウント台帳の反映"),
    }
