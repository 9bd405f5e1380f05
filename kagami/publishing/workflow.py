"""People's actions on delivery: emergency pause and resume, deciding on held and late posts,
sending a failed one again, and posting by hand. Each is one transaction with its audit
event; every state change follows DELIVERY_TRANSITIONS."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.lib.errors import DomainError
from kagami.lib.urls import public_https_url_problem
from kagami.orgs.models import Department, User
from kagami.orgs.notifications import notify
from kagami.posts.models import Post, PostState, PostTarget, states_leading_to
from kagami.publishing.guarantees import refusal
from kagami.publishing.models import OPEN_STATES, Delivery, DeliveryState, Pause, leading_to
from kagami.publishing.scheduling import schedule_due
from kagami.registry.models import OfficialAccount


def cancel_open_deliveries(*, post: Post, actor: User | None, reason: str, **_kw: Any) -> int:
    """The post stops being approved (edited or withdrawn): whatever of it was still to go
    out is cancelled in the same transaction (receiver of `posts.signals.approval_ended`).
    A delivery being sent this very moment cannot be called back: the change is refused
    until it has finished."""
    deliveries = list(Delivery.objects.select_for_update().filter(post=post))
    if any(d.state == DeliveryState.PUBLISHING for d in deliveries):
        raise DomainError(
            _("この投稿は今まさに送信中です。少し待ってから、もう一度操作してください。")
        )
    open_ids = [d.pk for d in deliveries if d.state in OPEN_STATES]
    if not open_ids:
        return 0
    message = (
        _("投稿が編集されたため取りやめました。")
        if reason == "edited"
        else _("投稿が取り下げられたため取りやめました。")
    )
    Delivery.objects.filter(pk__in=open_ids, state__in=leading_to(DeliveryState.CANCELLED)).update(
        state=DeliveryState.CANCELLED, claimed_by="", lease_until=None, reason=message
    )
    audit.record(
        "publishing.cancelled",
        actor=actor,
        target=post,
        department=post.department,
        data={"deliveries": open_ids, "reason": reason},
    )
    return len(open_ids)


def pause(
    *,
    actor: User,
    reason: str,
    account: OfficialAccount | None = None,
    department: Department | None = None,
    request: HttpRequest | None = None,
) -> Pause:
    """Stop everything, one department or one account from publishing until resumed: the
    policy division anything, the head or acting approver one account of their department
    (a hijacked account, G-6-3, must stop at once)."""
    own_account = account is not None and department is None
    if not (
        actor.is_policy_division or (own_account and can_restrict_to_statements(actor, account))  # type: ignore[arg-type]
    ):
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


def can_restrict_to_statements(actor: User, account: OfficialAccount) -> bool:
    """The policy division, or a head or acting approver of one of the account's departments
    (G-6-4: a head declares 炎上 mode for their department's accounts)."""
    return actor.is_policy_division or bool(
        actor.approvable_departments().filter(pk__in=account.departments.all()).exists()
    )


def restrict_to_statements(
    *, actor: User, account: OfficialAccount, reason: str, request: HttpRequest | None = None
) -> Pause:
    """炎上 mode on one account (G-6-4): scheduled posts wait, and only approved official
    statements go out (`guarantees.verdict`) until it is lifted with `resume`."""
    if not can_restrict_to_statements(actor, account):
        raise DomainError(
            _(
                "炎上対応の停止ができるのは、アカウントの所属の所属長・代決者と"
                "情報政策担当課だけです。"
            )
        )
    if not reason.strip():
        raise DomainError(_("一時停止の理由を書いてください。"))
    with transaction.atomic():
        stop = Pause.objects.create(
            account=account, reason=reason.strip(), paused_by=actor, statements_allowed=True
        )
        audit.record(
            "publishing.paused",
            actor=actor,
            target=stop,
            department=account.lead_department,
            data={"scope": str(stop), "reason": stop.reason, "statements_allowed": True},
            request=request,
        )
    return stop


def resume(*, actor: User, stop: Pause, request: HttpRequest | None = None) -> list[Delivery]:
    """Lift a pause. Deliveries whose time passed meanwhile are held for a person to decide
    (send late or cancel); the rest go out at their time. Returns the held ones."""
    # The head may lift a stop of one of their department's accounts: a 炎上 restriction, or a
    # stop a head made (a hijack); one the policy division made stays theirs to lift.
    heads_own = (
        stop.account is not None
        and stop.department_id is None
        and (stop.statements_allowed or not stop.paused_by.is_policy_division)
        and can_restrict_to_statements(actor, stop.account)
    )
    if not (actor.is_policy_division or heads_own):
        raise DomainError(_("一時停止を解除できるのは情報政策担当課だけです。"))
    if stop.resumed_at is not None:
        raise DomainError(_("この一時停止は既に解除されています。"))
    with transaction.atomic():
        stop.resumed_at = timezone.now()
        stop.resumed_by = actor
        stop.save(update_fields=["resumed_at", "resumed_by"])
        schedule_due(stop.resumed_at)  # what fell due while no worker ran is decided on too
        late = Delivery.objects.filter(state=DeliveryState.WAITING, due_at__lt=stop.resumed_at)
        if stop.account_id:
            late = late.filter(account=stop.account_id)
        elif stop.department_id:
            late = late.filter(account__departments=stop.department_id)
        ids = list(late.values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=ids, state__in=leading_to(DeliveryState.HELD)).update(
            state=DeliveryState.HELD, reason=_("一時停止の間に予定時刻を過ぎました。")
        )
        held = list(Delivery.objects.filter(pk__in=ids).select_related("post", "account"))
        audit.record(
            "publishing.resumed",
            actor=actor,
            target=stop,
            data={"held": [d.pk for d in held]},
            request=request,
        )
    return held


def _locked_for_sending(delivery: Delivery) -> Delivery:
    """The delivery locked, with what `guarantees.verdict()` reads."""
    return (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("post__department", "account__platform")
        .prefetch_related("post__images", "post__targets", "post__decisions", "post__versions")
        .get(pk=delivery.pk)
    )


def decide_late(
    *, actor: User, delivery: Delivery, send: bool, request: HttpRequest | None = None
) -> Delivery:
    """A person decides whether a held post (late after a pause, its account not publishing,
    or a problem found when it was about to go out) is still right to send. Sending it goes
    through the same guarantees as every delivery."""
    post = delivery.post
    if not (actor.is_policy_division or actor.can_approve_for(post.department)):
        raise DomainError(
            _("保留中の投稿を判断できるのは、所属長・代決者か情報政策担当課だけです。")
        )
    with transaction.atomic():
        delivery = _locked_for_sending(delivery)
        if delivery.state != DeliveryState.HELD:
            raise DomainError(_("この配信は保留中ではありません。"))
        if send:
            problem = refusal(delivery, timezone.now())
            if problem:
                raise DomainError(problem)
        delivery.move_to(DeliveryState.WAITING if send else DeliveryState.CANCELLED)
        delivery.next_attempt_at = timezone.now()
        if not send:
            delivery.reason = _("%(actor)s さんが取りやめました。") % {"actor": actor}
        delivery.save(update_fields=["state", "next_attempt_at", "reason"])
        audit.record(
            "publishing.late_sent" if send else "publishing.late_cancelled",
            actor=actor,
            target=post,
            department=post.department,
            data={"delivery": delivery.pk, "account": delivery.account_id},
            request=request,
        )
    return delivery


def resend(*, actor: User, delivery: Delivery, request: HttpRequest | None = None) -> Delivery:
    """The author or the head sends a failed delivery again: the same approved text, the same
    idempotency key (so a platform that already has it does not get it twice), a fresh round
    of attempts, and the guarantees checked again first."""
    post = delivery.post
    if not (actor.pk == post.author_id or actor.can_approve_for(post.department)):
        raise DomainError(_("失敗した投稿を送り直せるのは、作成者か所属長・代決者だけです。"))
    with transaction.atomic():
        delivery = _locked_for_sending(delivery)
        if delivery.state != DeliveryState.FAILED:
            raise DomainError(_("送り直せるのは、失敗した配信だけです。"))
        problem = refusal(delivery, timezone.now())
        if problem:
            raise DomainError(problem)
        delivery.move_to(DeliveryState.WAITING)
        delivery.next_attempt_at = timezone.now()
        delivery.resend_base = delivery.attempts
        delivery.save(update_fields=["state", "next_attempt_at", "resend_base"])
        audit.record(
            "publishing.resent",
            actor=actor,
            target=post,
            department=post.department,
            data={
                "delivery": delivery.pk,
                "account": delivery.account_id,
                "version": delivery.version,
                "last_error": delivery.last_error,
            },
            request=request,
        )
    return delivery


def record_manual_post(
    *, actor: User, delivery: Delivery, url: str, request: HttpRequest | None = None
) -> Delivery:
    """Staff posted by hand (no API access) and record where the post is."""
    post = delivery.post
    account = delivery.account
    if not actor.is_member_of(*account.departments.all()):
        raise DomainError(_("この投稿を記録できるのは、アカウントを運用する所属の職員だけです。"))
    problem = public_https_url_problem(url)
    if problem:
        raise DomainError(problem)
    if not account.platform.owns_url(url):
        raise DomainError(
            _("URL「%(url)s」は %(platform)s のアドレスではありません。")
            % {"url": url, "platform": account.platform}
        )
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.state != DeliveryState.MANUAL:
            raise DomainError(_("この配信は手作業での投稿待ちではありません。"))
        delivery.move_to(DeliveryState.PUBLISHED)
        delivery.url = url
        delivery.published_at = timezone.now()
        delivery.save(update_fields=["state", "url", "published_at"])
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
    """Approved posts that are published on every one of their accounts are published
    themselves (a withdrawn or edited post never becomes "published" this way)."""
    published_there = Delivery.objects.filter(
        post=OuterRef("post"), account=OuterRef("account"), state=DeliveryState.PUBLISHED
    )
    unfinished = PostTarget.objects.filter(post=OuterRef("pk")).exclude(Exists(published_there))
    return (
        Post.objects.filter(pk__in=post_ids, state__in=states_leading_to(PostState.PUBLISHED))
        .exclude(Exists(unfinished))
        .update(state=PostState.PUBLISHED)
    )


def ask_for_manual_post(delivery: Delivery) -> None:
    """The slot of a post to a platform without API access has come: tell the author to post
    it by hand now and to record its address."""
    post, account = delivery.post, delivery.account
    audit.record(
        "publishing.manual_requested",
        target=post,
        department=post.department,
        data={"delivery": delivery.pk, "account": account.pk},
    )
    notify(
        [post.author],
        _("【Kagami】手作業で投稿してください: %(account)s") % {"account": account},
        _(
            "%(account)s（%(platform)s）への投稿の時刻になりました。このSNSには Kagami から"
            "自動で投稿できません。次の本文を手作業で投稿し、投稿のURLを Kagami に記録して"
            "ください。\n\n%(text)s"
        )
        % {"account": account, "platform": account.platform, "text": delivery.text},
        link=reverse("posts:post_detail", args=[post.pk]),
    )


def remind_manual_posts(now: datetime | None = None) -> int:
    """Posts still waiting to be made by hand KAGAMI_MANUAL_REMIND_MINUTES after their slot:
    remind the author and the department's heads, once (a job of `kagami tick`)."""
    now = now or timezone.now()
    overdue = now - timedelta(minutes=settings.KAGAMI_MANUAL_REMIND_MINUTES)
    reminded = 0
    for delivery in Delivery.objects.filter(
        state=DeliveryState.MANUAL, due_at__lte=overdue, manual_reminded_at__isnull=True
    ).select_related("post__department", "account__platform"):
        with transaction.atomic():
            post = delivery.post
            claimed = Delivery.objects.filter(
                pk=delivery.pk, manual_reminded_at__isnull=True
            ).update(manual_reminded_at=now)
            if not claimed:
                continue  # another tick reminded them
            notify(
                [post.author, *post.department.heads()],
                _("【Kagami】手作業での投稿がまだ記録されていません: %(account)s")
                % {"account": delivery.account},
                _(
                    "%(time)s に %(account)s へ手作業で投稿する予定の「%(post)s」が、まだ記録"
                    "されていません。投稿したらURLを記録してください。投稿しない場合は"
                    "取り下げてください。"
                )
                % {
                    "time": timezone.localtime(delivery.due_at).strftime("%Y-%m-%d %H:%M"),
                    "account": delivery.account,
                    "post": post,
                },
                link=reverse("posts:post_detail", args=[post.pk]),
            )
            reminded += 1
    return reminded
