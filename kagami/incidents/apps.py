from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class IncidentsConfig(AppConfig):
    """What a town reaches for on its worst day (chapter 6 of the guideline): corrections
    (G-6-1), impersonation and hijack cases (G-6-3), 炎上 incidents (G-6-4), emergency mode."""

    name = "kagami.incidents"
    verbose_name = _("トラブル対応")
    audit_actions = {
        # Model texts (wording.py)
        "incidents.wording_changed": gettext_noop("トラブル対応の文例の変更"),
        # 炎上 incidents (flaming.py, G-6-4)
        "incidents.declared": gettext_noop("炎上対応の開始"),
        "incidents.joined": gettext_noop("炎上対応へのアカウントの追加"),
        "incidents.note_added": gettext_noop("炎上対応の経過の記録"),
        "incidents.holding_prompted": gettext_noop("対応中のお知らせの催促"),
        "incidents.review_submitted": gettext_noop("炎上対応の振り返りの提出"),
        "incidents.review_returned": gettext_noop("炎上対応の振り返りの差戻し"),
        "incidents.closed": gettext_noop("炎上対応の終了"),
        # Corrections (corrections.py, G-6-1)
        "incidents.correction_opened": gettext_noop("訂正・お詫びの開始"),
        "incidents.original_removed": gettext_noop("誤った投稿の削除"),
        "incidents.original_removal_failed": gettext_noop("誤った投稿の削除の失敗"),
        "incidents.original_removal_by_hand_asked": gettext_noop(
            "誤った投稿の手作業での削除の依頼"
        ),
        "incidents.original_removed_by_hand": gettext_noop("誤った投稿の手作業での削除の記録"),
        # Emergency mode (emergency.py)
        "incidents.emergency_declared": gettext_noop("緊急モードの開始"),
        "incidents.emergency_ended": gettext_noop("緊急モードの終了"),
        # Impersonation and hijack cases (cases.py, G-6-3) — keep this block for them.
        "incidents.case_opened": gettext_noop("なりすまし・乗っ取りの案件の記録"),
        "incidents.evidence_added": gettext_noop("なりすまし・乗っ取りの証拠の追加"),
        "incidents.case_note_added": gettext_noop("なりすまし・乗っ取りの経過の記録"),
        "incidents.request_sent": gettext_noop("運営者への削除依頼の記録"),
        "incidents.request_answered": gettext_noop("運営者の回答の記録"),
        "incidents.request_reminder_sent": gettext_noop("削除依頼に回答がないことの通知"),
        "incidents.hijack_notice_drafted": gettext_noop("乗っ取りのお知らせの下書き"),
        "incidents.case_closed": gettext_noop("なりすまし・乗っ取りの案件の終了"),
        "incidents.lookalike_found": gettext_noop("似たユーザーIDのアカウントの発見"),
        "incidents.lookalike_dismissed": gettext_noop("似たアカウントを問題なしと判断"),
        "incidents.lookalike_confirmed": gettext_noop("似たアカウントをなりすましと判断"),
    }

    def ready(self) -> None:
        from kagami.incidents import checks  # noqa: F401  (registers the system checks)
