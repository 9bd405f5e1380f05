from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class OrgsConfig(AppConfig):
    name = "kagami.orgs"
    verbose_name = _("組織と職員")
    audit_actions = {
        "auth.logged_in": gettext_noop("ログイン"),
        "auth.logged_out": gettext_noop("ログアウト"),
        "auth.login_failed": gettext_noop("ログインの失敗"),
        "auth.locked_out": gettext_noop("ログインの一時停止"),
        "auth.session_ended": gettext_noop("ログインの有効期限切れ"),
        "auth.password_changed": gettext_noop("パスワードの変更"),
        "auth.mfa_enabled": gettext_noop("2段階認証の設定"),
        "auth.mfa_disabled": gettext_noop("2段階認証の解除"),
        "auth.mfa_reset": gettext_noop("2段階認証のリセット"),
        "auth.mfa_enrolment_started": gettext_noop("2段階認証の設定開始"),
        "auth.password_link_sent": gettext_noop("パスワード設定のリンクの送信"),
        "auth.password_set_by_link": gettext_noop("リンクからのパスワード設定"),
        "auth.mfa_re_enrolment_started": gettext_noop("2段階認証の再設定開始"),
        "auth.mfa_failed": gettext_noop("確認コードの誤り"),
        "orgs.membership_started": gettext_noop("所属への配置"),
        "orgs.membership_ended": gettext_noop("所属からの異動"),
        "orgs.acting_approver_appointed": gettext_noop("代決者の指定"),
        "orgs.acting_approver_revoked": gettext_noop("代決者の指定の取消し"),
        "orgs.transfer_uploaded": gettext_noop("人事異動ファイルの取込み"),
        "orgs.transfer_applied": gettext_noop("人事異動の反映"),
        "orgs.transfer_discarded": gettext_noop("人事異動の取りやめ"),
        "orgs.user_created": gettext_noop("利用者の登録"),
        "orgs.user_access_ends": gettext_noop("利用期限の設定"),
        "orgs.language_changed": gettext_noop("表示言語の変更"),
        "admin.added": gettext_noop("管理サイトでの追加"),
        "admin.changed": gettext_noop("管理サイトでの変更"),
        "admin.deleted": gettext_noop("管理サイトでの削除"),
    }

    def ready(self) -> None:
        from kagami.orgs import auth

        auth.connect_signals()
