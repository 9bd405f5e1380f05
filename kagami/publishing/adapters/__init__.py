"""Platform adapters: one module per platform behind `base.Adapter`, found by platform code in
`REGISTRY`. Adding a platform is a module plus a line here (and a Platform row)."""

from kagami.publishing.adapters.base import (
    Adapter,
    ErrorKind,
    FoundUser,
    MediaFile,
    Published,
    PublishError,
    PublishRequest,
)
from kagami.publishing.adapters.bluesky import BlueskyAdapter
from kagami.publishing.adapters.line import LineAdapter
from kagami.publishing.adapters.manual import ManualAdapter
from kagami.publishing.adapters.mastodon import MastodonAdapter
from kagami.publishing.adapters.meta import FacebookAdapter, InstagramAdapter, ThreadsAdapter
from kagami.publishing.adapters.sandbox import SandboxAdapter
from kagami.publishing.adapters.x import XAdapter

REGISTRY: dict[str, type[Adapter]] = {
    "sandbox": SandboxAdapter,
    "manual": ManualAdapter,
    "x": XAdapter,
    "mastodon": MastodonAdapter,
    "bluesky": BlueskyAdapter,
    "line": LineAdapter,
    "facebook": FacebookAdapter,
    "instagram": InstagramAdapter,
    "threads": ThreadsAdapter,
}

__all__ = [
    "REGISTRY",
    "Adapter",
    "ErrorKind",
    "FoundUser",
    "MediaFile",
    "PublishError",
    "PublishRequest",
    "Published",
]
