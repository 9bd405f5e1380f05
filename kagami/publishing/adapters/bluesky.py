"""Bluesky adapter (atproto 0.0.73, the AT Protocol Python SDK).

AT Protocol / Bluesky HTTP API (docs.bsky.app/docs/api, lexicons in bluesky-social/atproto):

- `com.atproto.server.createSession` with the app password, only when no stored session works:
  it is rate-limited to 30 per 5 minutes and 300 per day per account
  (docs.bsky.app/docs/advanced-guides/rate-limits). The session (access and refresh token)
  is kept in the vault as the SDK exports it (credential `session`) and renewed with
  `com.atproto.server.refreshSession`, which rotates the refresh token, so every new session
  is stored at once (`Adapter.keep_credentials`).
- `com.atproto.repo.uploadBlob` for each image (≤ 2,000,000 bytes, at most 4 a post:
  `app.bsky.embed.images`; the worker prepares them with `images.BLUESKY`).
- `com.atproto.repo.createRecord` of an `app.bsky.feed.post` record (text, `facets` with UTF-8
  *byte* offsets — the API does not link URLs by itself —, `langs`, and an
  `app.bsky.embed.images` embed with alt text and `aspectRatio`) under a record key we choose:
  a TID (atproto.com/specs/tid; the post lexicon's key type is `tid`), noted on the delivery
  before the call. So the post of a delivery has one possible address, and
  `com.atproto.repo.getRecord` tells exactly whether an earlier attempt made it.
- `app.bsky.feed.getAuthorFeed` only for an attempt made before record keys were noted.
- `com.atproto.repo.deleteRecord` of the post's record (our `platform_post_id` is its at://
  URI). The reference PDS answers a record that is not there with success ("No-op if record
  already doesn't exist", packages/pds/src/api/com/atproto/repo/deleteRecord.ts). A delete costs
  1 write point, a create 3 (docs.bsky.app/docs/advanced-guides/rate-limits).
- `app.bsky.actor.getProfile` with the handle as `actor` (docs.bsky.app/docs/api/
  app-bsky-actor-get-profile): the account holding a handle. The AppView answers 400
  InvalidRequest "Profile not found" for a handle no account has, 400 AccountTakedown for a
  suspended account and 400 AccountDeactivated for a deactivated one
  (packages/bsky/src/api/app/bsky/actor/getProfile.ts): all three are "no such account".

No edit: a post is a record in the account's repo; the lexicon and the apps have no edit of a
post (research table), so `can_edit` stays False.

Rate limits: `ratelimit-reset` (epoch seconds) on a 429.

Credentials: `handle` and `app_password`; `session` is written by the adapter itself.
`base_url`: the PDS or entryway (default https://bsky.social).
"""

from __future__ import annotations

import io
import re
import secrets
import time
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import httpx
import pydantic
from atproto import Client, models
from atproto_client.client.session import Session, SessionEvent
from atproto_client.exceptions import (
    LoginRequiredError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.models import string_formats
from atproto_client.models.common import XrpcError
from atproto_client.request import Request
from atproto_core.exceptions import AtProtocolError
from atproto_server.exceptions import InvalidTokenError
from PIL import ExifTags, Image

from kagami.contentchecks.link_extractor import find_links
from kagami.publishing.adapters import images
from kagami.publishing.adapters.base import (
    Adapter,
    ErrorKind,
    FoundUser,
    MediaFile,
    Published,
    PublishError,
    PublishRequest,
)

DEFAULT_BASE_URL = "https://bsky.social"
WEB_URL = "https://bsky.app"
POST = "app.bsky.feed.post"
LANGS = ["ja"]
# The delivery note holding the record key of its post.
RKEY_NOTE = "rkey"
# How many of the account's latest posts `find_existing` looks through (old attempts only).
RECENT_LIMIT = 50
# Back-off when a 429 carries no usable reset time.
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=5)
# XRPC error names that mean the account itself is gone or barred.
ACCOUNT_GONE = {
    "AccountTakedown",
    "AccountDeactivated",
    "AccountNotFound",
    "RepoNotFound",
    "RepoTakendown",
    "RepoDeactivated",
}
# getProfile's answers for a handle no visible account holds (see the module docstring).
PROFILE_GONE = {"AccountTakedown", "AccountDeactivated"}
PROFILE_NOT_FOUND = "Profile not found"
_POST_URI = re.compile(r"at://(?P<repo>[^/]+)/(?P<collection>[^/]+)/(?P<rkey>[^/]+)")
# The PDS's words for a token it no longer takes (packages/pds/src/auth-verifier.ts,
# refreshSession.ts): 400 ExpiredToken / InvalidToken.
SESSION_REJECTED = {"ExpiredToken", "InvalidToken"}

_SPACE = re.compile(r"\s+")
_B32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"
_ORIENTATION = int(ExifTags.Base.Orientation)


def new_rkey() -> str:
    """A TID (atproto.com/specs/tid): 64 bits, top bit 0, then microseconds since the epoch
    (53 bits) and a random 10-bit clock identifier, as 13 base32-sortable characters."""
    value = (time.time_ns() // 1000) << 10 | secrets.randbelow(1024)
    return "".join(_B32_SORTABLE[(value >> shift) & 31] for shift in range(60, -1, -5))


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


def aspect_ratio(content: bytes) -> models.AppBskyEmbedDefs.AspectRatio | None:
    """The image's width:height as shown (EXIF orientation applied), which Bluesky's apps use
    to lay the image out before it loads; None when Pillow cannot read the bytes."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size
            if image.getexif().get(_ORIENTATION) in (5, 6, 7, 8):  # turned a quarter
                width, height = height, width
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    if width < 1 or height < 1:
        return None
    return models.AppBskyEmbedDefs.AspectRatio(width=width, height=height)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _normalised(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _when(value: object) -> datetime | None:
    """An atproto datetime (always with a time zone), or None."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


class BlueskyAdapter(Adapter):
    code = "bluesky"
    credential_names = ("handle", "app_password")
    image_spec = images.BLUESKY
    max_images = 4  # lexicons/app/bsky/embed/images.json: "maxLength": 4
    can_delete = True
    can_lookup_users = True

    def __init__(
        self, credentials: Mapping[str, str], *, base_url: str | None = None, timeout: float = 20.0
    ) -> None:
        super().__init__(credentials, base_url=base_url, timeout=timeout)
        self.client = Client(base_url or DEFAULT_BASE_URL, request=Request(timeout=timeout))
        self.client.on_session_change(self._session_changed)
        self._did: str | None = None
        self._handle = credentials.get("handle", "")
        # Whether the session in use came from the vault (and may be refused: then log in).
        self._stored_session = False

    # -- sessions -------------------------------------------------------------------------
    def _session_changed(self, event: SessionEvent, session: Session) -> None:
        self._did, self._handle = session.did, session.handle
        if event in (SessionEvent.CREATE, SessionEvent.REFRESH):
            # A refresh spends the old refresh token: keep the new one before using it.
            self.keep_credentials({"session": session.export()})

    def _connect(self) -> None:
        if self._did is not None:
            return
        if not self._handle:
            raise PublishError("bluesky: no handle in the vault", ErrorKind.CREDENTIALS)
        stored = self.credentials.get("session", "")
        if _session_of(stored, self._handle):
            self.client.login(session_string=stored, fetch_bsky_profile=False)
            self._stored_session = True
        else:
            self._log_in()

    def _log_in(self) -> None:
        password = self.credentials.get("app_password", "")
        if not password:
            raise PublishError("bluesky: no app password in the vault", ErrorKind.CREDENTIALS)
        self._stored_session = False
        self.client.login(self._handle, password, fetch_bsky_profile=False)

    def _call[T](self, work: Callable[[], T]) -> T:
        """`work` within a session: the stored one if it still works, else a new login (once)."""
        try:
            try:
                self._connect()
                return work()
            except AtProtocolError as exc:
                if not (self._stored_session and _session_rejected(exc)):
                    raise
            self._log_in()
            return work()
        except (AtProtocolError, httpx.HTTPError) as exc:
            raise _error(exc) from exc

    # -- publishing -----------------------------------------------------------------------
    def publish(self, request: PublishRequest) -> Published:
        self.check_image_count(request)
        try:
            # The SDK's own models check the text (and anything else) before anything is sent.
            record = models.AppBskyFeedPost.Record(
                text=request.text,
                created_at=_now(),
                langs=LANGS,
                facets=link_facets(request.text) or None,
            )
        except pydantic.ValidationError as exc:
            raise PublishError(f"bluesky: {exc}", ErrorKind.CONTENT_REFUSED) from exc
        return self._call(lambda: self._post(request, record))

    def _post(self, request: PublishRequest, record: models.AppBskyFeedPost.Record) -> Published:
        assert self._did is not None
        rkey = request.notes.get(RKEY_NOTE)
        if rkey is not None:
            # An earlier attempt of this delivery may have made the post.
            found = self._at(rkey)
            if found is not None:
                return found
        if request.media:
            record = record.model_copy(update={"embed": self._embed(request.media)})
        if rkey is None:
            rkey = new_rkey()
            request.notes.put(RKEY_NOTE, rkey)
        try:
            data = models.ComAtprotoRepoCreateRecord.Data(
                repo=self._did, collection=POST, rkey=rkey, record=record
            )
        except pydantic.ValidationError as exc:
            raise PublishError(f"bluesky: {exc}", ErrorKind.CONTENT_REFUSED) from exc
        try:
            created = self.client.com.atproto.repo.create_record(data)
        except RequestErrorBase as exc:
            # A record already at our key is a bare 500 from the reference PDS (the repo's MST
            # refuses a second value at a key: packages/repo/src/mst/mst.ts). The key is this
            # delivery's alone, so whatever is there is ours.
            if exc.response is not None and exc.response.status_code == 500:
                try:
                    found = self._at(rkey)
                except (AtProtocolError, httpx.HTTPError):
                    found = None  # the 500 is what the worker hears about
                if found is not None:
                    return found
            raise exc from None
        return self._published(created.uri)

    def _embed(self, media: tuple[MediaFile, ...]) -> models.AppBskyEmbedImages.Main:
        embedded = []
        for item in media:
            uploaded = self.client.com.atproto.repo.upload_blob(
                item.content, headers={"Content-Type": item.content_type}
            )
            try:
                embedded.append(
                    models.AppBskyEmbedImages.Image(
                        alt=item.alt_text,
                        image=uploaded.blob,
                        aspect_ratio=aspect_ratio(item.content),
                    )
                )
            except pydantic.ValidationError as exc:
                raise PublishError(f"bluesky: {exc}", ErrorKind.MEDIA_REFUSED) from exc
        try:
            return models.AppBskyEmbedImages.Main(images=embedded)
        except pydantic.ValidationError as exc:
            raise PublishError(f"bluesky: {exc}", ErrorKind.CONTENT_REFUSED) from exc

    def _at(self, rkey: str) -> Published | None:
        """The post at `rkey` in the account's repo (the PDS answers from the repo itself,
        not from an eventually consistent index), or None."""
        assert self._did is not None
        try:
            got = self.client.com.atproto.repo.get_record(
                models.ComAtprotoRepoGetRecord.Params(repo=self._did, collection=POST, rkey=rkey)
            )
        except RequestErrorBase as exc:
            if _error_name(exc) == "RecordNotFound":
                return None
            raise
        return self._published(got.uri)

    # -- recovery -------------------------------------------------------------------------
    def find_existing(self, request: PublishRequest) -> Published | None:
        rkey = request.notes.get(RKEY_NOTE)
        if rkey is not None:
            return self._call(lambda: self._at(rkey))
        # An attempt from before record keys were noted: the account's recent posts, only
        # those made since the delivery's first attempt.
        return self._call(lambda: self._in_feed(request))

    def _in_feed(self, request: PublishRequest) -> Published | None:
        assert self._did is not None
        did = self._did
        wanted = _normalised(request.text)
        feed = self.client.get_author_feed(actor=did, limit=RECENT_LIMIT)
        for item in feed.feed:
            post = item.post
            if item.reason is not None or post.author.did != did:
                continue  # a repost or a pinned post
            created = _when(getattr(post.record, "created_at", None))
            if not (request.may_be_ours(created) and request.may_be_ours(_when(post.indexed_at))):
                continue
            if _normalised(getattr(post.record, "text", "")) == wanted:
                return self._published(post.uri)
        return None

    # -- corrections and the look-alike watch -----------------------------------------------
    def delete(self, platform_post_id: str) -> None:
        uri = _POST_URI.fullmatch(platform_post_id.strip())
        if uri is None or uri["collection"] != POST:
            raise PublishError(
                f"bluesky: not the at:// URI of a post: {platform_post_id!r}", ErrorKind.REFUSED
            )
        self._call(lambda: self._delete(uri["repo"], uri["rkey"]))

    def _delete(self, repo: str, rkey: str) -> None:
        assert self._did is not None
        if repo not in (self._did, self._handle):
            raise PublishError(
                f"bluesky: at://{repo}/{POST}/{rkey} is not a post of this account",
                ErrorKind.REFUSED,
            )
        self.client.com.atproto.repo.delete_record(
            models.ComAtprotoRepoDeleteRecord.Data(repo=self._did, collection=POST, rkey=rkey)
        )

    def lookup_user(self, handle: str) -> FoundUser | None:
        wanted = handle.strip().removeprefix("@").lower()
        if not string_formats.is_valid_handle(wanted):
            return None  # atproto.com/specs/handle: no account can hold it
        return self._call(lambda: self._profile(wanted))

    def _profile(self, handle: str) -> FoundUser | None:
        try:
            profile = self.client.app.bsky.actor.get_profile(
                models.AppBskyActorGetProfile.Params(actor=handle)
            )
        except RequestErrorBase as exc:
            content = exc.response.content if exc.response is not None else None
            said = content.message if isinstance(content, XrpcError) else None
            status = exc.response.status_code if exc.response is not None else None
            if status == 400 and (_error_name(exc) in PROFILE_GONE or said == PROFILE_NOT_FOUND):
                return None
            raise
        if profile.handle.lower() != handle:
            # Its handle does not verify ("handle.invalid"): the account does not hold this one.
            return None
        return FoundUser(
            handle=f"@{profile.handle}",
            display_name=profile.display_name or "",
            url=f"{WEB_URL}/profile/{profile.handle}",
            platform_user_id=profile.did,
            created_at=_when(profile.created_at),
        )

    def _published(self, uri: str) -> Published:
        rkey = uri.rsplit("/", 1)[-1]
        return Published(platform_post_id=uri, url=f"{WEB_URL}/profile/{self._handle}/post/{rkey}")


def _session_of(stored: str, handle: str) -> bool:
    """Whether `stored` is a session the SDK exported for this account (not another account
    the vault held before)."""
    if not stored:
        return False
    try:
        session = Session.decode(stored)
    except ValueError:
        return False
    wanted = handle.lower().removeprefix("@")
    return wanted in (session.handle.lower(), session.did) and bool(session.refresh_jwt)


def _session_rejected(exc: AtProtocolError) -> bool:
    """The stored session is no use: its tokens expired, were revoked or do not decode."""
    if isinstance(exc, LoginRequiredError | InvalidTokenError):
        return True
    return isinstance(exc, RequestErrorBase) and _error_name(exc) in SESSION_REJECTED


def _error_name(exc: RequestErrorBase) -> str | None:
    content = exc.response.content if exc.response is not None else None
    return content.error if isinstance(content, XrpcError) else None


def _error(exc: Exception) -> PublishError:
    if not isinstance(exc, RequestErrorBase) or exc.response is None:
        if isinstance(exc, LoginRequiredError | InvalidTokenError):
            return PublishError(f"bluesky: {type(exc).__name__}: {exc}", ErrorKind.CREDENTIALS)
        # Timeouts, dropped connections, and answers the SDK could not parse.
        kind = (
            ErrorKind.NETWORK
            if isinstance(exc, NetworkError | httpx.TransportError)
            else ErrorKind.BAD_RESPONSE
        )
        return PublishError(f"bluesky: {type(exc).__name__}: {exc}", kind)
    status = exc.response.status_code
    content = exc.response.content
    name = _error_name(exc)
    message = f"bluesky: {status} {name}" if name else f"bluesky: HTTP {status}"
    if isinstance(content, XrpcError) and content.message:
        message = f"{message}: {content.message}"
    if isinstance(exc, RateLimitExceededError):
        retry_after = exc.reset_at
        if retry_after is None and exc.retry_after is not None:
            retry_after = datetime.now(UTC) + timedelta(seconds=exc.retry_after)
        return PublishError(
            message,
            ErrorKind.RATE_LIMITED,
            retry_after=retry_after or datetime.now(UTC) + DEFAULT_RATE_LIMIT_WAIT,
        )
    if status == 413:
        # Over the PDS's upload limit (xrpc-server: 413 PayloadTooLarge), or a proxy's 413.
        return PublishError(message, ErrorKind.MEDIA_REFUSED)
    if name is None or status >= 500:
        # 5xx, or an error answer without the XRPC error body (a proxy, not the PDS).
        return PublishError(message, ErrorKind.UNAVAILABLE)
    if name in ACCOUNT_GONE:
        return PublishError(message, ErrorKind.ACCOUNT_GONE)
    if name in SESSION_REJECTED or isinstance(exc, UnauthorizedError):
        return PublishError(message, ErrorKind.CREDENTIALS)
    if name == "BlobNotFound":
        # The upload was dropped before the post referred to it; the next attempt uploads again.
        return PublishError(message, ErrorKind.UNAVAILABLE)
    said = content.message or "" if isinstance(content, XrpcError) else ""
    if name in ("BlobTooLarge", "InvalidMimeType", "InvalidSize") or "blob too big" in said:
        # An image the PDS will not take: before 2026 verifyBlob's BlobTooLarge, now record
        # validation's "blob too big (maximum 2000000, got N) at $.record.embed.images[0].image".
        return PublishError(message, ErrorKind.MEDIA_REFUSED)
    if status == 400:
        # Record validation (text too long, ...), a repo that does not exist: all final.
        return PublishError(message, ErrorKind.CONTENT_REFUSED)
    if isinstance(exc, NetworkError) or status == 408:
        return PublishError(message, ErrorKind.NETWORK)
    return PublishError(message, ErrorKind.REFUSED)
