"""Delivering approved posts exactly once.

`schedule_due()` makes a Delivery for every account of an approved version whose time has
come, carrying the text that was approved for it.
`claim()` takes due deliveries with a conditional update (SKIP LOCKED on PostgreSQL; SQLite's
IMMEDIATE transactions serialise), so several workers never take the same one.
`deliver()` asks `guarantees.verdict()` and writes an Attempt in one transaction *before*
calling the platform; if an earlier attempt was left `started` (a worker died mid-call), it
first asks the platform whether the post exists.
"""

import functools
import mimetypes
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.orgs.notifications import notify
from kagami.posts.models import PostImage, emergency_on
from kagami.publishing.adapters import (
    REGISTRY,
    Adapter,
    ErrorKind,
    MediaFile,
    Published,
    PublishError,
    PublishRequest,
)
from kagami.publishing.adapters.base import DeliveryNotes
from kagami.publishing.adapters.images import ImageRefused
from kagami.publishing.adapters.sandbox import SandboxAdapter
from kagami.publishing.guarantees import Action, Verdict, verdict
from kagami.publishing.media import MediaLifetimeTooLong, prepared, rendition, signed_url
from kagami.publishing.models import (
    Attempt,
    Delivery,
    DeliveryState,
    FailureKind,
    Pause,
    RateLimit,
)
from kagami.publishing.scheduling import schedule_due
from kagami.publishing.workflow import ask_for_manual_post, mark_fully_published
from kagami.registry.models import OfficialAccount, PublishingMode
from kagami.vault import crypto
from kagami.vault.models import ApiToken, Credential
from kagami.vault.workflow import flag_rejected_credentials, store_refreshed_tokens

# How long a claimed delivery stays with its worker; a worker that died loses it after this.
LEASE = timedelta(seconds=int(os.environ.get("KAGAMI_PUBLISH_LEASE_SECONDS", "300")))
MAX_ATTEMPTS = 8
BACKOFF = [30, 60, 120, 300, 600, 1200, 1800]  # seconds
# Errors after which the post may exist although the call failed.
MAYBE_POSTED = frozenset({ErrorKind.NETWORK, ErrorKind.UNAVAILABLE, ErrorKind.BAD_RESPONSE})
# How long published results of a batch may wait before they are recorded together.
FLUSH_SECONDS = 1.0


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
    missing = [name for name in cls.credential_names if not tokens.get(name)]
    if missing:
        raise PublishError(
            f"{cls.code}: the vault holds no API token named {', '.join(missing)}",
            ErrorKind.CREDENTIALS,
        )
    base_urls: dict[str, str] = settings.KAGAMI_PLATFORM_BASE_URLS
    adapter = cls(tokens, base_url=base_urls.get(account.platform.code))
    adapter.on_credentials_changed = functools.partial(
        _keep_refreshed, account, account.platform.code
    )
    adapter.credentials_lock = functools.partial(_locked_tokens, account)
    return adapter


@contextmanager
def _locked_tokens(account: OfficialAccount) -> Iterator[dict[str, str]]:
    """The account's API tokens as the vault holds them now, its credential row locked until
    the block ends (SELECT … FOR UPDATE; SQLite's write lock serialises anyway)."""
    with transaction.atomic():
        credential = Credential.objects.select_for_update().filter(account=account).first()
        yield {
            t.name: crypto.decrypt(t.value_encrypted)
            for t in ApiToken.objects.filter(credential=credential)
        }


def _keep_refreshed(account: OfficialAccount, platform: str, changes: dict[str, str]) -> None:
    store_refreshed_tokens(account, dict(changes), platform)


def _paused_accounts() -> dict[int, bool]:
    """Accounts a pause in force covers → whether approved statements may still go out on it
    (only when every pause covering it is a 炎上 incident's, G-6-4)."""
    pauses = list(Pause.objects.in_force())
    statements: dict[int, bool] = {}

    def cover(accounts: "list[int] | set[int]", allows: bool) -> None:
        for account in accounts:
            statements[account] = statements.get(account, True) and allows

    everything = [p for p in pauses if p.account_id is None and p.department_id is None]
    if everything:
        cover(
            list(OfficialAccount.objects.values_list("pk", flat=True)),
            all(p.statements_allowed for p in everything),
        )
    for p in pauses:
        if p.account_id:
            cover([p.account_id], p.statements_allowed)
        elif p.department_id:
            cover(
                set(
                    OfficialAccount.objects.filter(departments=p.department_id).values_list(
                        "pk", flat=True
                    )
                ),
                p.statements_allowed,
            )
    return statements


def _daily_allowance(now: datetime) -> dict[int, int]:
    """For accounts on platforms with a daily limit that posted in the last 24 hours (or are
    posting now): how many more posts they may send."""
    usage = (
        Delivery.objects.filter(account__platform__daily_post_limit__isnull=False)
        .filter(
            Q(state=DeliveryState.PUBLISHED, published_at__gt=now - timedelta(days=1))
            | Q(state__in=[DeliveryState.CLAIMED, DeliveryState.PUBLISHING])
        )
        .values_list("account_id", "account__platform__daily_post_limit")
        .annotate(used=Count("pk"))
    )
    return {account: limit - used for account, limit, used in usage}


def claim(limit: int = 20, *, worker: str | None = None, now: datetime | None = None) -> list[int]:
    """Take up to `limit` due deliveries for this worker; expired leases come back first."""
    worker = worker or worker_name()
    now = now or timezone.now()
    with transaction.atomic():
        # A worker that died leaves its lease behind; after it expires the delivery is due again.
        Delivery.objects.filter(
            state__in=[DeliveryState.CLAIMED, DeliveryState.PUBLISHING], lease_until__lt=now
        ).update(state=DeliveryState.WAITING, claimed_by="", lease_until=None)
        allowance = _daily_allowance(now)
        paused = _paused_accounts()
        held = {
            *(account for account, statements in paused.items() if not statements),
            *RateLimit.objects.filter(until__gt=now).values_list("account_id", flat=True),
            *(account for account, left in allowance.items() if left <= 0),
        }
        due = (
            Delivery.objects.filter(state=DeliveryState.WAITING, next_attempt_at__lte=now)
            .exclude(account__in=held)
            # In 炎上 mode only approved statements go out on the account.
            .exclude(
                account__in=[a for a, statements in paused.items() if statements],
                post__statement="",
            )
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        rows = due.order_by("next_attempt_at").values_list(
            "pk", "account_id", "account__platform__daily_post_limit"
        )[:limit]
        ids = []
        for pk, account, daily_limit in rows:
            if daily_limit is not None:
                # Within the platform's daily limit per account (G-4-3 "the platform's rules").
                left = allowance.setdefault(account, daily_limit)
                if left <= 0:
                    continue
                allowance[account] = left - 1
            ids.append(pk)
        # Conditional on the state, so a racing worker that read the same rows changes none.
        Delivery.objects.filter(pk__in=ids, state=DeliveryState.WAITING).update(
            state=DeliveryState.CLAIMED, claimed_by=worker, lease_until=now + LEASE
        )
    return list(
        Delivery.objects.filter(
            pk__in=ids, claimed_by=worker, state=DeliveryState.CLAIMED
        ).values_list("pk", flat=True)
    )


def _request(
    delivery: Delivery, adapter: Adapter, first_attempt_at: datetime | None = None
) -> PublishRequest:
    """Exactly what was approved: the delivery's text, and the images of the approved
    version with the alternative text they had then, prepared for the platform (format,
    size, aspect ratio; for platforms that fetch them, at signed addresses)."""
    kept = delivery.approved_version()
    if kept is None:  # verdict() cancels such a delivery before any call
        raise PublishError("the approved version is not kept", ErrorKind.REFUSED)
    frozen_images = kept.content["images"]
    if adapter.max_images is not None and len(frozen_images) > adapter.max_images:
        raise PublishError(
            f"{adapter.code}: a post takes at most {adapter.max_images} images, "
            f"this one has {len(frozen_images)}",
            ErrorKind.CONTENT_REFUSED,
        )
    images = {i.pk: i for i in delivery.post.images.all()}
    media = []
    for frozen in frozen_images:
        image: PostImage = images[frozen["id"]]
        if image.file.name != frozen["file"]:
            raise PublishError(
                f"image {frozen['file']} of the approved version is gone", ErrorKind.MEDIA_REFUSED
            )
        try:
            media.append(_media_file(image, frozen["alt_text"], adapter))
        except ImageRefused as exc:
            raise PublishError(
                f"{adapter.code}: image {frozen['file']}: {exc}", ErrorKind.MEDIA_REFUSED
            ) from exc
        except MediaLifetimeTooLong as exc:
            raise PublishError(f"{adapter.code}: {exc}", ErrorKind.MEDIA_REFUSED) from exc
    pk = delivery.pk

    def keep_notes(values: dict[str, str]) -> None:
        # Committed at once (the worker is outside any transaction during platform calls).
        Delivery.objects.filter(pk=pk).update(adapter_notes=values)

    return PublishRequest(
        text=delivery.text,
        idempotency_key=str(delivery.idempotency_key),
        handle=delivery.account.handle,
        media=tuple(media),
        first_attempt_at=first_attempt_at,
        notes=DeliveryNotes(delivery.adapter_notes, on_change=keep_notes),
    )


def _media_file(image: PostImage, alt_text: str, adapter: Adapter) -> MediaFile:
    """One image as `adapter`'s platform takes it. Platforms that fetch images get the kept
    rendition's address (made once); the others get the prepared bytes."""
    lifetime, spec = adapter.media_url_lifetime, adapter.image_spec
    url = preview_url = ""
    if lifetime:
        kept = rendition(image, spec) if spec is not None else None
        with (kept.file if kept else image.file).open("rb") as source:
            content = source.read()
        content_type = kept.content_type if kept else _type_of(image)
        url = signed_url(image, lifetime, kept)
        if adapter.preview_spec is not None:
            preview_url = signed_url(image, lifetime, rendition(image, adapter.preview_spec))
    elif spec is not None:
        ready = prepared(image, spec)
        content, content_type = ready.content, ready.content_type
    else:
        content, content_type = image.file.read(), _type_of(image)
    return MediaFile(
        content=content,
        content_type=content_type,
        alt_text=alt_text,
        name=str(image.file.name),
        url=url,
        preview_url=preview_url,
    )


def _type_of(image: PostImage) -> str:
    return mimetypes.guess_type(str(image.file.name))[0] or "application/octet-stream"


@dataclass
class _Started:
    delivery: Delivery
    attempt: Attempt
    interrupted: bool
    first_attempt_at: datetime


@dataclass
class _Done:
    delivery: Delivery
    attempt: Attempt
    result: Published
    found: bool
    at: datetime


def deliver(delivery_id: int, *, worker: str | None = None) -> str:
    """Publish one claimed delivery once; returns its new state."""
    return deliver_batch([delivery_id], worker=worker)[delivery_id]


def deliver_batch(ids: list[int], *, worker: str | None = None) -> dict[int, str]:
    """Publish claimed deliveries, each once; returns each one's new state.

    The attempts of the whole batch are written in one transaction before any platform call,
    and what was published is recorded together (at least every FLUSH_SECONDS): a few
    statements per batch instead of a dozen per post. A crash in between leaves `started`
    attempts behind, so the next worker asks the platform before posting again.
    """
    worker = worker or worker_name()
    states, started = _start(ids, worker)
    adapters: dict[int, Adapter] = {}
    limited: dict[int, PublishError] = {}
    done: list[_Done] = []
    flushed = renewed = time.monotonic()
    for item in started:
        delivery, attempt = item.delivery, item.attempt
        if time.monotonic() - renewed > LEASE.total_seconds() / 3:
            # A long batch: keep the leases of what is left, and drop what another worker
            # took over after a lease ran out.
            renewed = time.monotonic()
            if delivery.pk not in _renew([i.delivery.pk for i in started], worker):
                Attempt.objects.filter(pk=attempt.pk).update(
                    outcome=Attempt.Outcome.RETRY,
                    finished_at=timezone.now(),
                    message="not sent: the lease ran out and another worker took it over",
                )
                states[delivery.pk] = DeliveryState.CLAIMED
                continue
        account = delivery.account
        if account.pk in limited:
            # The platform just said this account is over its limit: do not ask again now.
            states[delivery.pk] = _put_back(delivery, attempt, limited[account.pk])
            continue
        try:
            if account.pk not in adapters:
                adapters[account.pk] = adapter_for(account)
            adapter = adapters[account.pk]
            if adapter.manual:
                states[delivery.pk] = _finish(
                    delivery,
                    attempt,
                    DeliveryState.MANUAL,
                    Attempt.Outcome.RETRY,
                    _("手作業での投稿を待っています。"),
                )
                ask_for_manual_post(delivery)
                continue
            request = _request(delivery, adapter, item.first_attempt_at)
            result, found = _publish(adapter, request, interrupted=item.interrupted)
        except PublishError as error:
            if error.kind == ErrorKind.RATE_LIMITED:
                limited[account.pk] = error
            states[delivery.pk] = _failed(delivery, attempt, error)
            continue
        except Exception as error:  # a bug or an unexpected library error: retry, never lose it
            message = f"{type(error).__name__}: {error}"
            states[delivery.pk] = _failed(
                delivery, attempt, PublishError(message, ErrorKind.BAD_RESPONSE)
            )
            continue
        done.append(_Done(delivery, attempt, result, found, timezone.now()))
        states[delivery.pk] = DeliveryState.PUBLISHED
        if time.monotonic() - flushed >= FLUSH_SECONDS:
            _record_published(done)
            done, flushed = [], time.monotonic()
    _record_published(done)
    return states


def _publish(
    adapter: Adapter, request: PublishRequest, *, interrupted: bool
) -> tuple[Published, bool]:
    """The post, and whether an earlier attempt had already made it. After an unclear
    attempt the platform is asked first; a "duplicate" refusal then means the post may well be
    ours but not yet listed (eventually consistent timelines): look again, and if it is still
    not there, try again later rather than fail."""
    if interrupted:
        found = adapter.find_existing(request)
        if found is not None:
            return found, True
    try:
        return adapter.publish(request), False
    except PublishError as error:
        if not (interrupted and error.duplicate):
            raise
        found = adapter.find_existing(request)
        if found is not None:
            return found, True
        raise PublishError(
            f"{error.message} (after an unclear attempt: not yet found among the account's "
            "posts; looking again later)",
            ErrorKind.BAD_RESPONSE,
        ) from error


def _start(ids: list[int], worker: str) -> tuple[dict[int, str], list[_Started]]:
    """Write an attempt for each of `ids` this worker holds and may send now; committed
    before any call. In the same transaction, `guarantees.verdict()` decides on each: what
    is no longer approved is cancelled, what a person must decide on is held, what a pause
    covers goes back to the queue untried."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(of=("self",))
            .select_related("post__department", "account__platform")
            .prefetch_related("post__images", "post__targets", "post__decisions", "post__versions")
            .filter(pk__in=ids)
        )
        states = {d.pk: str(d.state) for d in rows}
        claimed = [d for d in rows if d.state == DeliveryState.CLAIMED and d.claimed_by == worker]
        paused = _paused_accounts() if claimed else {}
        emergency = emergency_on() if claimed else False
        mine = []
        for d in claimed:
            decided = verdict(
                d,
                now,
                paused=paused.get(d.account_id) is False,
                statements_only=paused.get(d.account_id) is True,
                emergency=emergency,
            )
            if decided.action == Action.SEND:
                mine.append(d)
            else:
                states[d.pk] = _set_aside(d, decided)
        if not mine:
            return states, []
        order = {pk: n for n, pk in enumerate(ids)}
        mine.sort(key=lambda d: order[d.pk])
        pks = [d.pk for d in mine]
        # Ask the platform first when an earlier call may have made the post: a worker died
        # mid-call, or the call ended in an error that can come after the post was made (a
        # dropped connection, a 5xx, an unreadable answer).
        interrupted = {d.pk for d in mine if d.last_error_kind in MAYBE_POSTED} | set(
            Attempt.objects.filter(
                delivery_id__in=pks, outcome=Attempt.Outcome.STARTED
            ).values_list("delivery_id", flat=True)
        )
        lease_until = timezone.now() + LEASE
        Delivery.objects.filter(pk__in=pks).update(
            state=DeliveryState.PUBLISHING, attempts=F("attempts") + 1, lease_until=lease_until
        )
        for d in mine:
            d.state, d.attempts, d.lease_until = (
                DeliveryState.PUBLISHING,
                d.attempts + 1,
                lease_until,
            )
        attempts = Attempt.objects.bulk_create(
            Attempt(delivery=d, number=d.attempts, worker=worker) for d in mine
        )
    # Only a post made after the delivery's first attempt can be its own (find_existing).
    first = dict(
        Attempt.objects.filter(delivery_id__in=pks)
        .values("delivery_id")
        .annotate(first=Min("started_at"))
        .values_list("delivery_id", "first")
    )
    for d in mine:
        states[d.pk] = DeliveryState.PUBLISHING
    return states, [
        _Started(d, a, d.pk in interrupted, first.get(d.pk, a.started_at))
        for d, a in zip(mine, attempts, strict=True)
    ]


def _set_aside(delivery: Delivery, decided: Verdict) -> str:
    """A claimed delivery that may not go out now: cancelled, held or back in the queue."""
    to = {
        Action.CANCEL: DeliveryState.CANCELLED,
        Action.HOLD: DeliveryState.HELD,
        Action.WAIT: DeliveryState.WAITING,
    }[decided.action]
    post = delivery.post
    delivery.move_to(to)
    delivery.claimed_by, delivery.lease_until = "", None
    if to != DeliveryState.WAITING:
        delivery.reason = decided.reason
    delivery.save(update_fields=["state", "claimed_by", "lease_until", "reason"])
    if to != DeliveryState.WAITING:
        audit.record(
            f"publishing.{to}",
            target=post,
            department=post.department,
            data={
                "delivery": delivery.pk,
                "account": delivery.account_id,
                "version": delivery.version,
                "reason": decided.reason,
            },
        )
    if to == DeliveryState.HELD:
        notify(
            [post.author, *post.department.heads()],
            _("【Kagami】投稿を保留しました: %(post)s") % {"post": post},
            _("%(account)s への投稿を保留しました。%(reason)s 送るか取りやめるかを決めてください。")
            % {"account": delivery.account, "reason": decided.reason},
            link=reverse("posts:post_detail", args=[post.pk]),
        )
    return to


def _renew(pks: list[int], worker: str) -> set[int]:
    """Extend the leases this worker still holds; the ones it still holds."""
    mine = Delivery.objects.filter(pk__in=pks, state=DeliveryState.PUBLISHING, claimed_by=worker)
    mine.update(lease_until=timezone.now() + LEASE)
    return set(mine.values_list("pk", flat=True))


def _record_published(done: list[_Done]) -> None:
    if not done:
        return
    finished = timezone.now()
    for item in done:
        d = item.delivery
        d.move_to(DeliveryState.PUBLISHED)
        d.lease_until, d.claimed_by = None, ""
        d.platform_post_id, d.url = item.result.platform_post_id, item.result.url
        d.published_at = item.at
        item.attempt.outcome = Attempt.Outcome.FOUND if item.found else Attempt.Outcome.PUBLISHED
        item.attempt.finished_at = finished
    deliveries = [item.delivery for item in done]
    posts = {d.post_id for d in deliveries}
    with transaction.atomic():
        Delivery.objects.bulk_update(
            deliveries,
            [
                "state",
                "lease_until",
                "claimed_by",
                "platform_post_id",
                "url",
                "published_at",
            ],
        )
        Attempt.objects.bulk_update([i.attempt for i in done], ["outcome", "finished_at"])
        audit.record_many(
            [
                {
                    "action": "publishing.found_existing" if i.found else "publishing.published",
                    "target": i.delivery.post,
                    "department": i.delivery.post.department,
                    "data": {
                        "account": i.delivery.account_id,
                        "version": i.delivery.version,
                        "platform_post_id": i.result.platform_post_id,
                        "url": i.result.url,
                    },
                }
                for i in done
            ]
        )
        mark_fully_published(posts)
        OfficialAccount.objects.filter(pk__in={d.account_id for d in deliveries}).update(
            last_posted_at=finished
        )


def _put_back(delivery: Delivery, attempt: Attempt, error: PublishError) -> str:
    """Return a delivery to the queue untried (its account is rate-limited): the attempt
    written for it never reached the platform, so it is removed and not counted."""
    with transaction.atomic():
        attempt.delete()
        Delivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.WAITING,
            attempts=F("attempts") - 1,
            lease_until=None,
            claimed_by="",
            next_attempt_at=error.retry_after or timezone.now() + timedelta(seconds=BACKOFF[0]),
        )
    return DeliveryState.WAITING


def _finish(
    delivery: Delivery,
    attempt: Attempt,
    state: str,
    outcome: str,
    message: str,
) -> str:
    with transaction.atomic():
        delivery.move_to(state)
        delivery.lease_until = None
        delivery.claimed_by = ""
        delivery.save(
            update_fields=[
                "state",
                "lease_until",
                "claimed_by",
                "next_attempt_at",
                "last_error",
                "last_error_kind",
            ]
        )
        attempt.outcome = outcome
        attempt.message = message
        attempt.finished_at = timezone.now()
        attempt.save(update_fields=["outcome", "message", "finished_at"])
    return state


def _failed(delivery: Delivery, attempt: Attempt, error: PublishError) -> str:
    post = delivery.post
    delivery.last_error, delivery.last_error_kind = error.message, error.kind
    if error.permanent or delivery.attempts_this_round >= MAX_ATTEMPTS:
        with transaction.atomic():
            _finish(delivery, attempt, DeliveryState.FAILED, Attempt.Outcome.FAILED, error.message)
            audit.record(
                "publishing.failed",
                target=post,
                department=post.department,
                data={
                    "account": delivery.account_id,
                    "message": error.message,
                    "kind": error.kind,
                    "credentials": error.credentials_problem,
                },
            )
            if error.credentials_problem:
                flag_rejected_credentials(delivery.account, error.message)
            notify(
                [post.author, *post.department.heads()],
                _("【Kagami】投稿できませんでした: %(post)s") % {"post": post},
                _(
                    "%(account)s への投稿に失敗しました。\n%(explanation)s\n"
                    "プラットフォームからの応答（原文）: %(message)s"
                )
                % {
                    "account": delivery.account,
                    "explanation": FailureKind(error.kind).label,
                    "message": error.message,
                },
                link=reverse("posts:post_detail", args=[post.pk]),
            )
        return DeliveryState.FAILED
    delay = BACKOFF[min(max(delivery.attempts_this_round - 1, 0), len(BACKOFF) - 1)]
    retry_at = max(timezone.now() + timedelta(seconds=delay), error.retry_after or timezone.now())
    delivery.next_attempt_at = retry_at
    with transaction.atomic():
        _finish(delivery, attempt, DeliveryState.WAITING, Attempt.Outcome.RETRY, error.message)
        if error.kind == ErrorKind.RATE_LIMITED:
            # The limit is the account's, not the post's: its other posts wait too.
            RateLimit.objects.update_or_create(
                account=delivery.account,
                defaults={"until": error.retry_after or retry_at, "message": error.message},
            )
        audit.record(
            "publishing.retry",
            target=post,
            department=post.department,
            data={
                "account": delivery.account_id,
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
    if ids:
        deliver_batch(ids, worker=worker)
    return len(ids)


def late_deliveries() -> "list[Delivery]":
    """Held or waiting deliveries already past their time: after a pause, a person decides."""
    return list(
        Delivery.objects.filter(
            Q(state=DeliveryState.HELD) | Q(state=DeliveryState.WAITING), due_at__lt=timezone.now()
        )
        .select_related("post", "account")
        .order_by("due_at")
    )
