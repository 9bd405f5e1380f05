from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class VaultConfig(AppConfig):
    """Platform login credentials: encrypted, revealed with re-authentication, rotated (G-4-7)."""

    name = "kagami.vault"
    verbose_name = _("認証情報の管理")
    audit_actions = {
        "vault.credential_stored": gettext_noop("認証情報の登録"),
        "vault.credential_updated": gettext_noop("認証情報（秘密以外）の変更"),
        "vault.secret_revealed": gettext_noop("秘密情報の表示"),
        "vault.rotation_recorded": gettext_noop("パスワード変更の記録"),
        "vault.api_token_set": gettext_noop("APIトークンの登録"),
        "vault.api_token_refreshed": gettext_noop(
            "APIトークンの自動更新（プラットフォームによる再発行）"
        ),
        "vault.rotation_task_opened": gettext_noop("パスワード変更タスクの発生"),
        "vault.compromise_reported": gettext_noop("不正アクセスの疑いの報告"),
        "vault.reminder_sent": gettext_noop("パスワード変更期限のお知らせ"),
        "vault.old_secrets_destroyed": gettext_noop("旧パスワードの消去"),
        "vault.keys_rotated": gettext_noop("暗号鍵の切替え（再暗号化）"),
    }

    def ready(self) -> None:
        from kagami.registry.signals import operators_changed
        from kagami.vault import checks  # noqa: F401  (registers the system checks)
        from kagami.vault.access import tell_custodian_of_operator_change

        # Operators may reveal the password: the credential's custodian hears of changes.
        operators_changed.connect(
            tell_custodian_of_operator_change, dispatch_uid="vault.tell_custodian"
        )
