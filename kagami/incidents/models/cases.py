"""Impersonation and hijack cases (G-6-3), and the look-alike watch that finds candidates.

A case records a fake account (なりすまし) or a hijacked official account (乗っ取り), its
evidence, the deletion requests to the platform and their outcomes, and a timeline. While an
impersonation case is open, the public directory warns about the fake account.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kagami.orgs.models import Department, User
from kagami.posts.models import Post
from kagami.publishing.models import Pause
from kagami.registry.models import OfficialAccount, Platform
from kagami.vault.models import RotationTask


class CaseKind(models.TextChoices):
    IMPERSONATION = "impersonation", _("なりすまし")
    HIJACK = "hijack", _("乗っ取り")


class CaseState(models.TextChoices):
    OPEN = "open", _("対応中")
    CLOSED = "closed", _("終了")


# A case opens and closes once; nothing reopens it (a fake that comes back is a new case).
CASE_TRANSITIONS: dict[str, set[str]] = {
    CaseState.OPEN: {CaseState.CLOSED},
    CaseState.CLOSED: set(),
}


class CaseQuerySet(models.QuerySet["Case"]):
    def open(self) -> "CaseQuerySet":
        return self.filter(state=CaseState.OPEN)

    def visible_to(self, user: User) -> "CaseQuerySet":
        """Cases of `user`'s departments (the case's, or its account's); all of them for the
        policy division, auditors and administrators."""
        if not user.is_authenticated or not user.can_sign_in():
            return self.none()
        if user.sees_everything:
            return self.all()
        mine = user.active_memberships().values("department")
        return self.filter(Q(department__in=mine) | Q(account__departments__in=mine)).distinct()


class Case(models.Model):
    """An impersonation (a fake account pretending to be the town) or a hijack (someone else
    controls one of the town's accounts), from its discovery to its closing (G-6-3)."""

    kind = models.CharField(_("種類"), max_length=16, choices=CaseKind.choices)
    state = models.CharField(
        _("状態"), max_length=8, choices=CaseState.choices, default=CaseState.OPEN
    )
    department = models.ForeignKey(
        Department, verbose_name=_("担当の所属"), on_delete=models.PROTECT, related_name="+"
    )
    # The town's own account: the one imitated (optional), or the one hijacked.
    account = models.ForeignKey(
        OfficialAccount,
        verbose_name=_("町の公式アカウント"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The fake account (impersonation), or the hijacked account as it is on the platform.
    platform = models.ForeignKey(
        Platform, verbose_name=_("SNSの種類"), on_delete=models.PROTECT, related_name="+"
    )
    fake_handle = models.CharField(_("偽アカウントのユーザーID"), max_length=100, blank=True)
    fake_handle_key = models.CharField(max_length=100, blank=True, editable=False, db_index=True)
    fake_url = models.CharField(_("偽アカウントのURL"), max_length=300, blank=True)
    fake_name = models.CharField(_("偽アカウントの表示名"), max_length=100, blank=True)
    found_at = models.DateTimeField(_("発見日時"))
    found_by = models.ForeignKey(
        User, verbose_name=_("発見・記録した職員"), on_delete=models.PROTECT, related_name="+"
    )
    how_found = models.CharField(_("発見のきっかけ"), max_length=200, blank=True)
    summary = models.TextField(_("状況"), blank=True)
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_note = models.TextField(_("終了の理由"), blank=True)
    # A hijack: the stop of the account, the vault's password task, the notice drafted.
    pause = models.ForeignKey(
        Pause, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rotation_task = models.ForeignKey(
        RotationTask, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notice_post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("なりすまし・乗っ取りの案件")
        verbose_name_plural = _("なりすまし・乗っ取りの案件")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "fake_handle_key"],
                condition=Q(state="open", kind="impersonation"),
                name="one_open_case_per_fake_handle",
            ),
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(state="open", kind="hijack"),
                name="one_open_hijack_per_account",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == CaseKind.HIJACK:
            return f"{self.get_kind_display()}: {self.account}"
        return f"{self.get_kind_display()}: {self.fake_handle}（{self.platform}）"

    @property
    def is_open(self) -> bool:
        return self.state == CaseState.OPEN

    def departments(self) -> list[Department]:
        """The case's department and, if it concerns an account, that account's departments."""
        found = [self.department]
        if self.account is not None:
            found += [d for d in self.account.departments.all() if d.pk != self.department_id]
        return found


def evidence_path(instance: "Evidence", filename: str) -> str:
    # Never the uploader's name: it may be anything; the kind decides the extension.
    extension = {"pdf": "pdf", "jpeg": "jpg"}.get(instance.file_type, instance.file_type)
    return f"incidents/{timezone.now():%Y/%m}/{instance.case_id}-{uuid.uuid4().hex}.{extension}"


class EvidenceType(models.TextChoices):
    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"
    GIF = "gif", "GIF"
    WEBP = "webp", "WebP"
    PDF = "pdf", "PDF"


EVIDENCE_CONTENT_TYPES = {
    EvidenceType.JPEG: "image/jpeg",
    EvidenceType.PNG: "image/png",
    EvidenceType.GIF: "image/gif",
    EvidenceType.WEBP: "image/webp",
    EvidenceType.PDF: "application/pdf",
}


class Evidence(models.Model):
    """A screenshot or file showing the fake or the hijack, kept as it was uploaded."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(_("ファイル"), upload_to=evidence_path, max_length=200)
    file_type = models.CharField(max_length=8, choices=EvidenceType.choices)
    original_name = models.CharField(_("元のファイル名"), max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    note = models.CharField(_("説明"), max_length=500, blank=True)
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("証拠")
        verbose_name_plural = _("証拠")
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return self.original_name or str(self.file.name)

    @property
    def content_type(self) -> str:
        return EVIDENCE_CONTENT_TYPES[EvidenceType(self.file_type)]

    @property
    def is_image(self) -> bool:
        return self.file_type != EvidenceType.PDF


class RequestChannel(models.TextChoices):
    WEB_FORM = "web_form", _("運営者の報告フォーム")
    MAIL = "mail", _("メール")
    PHONE = "phone", _("電話")
    OTHER = "other", _("その他")


class RequestOutcome(models.TextChoices):
    PENDING = "pending", _("回答待ち")
    REMOVED = "removed", _("削除された")
    REFUSED = "refused", _("削除されなかった")
    NO_ANSWER = "no_answer", _("回答なし")


class DeletionRequest(models.Model):
    """A request to the platform's administrator to delete the fake account (or, for a
    hijack, to give the account back), and what came of it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="requests")
    sent_on = models.DateField(_("依頼した日"))
    channel = models.CharField(_("依頼の方法"), max_length=16, choices=RequestChannel.choices)
    reference = models.CharField(_("受付番号"), max_length=100, blank=True)
    note = models.CharField(_("メモ"), max_length=500, blank=True)
    sent_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(
        _("結果"), max_length=16, choices=RequestOutcome.choices, default=RequestOutcome.PENDING
    )
    answered_on = models.DateField(_("回答の日"), null=True, blank=True)
    answer_note = models.CharField(_("回答の内容"), max_length=500, blank=True)
    answered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # When the heads and the policy division were told there is no answer yet (once).
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("削除依頼")
        verbose_name_plural = _("削除依頼")
        ordering = ["sent_on", "pk"]

    def __str__(self) -> str:
        return f"{self.sent_on:%Y-%m-%d} {self.get_channel_display()}"

    @property
    def is_pending(self) -> bool:
        return self.outcome == RequestOutcome.PENDING


class CaseEntryKind(models.TextChoices):
    FOUND = "found", _("発見")
    EVIDENCE = "evidence", _("証拠の追加")
    REQUEST = "request", _("削除依頼")
    ANSWER = "answer", _("運営者の回答")
    REMINDER = "reminder", _("回答がないことの通知")
    NOTE = "note", _("経過の記録")
    CLOSED = "closed", _("終了")


class CaseEntry(models.Model):
    """A line of the case's timeline."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="entries")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16, choices=CaseEntryKind.choices)
    text = models.TextField(blank=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class CandidateState(models.TextChoices):
    NEW = "new", _("確認待ち")
    DISMISSED = "dismissed", _("問題なし")
    CONFIRMED = "confirmed", _("なりすましと判断")


class CandidateQuerySet(models.QuerySet["LookalikeCandidate"]):
    def visible_to(self, user: User) -> "CandidateQuerySet":
        if not user.is_authenticated or not user.can_sign_in():
            return self.none()
        if user.sees_everything:
            return self.all()
        mine = user.active_memberships().values("department")
        return self.filter(resembles__departments__in=mine).distinct()


class LookalikeCandidate(models.Model):
    """An existing account whose handle is close to one of the town's (the look-alike watch),
    waiting for a person to judge it: nothing to worry about, or a fake (then a case)."""

    resembles = models.ForeignKey(
        OfficialAccount,
        verbose_name=_("似ている公式アカウント"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="+")
    handle = models.CharField(_("ユーザーID"), max_length=100)
    handle_key = models.CharField(max_length=100, editable=False)
    display_name = models.CharField(_("表示名"), max_length=200, blank=True)
    url = models.CharField(_("URL"), max_length=300, blank=True)
    platform_user_id = models.CharField(max_length=100, blank=True)
    platform_created_at = models.DateTimeField(_("作成日時（SNSによる）"), null=True, blank=True)
    found_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(
        max_length=16, choices=CandidateState.choices, default=CandidateState.NEW
    )
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("判断の理由"), max_length=500, blank=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = CandidateQuerySet.as_manager()

    class Meta:
        verbose_name = _("なりすましの候補")
        verbose_name_plural = _("なりすましの候補")
        ordering = ["-found_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "handle_key"], name="one_candidate_per_handle"
            )
        ]

    def __str__(self) -> str:
        return f"{self.handle}（{self.platform}）"


class LookalikeRound(models.Model):
    """One weekly round of the look-alike watch on one platform: the handles still to ask
    about, and why it stopped early (the platform's rate limit) and until when."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # [[official account id, handle], …] not asked about yet.
    queue = models.JSONField(default=list)
    checked = models.PositiveIntegerField(default=0)
    found = models.PositiveIntegerField(default=0)
    resume_after = models.DateTimeField(null=True, blank=True)
    stopped_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.platform} {self.started_at:%Y-%m-%d}"
