"""Emergency mode (beyond the guideline): disasters (大雨, 地震, J-ALERT) need the opposite of
a freeze. While it is on, posts marked as emergency information may be approved by any head or
the policy division (`Post.may_be_decided_by`), the policy division may send one to every
account, including LINE, in one post, they may go out of hours with their reason, and
ordinary scheduled posts are held for a person's decision (`publishing.guarantees.verdict`).
It ends with a short report."""

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.lib.errors import DomainError
from kagami.orgs.models import Membership, Role, User
from kagami.orgs.notifications import notify
from kagami.posts.models import EmergencyMode

MAX_REPORT = 4000


def may_declare(actor: User) -> bool:
    return actor.is_policy_division or actor.approvable_departments().exists()


def _everyone_responsible() -> list[User]:
    """Every head and the policy division: in an emergency the whole town's accounts move."""
    heads = User.objects.filter(
        pk__in=Membership.objects.active().filter(role=Role.HEAD).values("user")
    )
    return list({*heads, *User.objects.policy_division()})


def declare(*, actor: User, reason: str, request: HttpRequest | None = None) -> EmergencyMode:
    """Turn emergency mode on for the whole town; a second declaration is refused while one
    is on (one mode at a time, its reason can be noted in the report)."""
    if not may_declare(actor):
        raise DomainError(_("緊急モードにできるのは、所属長・代決者と情報政策担当課だけです。"))
    reason = reason.strip()
    if not reason:
        raise DomainError(_("緊急モードにする理由を書いてください（例: 大雨警報の発表）。"))
    if len(reason) > 300:
        raise DomainError(_("理由は300文字までにしてください。"))
    with transaction.atomic():
        if EmergencyMode.objects.select_for_update().active().exists():
            raise DomainError(_("既に緊急モードです。"))
        mode = EmergencyMode.objects.create(reason=reason, declared_by=actor)
        audit.record(
            "incidents.emergency_declared",
            actor=actor,
            target=mode,
            data={"reason": reason},
            request=request,
        )
        notify(
            _everyone_responsible(),
            _("【Kagami】緊急モードになりました: %(reason)s") % {"reason": reason},
            _(
                "%(actor)s さんが緊急モードにしました。緊急情報の投稿は、どの所属長か"
                "情報政策担当課でも承認できます。予約済みの通常の投稿は保留され、"
                "緊急モードが終わってから送るか取りやめるかを決めます。"
            )
            % {"actor": actor},
            link=reverse("incidents:emergency"),
        )
    return mode


def end(
    *, actor: User, mode: EmergencyMode, report: str, request: HttpRequest | None = None
) -> EmergencyMode:
    """End emergency mode with a short report (what was sent, what was held)."""
    if not may_declare(actor):
        raise DomainError(_("緊急モードを終えられるのは、所属長・代決者と情報政策担当課だけです。"))
    report = report.strip()
    if not report:
        raise DomainError(_("終了の報告を書いてください（何を発信したか、保留した投稿など）。"))
    if len(report) > MAX_REPORT:
        raise DomainError(_("報告は %(max)s 文字までにしてください。") % {"max": MAX_REPORT})
    with transaction.atomic():
        mode = EmergencyMode.objects.select_for_update().get(pk=mode.pk)
        if mode.ended_at is not None:
            raise DomainError(_("この緊急モードは既に終わっています。"))
        mode.ended_at, mode.ended_by, mode.report = timezone.now(), actor, report
        mode.save(update_fields=["ended_at", "ended_by", "report"])
        audit.record(
            "incidents.emergency_ended",
            actor=actor,
            target=mode,
            data={"report": report},
            request=request,
        )
        notify(
            _everyone_responsible(),
            _("【Kagami】緊急モードが終わりました"),
            _(
                "保留した通常の投稿は、投稿の画面か監督の画面から、送るか取りやめるかを"
                "決めてください。\n報告: %(report)s"
            )
            % {"report": report},
            link=reverse("incidents:emergency"),
        )
    return mode
