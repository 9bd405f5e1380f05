"""Manual posting: the platform or the town has no API access (G-2: note, TikTok, YouTube).
Staff are told to post by hand at the slot and record the resulting URL. Deleting a post and
looking accounts up are done by hand too (the base class refuses them)."""

from kagami.publishing.adapters.base import (
    Adapter,
    ErrorKind,
    Published,
    PublishError,
    PublishRequest,
)


class ManualAdapter(Adapter):
    code = "manual"
    manual = True

    def publish(self, request: PublishRequest) -> Published:
        raise PublishError("manual posting: a person posts and records the URL", ErrorKind.REFUSED)

    def find_existing(self, request: PublishRequest) -> Published | None:
        return None
