"""Bluesky adapter (atproto 0.0.73, the AT Protocol Python SDK).

AT Protocol / Bluesky HTTP API (docs.bsky.app): `com.atproto.server.createSession` with an app
password, `com.atproto.repo.uploadBlob` for images, `com.atproto.repo.createRecord` of an
`app.bsky.feed.post` record (text, `facets` with UTF-8 *byte* offsets — the API does not link
URLs by itself — and an `app.bsky.embed.images` embed with alt text), and
`app.bsky.feed.getAuthorFeed` to look for a post after an interrupted attempt (Bluesky has no
idempotency key). Rate limits: `ratelimit-reset` (epoch seconds), docs.bsky.app "Rate Limits".

Credentials: `handle` and `app_password`. `base_url`: the PDS (default https://bsky.social).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import httpx
from atproto import Client, models
from atproto_client.exceptions import (
    BadRequestError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.models.common import XrpcError
from atproto_client.request import Request
from atproto_core.exceptions import AtProtocolError

from kagami.contentchecks.link_extractor import find_links
from kagami.publishing.adapters.base import (
    Adapter,
    ErrorKind,
    Published,
    PublishError,
    PublishRequest,
)

DEFAULT_BASE_URL = "https://bsky.social"
WEB_URL = "https://bsky.app"
LANGS = ["ja"]
# How many of the account's latest posts `find_existing` looks through.
RECENT_LIMIT = 50
# Back-off when a 429 carries no usable reset time.
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=5)
# XRPC error names that mean the account itself is gone or barred.
ACCOUNT_GONE = {
    "AccountTakedown",
    "AccountDeactivated",
    "RepoNotFound",
    "RepoTakendown",
    "RepoDeactivated",
}

_SPACE = re.compile(r"\s+")


def link_facets(text: str) -> list[models.AppBskyRichtextFacet.Main]:
    """A link facet for each link in `text`, indexed by UTF-8 byte offsets.

    The links are the content checks' (`find_links`, X's rules), so Bluesky links exactly what
    was checked: 「詳しくはhttps://…/をご覧ください」 links up to the "/", and a link written
    without a scheme (「www.town.kagamino.lg.jp」) opens its https:// address.
    """
    facets = []
    for link in find_links(text):
        start = len(text[: link.start].encode())
        end = start + len(text[link.start : link.end].encode())
        facets.append(
            models.AppBskyRichtextFacet.Main(
                index=models.AppBskyRichtextFacet.ByteSlice(byte_start=start, byte_end=end),
                features=[models.AppBskyRichtextFacet.Link(uri=link.href)],
            )
        )
    return facets


def _normalised(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


class BlueskyAdapter(Adapter):
    code = "bluesky"
    credential_names = ("handle", "app_password")

    def __init__(
        self, credentials: Mapping[str, str], *, base_url: str | None = None, timeout: float = 20.0
    ) -> None:
        super().__init__(credentials, base_url=base_url, timeout=timeout)
        self.client = Client(base_url or DEFAULT_BASE_URL, request=Request(timeout=timeout))
        self._did: str | None = None
        self._handle = credentials.get("handle", "")

    def _login(self) -> str:
        if self._did is None:
            profile = self.client.login(self._handle, self.credentials.get("app_password", ""))
            if profile is None:
                raise PublishError("bluesky: no profile after login", ErrorKind.BAD_RESPONSE)
            self._did, self._handle = profile.did, profile.handle
        return self._did

    def publish(self, request: PublishRequest) -> Published:
        try:
            did = self._login()
            facets = link_facets(request.text) or None
            if request.media:
                created = self.client.send_images(
                    request.text,
                    images=[m.content for m in request.media],
                    image_alts=[m.alt_text for m in request.media],
                    profile_identify=did,
                    langs=LANGS,
                    facets=facets,
                )
            else:
                created = self.client.send_post(
                    request.text, profile_identify=did, langs=LANGS, facets=facets
                )
        except (AtProtocolError, httpx.HTTPError) as exc:
            raise _error(exc) from exc
        return self._published(created.uri)

    def find_existing(self, request: PublishRequest) -> Published | None:
        wanted = _normalised(request.text)
        try:
            did = self._login()
            feed = self.client.get_author_feed(actor=did, limit=RECENT_LIMIT)
        except (AtProtocolError, httpx.HTTPError) as exc:
            raise _error(exc) from exc
        for item in feed.feed:
            post = item.post
            if item.reason is not None or post.author.did != did:
                continue  # a repost
            if _normalised(getattr(post.record, "text", "")) == wanted:
                return self._published(post.uri)
        return None

    def _published(self, uri: str) -> Published:
        rkey = uri.rsplit("/", 1)[-1]
        return Published(platform_post_id=uri, url=f"{WEB_URL}/profile/{self._handle}/post/{rkey}")


def _error(exc: Exception) -> PublishError:
    if not isinstance(exc, RequestErrorBase) or exc.response is None:
        # Timeouts, dropped connections, and answers the SDK could not parse.
        kind = ErrorKind.NETWORK if isinstance(exc, NetworkError) else ErrorKind.BAD_RESPONSE
        return PublishError(f"bluesky: {type(exc).__name__}: {exc}", kind)
    status = exc.response.status_code
    content = exc.response.content
    name = content.error if isinstance(content, XrpcError) else None
    message = f"bluesky: {status} {name}: {content.message}" if name else f"bluesky: HTTP {status}"
    if isinstance(content, XrpcError) and not content.message:
        message = f"bluesky: {status} {name}"
    if isinstance(exc, RateLimitExceededError):
        retry_after = exc.reset_at or datetime.now(UTC) + DEFAULT_RATE_LIMIT_WAIT
        return PublishError(message, ErrorKind.RATE_LIMITED, retry_after=retry_after)
    if name is None or status >= 500:
        # 5xx, or an error answer without the XRPC error body (a proxy, not the PDS).
        return PublishError(message, ErrorKind.UNAVAILABLE)
    if name in ACCOUNT_GONE:
        return PublishError(message, ErrorKind.ACCOUNT_GONE)
    if isinstance(exc, UnauthorizedError):
        return PublishError(message, ErrorKind.CREDENTIALS)
    if status == 413 or isinstance(exc, BadRequestError):
        # Record validation, an image too large, a repo that does not exist: all final.
        if status == 413 or name == "BlobTooLarge":
            return PublishError(message, ErrorKind.MEDIA_REFUSED)
        return PublishError(message, ErrorKind.CONTENT_REFUSED)
    if isinstance(exc, NetworkError) or status == 408:
        return PublishError(message, ErrorKind.NETWORK)
    return PublishError(message, ErrorKind.REFUSED)
