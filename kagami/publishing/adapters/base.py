"""The contract every platform adapter keeps (issue 7).

An adapter turns one approved post for one account into one platform post. The worker records
an attempt *before* calling `publish`; after a crash it calls `find_existing` first, so a post
never goes out twice. Errors are `PublishError`: `permanent` ones fail the target at once
(bad token, deleted account, content refused), the others are retried after `retry_after`
(rate limit reset) or a back-off.
"""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class MediaFile:
    """An image to attach: its bytes, type and alternative text."""

    content: bytes
    content_type: str
    alt_text: str = ""
    name: str = "image"


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


class PublishError(Exception):
    """A platform refused or failed. `message` is the platform's own words."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        retry_after: datetime | None = None,
        credentials_problem: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after
        self.credentials_problem = credentials_problem


class Adapter(ABC):
    """One platform. Instances are cheap; the worker makes one per attempt.

    `credentials` are the account's API tokens from the vault (name → value); `base_url`
    overrides the platform's API address (local fake servers in tests, a Mastodon instance).
    """

    code: str = ""
    # Whether a person posts by hand (the worker then waits for them to record the URL).
    manual: bool = False

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
