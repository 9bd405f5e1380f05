"""Corrections of published posts (G-6-1)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kagami.orgs.models import Department, User
from kagami.posts.models import Post
from kagami.publishing.models import Delivery


class CorrectionKind(models.TextChoices):
    CORRECTION = "correction", _("訂正")
    APOLOGY = "apology", _("お詫び")
    DELETION = "deletion", _("削除")
    EXPLANATION = "explanation", _("説明")


class CorrectionQuerySet(models.QuerySet["Correction"]):
    def visible_to(self, user: User) -> "CorrectionQuerySet":
        if not user.is_authenticated or not user.can_sign_in():
            return self.none()
        if user.sees_everything:
            return self.all()
        return self.filter(Q(department__in=user.active_memberships().values("department")))


class Correction(models.Model):
    """A published post found wrong, or hurtful or misleading to someone (G-6-1): what was
    wrong, who was affected, the correction post, and what happened to the original."""

    original = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("対応の種類"), max_length=16, choices=CorrectionKind.choices)
    what_was_wrong = models.TextField(_("何が誤っていたか"))
    affected = models.TextField(_("影響を受けた人（誤解させた・傷つけた相手）"), blank=True)
    # The original as it was published, kept before anything changes on the platforms.
    original_record = models.JSONField(editable=False)
    post = models.OneToOneField(
        Post, null=True, blank=True, on_delete=models.PROTECT, related_name="correction_record"
    )
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    # Shown in the public correction log once the correction is published.
    public = models.BooleanField(_("公開の訂正履歴に載せる"), default=True)

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("訂正・お詫び")
        verbose_name_plural = _("訂正・お詫び")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original}"


class RemovalState(models.TextChoices):
    PENDING = "pending", _("未対応")
    REMOVED = "removed", _("削除済み（API）")
    BY_HAND = "by_hand", _("手作業での削除待ち")
    REMOVED_BY_HAND = "removed_by_hand", _("削除済み（手作業）")
    FAILED = "failed", _("削除に失敗")


class Removal(models.Model):
    """Taking the original down on one platform: through the adapter where the API allows
    it, otherwise by hand with the time recorded."""

    correction = models.ForeignKey(Correction, on_delete=models.CASCADE, related_name="removals")
    # A post may be corrected more than once (a correction, later an apology); deleting an
    # already deleted post is success on every platform that deletes.
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        max_length=16, choices=RemovalState.choices, default=RemovalState.PENDING
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["correction", "delivery"], name="one_removal_per_correction_and_delivery"
            )
        ]

    def __str__(self) -> str:
        return f"{self.delivery.account}: {self.get_state_display()}"
