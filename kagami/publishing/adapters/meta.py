"""Meta adapters: Facebook Pages, Instagram and Threads, on a thin httpx client (Meta has no
maintained official Python SDK for page, Instagram or Threads publishing; stack.md §3.9).

Documented endpoints (developers.facebook.com):
* Facebook Page (Pages API, "Posts"): `POST /{page-id}/feed` with `message`; images first go
  to `POST /{page-id}/photos` with `url` and `published=false`, then the feed post names them in
  `attached_media`. `GET /{page-id}/feed?fields=id,message,permalink_url` lists recent posts.
* Instagram (Content Publishing): `POST /{ig-user-id}/media` with `image_url`, `caption` and
  `alt_text` makes a container (several become carousel items, then a `CAROUSEL` container
  with `children`); `GET /{container-id}?fields=status_code` until FINISHED; `POST
  /{ig-user-id}/media_publish` with `creation_id`; `GET /{media-id}?fields=permalink`. Media is
  required, and Meta fetches it from a public URL (`MediaFile.url`).
* Threads (graph.threads.net): `POST /{user-id}/threads` (`media_type` TEXT, IMAGE or
  CAROUSEL), then `POST /{user-id}/threads_publish` with `creation_id`.

Errors ("Graph API: Handling errors"): `{"error": {"message", "type", "code", "error_subcode",
"error_user_msg", "fbtrace_id"}}`. Codes 4, 17, 32, 613 and 80001–80009 are rate limits (the
`X-Business-Use-Case-Usage` / `X-App-Usage` headers carry `estimated_time_to_regain_access`
in minutes); 1 and 2 are temporary; 190 is an expired or invalid token; 10 and 200–299 are
missing permissions; 368 is a block for policy reasons; 506 a duplicate post.

None of these has an idempotency key: after an interrupted attempt `find_existing` looks for
the text among the account's latest posts.
"""

from __future__ import annotations

import json
import time
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from kagami.publishing.adapters.base import (
    Adapter,
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
# How long to wait for a container Meta is still processing, in this attempt.
CONTAINER_WAITS = (0.5, 1.0, 2.0)

RATE_LIMIT_CODES = {4, 17, 32, 613, *range(80001, 80010)}
TEMPORARY_CODES = {1, 2}
TOKEN_CODES = {190, 102, 10, *range(200, 300)}
# Instagram: code 9 subcode 2207042 is the 24-hour publishing limit.
IG_LIMIT_SUBCODE = 2207042
MEDIA_SUBCODES = {2207003, 2207004, 2207005, 2207009, 2207026, 2207052, 2207083}
MEDIA_CODES = {9004, 36000, 36001, 36003, 36004, 324}


def _same(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).split())

    return norm(a) == norm(b)


class _Graph:
    """A few Graph API calls with Meta's error body turned into PublishError."""

    def __init__(self, product: str, base_url: str, version: str, token: str, timeout: float):
        self.product = product
        self.prefix = f"{base_url.rstrip('/')}/{version}"
        self.client = httpx.Client(timeout=timeout, headers={"Authorization": f"Bearer {token}"})

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self._call("GET", path, params=params)

    def post(self, path: str, **data: Any) -> dict[str, Any]:
        form = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in data.items()}
        return self._call("POST", path, data=form)

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
        text = str(error.get("error_user_msg") or error.get("message") or "")
        message = f"{self.product}: {status} (#{code}) {text}"
        if code in RATE_LIMIT_CODES or subcode == IG_LIMIT_SUBCODE:
            return PublishError(
                message, ErrorKind.RATE_LIMITED, retry_after=_regain_access(response.headers)
            )
        if code in TEMPORARY_CODES or status >= 500 or error.get("is_transient"):
            return PublishError(message, ErrorKind.UNAVAILABLE)
        if code in TOKEN_CODES:
            return PublishError(message, ErrorKind.CREDENTIALS)
        if code == 100 and subcode == 33:  # "object does not exist": the page or user is gone
            return PublishError(message, ErrorKind.ACCOUNT_GONE)
        if code in MEDIA_CODES or subcode in MEDIA_SUBCODES:
            return PublishError(message, ErrorKind.MEDIA_REFUSED)
        if code in (100, 368, 506):
            return PublishError(message, ErrorKind.CONTENT_REFUSED)
        return PublishError(message, ErrorKind.REFUSED)


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
    return datetime.now(UTC) + wait


class _MetaAdapter(Adapter):
    """`credential_names` are the account's ID, then its token."""

    default_base = FACEBOOK_URL
    version = GRAPH_VERSION
    # Meta fetches images when the containers are made; they expire after 24 hours.
    media_url_lifetime = timedelta(hours=24)

    def __init__(
        self, credentials: Mapping[str, str], *, base_url: str | None = None, timeout: float = 20.0
    ) -> None:
        super().__init__(credentials, base_url=base_url, timeout=timeout)
        account_key, token_key = self.credential_names
        self.account = credentials.get(account_key, "")
        if not self.account:
            raise PublishError(f"{self.code}: no {account_key} stored", ErrorKind.CREDENTIALS)
        self.graph = _Graph(
            self.code,
            base_url or self.default_base,
            self.version,
            credentials.get(token_key, ""),
            timeout,
        )
        self.sleep: Callable[[float], None] = time.sleep

    def _id(self, body: Mapping[str, Any], what: str) -> str:
        value = body.get("id")
        if not value:
            raise PublishError(
                f"{self.code}: no id in the answer to {what}", ErrorKind.BAD_RESPONSE
            )
        return str(value)

    def _recent(
        self, edge: str, fields: str, text_field: str, request: PublishRequest
    ) -> dict[str, Any] | None:
        listing = self.graph.get(f"{self.account}/{edge}", fields=fields, limit=RECENT_LIMIT)
        for item in listing.get("data") or []:
            if isinstance(item, dict) and _same(str(item.get(text_field) or ""), request.text):
                return item
        return None


class FacebookAdapter(_MetaAdapter):
    code = "facebook"
    credential_names = ("page_id", "page_access_token")

    def publish(self, request: PublishRequest) -> Published:
        body: dict[str, Any] = {"message": request.text}
        for n, media in enumerate(request.media):
            photo = self.graph.post(f"{self.account}/photos", url=media.url, published="false")
            body[f"attached_media[{n}]"] = {"media_fbid": self._id(photo, "photos")}
        post_id = self._id(self.graph.post(f"{self.account}/feed", **body), "feed")
        return Published(platform_post_id=post_id, url=f"https://www.facebook.com/{post_id}")

    def find_existing(self, request: PublishRequest) -> Published | None:
        item = self._recent("feed", "id,message,permalink_url", "message", request)
        if item is None:
            return None
        post_id = str(item["id"])
        return Published(
            post_id, str(item.get("permalink_url") or f"https://www.facebook.com/{post_id}")
        )


class _ContainerAdapter(_MetaAdapter):
    """Instagram and Threads: containers, then publish."""

    create_edge = ""
    publish_edge = ""
    text_field = ""

    max_images = 10

    def _containers(self, request: PublishRequest) -> str:
        raise NotImplementedError

    def _carousel(self, edge: str, request: PublishRequest, **item: str) -> str:
        """One container per image, then the carousel container naming them."""
        if len(request.media) > self.max_images:
            raise PublishError(
                f"{self.code}: a carousel takes at most {self.max_images} images",
                ErrorKind.CONTENT_REFUSED,
            )
        children = [
            self._id(
                self.graph.post(
                    edge,
                    image_url=media.url,
                    is_carousel_item="true",
                    alt_text=media.alt_text,
                    **item,
                ),
                edge,
            )
            for media in request.media
        ]
        carousel = self.graph.post(
            edge,
            media_type="CAROUSEL",
            children=",".join(children),
            **{self.text_field: request.text},
        )
        return self._id(carousel, edge)

    def publish(self, request: PublishRequest) -> Published:
        container = self._containers(request)
        self._wait_until_ready(container)
        published = self.graph.post(f"{self.account}/{self.publish_edge}", creation_id=container)
        media_id = self._id(published, self.publish_edge)
        permalink = self.graph.get(media_id, fields="permalink").get("permalink")
        if not permalink:
            raise PublishError(f"{self.code}: no permalink for {media_id}", ErrorKind.BAD_RESPONSE)
        return Published(platform_post_id=media_id, url=str(permalink))

    def _wait_until_ready(self, container: str) -> None:
        for wait in (0.0, *CONTAINER_WAITS):
            if wait:
                self.sleep(wait)
            state = self.graph.get(container, fields="status_code,status")
            status = state.get("status_code")
            if status in ("FINISHED", None):  # Threads text containers may not report one
                return
            if status in ("ERROR", "EXPIRED"):
                raise PublishError(
                    f"{self.code}: container {status}: {state.get('status') or ''}".rstrip(": "),
                    ErrorKind.MEDIA_REFUSED,
                )
            if status == "PUBLISHED":
                raise PublishError(
                    f"{self.code}: container already published", ErrorKind.BAD_RESPONSE
                )
        raise PublishError(
            f"{self.code}: the media is still being processed", ErrorKind.UNAVAILABLE
        )

    def find_existing(self, request: PublishRequest) -> Published | None:
        edge = "media" if self.code == "instagram" else "threads"
        item = self._recent(
            edge, f"id,{self.text_field},permalink,timestamp", self.text_field, request
        )
        if item is None:
            return None
        return Published(str(item["id"]), str(item.get("permalink") or ""))


class InstagramAdapter(_ContainerAdapter):
    code = "instagram"
    credential_names = ("ig_user_id", "access_token")
    publish_edge = "media_publish"
    text_field = "caption"

    def _containers(self, request: PublishRequest) -> str:
        if not request.media:
            raise PublishError(
                "instagram: a post needs at least one image", ErrorKind.CONTENT_REFUSED
            )
        if len(request.media) == 1:
            [media] = request.media
            body = {"image_url": media.url, "caption": request.text, "alt_text": media.alt_text}
            return self._id(self.graph.post(f"{self.account}/media", **body), "media")
        return self._carousel(f"{self.account}/media", request)


class ThreadsAdapter(_ContainerAdapter):
    code = "threads"
    credential_names = ("threads_user_id", "access_token")
    default_base = THREADS_URL
    version = THREADS_VERSION
    publish_edge = "threads_publish"
    text_field = "text"
    max_images = 20

    def _containers(self, request: PublishRequest) -> str:
        edge = f"{self.account}/threads"
        if not request.media:
            return self._id(self.graph.post(edge, media_type="TEXT", text=request.text), "threads")
        if len(request.media) == 1:
            [media] = request.media
            body = {"media_type": "IMAGE", "image_url": media.url, "text": request.text}
            if media.alt_text:
                body["alt_text"] = media.alt_text
            return self._id(self.graph.post(edge, **body), "threads")
        return self._carousel(edge, request, media_type="IMAGE")
