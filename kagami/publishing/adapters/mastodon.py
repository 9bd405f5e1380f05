"""Mastodon adapter (Mastodon.py 2.3.3).

Mastodon REST API (docs.joinmastodon.org): `POST /api/v2/media` with `description` as the alt
text, then `POST /api/v1/statuses` with an `Idempotency-Key` header; `GET
/api/v1/accounts/verify_credentials` and `GET /api/v1/accounts/:id/statuses` to look for a post
after an interrupted attempt (the server keeps idempotency keys for about an hour only, so
`find_existing` matches the text instead). Rate limits: `X-RateLimit-Reset` (ISO 8601),
docs.joinmastodon.org/api/rate-limits.

Credentials: `access_token`. `base_url`: the instance, e.g. ``https://mastodon.example``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from kagami.publishing.adapters.base import (
    Adapter,
    ErrorKind,
    Published,
    PublishError,
    PublishRequest,
)

# How many of the account's latest statuses `find_existing` looks through.
RECENT_LIMIT = 40
# Back-off when a 429 carries no usable reset time.
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=5)
# Assumed server version: skips Mastodon.py's version probe (one request per adapter).
ASSUMED_VERSION = "4.3.0"

_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def content_text(content: str) -> str:
    """A status's HTML `content` back to plain text (links keep their full URL)."""
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", content)))


def _normalised(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


class MastodonAdapter(Adapter):
    code = "mastodon"
    credential_names = ("access_token",)

    def __init__(
        self, credentials: Mapping[str, str], *, base_url: str | None = None, timeout: float = 20.0
    ) -> None:
        super().__init__(credentials, base_url=base_url, timeout=timeout)
        if not base_url:
            raise PublishError("mastodon: no instance URL configured", ErrorKind.CREDENTIALS)
        self.api = Mastodon(
            access_token=credentials.get("access_token", ""),
            api_base_url=base_url,
            request_timeout=timeout,
            # "wait" (the default) would sleep inside the worker; we report the reset instead.
            ratelimit_method="throw",
            # "created" with a given version: no probe request, and v2 media is used.
            version_check_mode="created",
            mastodon_version=ASSUMED_VERSION,
        )
        self._last_response: requests.Response | None = None
        self.api.session.hooks["response"].append(self._keep_response)

    def _keep_response(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        # Mastodon.py drops the server's `error` for some endpoints; keep it for the message.
        self._last_response = response

    def publish(self, request: PublishRequest) -> Published:
        try:
            media_ids = [
                self.api.media_post(
                    m.content,
                    mime_type=m.content_type,
                    description=m.alt_text or None,
                    file_name=m.name,
                )["id"]
                for m in request.media
            ]
            status = self.api.status_post(
                request.text,
                media_ids=media_ids or None,
                idempotency_key=request.idempotency_key,
            )
        except MastodonError as exc:
            raise self._error(exc) from exc
        return self._published(status)

    def find_existing(self, request: PublishRequest) -> Published | None:
        wanted = _normalised(request.text)
        try:
            me = self.api.me()
            statuses = self.api.account_statuses(me["id"], limit=RECENT_LIMIT)
        except MastodonError as exc:
            raise self._error(exc) from exc
        for status in statuses:
            if _normalised(content_text(status.get("content") or "")) == wanted:
                return self._published(status)
        return None

    @staticmethod
    def _published(status: Mapping[str, Any]) -> Published:
        try:
            return Published(
                platform_post_id=str(status["id"]), url=str(status.get("url") or status["uri"])
            )
        except (KeyError, TypeError) as exc:
            raise PublishError(
                f"mastodon: unexpected status: {exc!r}", ErrorKind.BAD_RESPONSE
            ) from exc

    def _error(self, exc: MastodonError) -> PublishError:
        if isinstance(exc, MastodonRatelimitError):
            reset = self.api.ratelimit_reset
            retry_after = (
                datetime.fromtimestamp(reset, UTC)
                if reset
                else datetime.now(UTC) + DEFAULT_RATE_LIMIT_WAIT
            )
            return PublishError(f"mastodon: {exc}", ErrorKind.RATE_LIMITED, retry_after=retry_after)
        if isinstance(exc, MastodonNetworkError):
            return PublishError(f"mastodon: {exc}", ErrorKind.NETWORK)
        status, message = _status_and_message(exc, self._last_response)
        text = f"mastodon: {message}" if message else f"mastodon: {exc}"
        if isinstance(exc, MastodonUnauthorizedError) or status == 403:
            return PublishError(text, ErrorKind.CREDENTIALS)
        if isinstance(exc, MastodonServerError) or status is None or status >= 500:
            # 5xx, or an answer that was not JSON at all.
            kind = (
                ErrorKind.BAD_RESPONSE
                if status is not None and status < 500
                else ErrorKind.UNAVAILABLE
            )
            return PublishError(text, kind)
        if message is None:
            # A 4xx without Mastodon's error body came from a proxy, not the instance.
            return PublishError(
                f"mastodon: HTTP {status} without an error body", ErrorKind.BAD_RESPONSE
            )
        # 404/410 (account gone), 422 (content refused) and other 4xx: retrying will not help.
        if status in (404, 410):
            return PublishError(text, ErrorKind.ACCOUNT_GONE)
        if status == 422:
            media = "media" in text.lower() or "file" in text.lower()
            return PublishError(
                text, ErrorKind.MEDIA_REFUSED if media else ErrorKind.CONTENT_REFUSED
            )
        return PublishError(text, ErrorKind.REFUSED)


def _status_and_message(
    exc: MastodonError, response: requests.Response | None
) -> tuple[int | None, str | None]:
    """The HTTP status and the instance's own `error` text (None if it sent none)."""
    # Mastodon.py raises API errors as (summary, status code, reason, the server's "error").
    args = exc.args
    if not (isinstance(exc, MastodonAPIError) and len(args) == 4 and isinstance(args[1], int)):
        return None, None
    status, message = args[1], args[3]
    if response is not None and response.status_code == status:
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        message = str(error) if error else None
        if message and body.get("error_description"):
            message += f": {body['error_description']}"
    return status, message
