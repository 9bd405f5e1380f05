"""Delivery of approved posts to the platforms, exactly once: one Delivery per approved version
of a post and account, carrying the approved text; an Attempt recorded before every platform
call; pauses; and the sandbox network."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kagami.orgs.models import Department, User
from kagami.posts.models import Post, PostVersion
from kagami.publishing.adapters.base import ErrorKind
from kagami.registry.models import OfficialAccount


class DeliveryState(models.TextChoices):
    WAITING = "waiting", _("送信待ち")
    CLAIMED = "claimed", _("送信処理中")
    PUBLISHING = "publishing", _("送信中")
    PUBLISHED = "published", _("公開済み")
    MANUAL = "manual", _("手作業での投稿待ち")
    FAILED = "failed", _("失敗")
    HELD = "held", _("一時停止で保留")
    CANCELLED = "cancelled", _("取りやめ")


# The lifecycle of a delivery; workflow and worker functions change `state` only along it.
# waiting → claimed → publishing → published is the usual way; a person decides on held ones
# (send or cancel) and may send a failed one again.
DELIVERY_TRANSITIONS: dict[str, set[str]] = {
    DeliveryState.WAITING: {DeliveryState.CLAIMED, DeliveryState.HELD, DeliveryState.CANCELLED},
    DeliveryState.CLAIMED: {
        DeliveryState.PUBLISHING,
        DeliveryState.WAITING,  # lease ran out, or paused meanwhile
        DeliveryState.HELD,
        DeliveryState.CANCELLED,
    },
    DeliveryState.PUBLISHING: {
        DeliveryState.PUBLISHED,
        DeliveryState.WAITING,  # retry, lease ran out, or rate-limited before the call
        DeliveryState.MANUAL,
        DeliveryState.FAILED,
    },
    DeliveryState.MANUAL: {DeliveryState.PUBLISHED, DeliveryState.CANCELLED},
    DeliveryState.HELD: {DeliveryState.WAITING, DeliveryState.CANCELLED},
    DeliveryState.FAILED: {DeliveryState.WAITING},  # sent again by the author or the head
    DeliveryState.PUBLISHED: set(),
    DeliveryState.CANCELLED: set(),
}
# Deliveries that may still go out: editing or withdrawing the post cancels them.
OPEN_STATES = (
    DeliveryState.WAITING,
    DeliveryState.CLAIMED,
    DeliveryState.HELD,
    DeliveryState.MANUAL,
)


def leading_to(state: str) -> list[str]:
    """The states from which a delivery may move to `state` (for conditional updates)."""
    return [source for source, targets in DELIVERY_TRANSITIONS.items() if state in targets]


class FailureKind(models.TextChoices):
    """Why the last platform call failed (`adapters.base.ErrorKind`), in staff's words."""

    RATE_LIMITED = (
        ErrorKind.RATE_LIMITED,
        _("プラットフォームの投稿回数の上限に達しました。上限が戻る時刻に自動で送り直します。"),
    )
    UNAVAILABLE = (
        ErrorKind.UNAVAILABLE,
        _("プラットフォーム側で一時的な障害が起きています。時間をおいて自動で送り直します。"),
    )
    NETWORK = (
        ErrorKind.NETWORK,
        _(
            "プラットフォームに接続できませんでした（時間切れまたは通信エラー）。自動で送り直します。"
        ),
    )
    BAD_RESPONSE = (
        ErrorKind.BAD_RESPONSE,
        _(
            "プラットフォームから解釈できない応答が返りました。何度か送り直し、それでも駄目なら失敗とします。"
        ),
    )
    CREDENTIALS = (
        ErrorKind.CREDENTIALS,
        _(
            "プラットフォームがログイン情報（APIトークン）を受け付けませんでした。"
            "パスワード金庫でトークンを更新してください。"
        ),
    )
    ACCOUNT_GONE = (
        ErrorKind.ACCOUNT_GONE,
        _(
            "アカウントが見つからないか、凍結・停止・削除されています。アカウントの状態を確認してください。"
        ),
    )
    CONTENT_REFUSED = (
        ErrorKind.CONTENT_REFUSED,
        _(
            "プラットフォームが本文を受け付けませんでした（文字数、同じ内容の重複投稿、規約など）。"
            "内容を見直して、新しい投稿として作り直してください。"
        ),
    )
    MEDIA_REFUSED = (
        ErrorKind.MEDIA_REFUSED,
        _(
            "プラットフォームが画像を受け付けませんでした（形式、大きさ、縦横比、画像の取得失敗など）。"
            "画像を差し替えて作り直してください。"
        ),
    )
    UNCONFIRMED = (
        ErrorKind.UNCONFIRMED,
        _(
            "前回の送信が届いたかどうか、プラットフォームに確かめられませんでした。"
            "二重に送らないよう自動では送り直しません。アカウントの管理画面で配信履歴を確かめ、"
            "届いていなければ「送り直す」を押してください。"
        ),
    )
    REFUSED = ErrorKind.REFUSED, _("プラットフォームが投稿を受け付けませんでした。")


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def visible_to(self, user: User) -> "DeliveryQuerySet":
        """Deliveries of the posts `user` may see."""
        return self.filter(post__in=Post.objects.visible_to(user))


class Delivery(models.Model):
    """One approved version of a post going to one account, with exactly the text that was
    approved for it (G-5-2). The row's state is the truth: workers claim it with a
    conditional update, and the idempotency key stays the same across retries."""

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="deliveries")
    account = models.ForeignKey(
        OfficialAccount, verbose_name=_("アカウント"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(_("承認された版"))
    text = models.TextField(_("承認された本文"))
    reason = models.TextField(_("保留・取りやめの理由"), blank=True)
    resend_base = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(
        _("状態"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.WAITING
    )
    due_at = models.DateTimeField(_("予定時刻"), db_index=True)
    next_attempt_at = models.DateTimeField(db_index=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    platform_post_id = models.CharField(_("投稿ID"), max_length=200, blank=True)
    url = models.URLField(_("投稿のURL"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("公開日時"), null=True, blank=True)
    last_error = models.TextField(_("最後のエラー"), blank=True)
    # What the platform adapter remembers across attempts (adapters.base.DeliveryNotes).
    adapter_notes = models.JSONField(default=dict, blank=True, editable=False)
    manual_reminded_at = models.DateTimeField(null=True, blank=True)
    last_error_kind = models.CharField(
        _("エラーの種類"), max_length=20, choices=FailureKind.choices, blank=True
    )

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("配信")
        verbose_name_plural = _("配信")
        indexes = [models.Index(fields=["state", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "account", "version"], name="one_delivery_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} v{self.version} ({self.get_state_display()})"

    def move_to(self, state: str) -> None:
        """Change the state as DELIVERY_TRANSITIONS allows (the caller saves)."""
        if state not in DELIVERY_TRANSITIONS[self.state]:
            raise RuntimeError(f"delivery {self.pk}: {self.state} -> {state} is not allowed")
        self.state = state

    def approved_version(self) -> PostVersion | None:
        """The kept version this delivery sends (from the post's prefetched versions)."""
        return next((v for v in self.post.versions.all() if v.number == self.version), None)

    @property
    def attempts_this_round(self) -> int:
        """Attempts since it was last sent again by a person."""
        return self.attempts - self.resend_base


class RateLimit(models.Model):
    """A platform said this account is over its limit: nothing goes to it before `until`."""

    account = models.OneToOneField(
        OfficialAccount, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    until = models.DateTimeField(_("送信を再開する時刻"), db_index=True)
    message = models.TextField(_("プラットフォームからの応答"), blank=True)

    class Meta:
        verbose_name = _("投稿回数の制限")
        verbose_name_plural = _("投稿回数の制限")

    def __str__(self) -> str:
        return f"{self.account}: {self.until:%Y-%m-%d %H:%M}"


class Attempt(models.Model):
    """One call to a platform, written before the call: an attempt left `started` means a
    worker stopped mid-call, so the next one asks the platform before posting again."""

    class Outcome(models.TextChoices):
        STARTED = "started", _("開始")
        PUBLISHED = "published", _("公開")
        FOUND = "found", _("既に公開済みと確認")
        RETRY = "retry", _("再試行")
        FAILED = "failed", _("失敗")

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    worker = models.CharField(max_length=100)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.STARTED)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="one_attempt_number")
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.outcome}"


class PauseQuerySet(models.QuerySet["Pause"]):
    def in_force(self) -> "PauseQuerySet":
        return self.filter(resumed_at__isnull=True)

    def covering(self, account: OfficialAccount) -> "PauseQuerySet":
        return self.in_force().filter(
            Q(account__isnull=True, department__isnull=True)
            | Q(account=account)
            | Q(department__in=account.departments.all())
        )


class Pause(models.Model):
    """The policy division's emergency stop (G-6-4): everything, one department or
    one account; nothing scheduled there goes out until it is resumed."""

    account = models.ForeignKey(
        OfficialAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("理由"), max_length=300)
    # A 炎上 incident's pause (G-6-4): approved official statements still go out.
    statements_allowed = models.BooleanField(_("公式の声明は投稿する"), default=False)
    paused_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    paused_at = models.DateTimeField(default=timezone.now)
    resumed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resumed_at = models.DateTimeField(null=True, blank=True)

    objects = PauseQuerySet.as_manager()

    class Meta:
        verbose_name = _("投稿の一時停止")
        verbose_name_plural = _("投稿の一時停止")
        ordering = ["-paused_at"]

    def __str__(self) -> str:
        scope = self.account or self.department or _("すべてのアカウント")
        return f"{scope}: {self.reason}"


class SandboxPostQuerySet(models.QuerySet["SandboxPost"]):
    def visible_to(self, user: User) -> "SandboxPostQuerySet":
        """Training posts of the accounts `user` may see."""
        return self.filter(account__in=OfficialAccount.objects.visible_to(user))


class SandboxPost(models.Model):
    """A post on the built-in training network: what the demo and staff training publish."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    idempotency_key = models.CharField(max_length=64, unique=True)
    media_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # When the account deleted it (a correction, G-6-1); the training page then shows it so.
    deleted_at = models.DateTimeField(_("削除日時"), null=True, blank=True)

    objects = SandboxPostQuerySet.as_manager()

    class Meta:
        verbose_name = _("練習用ネットワークの投稿")
        verbose_name_plural = _("練習用ネットワークの投稿")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text[:40]


def _rendition_path(rendition: "ImageRendition", filename: str) -> str:
    return f"renditions/{rendition.spec}/{filename}"


class ImageRendition(models.Model):
    """A post image prepared for a platform that fetches it by URL (adapters.images): kept, so
    that what the platform fetches (LINE members' apps, for weeks) is made once."""

    image = models.ForeignKey(
        "posts.PostImage", on_delete=models.CASCADE, related_name="renditions"
    )
    spec = models.CharField(max_length=40)
    # The image file it was made from: an image whose file is replaced gets new renditions.
    source = models.CharField(max_length=255)
    file = models.FileField(upload_to=_rendition_path, max_length=255)
    content_type = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["image", "spec", "source"], name="one_rendition_per_spec_and_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.image_id} {self.spec}"
