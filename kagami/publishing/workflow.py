"""People's actions on delivery: emergency pause and resume, deciding on late posts, and
posting by hand (issue 7). Each is one transaction with its audit event."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.lib.errors import DomainError
from kagami.orgs.models import Department, User
from kagami.orgs.notifications import notify
from kagami.posts.models import Post, PostState, PostTarget
from kagami.publishing.models import Delivery, DeliveryState, Pause
from kagami.registry.models import OfficialAccount


def pause(
    *,
    actor: User,
    reason: str,
    account: OfficialAccount | None = None,
    department: Department | None = None,
    request: HttpRequest | None = None,
) -> Pause:
    """Stop everything, one department or one account from publishing until resumed."""
    if not actor.is_policy_division:
        raise DomainError(_("投稿を一時停止できるのは情報政策担当課だけです。"))
    if not reason.strip():
        raise DomainError(_("一時停止の理由を書いてください。"))
    with transaction.atomic():
        stop = Pause.objects.create(
            account=account, department=department, reason=reason.strip(), paused_by=actor
        )
        audit.record(
            "publishing.paused",
            actor=actor,
            target=stop,
            department=department or (account.lead_department if account else None),
            data={"scope": str(stop), "reason": stop.reason},
            request=request,
        )
    return stop


def resume(*, actor: User, stop: Pause, request: HttpRequest | None = None) -> list[Delivery]:
    """Lift a pause. Deliveries whose time passed meanwhile are held for a person to decide
    (send late or cancel); the rest go out at their time. Returns the held ones."""
    if not actor.is_policy_division:
        raise DomainError(_("一時停止を解除できるのは情報政策担当課だけです。"))
    if stop.resumed_at is not None:
        raise DomainError(_("この一時停止は既に解除されています。"))
    with transaction.atomic():
        stop.resumed_at = timezone.now()
        stop.resumed_by = actor
        stop.save(update_fields=["resumed_at", "resumed_by"])
        late = Delivery.objects.filter(state=DeliveryState.WAITING, due_at__lt=stop.resumed_at)
        if stop.account_id:
            late = late.filter(target__account=stop.account_id)
        elif stop.department_id:
            late = late.filter(target__account__departments=stop.department_id)
        ids = list(late.values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=ids).update(state=DeliveryState.HELD)
        held = list(
            Delivery.objects.filter(pk__in=ids).select_related("target__post", "target__account")
        )
        audit.record(
            "publishing.resumed",
            actor=actor,
            target=stop,
            data={"held": [d.pk for d in held]},
            request=request,
        )
    return held


def decide_late(
    *, actor: User, delivery: Delivery, send: bool, request: HttpRequest | None = None
) -> Delivery:
    """A person decides whether a post that would now go out late is still right to send."""
    post = delivery.target.post
    if not (actor.is_policy_division or actor.can_approve_for(post.department)):
        raise DomainError(_("遅れた投稿を判断できるのは、所属長・代決者か情報政策担当課だけです。"))
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.state != DeliveryState.HELD:
            raise DomainError(_("この配信は保留中ではありません。"))
        delivery.state = DeliveryState.WAITING if send else DeliveryState.CANCELLED
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["state", "next_attempt_at"])
        audit.record(
            "publishing.late_sent" if send else "publishing.late_cancelled",
            actor=actor,
            target=post,
            department=post.department,
            data={"delivery": delivery.pk, "account": delivery.target.account_id},
            request=request,
        )
    return delivery


def record_manual_post(
    *, actor: User, delivery: Delivery, url: str, request: HttpRequest | None = None
) -> Delivery:
    """Staff posted by hand (no API access) and record where the post is."""
    post = delivery.target.post
    account = delivery.target.account
    if not actor.active_memberships().filter(department__in=account.departments.all()).exists():
        raise DomainError(_("この投稿を記録できるのは、アカウントを運用する所属の職員だけです。"))
    if not account.platform.owns_url(url):
        raise DomainError(
            _("URL「%(url)s」は %(platform)s のアドレスではありません。")
            % {"url": url, "platform": account.platform}
        )
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.state != DeliveryState.MANUAL:
            raise DomainError(_("この配信は手作業での投稿待ちではありません。"))
        delivery.state = DeliveryState.PUBLISHED
        delivery.url = url
        delivery.published_at = timezone.now()
        delivery.published_text = delivery.target.text
        delivery.save(update_fields=["state", "url", "published_at", "published_text"])
        audit.record(
            "publishing.manual_recorded",
            actor=actor,
            target=post,
            department=post.department,
            data={"url": url},
            request=request,
        )
        mark_fully_published({post.pk})
    return delivery


def mark_fully_published(post_ids: Iterable[int]) -> int:
    """Posts whose every target is published are published themselves."""
    unfinished = PostTarget.objects.filter(post=OuterRef("pk")).exclude(
        delivery__state=DeliveryState.PUBLISHED
    )
    return (
        Post.objects.filter(pk__in=post_ids)
        .exclude(Exists(unfinished))
        .update(state=PostState.PUBLISHED)
    )


def ask_for_manual_post(delivery: Delivery) -> None:
    """The slot of a post to a platform without API access has come: tell the author to post
    it by hand now and to record its address."""
    target = delivery.target
    audit.record(
        "publishing.manual_requested",
        target=target.post,
        department=target.post.department,
        data={"delivery": delivery.pk, "account": target.account_id},
    )
    notify(
        [target.post.author],
        _("【Kagami】手作業で投稿してください: %(account)s") % {"account": target.account},
        _(
            "%(account)s（%(platform)s）への投稿の時刻になりました。このSNSには Kagami から"
            "自動で投稿できません。次の本文を手作業で投稿し、投稿のURLを Kagami に記録して"
            "ください。\n\n%(text)s"
        )
        % {"account": target.account, "platform": target.account.platform, "text": target.text},
        link=reverse("posts:post_detail", args=[target.post_id]),
    )


def remind_manual_posts(now: datetime | None = None) -> int:
    """Posts still waiting to be made by hand KAGAMI_MANUAL_REMIND_MINUTES after their slot:
    remind the author and the department's heads, once (a job of `kagami tick`)."""
    now = now or timezone.now()
    overdue = now - timedelta(minutes=settings.KAGAMI_MANUAL_REMIND_MINUTES)
    reminded = 0
    for delivery in Delivery.objects.filter(
        state=DeliveryState.MANUAL, due_at__lte=overdue, manual_reminded_at__isnull=True
    ).select_related("target__post__department", "target__account__platform"):
        with transaction.atomic():
            post = delivery.target.post
            claimed = Delivery.objects.filter(
                pk=delivery.pk, manual_reminded_at__isnull=True
            ).update(manual_reminded_at=now)
            if not claimed:
                continue  # another tick reminded them
            notify(
                [post.author, *post.department.heads()],
                _("【Kagami】手作業での投稿がまだ記録されていません: %(account)s")
                % {"account": delivery.target.account},
                _(
                    "%(time)s に %(account)s へ手作業で投稿する予定の「%(post)s」が、まだ記録"
                    "されていません。投稿したらURLを記録してください。投稿しない場合は"
                    "取り下げてください。"
                )
                % {
                    "time": timezone.localtime(delivery.due_at).strftime("%Y-%m-%d %H:%M"),
                    "account": delivery.target.account,
                    "post": post,
                },
                link=reverse("posts:post_detail", args=[post.pk]),
            )
            reminded += 1
    return reminded
