"""Corrections (G-6-1): a published post was wrong, or hurt or misled someone.

Staff open a correction from the published post (or a head's "problem" on an after-the-fact
report): what was wrong, the kind (訂正 / お詫び / 削除 / 説明) and who was affected. The
original is kept as it was published (text, images, platform IDs and URLs) before anything
changes on a platform; the correction post is drafted from the kind's model text, checked
like any post and approved on the fast track (any head or acting approver of the department,
or the policy division, never its writer: `Post.may_be_decided_by`); the policy division is
told at once. Taking the original down goes through the adapter where the platform's API
allows it, and is asked of staff by hand where it does not.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.incidents.models import Correction, Removal
from kagami.incidents.models.corrections import CorrectionKind, RemovalState
from kagami.incidents.wording import text_for
from kagami.lib.errors import DomainError
from kagami.lib.workcalendar import JST
from kagami.orgs.models import User
from kagami.orgs.notifications import notify
from kagami.posts import workflow as posts
from kagami.posts.models import Post, Statement
from kagami.publishing.adapters import PublishError
from kagami.publishing.models import Delivery, DeliveryState
from kagami.publishing.worker import adapter_for

MAX_TEXT = 2000

# The statement a correction post is, by the kind of correction.
STATEMENT = {
    CorrectionKind.CORRECTION: Statement.CORRECTION,
    CorrectionKind.APOLOGY: Statement.APOLOGY,
    CorrectionKind.DELETION: Statement.EXPLANATION,
    CorrectionKind.EXPLANATION: Statement.EXPLANATION,
}


# What `remove_original` records for each outcome.
REMOVAL_ACTIONS = {
    RemovalState.REMOVED: "incidents.original_removed",
    RemovalState.FAILED: "incidents.original_removal_failed",
    RemovalState.BY_HAND: "incidents.original_removal_by_hand_asked",
}


def published_deliveries(post: Post) -> "list[Delivery]":
    return list(
        Delivery.objects.filter(post=post, state=DeliveryState.PUBLISHED)
        .select_related("account__platform")
        .order_by("pk")
    )


def record_of(post: Post) -> dict[str, Any]:
    """The post as it was published, to keep before anything changes on a platform."""
    return {
        "text": post.text,
        "version": post.version,
        "publish_at": post.publish_at.isoformat(),
        "images": [
            {"file": i.file.name, "alt_text": i.alt_text, "source": i.source}
            for i in post.images.all()
        ],
        "published": [
            {
                "account": d.account_id,
                "account_name": d.account.name,
                "platform": d.account.platform.code,
                "text": d.text,
                "platform_post_id": d.platform_post_id,
                "url": d.url,
                "published_at": d.published_at.isoformat() if d.published_at else None,
            }
            for d in published_deliveries(post)
        ],
    }


def may_open(actor: User, post: Post) -> bool:
    return actor.is_member_of(post.department) or actor.is_policy_division


def open_correction(
    *,
    actor: User,
    original: Post,
    kind: str,
    what_was_wrong: str,
    affected: str = "",
    request: HttpRequest | None = None,
) -> Correction:
    """Open a correction of a published post and draft the correction post (G-6-1)."""
    if not may_open(actor, original):
        raise DomainError(_("訂正を始められるのは、投稿した所属の職員と情報政策担当課です。"))
    if kind not in CorrectionKind.values:
        raise DomainError(_("対応の種類を選んでください。"))
    what_was_wrong, affected = what_was_wrong.strip(), affected.strip()
    if not what_was_wrong:
        raise DomainError(_("何が誤っていたかを書いてください。"))
    if len(what_was_wrong) > MAX_TEXT or len(affected) > MAX_TEXT:
        raise DomainError(_("各項目は %(max)s 文字までにしてください。") % {"max": MAX_TEXT})
    published = published_deliveries(original)
    if not published:
        raise DomainError(_("訂正できるのは、公開された投稿だけです。"))
    author = actor if actor.is_member_of(original.department) else None
    with transaction.atomic():
        correction = Correction.objects.create(
            original=original,
            department=original.department,
            kind=kind,
            what_was_wrong=what_was_wrong,
            affected=affected,
            original_record=record_of(original),
            opened_by=actor,
        )
        for delivery in published:
            Removal.objects.create(correction=correction, delivery=delivery)
        if author is not None:
            correction.post = _draft(author, correction, published, request)
            correction.save(update_fields=["post"])
        audit.record(
            "incidents.correction_opened",
            actor=actor,
            target=original,
            department=original.department,
            data={
                "correction": correction.pk,
                "kind": kind,
                "what_was_wrong": what_was_wrong,
                "affected": affected,
            },
            request=request,
        )
        notify(
            [*User.objects.policy_division(), *original.department.heads()],
            _("【Kagami】訂正・お詫びの対応が始まりました: %(post)s") % {"post": original},
            _(
                "%(actor)s さんが「%(kind)s」の対応を始めました。\n何が誤っていたか: %(what)s\n"
                "訂正の投稿は、所属長・代決者か情報政策担当課が速やかに承認してください"
                "（作成者は承認できません）。"
            )
            % {"actor": actor, "kind": correction.get_kind_display(), "what": what_was_wrong},
            link=reverse("incidents:correction_detail", args=[correction.pk]),
        )
    return correction


def _draft(
    author: User,
    correction: Correction,
    published: "list[Delivery]",
    request: HttpRequest | None,
) -> Post:
    original = correction.original
    text = text_for(
        correction.kind,
        {
            "所属名": original.department.name,
            "投稿日": original.publish_at.astimezone(JST).strftime("%-m月%-d日"),
            "件名": str(original),
            "誤": "",
        },
    )
    return posts.save_post(
        actor=author,
        department=original.department,
        accounts=list(dict.fromkeys(d.account for d in published)),
        text=text,
        publish_at=timezone.now() + timedelta(minutes=10),
        out_of_hours_kind="emergency",
        out_of_hours_note=_("誤った投稿の訂正・お詫び（ガイドライン6-1）"),
        statement=STATEMENT[CorrectionKind(correction.kind)],
        corrects=original,
        request=request,
    )


def draft_correction_post(
    *, actor: User, correction: Correction, request: HttpRequest | None = None
) -> Post:
    """A member of the department drafts the correction post (when the policy division opened
    the correction, nobody of the department had yet)."""
    if not actor.is_member_of(correction.department):
        raise DomainError(_("訂正の投稿を作れるのは、投稿した所属の職員です。"))
    if correction.post_id is not None:
        raise DomainError(_("この訂正の投稿は既に作られています。"))
    with transaction.atomic():
        correction.post = _draft(
            actor, correction, published_deliveries(correction.original), request
        )
        correction.save(update_fields=["post"])
    return correction.post


def may_remove(actor: User, correction: Correction) -> bool:
    return actor.is_policy_division or actor.can_approve_for(correction.department)


def remove_original(
    *, actor: User, correction: Correction, request: HttpRequest | None = None
) -> list[Removal]:
    """Take the original down on every platform it went to: through the adapter where the
    API deletes posts; elsewhere staff are asked to delete it by hand. The original stays in
    Kagami as published (`Correction.original_record`)."""
    if not may_remove(actor, correction):
        raise DomainError(_("元の投稿を削除できるのは、所属長・代決者と情報政策担当課だけです。"))
    done = []
    for removal in correction.removals.select_related("delivery__account__platform").filter(
        state__in=[RemovalState.PENDING, RemovalState.FAILED]
    ):
        delivery = removal.delivery
        try:
            adapter = adapter_for(delivery.account)
            if not adapter.can_delete or adapter.manual:
                removal.state = RemovalState.BY_HAND
                removal.message = _(
                    "このSNSはAPIで投稿を削除できません。手作業で削除してください。"
                )
            else:
                adapter.delete(delivery.platform_post_id)
                removal.state = RemovalState.REMOVED
                removal.done_at, removal.done_by = timezone.now(), actor
                removal.message = ""
        except PublishError as error:
            removal.state, removal.message = RemovalState.FAILED, error.message
        with transaction.atomic():
            removal.save()
            audit.record(
                REMOVAL_ACTIONS[RemovalState(removal.state)],
                actor=actor,
                target=correction.original,
                department=correction.department,
                data={
                    "correction": correction.pk,
                    "account": delivery.account_id,
                    "platform_post_id": delivery.platform_post_id,
                    "state": removal.state,
                    "message": removal.message,
                },
                request=request,
            )
        done.append(removal)
    return done


def record_removed_by_hand(
    *,
    actor: User,
    removal: Removal,
    at: datetime,
    request: HttpRequest | None = None,
) -> Removal:
    """Staff deleted the original by hand on a platform without the API; record when."""
    correction = removal.correction
    if not (actor.is_member_of(correction.department) or actor.is_policy_division):
        raise DomainError(_("記録できるのは、投稿した所属の職員と情報政策担当課です。"))
    if removal.state not in (RemovalState.BY_HAND, RemovalState.FAILED, RemovalState.PENDING):
        raise DomainError(_("この投稿は既に削除済みとして記録されています。"))
    now = timezone.now()
    if at > now + timedelta(minutes=5):
        raise DomainError(_("削除した日時に未来の日時は指定できません。"))
    if at < correction.opened_at - timedelta(days=1):
        raise DomainError(_("削除した日時が、訂正を始める前になっています。"))
    with transaction.atomic():
        removal.state = RemovalState.REMOVED_BY_HAND
        removal.done_at, removal.done_by, removal.message = at, actor, ""
        removal.save()
        audit.record(
            "incidents.original_removed_by_hand",
            actor=actor,
            target=correction.original,
            department=correction.department,
            data={
                "correction": correction.pk,
                "account": removal.delivery.account_id,
                "at": at.isoformat(),
            },
            request=request,
        )
    return removal


def public_log(limit: int = 100) -> "list[Correction]":
    """The public correction log: corrections whose correction post has been published,
    newest first (shown in the public directory so residents see mistakes are owned)."""
    return list(
        Correction.objects.filter(
            public=True,
            post__isnull=False,
            post__deliveries__state=DeliveryState.PUBLISHED,
        )
        .select_related("post", "original", "department")
        .prefetch_related("post__deliveries__account")
        .distinct()
        .order_by("-opened_at")[:limit]
    )
