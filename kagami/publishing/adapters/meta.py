"""Meta adapters: Facebook Pages, Instagram and Threads, on a thin httpx client (Meta has no
maintained official Python SDK for page, Instagram or Threads publishing; stack.md §3.9).

Documented endpoints used (developers.facebook.com/docs/...):

* Facebook Page. `POST /{page-id}/photos` with `url`, `published=false` and `alt_text_custom`
  for each image (graph-api/reference/page/photos, graph-api/reference/photo), then
  `POST /{page-id}/feed` with `message` and `attached_media[n]={"media_fbid": ...}`
  (graph-api/reference/page/feed). Recovery: `GET /{page-id}/published_posts?fields=id,message,
  created_time,permalink_url&since=` (graph-api/reference/page/published_posts), the Page's own
  posts only; `/feed` also lists visitors' posts and posts the Page is tagged in.
* Instagram (instagram-platform/content-publishing, .../reference/ig-user/media,
  .../reference/ig-container). `GET /{ig-user-id}/content_publishing_limit?fields=quota_usage,
  config` before publishing (100 API posts in a 24-hour moving window). `POST /{ig-user-id}/media`
  with `image_url` (a JPEG of 4:5–1.91:1 that Meta fetches), `caption` and `alt_text`; several
  images: item containers with `is_carousel_item=true`, then a `CAROUSEL` container naming at
  most 10 `children`. `GET /{container-id}?fields=status_code,status` (IN_PROGRESS, FINISHED,
  ERROR, EXPIRED, PUBLISHED); `POST /{ig-user-id}/media_publish` with `creation_id`;
  `GET /{media-id}?fields=permalink`. Recovery: `GET /{ig-user-id}/media?fields=id,caption,
  permalink,timestamp&since=`. Error codes: .../instagram-graph-api/reference/error-codes.
* Threads (graph.threads.net; threads/posts, threads/reference/publishing, threads/reference/user,
  threads/troubleshooting). `POST /{threads-user-id}/threads` with `media_type` TEXT, IMAGE
  (`image_url`, `alt_text`) or CAROUSEL (2–20 `children`); `GET /{container-id}?fields=status,
  error_message` (a Threads container has no `status_code`: asking for it is error 100);
  `POST /{threads-user-id}/threads_publish`. Recovery: `GET /{threads-user-id}/threads?fields=id,
  text,permalink,timestamp&since=`.

Containers. Meta advises reading a container's status about once a minute for at most five
minutes (IG and Threads troubleshooting pages); Threads advises waiting about 30 seconds before
publishing, until the status says FINISHED (threads/posts, step 2). One attempt reads the status
for a few seconds only, then hands back a retryable error with `retry_after` of a minute; the
container's id and creation time are kept in `request.notes` from the moment it exists, so the
next attempt carries on with the same container, and one published by an attempt whose answer
was lost is found instead of posted again. A container still in progress five minutes after it
was made is given up (MEDIA_REFUSED).

Errors (graph-api/guides/error-handling): `{"error": {"message", "type", "code",
"error_subcode", "error_user_msg", "is_transient", "fbtrace_id"}}`. 4, 17, 32, 341, 613 and
80001–80009 are rate limits (`X-Business-Use-Case-Usage` / `X-App-Usage` carry
`estimated_time_to_regain_access` in minutes; graph-api/overview/rate-limiting); 1 and 2 are
temporary; 190, 102, 3, 10 and 200–299 are token or permission problems; 506 a duplicate post.

None of these has an idempotency key: recovery relies on the kept container (Instagram,
Threads) and on the account's posts made since the first attempt (`PublishRequest.may_be_ours`).

Deleting the account's own post (corrections, G-6-1):

* Facebook Page: `DELETE /{page-post-id}` with `pages_manage_posts`, answering `{"success": true}`
  (pages-api/posts, "Delete a post"; graph-api/reference/post "Deleting"). A post can be edited
  too (`POST /{page-post-id}` with `message`; graph-api/reference/post "Updating": "An app can
  only update a Page post if the post was made using that app"): `can_edit`.
* Instagram: `DELETE /<IG_MEDIA_ID>` on graph.facebook.com, with a Facebook User access token
  holding `instagram_basic` and `instagram_manage_contents` (instagram-platform/reference/
  instagram-media, "Deleting", added December 2025): "This api only supports Instagram API with
  Facebook login only. Non-ad posts, Stories, Reels and entire carousel albums are supported."
  Answers `{"success": true, "deleted_id": ...}`; -1/2207073 "Media Type Not Supported" for
  others. A caption cannot be edited ("Updating" takes only `comment_enabled`).
* Threads: `DELETE /{threads-media-id}` with `threads_delete`, answering `{"success": true,
  "deleted_id": ...}` (threads/posts/delete-posts); "100 deletes per day per account". Before
  deleting, the quota is read from `GET /{threads-user-id}/threads_publishing_limit?fields=
  delete_quota_usage,delete_config` (the endpoint of threads/overview "Rate limiting"; its
  delete fields as public Threads clients read them, to be confirmed with a real call). No edit
  endpoint.

What Graph answers for a post already deleted is not documented; for a node it cannot find it
answers 100/33 ("Object with ID ... does not exist, cannot be loaded due to missing
permissions, or does not support this operation"), Threads also 24/4279009 "The requested
resource does not exist". Since those also cover missing permissions, the post is then looked
up: a post that cannot be read either is gone (success); one that can is refused to us.
"""

from __future__ import annotations

import functools
import json
import math
import re
import ssl
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from kagami.publishing.adapters import images
from kagami.publishing.adapters.base import (
    CLOCK_SKEW,
    Adapter,
    DeliveryNotes,
    ErrorKind,
    Published,
    PublishError,
    PublishRequest,
)

GRAPH_VERSION = "v24.0"  # Meta retires versions about two years after release: bump here.
THREADS_VERSION = "v1.0"
FACEBOOK_URL = "https://graph.facebook.com"
THREADS_URL = "https://graph.threads.net"
RECENT_LIMIT = 25
RATE_LIMIT_WAIT = timedelta(minutes=15)

# Container status reads within one attempt (seconds between them): a few seconds, no more.
CONTAINER_WAITS = (2.0, 3.0, 5.0)
# Then the worker comes back in about a minute ("once per minute") ...
CONTAINER_COME_BACK = timedelta(minutes=1)
# ... and gives up on a container still in progress this long after it was made ("no more
# than 5 minutes").
CONTAINER_PATIENCE = timedelta(minutes=5)
# A container that says PUBLISHED whose post is not among the account's posts this long after
# the container was made: a person checks rather than Kagami guessing.
UNLISTED_PATIENCE = timedelta(minutes=30)
CONTAINER_NOTE = "container"
IN_PROGRESS, FINISHED, ERROR, EXPIRED, PUBLISHED = (
    "IN_PROGRESS",
    "FINISHED",
    "ERROR",
    "EXPIRED",
    "PUBLISHED",
)
# The container cannot be read any more (deleted, expired long ago): not an answer of the API.
GONE = "GONE"

# How many `since` probes of content_publishing_limit find when a full quota frees up: each
# halves the uncertainty, 7 give 24 h / 128 ≈ 11 minutes.
QUOTA_PROBES = 7
DEFAULT_QUOTA_WINDOW = timedelta(hours=24)

RATE_LIMIT_CODES = {4, 17, 32, 341, 613, *range(80001, 80010)}
TEMPORARY_CODES = {1, 2}
TOKEN_CODES = {3, 10, 102, 190, *range(200, 300)}
CONTENT_CODES = {100, 368, 506, 36004}
MEDIA_CODES = {324, 352, 9004, 36000, 36001, 36003}
# Instagram error-codes page: "Try again" (-1/2207001 server error, -2/2207003 download
# timeout, -1/2207032 "please try to re-create media", -1/2207053 unknown upload error) and
# 9007/2207027 "The media is not ready for publishing, please wait for a moment".
IG_TRY_AGAIN = {2207001, 2207003, 2207032, 2207053}
IG_NOT_READY = 2207027
IG_DAILY_LIMIT = 2207042  # 9/2207042 "maximum number of posts ... by Content Publishing API"
IG_SPAM_RESTRICTED = 2207051  # 4/2207051 "We restrict certain activity to protect our community"
IG_ACCOUNT_RESTRICTED = 2207050  # 25/2207050 "The Instagram account is restricted"
# The container is expired or cannot be found: make a new one on the next attempt. Instagram
# -2/2207020, 24/2207006, 24/2207008 (error-codes page); Threads answers 24/4279009 "The
# requested resource does not exist" for a container it does not have (yet).
CONTAINER_GONE = {2207006, 2207008, 2207020, 4279009}
# (code, subcode) of Graph's "no such node" answers (see the module docstring).
NODE_NOT_FOUND = {(100, 33), (24, 4279009)}
# Graph node ids: numbers, Page posts `{page-id}_{post-id}`.
_NODE_ID = re.compile(r"\d+(_\d+)?")
# How long a Threads account waits when its 100 deletes a day are used up, before the quota is
# read again (the moving window's oldest delete is not given).
DELETE_QUOTA_RECHECK = timedelta(hours=1)
MEDIA_SUBCODES = {2207004, 2207005, 2207009, 2207026, 2207052}


def _same(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).split())

    return norm(a) == norm(b)


def _graph_time(value: object) -> datetime | None:
    """A Graph API timestamp (`2026-11-24T01:00:00+0000`), or None."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


def _now() -> datetime:
    return datetime.now(UTC)


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's default TLS settings, made once per process: loading the CA bundle for every
    adapter (one per attempt) costs about 0.1 s."""
    return httpx.create_ssl_context()


class GraphError(PublishError):
    """A Graph API error answer, with its `code` and `error_subcode`."""

    def __init__(
        self,
        message: str,
        kind: ErrorKind,
        *,
        code: object = None,
        subcode: object = None,
        retry_after: datetime | None = None,
        duplicate: bool = False,
    ) -> None:
        super().__init__(message, kind, retry_after=retry_after, duplicate=duplicate)
        self.code = code
        self.subcode = subcode


class _Graph:
    """A few Graph API calls with Meta's error body turned into PublishError."""

    def __init__(self, product: str, base_url: str, version: str, token: str, timeout: float):
        self.product = product
        self.prefix = f"{base_url.rstrip('/')}/{version}"
        self.client = httpx.Client(
            timeout=timeout, headers={"Authorization": f"Bearer {token}"}, verify=_tls()
        )

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self._call("GET", path, params=params)

    def post(self, path: str, **data: Any) -> dict[str, Any]:
        form = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in data.items()}
        return self._call("POST", path, data=form)

    def delete(self, path: str) -> dict[str, Any]:
        return self._call("DELETE", path)

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.client.request(method, f"{self.prefix}/{path.lstrip('/')}", **kwargs)
        except httpx.TimeoutException as exc:
            raise PublishError(f"{self.product}: timeout: {exc}", ErrorKind.NETWORK) from exc
        except httpx.HTTPError as exc:
            raise PublishError(
                f"{self.product}: {type(exc).__name__}: {exc}", ErrorKind.NETWORK
            ) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_success and isinstance(body, dict):
            return body
        raise self._error(response, body)

    def _error(self, response: httpx.Response, body: Any) -> PublishError:
        status = response.status_code
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            kind = ErrorKind.UNAVAILABLE if status >= 500 else ErrorKind.BAD_RESPONSE
            return PublishError(f"{self.product}: HTTP {status}", kind)
        code, subcode = error.get("code"), error.get("error_subcode")
        text = str(error.get("message") or "")
        user_msg = str(error.get("error_user_msg") or "")
        if user_msg and user_msg != text:
            text = f"{text} ({user_msg})" if text else user_msg
        number = f"#{code}/{subcode}" if subcode is not None else f"#{code}"
        message = f"{self.product}: {status} ({number}) {text}"

        def fail(kind: ErrorKind, **extra: Any) -> GraphError:
            return GraphError(message, kind, code=code, subcode=subcode, **extra)

        if subcode == IG_SPAM_RESTRICTED:
            # Code 4 looks like a rate limit, but this is a restriction of the account's
            # publishing as suspected spam: retrying does not help, a person looks.
            return GraphError(
                f"{message} — Meta restricts this account's publishing as suspected spam (not "
                "a rate limit). Check the account in the Instagram app and tell Meta if it is a "
                "mistake; Kagami does not send it again by itself.",
                ErrorKind.REFUSED,
                code=code,
                subcode=subcode,
            )
        if subcode in IG_TRY_AGAIN or subcode == IG_NOT_READY or subcode in CONTAINER_GONE:
            return fail(ErrorKind.UNAVAILABLE, retry_after=_now() + CONTAINER_COME_BACK)
        if code in RATE_LIMIT_CODES or subcode == IG_DAILY_LIMIT:
            return fail(ErrorKind.RATE_LIMITED, retry_after=_regain_access(response.headers))
        if code in TEMPORARY_CODES or status >= 500 or error.get("is_transient") is True:
            return fail(ErrorKind.UNAVAILABLE)
        if code in TOKEN_CODES:
            return fail(ErrorKind.CREDENTIALS)
        if subcode == IG_ACCOUNT_RESTRICTED or (code == 100 and subcode == 33):
            # 100/33 "object does not exist": the Page or user is gone (for a container, the
            # adapter reads it as the container being gone).
            return fail(ErrorKind.ACCOUNT_GONE)
        if code in MEDIA_CODES or subcode in MEDIA_SUBCODES:
            return fail(ErrorKind.MEDIA_REFUSED)
        if code == 506:
            return fail(ErrorKind.CONTENT_REFUSED, duplicate=True)
        if code in CONTENT_CODES:
            return fail(ErrorKind.CONTENT_REFUSED)
        return fail(ErrorKind.REFUSED)


def _regain_access(headers: httpx.Headers) -> datetime:
    """The latest `estimated_time_to_regain_access` (minutes) Meta sent, else a default."""
    minutes = 0
    for name in ("x-business-use-case-usage", "x-app-usage", "x-page-usage"):
        try:
            usage = json.loads(headers.get(name) or "null")
        except ValueError:
            continue
        entries = [usage] if isinstance(usage, dict) else []
        if isinstance(usage, dict) and not {"call_count", "estimated_time_to_regain_access"} & set(
            usage
        ):
            entries = [e for items in usage.values() if isinstance(items, list) for e in items]
        for entry in entries:
            if isinstance(entry, dict):
                minutes = max(minutes, int(entry.get("estimated_time_to_regain_access") or 0))
    wait = timedelta(minutes=minutes) if minutes else RATE_LIMIT_WAIT
    return _now() + wait


class _MetaAdapter(Adapter):
    """`credential_names` are the account's ID, then its token."""

    default_base = FACEBOOK_URL
    version = GRAPH_VERSION
    # Meta fetches images when the containers are made; they expire after 24 hours.
    media_url_lifetime = timedelta(hours=24)
    can_delete = True
    # The permission a token needs to delete (named when Meta refuses).
    delete_permission = ""

    def __init__(
        self, credentials: Mapping[str, str], *, base_url: str | None = None, timeout: float = 20.0
    ) -> None:
        super().__init__(credentials, base_url=base_url, timeout=timeout)
        account_key, token_key = self.credential_names
        self.account = credentials.get(account_key, "")
        token = credentials.get(token_key, "")
        for key, value in ((account_key, self.account), (token_key, token)):
            if not value:
                raise PublishError(f"{self.code}: no {key} stored", ErrorKind.CREDENTIALS)
        self.graph = _Graph(self.code, base_url or self.default_base, self.version, token, timeout)
        self.sleep: Callable[[float], None] = time.sleep

    # -- corrections ------------------------------------------------------------------------
    def delete(self, platform_post_id: str) -> None:
        post_id = platform_post_id.strip()
        if not _NODE_ID.fullmatch(post_id):
            raise PublishError(
                f"{self.code}: not a post ID: {platform_post_id!r}", ErrorKind.REFUSED
            )
        self._before_deleting()
        try:
            answer = self.graph.delete(post_id)
        except GraphError as exc:
            if (exc.code, exc.subcode) not in NODE_NOT_FOUND:
                raise
            if self._readable(post_id):
                raise PublishError(
                    f"{exc.message} — the post is still there: the token may lack "
                    f"{self.delete_permission}, or the post was made by another app",
                    ErrorKind.REFUSED,
                ) from exc
            return  # already gone
        if answer.get("success") is not True:
            raise PublishError(
                f"{self.code}: unexpected answer to deleting {post_id}: {answer!r}"[:300],
                ErrorKind.BAD_RESPONSE,
            )

    def _before_deleting(self) -> None:
        """Checks before a delete (Threads' daily delete quota)."""

    def _readable(self, node: str) -> bool:
        try:
            self.graph.get(node, fields="id")
        except GraphError as exc:
            if (exc.code, exc.subcode) in NODE_NOT_FOUND:
                return False
            raise
        return True

    def _id(self, body: Mapping[str, Any], what: str) -> str:
        value = body.get("id")
        if not value:
            raise PublishError(
                f"{self.code}: no id in the answer to {what}", ErrorKind.BAD_RESPONSE
            )
        return str(value)

    def _recent(
        self, edge: str, fields: str, text_field: str, time_field: str, request: PublishRequest
    ) -> dict[str, Any] | None:
        """The newest of the account's posts with the request's text that one of its attempts
        can have made (dated since the first attempt)."""
        params: dict[str, Any] = {"fields": fields, "limit": RECENT_LIMIT}
        if request.first_attempt_at is not None:
            params["since"] = int((request.first_attempt_at - CLOCK_SKEW).timestamp())
        listing = self.graph.get(f"{self.account}/{edge}", **params)
        for item in listing.get("data") or []:
            if (
                isinstance(item, dict)
                and item.get("id")
                and request.may_be_ours(_graph_time(item.get(time_field)))
                and _same(str(item.get(text_field) or ""), request.text)
            ):
                return item
        return None


class FacebookAdapter(_MetaAdapter):
    code = "facebook"
    credential_names = ("page_id", "page_access_token")
    can_edit = True
    delete_permission = "pages_manage_posts"
    image_spec = images.FACEBOOK
    # Meta documents no number for `attached_media` (it is not even in the page/feed
    # reference); 10 as on Instagram, so a post that goes to both is refused the same way.
    max_images = 10

    def publish(self, request: PublishRequest) -> Published:
        self.check_image_count(request)
        body: dict[str, Any] = {"message": request.text}
        for n, media in enumerate(request.media):
            photo: dict[str, str] = {"url": media.url, "published": "false"}
            if media.alt_text:
                photo["alt_text_custom"] = media.alt_text
            uploaded = self.graph.post(f"{self.account}/photos", **photo)
            body[f"attached_media[{n}]"] = {"media_fbid": self._id(uploaded, "photos")}
        post_id = self._id(self.graph.post(f"{self.account}/feed", **body), "feed")
        return Published(platform_post_id=post_id, url=f"https://www.facebook.com/{post_id}")

    def find_existing(self, request: PublishRequest) -> Published | None:
        item = self._recent(
            "published_posts",
            "id,message,created_time,permalink_url",
            "message",
            "created_time",
            request,
        )
        if item is None:
            return None
        post_id = str(item["id"])
        return Published(
            post_id, str(item.get("permalink_url") or f"https://www.facebook.com/{post_id}")
        )


@dataclass(frozen=True)
class _Container:
    id: str
    created: datetime

    @classmethod
    def kept(cls, notes: DeliveryNotes) -> _Container | None:
        raw = notes.get(CONTAINER_NOTE)
        if raw is None:
            return None
        try:
            value = json.loads(raw)
            created = datetime.fromisoformat(value["created"])
            if created.tzinfo is None:
                created = created.replace(tzinfo=UTC)
            return cls(str(value["id"]), created)
        except (ValueError, KeyError, TypeError):
            notes.forget(CONTAINER_NOTE)
            return None

    def keep(self, notes: DeliveryNotes) -> None:
        notes.put(CONTAINER_NOTE, json.dumps({"id": self.id, "created": self.created.isoformat()}))


class _ContainerAdapter(_MetaAdapter):
    """Instagram and Threads: a container, its status, then publish."""

    publish_edge = ""
    text_field = ""
    # The container's fields: the state, and a text saying why it is in ERROR.
    state_field = ""
    detail_field = ""

    def _create(self, request: PublishRequest) -> str:
        raise NotImplementedError

    def _before_publishing(self, request: PublishRequest) -> None:
        """Checks before a container is made or published (Instagram's quota)."""

    def publish(self, request: PublishRequest) -> Published:
        self.check_image_count(request)
        self._check_content(request)
        container = _Container.kept(request.notes)
        known = None
        if container is not None:
            known = state, _detail = self._state(container)
            if state == PUBLISHED:
                return self._published_post(request, container)
            if state == GONE:
                # Cannot tell whether it was published: look among the posts before making
                # a new one.
                item = self._recent_post(request)
                if item is not None:
                    return self._as_published(item)
            if state not in (IN_PROGRESS, FINISHED):
                request.notes.forget(CONTAINER_NOTE)
                container = known = None
        self._before_publishing(request)
        if container is None:
            container = _Container(self._create(request), _now())
            container.keep(request.notes)
        if self._wait_until_finished(request, container, known) == PUBLISHED:
            return self._published_post(request, container)
        media_id = self._publish_container(request, container)
        try:
            permalink = self.graph.get(media_id, fields="permalink").get("permalink")
        except PublishError as exc:
            raise PublishError(
                f"{self.code}: published as {media_id}, but its address could not be read: "
                f"{exc.message}",
                ErrorKind.BAD_RESPONSE,
            ) from exc
        if not permalink:
            raise PublishError(f"{self.code}: no permalink for {media_id}", ErrorKind.BAD_RESPONSE)
        return Published(platform_post_id=media_id, url=str(permalink))

    def find_existing(self, request: PublishRequest) -> Published | None:
        container = _Container.kept(request.notes)
        if container is not None:
            state, _detail = self._state(container)
            if state == PUBLISHED:
                return self._published_post(request, container)
            if state != GONE:
                # Only this container can have been published by this delivery's attempts
                # (its predecessors were replaced only once expired or in error).
                return None
        item = self._recent_post(request)
        return None if item is None else self._as_published(item)

    def _check_content(self, request: PublishRequest) -> None:
        """Refuse, before any call, what the platform cannot take."""

    def _carousel(self, edge: str, request: PublishRequest, **item: str) -> str:
        """One container per image, then the carousel container naming them."""
        children = []
        for media in request.media:
            child = {"image_url": media.url, "is_carousel_item": "true", **item}
            if media.alt_text:
                child["alt_text"] = media.alt_text
            children.append(self._id(self.graph.post(edge, **child), edge))
        carousel = self.graph.post(
            edge,
            media_type="CAROUSEL",
            children=",".join(children),
            **{self.text_field: request.text},
        )
        return self._id(carousel, edge)

    def _state(self, container: _Container) -> tuple[str, str]:
        """The container's state and the reason given for an ERROR; GONE when it cannot be
        read any more."""
        try:
            body = self.graph.get(container.id, fields=f"{self.state_field},{self.detail_field}")
        except GraphError as exc:
            if exc.subcode in CONTAINER_GONE or (exc.code == 100 and exc.subcode == 33):
                return GONE, exc.message
            raise
        state = body.get(self.state_field)
        if state not in (IN_PROGRESS, FINISHED, ERROR, EXPIRED, PUBLISHED):
            raise PublishError(
                f"{self.code}: container {container.id} reports no known state: {body!r}"[:300],
                ErrorKind.BAD_RESPONSE,
            )
        return str(state), str(body.get(self.detail_field) or "")

    def _wait_until_finished(
        self, request: PublishRequest, container: _Container, known: tuple[str, str] | None
    ) -> str:
        """FINISHED or PUBLISHED, after a few seconds at most; otherwise a PublishError: a
        retryable one (come back in a minute) while Meta is processing, a final one when it
        could not or has taken over five minutes. `known`: the state just read, if any."""
        for wait in (0.0, *CONTAINER_WAITS):
            if wait:
                self.sleep(wait)
            state, detail = known or self._state(container)
            known = None
            if state in (FINISHED, PUBLISHED):
                return state
            if state == ERROR:
                request.notes.forget(CONTAINER_NOTE)
                kind = ErrorKind.MEDIA_REFUSED if request.media else ErrorKind.CONTENT_REFUSED
                raise PublishError(
                    f"{self.code}: Meta could not process the post (container {container.id} "
                    f"ERROR: {detail or 'no reason given'})",
                    kind,
                )
            if state in (EXPIRED, GONE):
                request.notes.forget(CONTAINER_NOTE)
                raise PublishError(
                    f"{self.code}: container {container.id} is {state.lower()}; a new one is "
                    "made on the next attempt",
                    ErrorKind.UNAVAILABLE,
                    retry_after=_now() + CONTAINER_COME_BACK,
                )
        age = _now() - container.created
        if age > CONTAINER_PATIENCE:
            request.notes.forget(CONTAINER_NOTE)
            raise PublishError(
                f"{self.code}: Meta was still processing the media {int(age.total_seconds())} s "
                f"after container {container.id} was made; Meta advises giving up after "
                "5 minutes",
                ErrorKind.MEDIA_REFUSED,
            )
        raise PublishError(
            f"{self.code}: Meta is still processing the media (container {container.id}); "
            "looking again in a minute",
            ErrorKind.UNAVAILABLE,
            retry_after=_now() + CONTAINER_COME_BACK,
        )

    def _publish_container(self, request: PublishRequest, container: _Container) -> str:
        try:
            published = self.graph.post(
                f"{self.account}/{self.publish_edge}", creation_id=container.id
            )
        except GraphError as exc:
            if exc.subcode in CONTAINER_GONE:
                request.notes.forget(CONTAINER_NOTE)
            raise
        return self._id(published, self.publish_edge)

    def _published_post(self, request: PublishRequest, container: _Container) -> Published:
        """The post of a container that says PUBLISHED: among the account's posts made since
        the first attempt, with the request's text."""
        item = self._recent_post(request)
        if item is not None:
            return self._as_published(item)
        if _now() - container.created > UNLISTED_PATIENCE:
            raise PublishError(
                f"{self.code}: container {container.id} was published, but no post with this "
                "text made since the first attempt is among the account's latest posts. Check "
                "the account before sending it again.",
                ErrorKind.UNCONFIRMED,
            )
        raise PublishError(
            f"{self.code}: container {container.id} was published; its post is not listed yet, "
            "looking again in a minute",
            ErrorKind.BAD_RESPONSE,
            retry_after=_now() + CONTAINER_COME_BACK,
        )

    def _recent_post(self, request: PublishRequest) -> dict[str, Any] | None:
        edge = "media" if self.code == "instagram" else "threads"
        return self._recent(
            edge, f"id,{self.text_field},permalink,timestamp", self.text_field, "timestamp", request
        )

    @staticmethod
    def _as_published(item: Mapping[str, Any]) -> Published:
        return Published(str(item["id"]), str(item.get("permalink") or ""))


class InstagramAdapter(_ContainerAdapter):
    code = "instagram"
    credential_names = ("ig_user_id", "access_token")
    delete_permission = "instagram_manage_contents"
    publish_edge = "media_publish"
    text_field = "caption"
    state_field = "status_code"
    detail_field = "status"
    image_spec = images.INSTAGRAM
    max_images = 10  # content-publishing: "Carousels are limited to 10 images, videos, or a mix"

    def _check_content(self, request: PublishRequest) -> None:
        if not request.media:
            raise PublishError(
                "instagram: a post needs at least one image", ErrorKind.CONTENT_REFUSED
            )

    def _create(self, request: PublishRequest) -> str:
        edge = f"{self.account}/media"
        if len(request.media) > 1:
            return self._carousel(edge, request)
        [media] = request.media
        body = {"image_url": media.url, "caption": request.text}
        if media.alt_text:
            body["alt_text"] = media.alt_text
        return self._id(self.graph.post(edge, **body), "media")

    def _before_publishing(self, request: PublishRequest) -> None:
        """Refuse to publish over the 24-hour quota (reference/ig-user/content_publishing_limit),
        with the time it frees up."""
        quota = self._quota()
        if quota is None:
            return  # an unreadable answer: media_publish enforces the limit anyway
        usage, total, window = quota
        if usage < total:
            return
        raise PublishError(
            f"instagram: the account has published {usage} of the {total} posts the API allows "
            f"in {window.total_seconds() / 3600:g} hours",
            ErrorKind.RATE_LIMITED,
            retry_after=self._quota_frees(total, window),
        )

    def _publish_container(self, request: PublishRequest, container: _Container) -> str:
        try:
            return super()._publish_container(request, container)
        except GraphError as exc:
            if exc.subcode != IG_DAILY_LIMIT:
                raise
            try:
                quota = self._quota()
            except PublishError:
                quota = None
            # Without the quota's numbers: one whole window from now.
            total, window = (quota[1], quota[2]) if quota else (0, DEFAULT_QUOTA_WINDOW)
            raise GraphError(
                exc.message,
                ErrorKind.RATE_LIMITED,
                code=exc.code,
                subcode=exc.subcode,
                retry_after=self._quota_frees(total, window),
            ) from exc

    def _quota(self, since: datetime | None = None) -> tuple[int, int, timedelta] | None:
        """API posts published (since `since`, else in the window), the quota, the window."""
        params: dict[str, Any] = {"fields": "quota_usage,config"}
        if since is not None:
            params["since"] = math.ceil(since.timestamp())
        body = self.graph.get(f"{self.account}/content_publishing_limit", **params)
        data = body.get("data")
        entry: dict[str, Any] = {}
        if isinstance(data, list) and data and isinstance(data[0], dict):
            entry = data[0]
        config = entry.get("config")
        if not isinstance(config, dict):
            return None
        usage, total = entry.get("quota_usage"), config.get("quota_total")
        if not isinstance(usage, int) or not isinstance(total, int):
            return None
        duration = config.get("quota_duration")
        window = DEFAULT_QUOTA_WINDOW
        if isinstance(duration, int) and duration > 0:
            window = timedelta(seconds=duration)
        return usage, total, window

    def _quota_frees(self, total: int, window: timedelta) -> datetime:
        """When the moving window next holds fewer than `total` API posts.

        The window is rolling: a slot frees when the oldest post still counted is `window` old.
        `quota_usage` with `since` counts the posts made since a time, so a binary search over
        the window finds the earliest `since` from which fewer than `total` were made, within
        window / 2**QUOTA_PROBES; the quota frees one window after it. Always rounded late, never
        early: if a probe fails, the best bound found so far (at worst a window from now)."""
        now = _now()
        # Invariants: at least `total` posts since `full`, fewer since `not_full`.
        full, not_full = now - window, now
        try:
            for _ in range(QUOTA_PROBES):
                middle = full + (not_full - full) / 2
                quota = self._quota(since=middle)
                if quota is None:
                    break
                if quota[0] >= total:
                    full = middle
                else:
                    not_full = middle
        except PublishError:
            pass
        return not_full + window


class ThreadsAdapter(_ContainerAdapter):
    code = "threads"
    credential_names = ("threads_user_id", "access_token")
    delete_permission = "threads_delete"
    default_base = THREADS_URL
    version = THREADS_VERSION
    publish_edge = "threads_publish"
    text_field = "text"
    state_field = "status"
    detail_field = "error_message"
    image_spec = images.THREADS
    max_images = 20  # threads/posts: "Carousels are limited to 20 images, videos, or a mix"

    def _create(self, request: PublishRequest) -> str:
        edge = f"{self.account}/threads"
        if not request.media:
            return self._id(self.graph.post(edge, media_type="TEXT", text=request.text), "threads")
        if len(request.media) > 1:
            return self._carousel(edge, request, media_type="IMAGE")
        [media] = request.media
        body = {"media_type": "IMAGE", "image_url": media.url, "text": request.text}
        if media.alt_text:
            body["alt_text"] = media.alt_text
        return self._id(self.graph.post(edge, **body), "threads")

    def _before_deleting(self) -> None:
        """Refuse to delete over the 24-hour delete quota (threads/posts/delete-posts: 100
        deletes a day), and look again in an hour."""
        body = self.graph.get(
            f"{self.account}/threads_publishing_limit", fields="delete_quota_usage,delete_config"
        )
        data = body.get("data")
        entry = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
        usage, config = entry.get("delete_quota_usage"), entry.get("delete_config")
        total = config.get("quota_total") if isinstance(config, dict) else None
        if not isinstance(usage, int) or not isinstance(total, int) or usage < total:
            return  # an unreadable answer: the delete endpoint enforces the limit anyway
        raise PublishError(
            f"threads: the account has deleted {usage} of the {total} posts the API allows "
            "in 24 hours",
            ErrorKind.RATE_LIMITED,
            retry_after=_now() + DELETE_QUOTA_RECHECK,
        )
