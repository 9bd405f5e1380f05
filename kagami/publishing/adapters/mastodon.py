"""Mastodon adapter (Mastodon.py 2.3.3).

Mastodon REST API (docs.joinmastodon.org):
- `POST /api/v2/media` (/methods/media#v2) with `description` as the alt text. It answers 200
  with the file processed, or 202 with `url: null` while the instance processes it in the
  background; `GET /api/v1/media/:id` (/methods/media#get) answers 206 until it is done. A
  status naming an unprocessed attachment is refused with 422 ("Cannot attach files that have
  not finished processing. Try again in a moment!", Mastodon's config/locales/en.yml), so the
  adapter waits for the `url` briefly, and otherwise tries again later.
- `POST /api/v1/statuses` (/methods/statuses#create) with an `Idempotency-Key` header; the
  instance keeps the key "for up to 1 hour", so after that only `find_existing` protects.
- `GET /api/v1/accounts/verify_credentials` and `GET /api/v1/accounts/:id/statuses`
  (/methods/accounts#statuses, `limit` ≤ 40, `max_id`, `exclude_reblogs`) to look for a post
  after an unclear attempt: statuses made since the first attempt (`created_at`) with the same
  text. Ids are opaque (/api/guidelines#id), so the time window is checked on `created_at`,
  never derived into a `min_id`.
- `DELETE /api/v1/statuses/:id` (/methods/statuses#delete): the deleted status; 404 "Record not
  found" when the "Status is not owned by you or does not exist". The id is the one this
  account's post was published with, so a 404 from the instance means it is gone. 30 deletes
  per 30 minutes per account (/api/rate-limits).
- `GET /api/v1/accounts/lookup?acct=` (/methods/accounts#lookup, 3.4.0): the account holding a
  handle, among the accounts the instance already knows (no WebFinger); 404 "Record not found"
  when the "Username or address does not map to an account". A suspended account comes back
  with `suspended: true` (/entities/Account): no account to watch, so None as well.
- Editing exists (`PUT /api/v1/statuses/:id`, /methods/statuses#edit, 3.5.0), not used yet.
- Rate limits: `X-RateLimit-Reset` (ISO 8601), /api/rate-limits.

Credentials: `access_token`. `base_url`: the instance, e.g. ``https://mastodon.example``.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from kagami.publishing.adapters import images
from kagami.publishing.adapters.base import (
    Adapter,
    ErrorKind,
    FoundUser,
    Published,
    PublishError,
    PublishRequest,
)

# `find_existing` reads the account's statuses newest first, this many a page (the API's
# maximum), for at most this many pages, until it reaches those older than the first attempt.
RECENT_LIMIT = 40
RECENT_PAGES = 5
# Back-off when a 429 carries no usable reset time.
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=5)
# Waits between looks at an upload the instance is still processing (seconds), and when to
# try the whole post again if it is still not done.
MEDIA_WAITS = (1.0, 2.0, 4.0, 8.0)
PROCESSING_RETRY = timedelta(minutes=1)
# Mastodon's `media_attachments.validations.not_ready` in English; instances answer in their
# default locale, so an attachment still without a `url` is the other sign.
NOT_READY = "have not finished processing"
# Assumed server version: skips Mastodon.py's version probe (one request per adapter).
ASSUMED_VERSION = "4.3.0"

# Mastodon's Account::USERNAME_RE (app/models/account.rb): letters, digits and underscores, with
# dots and dashes only inside (remote servers' usernames).
_USERNAME = re.compile(r"[a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)?", re.IGNORECASE)
# Status ids are opaque strings (/api/guidelines#id); this keeps them to one path segment.
_STATUS_ID = re.compile(r"[A-Za-z0-9_-]+")
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
    image_spec = images.MASTODON
    max_images = 4  # /methods/statuses#create; "Cannot attach more than 4 files"
    can_delete = True
    can_edit = True
    can_lookup_users = True

    def __init__(
        self, credentials: Mapping[str, str], *, base_url: str | None = None, timeout: float = 20.0
    ) -> None:
        super().__init__(credentials, base_url=base_url, timeout=timeout)
        if not base_url:
            raise PublishError("mastodon: no instance URL configured", ErrorKind.CREDENTIALS)
        token = (credentials.get("access_token") or "").strip()
        if not token:
            raise PublishError("mastodon: no access_token stored", ErrorKind.CREDENTIALS)
        self.api = Mastodon(
            access_token=token,
            api_base_url=base_url,
            request_timeout=timeout,
            # "wait" (the default) would sleep inside the worker; we report the reset instead.
            ratelimit_method="throw",
            # "created" with a given version: no probe request, and v2 media is used.
            version_check_mode="created",
            mastodon_version=ASSUMED_VERSION,
        )
        self.sleep: Callable[[float], None] = time.sleep
        self._last_response: requests.Response | None = None
        self.api.session.hooks["response"].append(self._keep_response)

    def _keep_response(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        # Mastodon.py drops the server's `error` for some endpoints; keep it for the message.
        self._last_response = response

    def publish(self, request: PublishRequest) -> Published:
        self.check_image_count(request)
        uploads: list[Mapping[str, Any]] = []
        posting = False
        try:
            for m in request.media:
                uploads.append(
                    self.api.media_post(
                        m.content,
                        mime_type=m.content_type,
                        description=m.alt_text or None,
                        file_name=m.name,
                    )
                )
            self._wait_until_processed([u for u in uploads if not u.get("url")])
            posting = True
            status = self.api.status_post(
                request.text,
                media_ids=[str(u["id"]) for u in uploads] or None,
                idempotency_key=request.idempotency_key,
            )
        except MastodonError as exc:
            error = self._error(exc)
            if posting and uploads and self._refused_as_unprocessed(exc, error, uploads):
                raise PublishError(
                    f"{error.message} (an image is still being processed by the instance)",
                    ErrorKind.UNAVAILABLE,
                    retry_after=datetime.now(UTC) + PROCESSING_RETRY,
                ) from exc
            raise error from exc
        return self._published(status)

    def _wait_until_processed(self, pending: Sequence[Mapping[str, Any]]) -> None:
        """Wait briefly for uploads the instance answered 202 (`url` null) to be processed."""
        waiting = [str(m["id"]) for m in pending]
        for wait in MEDIA_WAITS:
            if not waiting:
                return
            self.sleep(wait)
            waiting = [mid for mid in waiting if not self.api.media(mid).get("url")]
        if waiting:
            raise PublishError(
                f"mastodon: the instance is still processing media {', '.join(waiting)}",
                ErrorKind.UNAVAILABLE,
                retry_after=datetime.now(UTC) + PROCESSING_RETRY,
            )

    def _refused_as_unprocessed(
        self, exc: MastodonError, error: PublishError, uploads: Sequence[Mapping[str, Any]]
    ) -> bool:
        """Whether the instance refused the status (422) because an attachment is not
        processed yet: its English text says so, or, in another locale, an attachment still
        has no `url`."""
        status, _ = _status_and_message(exc, self._last_response)
        if status != 422:
            return False
        if NOT_READY in error.message:
            return True
        try:
            return any(not self.api.media(str(u["id"])).get("url") for u in uploads)
        except MastodonError:
            return False

    def find_existing(self, request: PublishRequest) -> Published | None:
        wanted = _normalised(request.text)
        try:
            me = self.api.me()
            max_id: str | None = None
            for _ in range(RECENT_PAGES):
                statuses = self.api.account_statuses(
                    me["id"], limit=RECENT_LIMIT, max_id=max_id, exclude_reblogs=True
                )
                for status in statuses:
                    if not request.may_be_ours(_created_at(status)):
                        continue
                    if _normalised(content_text(status.get("content") or "")) == wanted:
                        return self._published(status)
                if len(statuses) < RECENT_LIMIT or not request.may_be_ours(
                    _created_at(statuses[-1])
                ):
                    return None  # the rest is older than the first attempt
                max_id = str(statuses[-1]["id"])
        except MastodonError as exc:
            raise self._error(exc) from exc
        return None

    # -- corrections and the look-alike watch -----------------------------------------------
    def delete(self, platform_post_id: str) -> None:
        status_id = platform_post_id.strip()
        if not _STATUS_ID.fullmatch(status_id):
            raise PublishError(
                f"mastodon: not a status id: {platform_post_id!r}", ErrorKind.REFUSED
            )
        try:
            self.api.status_delete(status_id)
        except MastodonNotFoundError as exc:
            if not self._instance_says_not_found(exc):
                raise self._error(exc) from exc
        except MastodonError as exc:
            raise self._error(exc) from exc

    def lookup_user(self, handle: str) -> FoundUser | None:
        acct = handle.strip().removeprefix("@")
        username, _, domain = acct.partition("@")
        if not _USERNAME.fullmatch(username) or "@" in domain:
            return None  # no account can have it
        try:
            account = self.api.account_lookup(acct)
        except MastodonNotFoundError as exc:
            if self._instance_says_not_found(exc):
                return None
            raise self._error(exc) from exc
        except MastodonError as exc:
            raise self._error(exc) from exc
        if account.get("suspended"):
            return None
        answered = str(account.get("acct") or "")
        their_name, _, their_domain = answered.partition("@")
        if their_name.lower() != username.lower() or (
            their_domain and domain and their_domain.lower() != domain.lower()
        ):
            return None
        # A local account's acct has no domain; the instance's own is the one asked for, else
        # its web address (an instance may use another domain for handles: LOCAL_DOMAIN).
        home = their_domain or domain or urlsplit(self.base_url or "").hostname or ""
        try:
            return FoundUser(
                handle=f"@{their_name}@{home}",
                display_name=str(account.get("display_name") or ""),
                url=str(account["url"]),
                platform_user_id=str(account["id"]),
                created_at=_created_at(account),
            )
        except (KeyError, TypeError) as exc:
            raise PublishError(
                f"mastodon: unexpected account: {exc!r}", ErrorKind.BAD_RESPONSE
            ) from exc

    def _instance_says_not_found(self, exc: MastodonError) -> bool:
        """A 404 with Mastodon's own error body (not a proxy's page)."""
        status, message = _status_and_message(exc, self._last_response)
        return status == 404 and message is not None

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
        if isinstance(exc, MastodonServerError) or (status is not None and status >= 500):
            return PublishError(text, ErrorKind.UNAVAILABLE)
        if status is None:  # an answer that was not JSON at all
            return PublishError(text, ErrorKind.BAD_RESPONSE)
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


def _created_at(status: Mapping[str, Any]) -> datetime | None:
    """When the instance made the status (None if it does not say)."""
    value = status.get("created_at")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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
