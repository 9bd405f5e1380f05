"""X adapter (xdk 0.10.6, the official X API v2 Python SDK).

X API v2 (docs.x.com/x-api): `POST /2/tweets` (Manage Posts), `POST /2/media/upload` and
`POST /2/media/metadata` for images and their alt text (v2 media upload; the v1.1 endpoints are
deprecated), `GET /2/users/me` and `GET /2/users/:id/tweets` to look for a post after an
interrupted attempt (X has no idempotency key). Rate limits: `x-rate-limit-reset` (epoch
seconds), docs.x.com "Rate limits". Errors are problem documents with `title` and `detail`.

Credentials: `access_token` (OAuth 2.0 user-context token with tweet.write, users.read,
tweet.read and media.write scopes). `base_url` overrides https://api.x.com.
"""

from __future__ import annotations

import base64
import html
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from pydantic import ValidationError
from xdk import Client
from xdk.media.models import CreateMetadataRequest, UploadRequest
from xdk.posts.models import CreateRequest

from kagami.publishing.adapters.base import (
    Adapter,
    ErrorKind,
    Published,
    PublishError,
    PublishRequest,
)

DEFAULT_BASE_URL = "https://api.x.com"
WEB_URL = "https://x.com"
# How many of the account's latest posts `find_existing` looks through (API: 5–100).
RECENT_LIMIT = 20
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=15)

_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_SPACE = re.compile(r"\s+")


def comparable(text: str) -> str:
    """Text as X would return it, reduced so that a sent text and a returned one compare equal:
    X shortens every URL to a t.co link and HTML-escapes &, < and >."""
    text = unicodedata.normalize("NFC", html.unescape(text))
    return _SPACE.sub(" ", _URL.sub("<url>", text)).strip()


class _TimeoutSession(requests.Session):
    # xdk passes no timeout to requests, which would wait forever.
    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        return super().request(*args, **kwargs)


class XAdapter(Adapter):
    code = "x"
    credential_names = ("access_token",)

    def __init__(
        self, credentials: Mapping[str, str], *, base_url: str | None = None, timeout: float = 20.0
    ) -> None:
        super().__init__(credentials, base_url=base_url, timeout=timeout)
        self.client = Client(
            base_url=(base_url or DEFAULT_BASE_URL).rstrip("/"),
            access_token=credentials.get("access_token", ""),
        )
        session = _TimeoutSession(timeout)
        session.headers.update(self.client.session.headers)
        self.client.session = session

    def publish(self, request: PublishRequest) -> Published:
        try:
            media_ids = [self._upload(m.content, m.alt_text) for m in request.media]
            body: dict[str, Any] = {"text": request.text}
            if media_ids:
                body["media"] = {"media_ids": media_ids}
            created = self.client.posts.create(body=CreateRequest.model_validate(body))
            post_id = created.data.id if created.data else None
        except Exception as exc:
            raise _error(exc) from exc
        if not post_id:
            raise PublishError("x: the answer carried no post ID", ErrorKind.BAD_RESPONSE)
        return Published(platform_post_id=post_id, url=self._url(request.handle, post_id))

    def _upload(self, content: bytes, alt_text: str) -> str:
        uploaded = self.client.media.upload(
            body=UploadRequest(
                media=base64.b64encode(content).decode(), media_category="tweet_image"
            )
        )
        if uploaded.data is None:
            raise PublishError(
                f"x: media upload refused: {uploaded.errors}", ErrorKind.MEDIA_REFUSED
            )
        if alt_text:
            self.client.media.create_metadata(
                body=CreateMetadataRequest.model_validate(
                    {"id": uploaded.data.id, "metadata": {"alt_text": {"text": alt_text}}}
                )
            )
        return uploaded.data.id

    def find_existing(self, request: PublishRequest) -> Published | None:
        wanted = comparable(request.text)
        try:
            me = self.client.users.get_me()
            if me.data is None:
                raise PublishError(f"x: users/me: {me.errors}", ErrorKind.BAD_RESPONSE)
            page = next(iter(self.client.users.get_posts(me.data.id, max_results=RECENT_LIMIT)))
            posts = page.data or []
        except PublishError:
            raise
        except Exception as exc:
            raise _error(exc) from exc
        for post in posts:
            if comparable(post.text) == wanted:
                return Published(platform_post_id=post.id, url=self._url(me.data.username, post.id))
        return None

    @staticmethod
    def _url(handle: str, post_id: str) -> str:
        username = handle.lstrip("@")
        if not username:
            return f"{WEB_URL}/i/web/status/{post_id}"
        return f"{WEB_URL}/{username}/status/{post_id}"


def _problem_message(response: requests.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    parts = [str(body[k]) for k in ("title", "detail") if body.get(k)]
    parts += [
        str(e.get("message"))
        for e in body.get("errors") or []
        if isinstance(e, dict) and e.get("message")
    ]
    return ": ".join(parts) or None


def _error(exc: Exception) -> PublishError:
    if isinstance(exc, PublishError):
        return exc
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        response = exc.response
        status = response.status_code
        detail = _problem_message(response)
        message = f"x: {status} {detail}" if detail else f"x: HTTP {status}"
        if status == 429:
            reset = response.headers.get("x-rate-limit-reset", "")
            retry_after = (
                datetime.fromtimestamp(int(reset), UTC)
                if reset.isdigit()
                else datetime.now(UTC) + DEFAULT_RATE_LIMIT_WAIT
            )
            return PublishError(message, ErrorKind.RATE_LIMITED, retry_after=retry_after)
        if status >= 500 or detail is None:
            # 5xx, or an error page that is not X's problem document (a proxy).
            return PublishError(message, ErrorKind.UNAVAILABLE)
        if status == 401:
            return PublishError(message, ErrorKind.CREDENTIALS)
        if status == 403:
            # X answers 403 both for a suspended account or a token without the scope and for
            # refused content (duplicate, too long); only the former needs the credentials looked at.
            content = any(w in detail.lower() for w in ("duplicate", "too long", "tweet text"))
            if content:
                return PublishError(message, ErrorKind.CONTENT_REFUSED)
            suspended = "suspend" in detail.lower()
            return PublishError(
                message, ErrorKind.ACCOUNT_GONE if suspended else ErrorKind.CREDENTIALS
            )
        if status == 400 and "media" in detail.lower():
            return PublishError(message, ErrorKind.MEDIA_REFUSED)
        return PublishError(
            message, ErrorKind.CONTENT_REFUSED if status == 400 else ErrorKind.REFUSED
        )
    if isinstance(exc, requests.RequestException | ValueError | ValidationError | StopIteration):
        # Timeouts, dropped connections, bodies that are not JSON or not X's shape.
        kind = (
            ErrorKind.NETWORK
            if isinstance(exc, requests.RequestException)
            else ErrorKind.BAD_RESPONSE
        )
        return PublishError(f"x: {type(exc).__name__}: {exc}", kind)
    raise exc
