"""Posts and their approval (G-5-1 to G-5-4): what is said, on which accounts, when, and on
whose approval; pre-approved categories and after-the-fact reports; the working calendar."""

import hashlib
import json
from datetime import UTC, date
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kagami.lib.workcalendar import WorkingCalendar
from kagami.orgs.models import Department, Membership, User
from kagami.registry.models import OfficialAccount


class CalendarDay(models.Model):
    """A day the administrator closes (庁舎停電, a local holiday) or opens (an official
    correction of an equinox, an election Saturday) against the default calendar (G-5-2)."""

    day = models.DateField(_("日付"), unique=True)
    is_open = models.BooleanField(_("開庁日にする"), default=False)
    reason = models.CharField(_("理由"), max_length=100)

    class Meta:
        verbose_name = _("閉庁日・開庁日の設定")
        verbose_name_plural = _("閉庁日・開庁日の設定")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.reason}"


def working_calendar() -> WorkingCalendar:
    """The municipality's calendar with the administrator's extra closed and open days."""
    days = list(CalendarDay.objects.all())
    return WorkingCalendar(
        closed_days={d.day: d.reason for d in days if not d.is_open},
        open_days=frozenset(d.day for d in days if d.is_open),
    )


class PostState(models.TextChoices):
    DRAFT = "draft", _("下書き")
    SUBMITTED = "submitted", _("承認待ち")
    CHANGES_REQUESTED = "changes_requested", _("修正依頼")
    APPROVED = "approved", _("承認済み（予約）")
    REJECTED = "rejected", _("却下")
    EXPIRED = "expired", _("期限切れ")
    PUBLISHED = "published", _("公開済み")
    WITHDRAWN = "withdrawn", _("取り下げ")


# The lifecycle of a post (G-5-2); `Post.move_to` checks every change against it, and bulk
# changes filter on `states_leading_to`. Any edit of a submitted or approved post takes it
# back to a draft: the approval bound the old version.
POST_TRANSITIONS: dict[str, set[str]] = {
    PostState.DRAFT: {PostState.SUBMITTED, PostState.APPROVED, PostState.WITHDRAWN},
    PostState.CHANGES_REQUESTED: {
        PostState.DRAFT,
        PostState.SUBMITTED,
        PostState.APPROVED,
        PostState.WITHDRAWN,
    },
    PostState.SUBMITTED: {
        PostState.DRAFT,
        PostState.APPROVED,
        PostState.CHANGES_REQUESTED,
        PostState.REJECTED,
        PostState.EXPIRED,
        PostState.WITHDRAWN,
    },
    PostState.APPROVED: {PostState.DRAFT, PostState.PUBLISHED, PostState.WITHDRAWN},
    PostState.REJECTED: set(),
    PostState.EXPIRED: set(),
    PostState.PUBLISHED: set(),
    PostState.WITHDRAWN: set(),
}

EDITABLE_STATES = (
    PostState.DRAFT,
    PostState.CHANGES_REQUESTED,
    PostState.SUBMITTED,
    PostState.APPROVED,
)


def states_leading_to(state: str) -> list[str]:
    """The states from which a post may move to `state` (for conditional bulk updates)."""
    return [source for source, targets in POST_TRANSITIONS.items() if state in targets]


class TransitionError(RuntimeError):
    """A state change the lifecycle table does not allow: a bug, not a user's mistake."""


class OutOfHoursKind(models.TextChoices):
    DISASTER = "disaster", _("災害")
    EMERGENCY = "emergency", _("緊急の連絡")
    OTHER = "other", _("その他")


class PreApprovedCategory(models.TextChoices):
    """The three categories staff may publish without prior approval (G-5-2-a)."""

    PUBLISHED = "published", _("(a) ホームページなどで既に公開している内容")
    FACTS = "facts", _("(b) イベントの実施状況・結果など確定した事実")
    LEGAL = "legal", _("(c) 法令などで定められた手続き")


class Statement(models.TextChoices):
    """An official statement about trouble (G-6-1, G-6-4): while an account is in 炎上 mode
    only approved statements go out on it."""

    EXPLANATION = "explanation", _("説明")
    CORRECTION = "correction", _("訂正")
    APOLOGY = "apology", _("謝罪・お詫び")
    HOLDING = "holding", _("対応中のお知らせ")


class EmergencyModeQuerySet(models.QuerySet["EmergencyMode"]):
    def active(self) -> "EmergencyModeQuerySet":
        return self.filter(ended_at__isnull=True)


class EmergencyMode(models.Model):
    """Disaster information first (大雨, 地震, J-ALERT): while on, posts marked as emergency
    information may be approved by any head or the policy division and go to any account,
    and ordinary scheduled posts are held for a decision. Declared and ended in the incidents
    app; here because approval and publishing ask about it."""

    reason = models.CharField(_("理由"), max_length=300)
    declared_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    ended_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    report = models.TextField(_("終了の報告"), blank=True)

    objects = EmergencyModeQuerySet.as_manager()

    class Meta:
        verbose_name = _("緊急モード")
        verbose_name_plural = _("緊急モード")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.reason


def emergency_on() -> bool:
    return EmergencyMode.objects.active().exists()


class PostQuerySet(models.QuerySet["Post"]):
    def visible_to(self, user: User) -> "PostQuerySet":
        """Posts of the departments `user` belongs to; all for the policy division, auditors
        and administrators."""
        if not user.is_authenticated or not user.can_sign_in():
            return self.none()
        if user.sees_everything:
            return self.all()
        mine = Membership.objects.active().filter(user=user).values("department")
        return self.filter(department__in=mine)


class Post(models.Model):
    """A post of a department to one or more of its accounts (G-5-1, G-5-2).

    `version` grows with every change of content; an approval binds one version and its
    digest, so any edit after approval needs a new one.
    """

    department = models.ForeignKey(
        Department, verbose_name=_("所属"), on_delete=models.PROTECT, related_name="posts"
    )
    author = models.ForeignKey(
        User, verbose_name=_("作成者"), on_delete=models.PROTECT, related_name="posts"
    )
    text = models.TextField(_("本文"))
    publish_at = models.DateTimeField(_("投稿日時"))
    state = models.CharField(
        _("状態"), max_length=20, choices=PostState.choices, default=PostState.DRAFT
    )
    version = models.PositiveIntegerField(_("版"), default=1)
    out_of_hours_kind = models.CharField(
        _("時間外に投稿する理由"), max_length=16, choices=OutOfHoursKind.choices, blank=True
    )
    out_of_hours_note = models.CharField(_("時間外の理由（詳しく）"), max_length=300, blank=True)
    pre_approved_category = models.CharField(
        _("事前承認の区分"), max_length=16, choices=PreApprovedCategory.choices, blank=True
    )
    statement = models.CharField(
        _("公式の声明の種類"), max_length=16, choices=Statement.choices, blank=True
    )
    emergency = models.BooleanField(
        _("緊急情報（災害・避難など）"),
        default=False,
        help_text=_(
            "緊急モード中は、どの所属長か情報政策担当課でも承認でき、どのアカウントにも出せます。"
        ),
    )
    # A correction or apology names the post it corrects (G-6-1); shown on both posts' pages.
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("訂正する投稿"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("投稿")
        verbose_name_plural = _("投稿")
        ordering = ["-publish_at"]
        indexes = [models.Index(fields=["state", "publish_at"])]

    def __str__(self) -> str:
        first_line = self.text.strip().splitlines()[0] if self.text.strip() else ""
        return first_line[:40] or str(_("（本文なし）"))

    def digest(self) -> str:
        """A fingerprint of everything an approver approves: text, variants, images, time,
        accounts, the out-of-hours reason, and whether it is a statement or emergency information."""
        payload: dict[str, Any] = {
            "text": self.text,
            "publish_at": self.publish_at.astimezone(UTC).isoformat(),
            "targets": sorted((t.account_id, t.text_override) for t in self.targets.all()),
            "images": [(i.file.name, i.alt_text, i.source) for i in self.images.all()],
            "out_of_hours": [self.out_of_hours_kind, self.out_of_hours_note],
        }
        if self.statement:  # only when set: approvals given before the field keep their digest
            payload["statement"] = self.statement
        if self.emergency:
            payload["emergency"] = True
        return hashlib.sha256(
            json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        ).hexdigest()

    def snapshot(self) -> dict[str, Any]:
        """Exactly what each platform will receive for this version: the text per account as
        it will be published, the images with their alternative text, the time (G-5-2)."""
        content: dict[str, Any] = {
            "publish_at": self.publish_at.astimezone(UTC).isoformat(),
            "targets": {str(t.account_id): t.text for t in self.targets.all()},
            "images": [
                {
                    "id": i.pk,
                    "file": i.file.name,
                    "alt_text": i.alt_text,
                    "source": i.source,
                    "width": i.width,
                    "height": i.height,
                }
                for i in self.images.all()
            ],
            "out_of_hours": [self.out_of_hours_kind, self.out_of_hours_note],
        }
        if self.statement:
            content["statement"] = self.statement
        if self.emergency:
            content["emergency"] = True
        return content

    def may_be_decided_by(self, user: User) -> bool:
        """The head or acting approver of the department (G-5-2); for an official statement
        also the policy division (G-6-1's fast track: a correction must not wait for one
        person); for emergency information in emergency mode, any head. Never whoever wrote or
        edited it: see `editors_since_approval`."""
        if user.can_approve_for(self.department):
            return True
        if self.statement and user.is_policy_division:
            return True
        # Emergency information in emergency mode: any head, acting approver or the policy
        # division, so that a warning never waits for one particular person.
        return (
            self.emergency
            and emergency_on()
            and (user.is_policy_division or user.approvable_departments().exists())
        )

    def current_approval(self) -> "Approval | None":
        """The approval (or pre-approved publication) that still covers this exact version,
        if any: bound to the current version and its digest, and not since superseded."""
        if self.state != PostState.APPROVED:
            return None
        latest = max(self.decisions.all(), key=lambda d: d.pk, default=None)
        if (
            latest is not None
            and latest.decision in (Decision.APPROVED, Decision.SELF_PUBLISHED)
            and latest.version == self.version
            and latest.digest == self.digest()
        ):
            return latest
        return None

    def move_to(self, state: str) -> None:
        """Change the state as POST_TRANSITIONS allows (the caller saves)."""
        if state not in POST_TRANSITIONS[self.state]:
            raise TransitionError(f"post {self.pk}: {self.state} -> {state} is not allowed")
        self.state = state

    def editors_since_approval(self) -> set[int]:
        """Everyone who wrote or edited a version since the last approval (all versions if it
        was never approved), and the author: none of them may approve it (G-5-2)."""
        approved = [d.version for d in self.decisions.all() if d.decision == Decision.APPROVED]
        since = max(approved, default=0)
        return {self.author_id} | set(
            self.versions.filter(number__gt=since).values_list("edited_by", flat=True)
        )

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


class PostVersion(models.Model):
    """One version of a post as it was made, and who made it. Kept for good: an approval
    binds one of them and publishing sends exactly its text and images (G-5-2), and the
    archive needs the approved text as it was."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版"))
    edited_by = models.ForeignKey(
        User, verbose_name=_("作成・編集した人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    content = models.JSONField(_("内容"))
    digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("投稿の版")
        verbose_name_plural = _("投稿の版")
        ordering = ["post", "number"]
        constraints = [
            models.UniqueConstraint(fields=["post", "number"], name="one_post_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.post} v{self.number}"

    def text_for(self, account_id: int) -> str | None:
        """The text this version publishes on the account, or None if it does not go there."""
        text: str | None = self.content["targets"].get(str(account_id))
        return text


class PostTarget(models.Model):
    """One account a post goes to, with an optional text of its own for that platform.
    Publishing adds its per-target state, platform post ID and URL."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="targets")
    account = models.ForeignKey(
        OfficialAccount,
        verbose_name=_("アカウント"),
        on_delete=models.PROTECT,
        related_name="post_targets",
    )
    text_override = models.TextField(_("このアカウント用の本文"), blank=True)

    class Meta:
        verbose_name = _("投稿先")
        verbose_name_plural = _("投稿先")
        constraints = [
            models.UniqueConstraint(fields=["post", "account"], name="one_target_per_account")
        ]

    def __str__(self) -> str:
        return str(self.account)

    @property
    def text(self) -> str:
        return self.text_override or self.post.text


def image_path(instance: "PostImage", filename: str) -> str:
    return f"posts/{timezone.now():%Y/%m}/{instance.post_id}-{filename}"


class PostImage(models.Model):
    """An image of a post with its alternative text and where it came from (G-5-1-b, c)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    file = models.ImageField(
        _("画像"), upload_to=image_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt_text = models.CharField(_("代替テキスト"), max_length=1000, blank=True)
    source = models.CharField(
        _("出典・利用許諾"),
        max_length=300,
        blank=True,
        help_text=_("例: 総務課撮影、写っている方の同意あり"),
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("画像")
        verbose_name_plural = _("画像")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.alt_text or str(self.file.name)


class Acknowledgement(models.Model):
    """The author's recorded decision to go ahead despite a warning (G-5-1), who and why."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="acknowledgements")
    version = models.PositiveIntegerField()
    rule = models.CharField(max_length=64)
    excerpt = models.CharField(max_length=200, blank=True)
    reason = models.CharField(_("理由"), max_length=300)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("警告の確認")
        verbose_name_plural = _("警告の確認")

    def __str__(self) -> str:
        return f"{self.rule}: {self.reason}"


class Decision(models.TextChoices):
    APPROVED = "approved", _("承認")
    CHANGES_REQUESTED = "changes_requested", _("修正依頼")
    REJECTED = "rejected", _("却下")
    SELF_PUBLISHED = "self_published", _("事前承認の範囲で投稿（事後報告）")


class Approval(models.Model):
    """One decision on one version of a post, by the head or the acting approver (G-5-2)."""

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="decisions")
    version = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    decision = models.CharField(max_length=20, choices=Decision.choices)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    as_acting_approver = models.BooleanField(_("代決"), default=False)
    comment = models.TextField(_("コメント"), blank=True)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("承認の記録")
        verbose_name_plural = _("承認の記録")
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} v{self.version}"


class PreApprovalGrantQuerySet(models.QuerySet["PreApprovalGrant"]):
    def in_force(self, on: date | None = None) -> "PreApprovalGrantQuerySet":
        on = on or timezone.localdate()
        return self.filter(valid_from__lte=on, valid_until__gte=on, revoked_at__isnull=True)


class PreApprovalGrant(models.Model):
    """A head's advance approval for one staff member and one account: the categories they
    may publish without prior approval, for a period (G-5-2-a)."""

    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(
        User, verbose_name=_("職員"), on_delete=models.PROTECT, related_name="pre_approvals"
    )
    account = models.ForeignKey(
        OfficialAccount, verbose_name=_("アカウント"), on_delete=models.PROTECT, related_name="+"
    )
    categories = models.JSONField(_("区分"), default=list)
    valid_from = models.DateField(_("開始日"))
    valid_until = models.DateField(_("終了日"))
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = PreApprovalGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("事前承認の範囲")
        verbose_name_plural = _("事前承認の範囲")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")), name="grant_period_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff} / {self.account}"


class AfterReport(models.Model):
    """The report a pre-approved post sends to the head at once (G-5-3); the head confirms it
    or finds a problem, and unconfirmed reports escalate to the policy division."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("確認した")
        PROBLEM = "problem", _("問題がある")

    post = models.OneToOneField(Post, on_delete=models.PROTECT, related_name="after_report")
    category = models.CharField(max_length=16, choices=PreApprovedCategory.choices)
    why_no_approval = models.CharField(_("事前に承認を受けられなかった理由"), max_length=300)
    evidence_url = models.URLField(_("根拠のURL"), blank=True)
    evidence_note = models.CharField(_("根拠（説明）"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(_("確認の期限"))
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    confirmed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("コメント"), blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("事後報告")
        verbose_name_plural = _("事後報告")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.post} ({self.get_category_display()})"
