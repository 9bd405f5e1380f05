"""Workflow shared by the kinds of trouble: the model texts the policy division edits."""

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.incidents.models import Wording
from kagami.incidents.wording import DEFAULTS
from kagami.lib.errors import DomainError
from kagami.orgs.models import User

MAX_WORDING = 4000


def change_wording(
    *, actor: User, key: str, text: str, request: HttpRequest | None = None
) -> Wording | None:
    """The policy division rewrites a model text in the town's own words; an empty text (or
    the default itself) goes back to the default. Returns the town's version, or None."""
    if not actor.is_policy_division:
        raise DomainError(_("文例を変更できるのは情報政策担当課だけです。"))
    if key not in DEFAULTS:
        raise DomainError(_("この種類の文例はありません。"))
    text = text.strip()
    if len(text) > MAX_WORDING:
        raise DomainError(_("文例は %(max)s 文字までにしてください。") % {"max": MAX_WORDING})
    with transaction.atomic():
        before = Wording.objects.filter(key=key).values_list("text", flat=True).first()
        if not text or text == DEFAULTS[key][1]:
            Wording.objects.filter(key=key).delete()
            kept = None
        else:
            kept, _created = Wording.objects.update_or_create(
                key=key, defaults={"text": text, "updated_by": actor, "updated_at": timezone.now()}
            )
        audit.record(
            "incidents.wording_changed",
            actor=actor,
            data={"key": key, "before": before or "", "after": kept.text if kept else ""},
            request=request,
        )
    return kept
