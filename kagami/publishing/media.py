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
  bucket's lifecycle rule removes the copies. Presigned S3 addresses last at most 7 days
  (`KAGAMI_PUBLIC_MEDIA_MAX_LIFETIME_DAYS`), less than LINE needs: a system check says so.

What the platform fetches is the image prepared for it (`adapters.images`: Instagram takes only
JPEG within 4:5–1.91:1, LINE wants a preview ≤ 1 MB), made once and kept as an
`ImageRendition`; the signed token names the rendition's spec.
"""

import inspect
import posixpath
import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone

from kagami.posts.models import PostImage, PostState
from kagami.publishing.adapters.images import ImageSpec, Prepared, prepare
from kagami.publishing.models import ImageRendition

PUBLIC_STORAGE = "kagami_public_media"
_SALT = "kagami.publishing.media"


class MediaLinkInvalid(Exception):
    """A token that was tampered with, or whose time is over."""


class MediaLifetimeTooLong(Exception):
    """The public media storage cannot sign an address for as long as the platform needs."""

    def __init__(self, wanted: timedelta, maximum: timedelta) -> None:
        super().__init__(
            f"the platform needs image addresses that work for {wanted.days} days; "
            f"the public media storage signs them for at most {maximum.days}"
        )


_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}


def prepared(image: PostImage, spec: ImageSpec) -> Prepared:
    """`image` as the platform of `spec` takes it (ImageRefused if it cannot be made to)."""
    with image.file.open("rb") as source:
        return prepare(source.read(), spec)


def rendition(image: PostImage, spec: ImageSpec) -> ImageRendition | None:
    """The kept rendition of `image` for `spec`, made now if needed; None when the original
    already fits. Raises ImageRefused when it cannot be made to fit."""
    source = str(image.file.name)
    kept = ImageRendition.objects.filter(image=image, spec=spec.name, source=source).first()
    if kept is not None:
        return kept
    result = prepared(image, spec)
    if not result.changed:
        return None
    stem = posixpath.splitext(posixpath.basename(source))[0] or "image"
    extension = _EXTENSIONS.get(result.content_type, "bin")
    made = ImageRendition(
        image=image, spec=spec.name, source=source, content_type=result.content_type
    )
    made.file.save(f"{stem}.{extension}", ContentFile(result.content), save=False)
    try:
        with transaction.atomic():
            made.save()
    except IntegrityError:  # another worker made it meanwhile
        made.file.delete(save=False)
        return ImageRendition.objects.get(image=image, spec=spec.name, source=source)
    return made


def signed_url(image: PostImage, lifetime: timedelta, kept: ImageRendition | None = None) -> str:
    """A public address of `image` (or of its rendition `kept`, from `rendition()`) that works
    for `lifetime` from now."""
    if PUBLIC_STORAGE in settings.STORAGES:
        return _storage_url(storages[PUBLIC_STORAGE], kept.file if kept else image.file, lifetime)
    expires = int((timezone.now() + lifetime).timestamp())
    payload: list[int | str] = [image.pk, expires]
    if kept is not None:
        payload.append(kept.spec)
    token = signing.dumps(payload, salt=_SALT)
    name = posixpath.basename(str((kept.file if kept else image.file).name)) or "image"
    path = reverse("publishing:public_media", args=[token, name])
    return settings.KAGAMI_MEDIA_BASE_URL + path


# What a token we signed can hold: an image id and an expiry as seconds since 1970.
_MAX_ID = 2**63 - 1
_MAX_EXPIRY = int(datetime(9999, 1, 1, tzinfo=UTC).timestamp())


def image_for(
    token: str, *, now: datetime | None = None
) -> tuple[PostImage, datetime, ImageRendition | None]:
    """The image a token names, when the token expires, and the rendition it names (tokens
    without one, as handed out before renditions, name the original); MediaLinkInvalid
    otherwise."""
    try:
        payload = signing.loads(token, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise MediaLinkInvalid from exc
    # Signed by us, yet checked like any input: a token of another shape (a change of format,
    # a leaked key) must be refused, not crash the lookup or the date arithmetic.
    if not (
        isinstance(payload, list)
        and len(payload) in (2, 3)
        and all(type(value) is int for value in payload[:2])
        and 0 < payload[0] <= _MAX_ID
        and 0 < payload[1] <= _MAX_EXPIRY
        and (len(payload) == 2 or (type(payload[2]) is str and 0 < len(payload[2]) <= 40))
    ):
        raise MediaLinkInvalid
    pk, expires = payload[:2]
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
    kept = None
    if len(payload) == 3:
        kept = ImageRendition.objects.filter(image=image, spec=payload[2]).order_by("-pk").first()
        if kept is None:
            raise MediaLinkInvalid
    return image, expires_at, kept


def _storage_url(storage: Storage, file: FieldFile, lifetime: timedelta) -> str:
    maximum = timedelta(days=settings.KAGAMI_PUBLIC_MEDIA_MAX_LIFETIME_DAYS)
    if lifetime > maximum:
        # A shorter link would break silently later (LINE members open a broadcast for weeks).
        raise MediaLifetimeTooLong(lifetime, maximum)
    directory = secrets.token_urlsafe(24)
    with file.open("rb") as content:
        name = storage.save(f"{directory}/{posixpath.basename(str(file.name))}", content)
    # checks.py refuses a storage whose addresses do not expire.
    return storage.url(name, expire=int(lifetime.total_seconds()))  # type: ignore[call-arg]


def storage_expires_urls(storage: Storage) -> bool:
    """Whether the storage signs addresses with an expiry, as django-storages' S3 does."""
    return "expire" in inspect.signature(storage.url).parameters
