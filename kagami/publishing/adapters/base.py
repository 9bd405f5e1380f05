"""The contract every platform adapter keeps (ARCHITECTURE.md, "Publishing").

An adapter turns one approved post for one account into one platform post. The worker records
an attempt *before* calling `publish`; after a crash it calls `find_existing` first, so a post
never goes out twice. Errors are `PublishError`: `permanent` ones fail the target at once
(bad token, deleted account, content refused), the others are retried after `retry_after`
(rate limit reset) or a back-off. Each error carries the platform's own words and an
`ErrorKind`, which decides whether it is final and which explanation staff read (in Japanese or
English, `kagami.publishing.models.ERROR_EXPLANATIONS`).

Platforms that fetch images themselves (Instagram, Threads, Facebook, LINE) get a signed,
expiring public URL per image in `MediaFile.url`; the adapter says how long it must stay valid
with `media_url_lifetime`.
"""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


@dataclass(frozen=True)
class MediaFile:
    """An image to attach: its bytes, type and alternative text."""

    content: bytes
    content_type: str
    alt_text: str = ""
    name: str = "image"
    # A signed public address of the same bytes, for platforms that fetch media by URL.
    url: str = ""


@dataclass(frozen=True)
class PublishRequest:
    """What to publish where. `idempotency_key` is stable across retries of one target."""

    text: str
    idempotency_key: str
    handle: str
    media: tuple[MediaFile, ...] = field(default_factory=tuple)


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
    REFUSED = "refused"  # any other final refusal


RETRYABLE = frozenset(
    {ErrorKind.RATE_LIMITED, ErrorKind.UNAVAILABLE, ErrorKind.NETWORK, ErrorKind.BAD_RESPONSE}
)


class PublishError(Exception):
    """A platform refused or failed. `message` is the platform's own words."""

    def __init__(
        self, message: str, kind: ErrorKind, *, retry_after: datetime | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.retry_after = retry_after

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

    def __init__(
        self, credentials: Mapping[str, str], *, base_url: str | None = None, timeout: float = 20.0
    ) -> None:
        self.credentials = credentials
        self.base_url = base_url
        self.timeout = timeout

    @abstractmethod
    def publish(self, request: PublishRequest) -> Published:
        """Post once; raise PublishError on failure."""

    @abstractmethod
    def find_existing(self, request: PublishRequest) -> Published | None:
        """After an interrupted attempt: the post if the platform already has it (by the
        idempotency key, or by looking through the account's recent posts), else None."""
