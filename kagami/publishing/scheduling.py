"""Turning approved versions whose time has come into deliveries (used by the worker, and by
resuming a pause so that nothing that fell due meanwhile escapes a person's decision)."""

from datetime import datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from kagami.posts.models import PostState, PostTarget, PostVersion
from kagami.publishing.models import Delivery, DeliveryState


def undelivered_targets() -> "QuerySet[PostTarget]":
    """Targets of approved posts with no delivery of the approved version yet (accounts where
    an earlier version of the post is already published get nothing more)."""
    existing = Delivery.objects.filter(post=OuterRef("post"), account=OuterRef("account")).filter(
        Q(version=OuterRef("post__version")) | Q(state=DeliveryState.PUBLISHED)
    )
    return PostTarget.objects.filter(post__state=PostState.APPROVED).exclude(Exists(existing))


def schedule_due(now: datetime | None = None) -> int:
    """A Delivery for each account of each approved version whose time has come, with the
    text kept for that version (never the live, editable one). Idempotent: the unique
    (post, account, version) key makes a second worker's insert a no-op."""
    now = now or timezone.now()
    targets = list(
        undelivered_targets()
        .filter(post__publish_at__lte=now)
        .values_list("post_id", "account_id", "post__version", "post__publish_at")
    )
    if not targets:
        return 0
    kept = {
        (v.post_id, v.number): v
        for v in PostVersion.objects.filter(
            post_id__in={t[0] for t in targets}, number=F("post__version")
        ).only("post_id", "number", "content")
    }
    deliveries = []
    for post_id, account_id, version, due in targets:
        text = kept[(post_id, version)].text_for(account_id) if (post_id, version) in kept else None
        if text is None:  # cannot happen through the workflow; never send unkept text
            continue
        deliveries.append(
            Delivery(
                post_id=post_id,
                account_id=account_id,
                version=version,
                text=text,
                due_at=due,
                next_attempt_at=due,
            )
        )
    Delivery.objects.bulk_create(deliveries, batch_size=500, ignore_conflicts=True)
    return len(deliveries)
