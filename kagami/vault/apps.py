from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_


class VaultConfig(AppConfig):
    """Platform login credentials: encrypted, revealed with re-authentication, rotated (G-4-7)."""

    name = "kagami.vault"
    verbose_name = _("認証情報の管理")
    audit_actions = {
        "vault.credential_stored": N_("認証情報の登録"),
        "vault.credential_updated": N_("認証情報（秘密以外）の変更"),
        "vault.secret_revealed": N_("秘密情報の表示"),
        "vault.rotation_recorded": N_("パスワード変更の記録"),
        "vault.api_token_set": N_("APIトークンの登録"),
        "vault.api_token_refreshed": N_("APIトークンの自動更新（プラットフォームによる再発行）"),
        "vault.rotation_task_opened": N_("パスワード変更タスクの発生"),
        "vault.compromise_reported": N_("不正アクセスの疑いの報告"),
        "vault.reminder_sent": N_("パスワード変更期限のお知らせ"),
        "vault.old_secrets_destroyed": N_("旧パスワードの消去"),
        "vault.keys_rotated": N_("暗号鍵の切替え（再暗号化）"),
    }

    def ready(self) -> None:
        from kagami.registry.signals import operators_changed
        from kagami.vault import checks  # noqa: F401  (registers the system checks)
        from kagami.vault.access import tell_custodian_of_operator_change

        # Operators may reveal the password: the credential's custodian hears of changes.
        operators_changed.connect(
            tell_custodian_of_operator_change, dispatch_uid="vault.tell_custodian"
        )
