"""Approved posts made directly, for tests and benchmarks that need many of them due at once
(or already due), which the workflow refuses to schedule in the past. They are consistent
with what the workflow makes: the version is kept and the approval binds its digest."""

from collections.abc import Sequence
from datetime import datetime

from kagami.orgs.models import Department, User
from kagami.posts.models import (
    Approval,
    Decision,
    Post,
    PostState,
    PostTarget,
    PostVersion,
)
from kagami.registry.models import OfficialAccount


def approved_post(
    *,
    department: Department,
    author: User,
    approver: User,
    accounts: Sequence[OfficialAccount],
    text: str,
    publish_at: datetime,
) -> Post:
    post = Post.objects.create(
        department=department,
        author=author,
        text=text,
        publish_at=publish_at,
        state=PostState.APPROVED,
    )
    PostTarget.objects.bulk_create(PostTarget(post=post, account=a) for a in accounts)
    PostVersion.objects.create(
        post=post, number=1, edited_by=author, content=post.snapshot(), digest=post.digest()
    )
    Approval.objects.create(
        post=post, version=1, digest=post.digest(), decision=Decision.APPROVED, decided_by=approver
    )
    return post
