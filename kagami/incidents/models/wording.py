from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kagami.orgs.models import User


class Wording(models.Model):
    """The town's own version of a model text (`incidents.wording.DEFAULTS`), as the policy
    division edited it."""

    key = models.SlugField(_("種類"), max_length=32, unique=True)
    text = models.TextField(_("文例"))
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("文例")
        verbose_name_plural = _("文例")

    def __str__(self) -> str:
        return self.key
