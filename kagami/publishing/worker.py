"""Delivering approved posts exactly once (issue 7).

`schedule_due()` makes a Delivery for every approved target whose time has come.
`claim()` takes due deliveries with a conditional update (SKIP LOCKED on PostgreSQL; SQLite's
IMMEDIATE transactions serialise), so several workers never take the same one.
`deliver()` writes an Attempt *before* calling the platform; if an earlier attempt was left
`started` (a worker died mid-call), it first asks the platform whether the post exists.
"""

import mimetypes
import os
import socket
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.orgs.notifications import notify
from kagami.posts.models import Post, PostState, PostTarget
from kagami.publishing.adapters import (
    REGISTRY,
    Adapter,
    ErrorKind,
    MediaFile,
    PublishError,
    PublishRequest,
)
from kagami.publishing.adapters.sandbox import SandboxAdapter
from kagami.publishing.media import signed_url
from kagami.publishing.models import Attempt, Delivery, DeliveryState, Pause
from kagami.registry.models import OfficialAccount, PublishingMode
from kagami.vault import crypto
from kagami.vault.models import ApiToken
from kagami.vault.workflow import flag_rejected_credentials

# How long a claimed delivery stays with its worker; a worker that died loses it after this.
LEASE = timedelta(seconds=int(os.environ.get("KAGAMI_PUBLISH_LEASE_SECONDS", "300")))
MAX_ATTEMPTS = 8
BACKOFF = [30, 60, 120, 300, 600, 1200, 1800]  # seconds


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def adapter_for(account: OfficialAccount) -> Adapter:
    """The account's adapter: the sandbox unless KAGAMI_PUBLISHING=live; otherwise the
    platform's adapter with the account's API tokens from the vault, or manual posting."""
    if settings.KAGAMI_PUBLISHING != "live":
        return SandboxAdapter({}, account=account)
    cls = REGISTRY.get(account.platform.code)
    if cls is None or account.platform.publishing_mode == PublishingMode.MANUAL:
        return REGISTRY["manual"]({})
    tokens = {
        t.name: crypto.decrypt(t.value_encrypted)
        for t in ApiToken.objects.filter(credential__account=account)
    }
    base_urls: dict[str, str] = settings.KAGAMI_PLATFORM_BASE_URLS
    return cls(tokens, base_url=base_urls.get(account.platform.code))


def schedule_due(now: datetime | None = None) -> int:
    """A Delivery for each approved post's target whose time has come (idempotent: the
    one-to-one target key makes a second worker's insert a no-op)."""
    now = now or timezone.now()
    targets = list(
        PostTarget.objects.filter(
            post__state=PostState.APPROVED, post__publish_at__lte=now, delivery__isnull=True
        ).values_list("pk", "post__publish_at")
    )
    Delivery.objects.bulk_create(
        (Delivery(target_id=pk, due_at=due, next_attempt_at=due) for pk, due in targets),
        batch_size=500,
        ignore_conflicts=True,
    )
    return len(targets)


def _paused_accounts() -> list[int]:
    pauses = list(Pause.objects.in_force())
    if any(p.account_id is None and p.department_id is None for p in pauses):
        return list(OfficialAccount.objects.values_list("pk", flat=True))
    accounts = {p.account_id for p in pauses if p.account_id}
    departments = [p.department_id for p in pauses if p.department_id]
    if departments:
        accounts |= set(
            OfficialAccount.objects.filter(departments__in=departments).values_list("pk", flat=True)
        )
    return list(accounts)


def claim(limit: int = 20, *, worker: str | None = None, now: datetime | None = None) -> list[int]:
    """Take up to `limit` due deliveries for this worker; expired leases come back first."""
    worker = worker or worker_name()
    now = now or timezone.now()
    with transaction.atomic():
        # A worker that died leaves its lease behind; after it expires the delivery is due again.
        Delivery.objects.filter(
            state__in=[DeliveryState.CLAIMED, DeliveryState.PUBLISHING], lease_until__lt=now
        ).update(state=DeliveryState.WAITING, claimed_by="", lease_until=None)
        paused = _paused_accounts()
        due = Delivery.objects.filter(
            state=DeliveryState.WAITING, next_attempt_at__lte=now
        ).exclude(target__account__in=paused)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
        # Conditional on the state, so a racing worker that read the same rows changes none.
        Delivery.objects.filter(pk__in=ids, state=DeliveryState.WAITING).update(
            state=DeliveryState.CLAIMED, claimed_by=worker, lease_until=now + LEASE
        )
    return list(
        Delivery.objects.filter(
            pk__in=ids, claimed_by=worker, state=DeliveryState.CLAIMED
        ).values_list("pk", flat=True)
    )


def _request(delivery: Delivery, adapter: Adapter) -> PublishRequest:
    target = delivery.target
    lifetime = adapter.media_url_lifetime
    media = tuple(
        MediaFile(
            content=image.file.read(),
            content_type=mimetypes.guess_type(str(image.file.name))[0]
            or "application/octet-stream",
            alt_text=image.alt_text,
            name=str(image.file.name),
            url=signed_url(image, lifetime) if lifetime else "",
        )
        for image in target.post.images.all()
    )
    return PublishRequest(
        text=target.text,
        idempotency_key=str(delivery.idempotency_key),
        handle=target.account.handle,
        media=media,
    )


def deliver(delivery_id: int, *, worker: str | None = None) -> str:
    """Publish one claimed delivery once; returns its new state."""
    worker = worker or worker_name()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("target__post__department", "target__account__platform")
            .get(pk=delivery_id)
        )
        if delivery.state != DeliveryState.CLAIMED or delivery.claimed_by != worker:
            return delivery.state
        interrupted = delivery.attempt_log.filter(outcome=Attempt.Outcome.STARTED).exists()
        delivery.attempts += 1
        delivery.state = DeliveryState.PUBLISHING
        delivery.lease_until = timezone.now() + LEASE
        delivery.save(update_fields=["attempts", "state", "lease_until"])
        attempt = Attempt.objects.create(delivery=delivery, number=delivery.attempts, worker=worker)
    # The attempt is committed: from here on a crash is visible to the next worker.
    account = delivery.target.account
    adapter = adapter_for(account)
    request = _request(delivery, adapter)
    if adapter.manual:
        return _finish(
            delivery,
            attempt,
            DeliveryState.MANUAL,
            Attempt.Outcome.RETRY,
            _("手作業での投稿を待っています。"),
        )
    try:
        found = adapter.find_existing(request) if interrupted else None
        result = found or adapter.publish(request)
    except PublishError as error:
        return _failed(delivery, attempt, error)
    except Exception as error:  # a bug or an unexpected library error: retry, never lose the post
        return _failed(
            delivery,
            attempt,
            PublishError(f"{type(error).__name__}: {error}", ErrorKind.BAD_RESPONSE),
        )
    with transaction.atomic():
        delivery.platform_post_id = result.platform_post_id
        delivery.url = result.url
        delivery.published_at = timezone.now()
        delivery.published_text = request.text
        _finish(
            delivery,
            attempt,
            DeliveryState.PUBLISHED,
            Attempt.Outcome.FOUND if found else Attempt.Outcome.PUBLISHED,
            "",
            extra=["platform_post_id", "url", "published_at", "published_text"],
        )
        audit.record(
            "publishing.found_existing" if found else "publishing.published",
            target=delivery.target.post,
            department=delivery.target.post.department,
            data={
                "account": account.pk,
                "platform_post_id": result.platform_post_id,
                "url": result.url,
            },
        )
        post = delivery.target.post
        if not post.targets.exclude(delivery__state=DeliveryState.PUBLISHED).exists():
            Post.objects.filter(pk=post.pk).update(state=PostState.PUBLISHED)
        OfficialAccount.objects.filter(pk=account.pk).update(last_posted_at=delivery.published_at)
    return DeliveryState.PUBLISHED


def _finish(
    delivery: Delivery,
    attempt: Attempt,
    state: str,
    outcome: str,
    message: str,
    *,
    extra: list[str] | None = None,
) -> str:
    with transaction.atomic():
        delivery.state = state
        delivery.lease_until = None
        delivery.claimed_by = ""
        delivery.save(
            update_fields=[
                "state",
                "lease_until",
                "claimed_by",
                "next_attempt_at",
                "last_error",
                *(extra or []),
            ]
        )
        attempt.outcome = outcome
        attempt.message = message
        attempt.finished_at = timezone.now()
        attempt.save(update_fields=["outcome", "message", "finished_at"])
    return state


def _failed(delivery: Delivery, attempt: Attempt, error: PublishError) -> str:
    post = delivery.target.post
    delivery.last_error = error.message
    if error.permanent or delivery.attempts >= MAX_ATTEMPTS:
        with transaction.atomic():
            _finish(delivery, attempt, DeliveryState.FAILED, Attempt.Outcome.FAILED, error.message)
            audit.record(
                "publishing.failed",
                target=post,
                department=post.department,
                data={
                    "account": delivery.target.account_id,
                    "message": error.message,
                    "credentials": error.credentials_problem,
                },
            )
            reason = ""
            if error.credentials_problem:
                reason = _("ログイン情報（APIトークン）を確認してください。")
                flag_rejected_credentials(delivery.target.account, error.message)
            notify(
                [post.author, *post.department.heads()],
                _("【Kagami】投稿できませんでした: %(post)s") % {"post": post},
                _(
                    "%(account)s への投稿に失敗しました。プラットフォームからの応答: %(message)s %(reason)s"
                )
                % {"account": delivery.target.account, "message": error.message, "reason": reason},
                link=reverse("posts:post_detail", args=[post.pk]),
            )
        return DeliveryState.FAILED
    delay = BACKOFF[min(delivery.attempts - 1, len(BACKOFF) - 1)]
    retry_at = max(timezone.now() + timedelta(seconds=delay), error.retry_after or timezone.now())
    delivery.next_attempt_at = retry_at
    with transaction.atomic():
        _finish(delivery, attempt, DeliveryState.WAITING, Attempt.Outcome.RETRY, error.message)
        audit.record(
            "publishing.retry",
            target=post,
            department=post.department,
            data={
                "account": delivery.target.account_id,
                "message": error.message,
                "retry_at": retry_at.isoformat(),
            },
        )
    return DeliveryState.WAITING


def run_once(limit: int = 50, *, worker: str | None = None) -> int:
    """One dispatcher tick: schedule what is due, claim a batch, deliver it."""
    worker = worker or worker_name()
    schedule_due()
    ids = claim(limit, worker=worker)
    for delivery_id in ids:
        deliver(delivery_id, worker=worker)
    return len(ids)


def late_deliveries() -> "list[Delivery]":
    """Held or waiting deliveries already past their time: after a pause, a person decides."""
    return list(
        Delivery.objects.filter(
            Q(state=DeliveryState.HELD) | Q(state=DeliveryState.WAITING), due_at__lt=timezone.now()
        )
        .select_related("target__post", "target__account")
        .order_by("due_at")
    )
