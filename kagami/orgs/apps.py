from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_


class OrgsConfig(AppConfig):
    name = "kagami.orgs"
    verbose_name = _("組織と職員")
    audit_actions = {
        "auth.logged_in": N_("ログイン"),
        "auth.logged_out": N_("ログアウト"),
        "auth.login_failed": N_("ログインの失敗"),
        "auth.locked_out": N_("ログインの一時停止"),
        "auth.session_ended": N_("ログインの有効期限切れ"),
        "auth.password_changed": N_("パスワードの変更"),
        "auth.mfa_enabled": N_("2段階認証の設定"),
        "auth.mfa_disabled": N_("2段階認証の解除"),
        "auth.mfa_reset": N_("2段階認証のリセット"),
        "auth.mfa_enrolment_started": N_("2段階認証の設定開始"),
        "auth.password_link_sent": N_("パスワード設定のリンクの送信"),
        "auth.password_set_by_link": N_("リンクからのパスワード設定"),
        "auth.mfa_re_enrolment_started": N_("2段階認証の再設定開始"),
        "auth.mfa_failed": N_("確認コードの誤り"),
        "orgs.membership_started": N_("所属への配置"),
        "orgs.membership_ended": N_("所属からの異動"),
        "orgs.acting_approver_appointed": N_("代決者の指定"),
        "orgs.acting_approver_revoked": N_("代決者の指定の取消し"),
        "orgs.transfer_uploaded": N_("人事異動ファイルの取込み"),
        "orgs.transfer_applied": N_("人事異動の反映"),
        "orgs.transfer_discarded": N_("人事異動の取りやめ"),
        "orgs.user_created": N_("利用者の登録"),
        "orgs.user_access_ends": N_("利用期限の設定"),
        "orgs.language_changed": N_("表示言語の変更"),
        "admin.added": N_("管理サイトでの追加"),
        "admin.changed": N_("管理サイトでの変更"),
        "admin.deleted": N_("管理サイトでの削除"),
    }

    def ready(self) -> None:
        from kagami.orgs import auth

        auth.connect_signals()
