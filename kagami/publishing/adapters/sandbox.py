"""The sandbox: a training network inside Kagami, clearly labelled, where the demo and staff
training publish and can see the result (ARCHITECTURE.md, "Publishing"). It deletes posts as the
real platforms do (marked deleted, shown as 削除済み on the training page), so corrections can be
practised; it has no other accounts to look up."""

import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from kagami.publishing.adapters.base import (
    Adapter,
    ErrorKind,
    Published,
    PublishError,
    PublishRequest,
)


class SandboxAdapter(Adapter):
    code = "sandbox"
    can_delete = True

    def __init__(self, *args: object, account: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.account = account

    def _published(self, post: object) -> Published:
        return Published(
            platform_post_id=str(post.pk),  # type: ignore[attr-defined]
            url=reverse("publishing:sandbox_post", args=[post.pk]),  # type: ignore[attr-defined]
        )

    def publish(self, request: PublishRequest) -> Published:
        from kagami.publishing.models import SandboxPost

        if self.account is None:
            raise PublishError("sandbox: no account", ErrorKind.REFUSED)
        try:
            with transaction.atomic():
                post = SandboxPost.objects.create(
                    account=self.account,  # type: ignore[misc]
                    text=request.text,
                    idempotency_key=request.idempotency_key,
                    media_count=len(request.media),
                )
        except IntegrityError:
            # Like a platform honouring an idempotency key: the same request, the same post.
            post = SandboxPost.objects.get(idempotency_key=request.idempotency_key)
        if settings.KAGAMI_SANDBOX_LATENCY_MS:
            # A platform answers after it stored the post; training and the chaos test want
            # that window as wide as a real network's.
            time.sleep(settings.KAGAMI_SANDBOX_LATENCY_MS / 1000)
        return self._published(post)

    def find_existing(self, request: PublishRequest) -> Published | None:
        from kagami.publishing.models import SandboxPost

        post = SandboxPost.objects.filter(idempotency_key=request.idempotency_key).first()
        return self._published(post) if post else None

    def delete(self, platform_post_id: str) -> None:
        from kagami.publishing.models import SandboxPost

        if self.account is None:
            raise PublishError("sandbox: no account", ErrorKind.REFUSED)
        if not platform_post_id.isascii() or not platform_post_id.isdigit():
            raise PublishError(f"sandbox: not a post ID: {platform_post_id!r}", ErrorKind.REFUSED)
        post = SandboxPost.objects.filter(pk=int(platform_post_id)).first()
        if post is None:
            return  # gone: like a platform's not-found answer, success
        if post.account_id != self.account.pk:  # type: ignore[attr-defined]
            raise PublishError(
                f"sandbox: post {platform_post_id} is not this account's", ErrorKind.REFUSED
            )
        SandboxPost.objects.filter(pk=post.pk, deleted_at__isnull=True).update(
            deleted_at=timezone.now()
        )
