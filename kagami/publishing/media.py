"""Signed, expiring public addresses for post images (ARCHITECTURE.md, "Publishing").

Instagram, Threads, Facebook and LINE do not take uploaded bytes: they fetch each image from a
public HTTPS address. Kagami hands them one per image that stops working after the adapter's
`media_url_lifetime`, in one of two ways:

* Kagami itself (the default), when the platforms can reach it: an address under
  `KAGAMI_MEDIA_BASE_URL` (default `KAGAMI_SITE_URL`) carrying a signed token with the image and
  the expiry; `views.public_media` serves it to anyone holding the token until then, and only
  for approved or published posts.
* S3-compatible storage, when Kagami sits inside the town's closed network (LGWAN): configure the
  `kagami_public_media` storage (`KAGAMI_PUBLIC_MEDIA_BACKEND`, e.g. django-storages'
  `storages.backends.s3.S3Storage`, with its options in `KAGAMI_PUBLIC_MEDIA_OPTIONS`). The image
  is copied there under an unguessable name and the storage's own presigned URL is used; the
  bucket's lifecycle rule removes the copies.
"""

import inspect
import posixpath
import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.files.storage import Storage, storages
from django.urls import reverse
from django.utils import timezone

from kagami.posts.models import PostImage, PostState

PUBLIC_STORAGE = "kagami_public_media"
_SALT = "kagami.publishing.media"


class MediaLinkInvalid(Exception):
    """A token that was tampered with, or whose time is over."""


def signed_url(image: PostImage, lifetime: timedelta) -> str:
    """A public address of `image` that works for `lifetime` from now."""
    if PUBLIC_STORAGE in settings.STORAGES:
        return _storage_url(storages[PUBLIC_STORAGE], image, lifetime)
    expires = int((timezone.now() + lifetime).timestamp())
    token = signing.dumps([image.pk, expires], salt=_SALT)
    name = posixpath.basename(str(image.file.name)) or "image"
    path = reverse("publishing:public_media", args=[token, name])
    return settings.KAGAMI_MEDIA_BASE_URL + path


# What a token we signed can hold: an image id and an expiry as seconds since 1970.
_MAX_ID = 2**63 - 1
_MAX_EXPIRY = int(datetime(9999, 1, 1, tzinfo=UTC).timestamp())


def image_for(token: str, *, now: datetime | None = None) -> tuple[PostImage, datetime]:
    """The image a token names and when the token expires; MediaLinkInvalid otherwise."""
    try:
        payload = signing.loads(token, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise MediaLinkInvalid from exc
    # Signed by us, yet checked like any input: a token of another shape (a change of format,
    # a leaked key) must be refused, not crash the lookup or the date arithmetic.
    if not (
        isinstance(payload, list)
        and len(payload) == 2
        and all(type(value) is int for value in payload)
        and 0 < payload[0] <= _MAX_ID
        and 0 < payload[1] <= _MAX_EXPIRY
    ):
        raise MediaLinkInvalid
    pk, expires = payload
    expires_at = datetime.fromtimestamp(expires, tz=UTC)
    if expires_at <= (now or timezone.now()):
        raise MediaLinkInvalid
    image = (
        PostImage.objects.filter(pk=pk, post__state__in=[PostState.APPROVED, PostState.PUBLISHED])
        .select_related("post")
        .first()
    )
    if image is None:
        raise MediaLinkInvalid
    return image, expires_at


def _storage_url(storage: Storage, image: PostImage, lifetime: timedelta) -> str:
    directory = secrets.token_urlsafe(24)
    with image.file.open("rb") as content:
        name = storage.save(f"{directory}/{posixpath.basename(str(image.file.name))}", content)
    # checks.py refuses a storage whose addresses do not expire.
    return storage.url(name, expire=int(lifetime.total_seconds()))  # type: ignore[call-arg]


def storage_expires_urls(storage: Storage) -> bool:
    """Whether the storage signs addresses with an expiry, as django-storages' S3 does."""
    return "expire" in inspect.signature(storage.url).parameters
