"""What the approver sees before deciding (G-5-2): every account's full text as the platform
will show it, its length as the platform counts it, the images with their alternative text,
and what changed since the last approved version."""

import difflib
from dataclasses import dataclass, field

from kagami.contentchecks.platforms import PLATFORMS, measure, platform_key
from kagami.posts.models import Decision, Post, PostVersion
from kagami.registry.models import OfficialAccount


@dataclass(frozen=True)
class Length:
    count: int
    limit: int
    unit: str

    @property
    def over(self) -> bool:
        return self.count > self.limit


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed"
    text: str


@dataclass
class TargetReview:
    account: OfficialAccount
    text: str
    length: Length | None
    changes: list[DiffLine] = field(default_factory=list)
    new_account: bool = False  # the last approved version did not go here


def platform_length(text: str, platform_code: str) -> Length | None:
    """The text's length as the platform counts it (X's weighting, Bluesky's graphemes…),
    or None for a platform outside the catalogue of the checks."""
    key = platform_key(platform_code)
    if key is None:
        return None
    platform = PLATFORMS[key]
    return Length(
        measure(text, platform.counting, platform.max_length).count,
        platform.max_length,
        platform.unit,
    )


def last_approved_version(post: Post) -> PostVersion | None:
    """The most recent earlier version an approver approved, if any."""
    approved = [
        d.version
        for d in post.decisions.all()
        if d.decision == Decision.APPROVED and d.version < post.version
    ]
    if not approved:
        return None
    return post.versions.filter(number=max(approved)).first()


def _diff(before: str, after: str) -> list[DiffLine]:
    lines: list[DiffLine] = []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        tag, text = line[:2], line[2:]
        if tag == "  ":
            lines.append(DiffLine("same", text))
        elif tag == "- ":
            lines.append(DiffLine("removed", text))
        elif tag == "+ ":
            lines.append(DiffLine("added", text))
    return lines


def review(post: Post) -> tuple[list[TargetReview], PostVersion | None]:
    """Each target as it will be published, with the changes since the last approval."""
    previous = last_approved_version(post)
    reviews = []
    for target in post.targets.select_related("account__platform"):
        text = target.text
        item = TargetReview(
            account=target.account,
            text=text,
            length=platform_length(text, target.account.platform.code),
        )
        if previous is not None:
            before = previous.text_for(target.account_id)
            if before is None:
                item.new_account = True
            elif before != text:
                item.changes = _diff(before, text)
        reviews.append(item)
    return reviews, previous
