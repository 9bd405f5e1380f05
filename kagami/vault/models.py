"""Login credentials of official accounts, encrypted at rest and rotated (G-4-7).

Secret columns (`*_encrypted`) hold Fernet tokens written by `kagami.vault.crypto`, never
plaintext; they are not editable, so no model form or admin page can show them.
"""

from datetime import date, timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kagami.orgs.models import User
from kagami.registry.models import OfficialAccount


class TwoFactorMethod(models.TextChoices):
    NONE = "none", _("設定していない")
    APP = "app", _("認証アプリ")
    SMS = "sms", _("SMS（携帯電話のショートメッセージ）")
    EMAIL = "email", _("メール")
    KEY = "key", _("セキュリティキー")
    OTHER = "other", _("その他")


class SecretItem(models.TextChoices):
    PASSWORD = "password", _("パスワード")
    RECOVERY_EMAIL = "recovery_email", _("復旧用メールアドレス")
    RECOVERY_PHONE = "recovery_phone", _("復旧用電話番号")


TOKEN_PREFIX = "token:"  # noqa: S105 - a prefix of item codes, not a secret


class CredentialQuerySet(models.QuerySet["Credential"]):
    def visible_to(self, user: User) -> "CredentialQuerySet":
        """Credentials of the accounts `user` may see (G-4-7); who may reveal is narrower."""
        return self.filter(account__in=OfficialAccount.objects.visible_to(user))


class Credential(models.Model):
    """How to log in to one official account, its recovery details and custodian (G-4-7)."""

    account = models.OneToOneField(
        OfficialAccount,
        verbose_name=_("公式アカウント"),
        on_delete=models.PROTECT,
        related_name="credential",
    )
    login_id = models.CharField(
        _("ログインID"),
        max_length=200,
        help_text=_("SNSにログインするときのIDやメールアドレスです。"),
    )
    password_encrypted = models.TextField(blank=True, editable=False)
    recovery_email_encrypted = models.TextField(blank=True, editable=False)
    recovery_phone_encrypted = models.TextField(blank=True, editable=False)
    two_factor_method = models.CharField(
        _("2段階認証の方法"),
        max_length=16,
        choices=TwoFactorMethod.choices,
        default=TwoFactorMethod.NONE,
    )
    two_factor_storage = models.CharField(
        _("認証用の端末・バックアップコードの保管場所"),
        max_length=200,
        blank=True,
        help_text=_("例: 総務課の鍵付きキャビネットにある公用スマートフォン"),
    )
    custodian = models.ForeignKey(
        User,
        verbose_name=_("管理責任者"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="custodied_credentials",
    )
    rotation_interval_days = models.PositiveIntegerField(
        _("パスワードの変更間隔（日）"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    last_rotated_at = models.DateTimeField(_("最後にパスワードを変更した日時"), null=True)
    last_rotated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Ids of the people who may know the current password (it was entered or shown to them,
    # or they could reveal it); one who loses that right leaves a rotation task behind.
    holders = models.JSONField(default=list, editable=False)
    reminded_for = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CredentialQuerySet.as_manager()

    class Meta:
        verbose_name = _("認証情報")
        verbose_name_plural = _("認証情報")
        ordering = ["account__name"]

    def __str__(self) -> str:
        return str(_("%(account)s の認証情報")) % {"account": self.account}

    @property
    def has_password(self) -> bool:
        return bool(self.password_encrypted)

    @property
    def two_factor_on(self) -> bool:
        return self.two_factor_method != TwoFactorMethod.NONE

    def due_on(self) -> date | None:
        """The day by which the password must be changed (G-4-7); None if none is stored."""
        if self.last_rotated_at is None:
            return None
        rotated = timezone.localdate(self.last_rotated_at)
        return rotated + timedelta(days=self.rotation_interval_days)

    def is_overdue(self, on: date | None = None) -> bool:
        due = self.due_on()
        return due is not None and (on or timezone.localdate()) > due

    def secret_items(self) -> list[tuple[str, str]]:
        """(code, label) of every stored secret, for the reveal form."""
        items = [
            (code, str(label))
            for code, label in SecretItem.choices
            if getattr(self, f"{code}_encrypted")
        ]
        items += [
            (TOKEN_PREFIX + token.name, str(_("APIトークン「%(name)s」")) % {"name": token.name})
            for token in self.api_tokens.all()
        ]
        return items


class ApiToken(models.Model):
    """A publishing adapter's API token for the account, stored encrypted by name (G-4-7)."""

    # Tokens the publishing adapters write themselves from the ones a person sets: Bluesky's
    # session (from handle and app password) and the expiry of X's access token.
    DERIVED = ("session", "access_token_expires_at")

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.SlugField(_("名前"), max_length=64)
    value_encrypted = models.TextField(editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("APIトークン")
        verbose_name_plural = _("APIトークン")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["credential", "name"], name="one_token_per_name")
        ]

    def __str__(self) -> str:
        return self.name


class OldSecret(models.Model):
    """A replaced secret, kept encrypted for a short period, then destroyed (G-4-7)."""

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="old_secrets")
    item = models.CharField(_("項目"), max_length=80)
    value_encrypted = models.TextField(editable=False)
    replaced_at = models.DateTimeField(default=timezone.now, db_index=True)
    replaced_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("変更前の秘密情報")
        verbose_name_plural = _("変更前の秘密情報")
        ordering = ["-replaced_at"]

    def __str__(self) -> str:
        return f"{self.item} ({self.replaced_at:%Y-%m-%d})"


class RotationReason(models.TextChoices):
    DUE = "due", _("変更期限の到来")
    OPERATOR_LEFT = "operator_left", _("担当者の異動・交代")
    COMPROMISE = "compromise", _("不正アクセスの疑い")
    REJECTED = "rejected", _("プラットフォームがログイン情報を受け付けない")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("未対応")
    DONE = "done", _("対応済み")


class RotationTask(models.Model):
    """A password change that must be made, and why (due, a leaver, a compromise; G-4-7)."""

    credential = models.ForeignKey(
        Credential, on_delete=models.CASCADE, related_name="rotation_tasks"
    )
    reason = models.CharField(_("理由"), max_length=16, choices=RotationReason.choices)
    status = models.CharField(
        _("状態"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    subject = models.ForeignKey(
        User,
        verbose_name=_("異動・交代した職員"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("内容"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("パスワード変更タスク")
        verbose_name_plural = _("パスワード変更タスク")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.credential.account}: {self.get_reason_display()}"
