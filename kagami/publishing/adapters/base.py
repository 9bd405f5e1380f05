"""The contract every platform adapter keeps (ARCHITECTURE.md, "Publishing").

An adapter turns one approved post for one account into one platform post. The worker records
an attempt *before* calling `publish`; after a crash it calls `find_existing` first, so a post
never goes out twice. Errors are `PublishError`: `permanent` ones fail the target at once
(bad token, deleted account, content refused), the others are retried after `retry_after`
(rate limit reset) or a back-off. Each error carries the platform's own words and an
`ErrorKind`, which decides whether it is final and which explanation staff read (in Japanese or
English, `kagami.publishing.models.ERROR_EXPLANATIONS`).

Images reach the adapter already prepared for its platform (`image_spec`, `preview_spec`:
format, bytes, sides, aspect ratio; `adapters.images`). Platforms that fetch images themselves
(Instagram, Threads, Facebook, LINE) also get a signed, expiring public URL of the prepared
image in `MediaFile.url` (and of its preview in `preview_url`); the adapter says how long it
must stay valid with `media_url_lifetime`.

Recovery after an unclear attempt: only a post the platform made *after the delivery's first
attempt* can be ours (`PublishRequest.may_be_ours`), so last week's post of the same weekly
notice is never adopted. What an adapter must remember about one delivery across attempts and
crashes (a container id, a record key) goes in `PublishRequest.notes`, which the worker keeps on
the delivery. Tokens a platform rotates (X's refresh token) go back to the vault through
`Adapter.keep_credentials`.

Trouble handling (issue 14). Where the platform's API allows it, an adapter removes the account's
own post (`delete`, for corrections: G-6-1) and says whether an account holds a handle
(`lookup_user`, for the look-alike watch: G-6-3); `can_delete`, `can_edit` and
`can_lookup_users` say which, and the platform catalogue (`registry.platforms`) repeats them for
the screens, which may not import this package. An adapter that cannot answers REFUSED.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kagami.publishing.adapters.images import ImageSpec

# How far a platform's clock and ours may disagree when telling whether a post was made after
# our first attempt. A weekly or daily notice is far older than this.
CLOCK_SKEW = timedelta(minutes=2)


@dataclass(frozen=True)
class MediaFile:
    """An image to attach: its bytes, type and alternative text."""

    content: bytes
    content_type: str
    alt_text: str = ""
    name: str = "image"
    # A signed public address of the same bytes, for platforms that fetch media by URL.
    url: str = ""
    # A signed public address of a small preview, for platforms that want one (LINE).
    preview_url: str = ""


class DeliveryNotes:
    """What an adapter remembers about one delivery across attempts and worker crashes (an
    Instagram container id, a Bluesky record key). `put` is durable when it returns: the worker
    saves it on the delivery at once, so write a note *before* the call that relies on it."""

    def __init__(
        self,
        initial: Mapping[str, str] | None = None,
        on_change: Callable[[dict[str, str]], None] | None = None,
    ) -> None:
        self._values = dict(initial or {})
        self._on_change = on_change

    def get(self, key: str) -> str | None:
        return self._values.get(key)

    def put(self, key: str, value: str) -> None:
        self._values[key] = value
        self._changed()

    def forget(self, key: str) -> None:
        if self._values.pop(key, None) is not None:
            self._changed()

    def as_dict(self) -> dict[str, str]:
        return dict(self._values)

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change(dict(self._values))


@dataclass(frozen=True)
class PublishRequest:
    """What to publish where. `idempotency_key` is stable across retries of one target;
    `first_attempt_at` is when the first of them started (the worker always sets it)."""

    text: str
    idempotency_key: str
    handle: str
    media: tuple[MediaFile, ...] = field(default_factory=tuple)
    first_attempt_at: datetime | None = None
    notes: DeliveryNotes = field(default_factory=DeliveryNotes, compare=False)

    def may_be_ours(self, created_at: datetime | None) -> bool:
        """Whether a post the platform dates `created_at` can have been made by one of this
        request's attempts: only one made after the first attempt (less CLOCK_SKEW). A post of
        unknown date cannot be told apart from an older one with the same text, so never."""
        if created_at is None:
            return False
        if self.first_attempt_at is None:
            return True
        return created_at >= self.first_attempt_at - CLOCK_SKEW


@dataclass(frozen=True)
class FoundUser:
    """An account that exists on the platform under a handle (look-alike watch, G-6-3)."""

    handle: str  # as the platform spells it, with @ where the platform uses one
    display_name: str
    url: str  # its public profile URL (https)
    platform_user_id: str
    created_at: datetime | None = None  # when the platform says the account was made, if it says


@dataclass(frozen=True)
class Published:
    """The platform's own ID and public URL of the post."""

    platform_post_id: str
    url: str


class ErrorKind(StrEnum):
    """Why a platform call failed. The first four are retried; the others are final."""

    RATE_LIMITED = "rate_limited"  # the platform's limit; retry at its reset time
    UNAVAILABLE = "unavailable"  # 5xx, maintenance
    NETWORK = "network"  # timeout, dropped connection
    BAD_RESPONSE = "bad_response"  # an answer that is not the platform's documented shape
    CREDENTIALS = "credentials"  # token rejected, expired, missing or without permission
    ACCOUNT_GONE = "account_gone"  # suspended, deactivated or deleted account
    CONTENT_REFUSED = "content_refused"  # text too long, duplicate, against the rules
    MEDIA_REFUSED = "media_refused"  # an image the platform would not take or could not fetch
    # An earlier attempt may have gone out and the platform can no longer tell (LINE keeps its
    # retry key 24 hours): a person checks the account before anything is sent again.
    UNCONFIRMED = "unconfirmed"
    REFUSED = "refused"  # any other final refusal


RETRYABLE = frozenset(
    {ErrorKind.RATE_LIMITED, ErrorKind.UNAVAILABLE, ErrorKind.NETWORK, ErrorKind.BAD_RESPONSE}
)


class PublishError(Exception):
    """A platform refused or failed. `message` is the platform's own words."""

    def __init__(
        self,
        message: str,
        kind: ErrorKind,
        *,
        retry_after: datetime | None = None,
        duplicate: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.retry_after = retry_after
        # The platform refused the text as a duplicate of a post it has (X 403, Facebook 506).
        # After an unclear attempt that post may be ours: the worker looks again.
        self.duplicate = duplicate

    @property
    def permanent(self) -> bool:
        return self.kind not in RETRYABLE

    @property
    def credentials_problem(self) -> bool:
        """The account's access needs a person: a new token, or a look at the account."""
        return self.kind in (ErrorKind.CREDENTIALS, ErrorKind.ACCOUNT_GONE)


class Adapter(ABC):
    """One platform. Instances are cheap; the worker makes one per attempt.

    `credentials` are the account's API tokens from the vault (name → value); `base_url`
    overrides the platform's API address (local fake servers in tests, a Mastodon instance).
    """

    code: str = ""
    # Whether a person posts by hand (the worker then waits for them to record the URL).
    manual: bool = False
    # Platforms that fetch images from a URL: how long that URL must keep working.
    media_url_lifetime: timedelta | None = None
    # The vault API tokens (by name) this adapter needs for an account.
    credential_names: tuple[str, ...] = ()
    # What the platform takes as an image, and as a preview (adapters.images); None: as is.
    image_spec: ImageSpec | None = None
    preview_spec: ImageSpec | None = None
    # At most this many images per post; checked before anything is uploaded.
    max_images: int | None = None
    # What the platform's API does besides posting (each adapter cites the page that says so):
    can_delete: bool = False  # the API deletes the account's own posts
    can_edit: bool = False  # the API edits a published post (for the record; not used yet)
    can_lookup_users: bool = False  # the API looks a user up by handle

    def __init__(
        self, credentials: Mapping[str, str], *, base_url: str | None = None, timeout: float = 20.0
    ) -> None:
        self.credentials = credentials
        self.base_url = base_url
        self.timeout = timeout
        # Set by the worker: stores tokens the platform rotated (name → new value) in the vault.
        self.on_credentials_changed: Callable[[Mapping[str, str]], None] | None = None
        # Set by the worker: holds the account's stored tokens locked and yields their values.
        self.credentials_lock: Callable[[], AbstractContextManager[Mapping[str, str]]] | None = None

    @contextmanager
    def locked_credentials(self) -> Iterator[Mapping[str, str]]:
        """The account's tokens as stored now, locked against other workers until the block
        ends: refresh inside it, so two workers never spend the same refresh token (the
        second adopts what the first stored)."""
        if self.credentials_lock is None:
            yield self.credentials
            return
        with self.credentials_lock() as stored:
            yield stored

    def keep_credentials(self, changes: Mapping[str, str]) -> None:
        """The platform issued new tokens (a refresh): keep them, durably, before using them,
        since the old refresh token may already be spent."""
        self.credentials = {**self.credentials, **changes}
        if self.on_credentials_changed is not None:
            self.on_credentials_changed(changes)

    def check_image_count(self, request: PublishRequest) -> None:
        """Refuse a post with more images than the platform takes, before any upload."""
        if self.max_images is not None and len(request.media) > self.max_images:
            raise PublishError(
                f"{self.code}: a post takes at most {self.max_images} images, "
                f"this one has {len(request.media)}",
                ErrorKind.CONTENT_REFUSED,
            )

    @abstractmethod
    def publish(self, request: PublishRequest) -> Published:
        """Post once; raise PublishError on failure."""

    @abstractmethod
    def find_existing(self, request: PublishRequest) -> Published | None:
        """After an unclear attempt: the post if the platform already has it (by the
        idempotency key, or among the account's posts made since `request.first_attempt_at`,
        see `PublishRequest.may_be_ours`), else None."""

    def delete(self, platform_post_id: str) -> None:
        """Remove the account's own post (`Published.platform_post_id`). Idempotent: a post
        already gone is success (the platform's not-found answer for it). PublishError on
        failure, with the same ErrorKinds as publishing (credentials, rate limits,
        unavailable…); REFUSED where the platform's API cannot delete posts."""
        raise PublishError(
            f"{self.code}: the platform's API does not allow deleting a post; "
            "a person deletes it in the platform's own app",
            ErrorKind.REFUSED,
        )

    def lookup_user(self, handle: str) -> FoundUser | None:
        """The account with exactly this handle, or None if there is none (each adapter says
        which of the platform's answers mean "none": unknown, suspended…). PublishError on
        failure; REFUSED where the platform's API cannot look users up by handle."""
        raise PublishError(
            f"{self.code}: the platform's API does not look accounts up by handle",
            ErrorKind.REFUSED,
        )
