"""Platform adapters: one module per platform behind `base.Adapter`, found by platform code in
`REGISTRY`. Adding a platform is a module plus a line here (and a Platform row)."""

from kagami.publishing.adapters.base import (
    Adapter,
    MediaFile,
    Published,
    PublishError,
    PublishRequest,
)
from kagami.publishing.adapters.manual import ManualAdapter
from kagami.publishing.adapters.sandbox import SandboxAdapter

REGISTRY: dict[str, type[Adapter]] = {
    "sandbox": SandboxAdapter,
    "manual": ManualAdapter,
}

__all__ = ["REGISTRY", "Adapter", "MediaFile", "PublishError", "PublishRequest", "Published"]
