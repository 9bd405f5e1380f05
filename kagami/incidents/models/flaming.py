"""炎上 incidents (G-6-4)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kagami.orgs.models import Department, User
from kagami.posts.models import Post
from kagami.publishing.models import Pause
from kagami.registry.models import OfficialAccount


class IncidentState(models.TextChoices):
    OPEN = "open", _("対応中")
    REVIEWING = "reviewing", _("振り返りの確認待ち")
    CLOSED = "closed", _("終了")


class IncidentQuerySet(models.QuerySet["Incident"]):
    def open(self) -> "IncidentQuerySet":
        return self.exclude(state=IncidentState.CLOSED)

    def visible_to(self, user: User) -> "IncidentQuerySet":
        """Incidents on accounts of `user`'s departments; all for the policy division,
        auditors and administrators."""
        if not user.is_authenticated or not user.can_sign_in():
            return self.none()
        if user.sees_everything:
            return self.all()
        mine = user.active_memberships().values("department")
        return self.filter(
            Q(department__in=mine) | Q(accounts__account__departments__in=mine)
        ).distinct()


class Incident(models.Model):
    """A 炎上 on one or more accounts: while open, only approved statements go out on them
    (their `IncidentAccount.pause`), and it closes with a review the policy division accepts."""

    department = models.ForeignKey(
        Department, verbose_name=_("担当の所属"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("理由（何が起きているか）"))
    state = models.CharField(
        _("状態"), max_length=16, choices=IncidentState.choices, default=IncidentState.OPEN
    )
    declared_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(default=timezone.now)
    # When the holding-statement prompt last went out (one per silence).
    prompted_at = models.DateTimeField(null=True, blank=True, editable=False)
    review_what = models.TextField(_("何が起きたか"), blank=True)
    review_cause = models.TextField(_("原因"), blank=True)
    review_measures = models.TextField(_("再発防止策"), blank=True)
    review_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("炎上対応")
        verbose_name_plural = _("炎上対応")
        ordering = ["-declared_at"]

    def __str__(self) -> str:
        first = self.reason.strip().splitlines()[0] if self.reason.strip() else ""
        return first if len(first) <= 40 else first[:39] + "…"


class IncidentAccount(models.Model):
    """One account in an incident, with the pause that holds it to statements."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="accounts")
    account = models.ForeignKey(OfficialAccount, on_delete=models.PROTECT, related_name="+")
    pause = models.OneToOneField(Pause, on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "account"], name="account_once_per_incident"
            )
        ]

    def __str__(self) -> str:
        return str(self.account)


class EntryKind(models.TextChoices):
    DECLARED = "declared", _("炎上対応の開始")
    JOINED = "joined", _("アカウントの追加")
    NOTE = "note", _("経過の記録")
    STATEMENT = "statement", _("公式の声明の投稿")
    PROMPTED = "prompted", _("対応中のお知らせの催促")
    REVIEW = "review", _("振り返りの提出")
    RETURNED = "returned", _("振り返りの差戻し")
    CLOSED = "closed", _("終了")


class IncidentEntry(models.Model):
    """A line of the incident's timeline."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    text = models.TextField(blank=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"
