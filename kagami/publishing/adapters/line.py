"""LINE Official Account adapter (line-bot-sdk 3.27.0, `linebot.v3.messaging`).

LINE Messaging API reference (developers.line.biz/en/reference/messaging-api): `POST
/v2/bot/message/broadcast` with an `X-Line-Retry-Key` (a UUID; LINE keeps it 24 hours and
answers 409 "The retry key is already accepted" to a repeat, with the original
`x-line-accepted-request-id`). Errors are `{"message": "...", "details": [...]}`; 429 means the
rate limit or the monthly message quota, without a reset header.

Images go as image messages after the text (a broadcast carries at most 5 messages). LINE
takes no bytes: `originalContentUrl` and `previewImageUrl` must be public HTTPS addresses,
which the worker provides as signed addresses (`MediaFile.url`). Members' apps fetch them when
a message is opened, so those addresses must outlive the broadcast by weeks.

Credentials: `channel_access_token`. `base_url` overrides https://api.line.me.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    BroadcastRequest,
    Configuration,
    ImageMessage,
    Message,
    MessagingApi,
    TextMessage,
)

from kagami.publishing.adapters.base import (
    Adapter,
    ErrorKind,
    Published,
    PublishError,
    PublishRequest,
)

DEFAULT_BASE_URL = "https://api.line.me"
# Broadcasts have no public URL; the account's page is the closest thing.
ACCOUNT_URL = "https://line.me/R/ti/p/{handle}"
RATE_LIMIT_WAIT = timedelta(minutes=1)
MAX_MESSAGES = 5  # per broadcast: the text and up to four images
# Retry keys must be UUIDs; other idempotency keys are mapped to one, stably.
_KEY_NAMESPACE = uuid.UUID("6f1d5c7e-3b0a-4c55-9a77-6b6167616d69")
_JST = ZoneInfo("Asia/Tokyo")


def retry_key(idempotency_key: str) -> str:
    try:
        return str(uuid.UUID(idempotency_key))
    except ValueError:
        return str(uuid.uuid5(_KEY_NAMESPACE, idempotency_key))


class LineAdapter(Adapter):
    code = "line"
    credential_names = ("channel_access_token",)
    # Members open a broadcast days later; their app fetches the images then.
    media_url_lifetime = timedelta(days=30)

    def __init__(
        self, credentials: Mapping[str, str], *, base_url: str | None = None, timeout: float = 20.0
    ) -> None:
        super().__init__(credentials, base_url=base_url, timeout=timeout)
        configuration = Configuration(
            host=(base_url or DEFAULT_BASE_URL).rstrip("/"),
            access_token=credentials.get("channel_access_token", ""),
        )
        configuration.retries = 0  # the worker retries, with back-off
        self.api = MessagingApi(ApiClient(configuration))

    def publish(self, request: PublishRequest) -> Published:
        key = retry_key(request.idempotency_key)
        if 1 + len(request.media) > MAX_MESSAGES:
            raise PublishError(
                f"line: a broadcast carries at most {MAX_MESSAGES - 1} images with its text",
                ErrorKind.CONTENT_REFUSED,
            )
        messages: list[Message] = [TextMessage(text=request.text)]
        messages += [
            ImageMessage(original_content_url=m.url, preview_image_url=m.url) for m in request.media
        ]
        try:
            response = self.api.broadcast_with_http_info(
                BroadcastRequest(messages=messages),
                x_line_retry_key=key,
                _request_timeout=self.timeout,
            )
        except ApiException as exc:
            if exc.status == 409 and exc.headers:
                accepted = exc.headers.get("x-line-accepted-request-id")
                if accepted:
                    return self._published(accepted, request)
            raise _error(exc) from exc
        except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            kind = ErrorKind.BAD_RESPONSE if isinstance(exc, ValueError) else ErrorKind.NETWORK
            raise PublishError(f"line: {type(exc).__name__}: {exc}", kind) from exc
        request_id = (response.headers or {}).get("x-line-request-id") or key
        return self._published(request_id, request)

    def find_existing(self, request: PublishRequest) -> Published | None:
        # LINE has no way to ask about a retry key without sending: a repeat of the broadcast
        # with the same key is the question, and `publish` treats LINE's 409 as the answer
        # "already sent". So after a crash `publish` itself is safe for 24 hours.
        return None

    @staticmethod
    def _published(request_id: str, request: PublishRequest) -> Published:
        return Published(platform_post_id=request_id, url=ACCOUNT_URL.format(handle=request.handle))


def _message(exc: ApiException) -> str | None:
    try:
        body = json.loads(exc.body or b"")
    except ValueError:
        return None
    if not isinstance(body, dict) or not body.get("message"):
        return None
    details = "; ".join(
        f"{d.get('property', '')}: {d.get('message', '')}" for d in body.get("details") or []
    )
    return f"{body['message']} ({details})" if details else str(body["message"])


def _next_month_jst() -> datetime:
    now = datetime.now(_JST)
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1).astimezone(UTC)


def _error(exc: ApiException) -> PublishError:
    status = exc.status or 0
    detail = _message(exc)
    message = f"line: {status} {detail}" if detail else f"line: HTTP {status} {exc.reason}"
    if status == 429:
        monthly = detail is not None and "monthly limit" in detail.lower()
        retry_after = _next_month_jst() if monthly else datetime.now(UTC) + RATE_LIMIT_WAIT
        return PublishError(message, ErrorKind.RATE_LIMITED, retry_after=retry_after)
    if status >= 500:
        return PublishError(message, ErrorKind.UNAVAILABLE)
    if detail is None:
        return PublishError(message, ErrorKind.BAD_RESPONSE)
    if status in (401, 403):
        return PublishError(message, ErrorKind.CREDENTIALS)
    if status == 400 and any(w in detail for w in ("ContentUrl", "ImageUrl", "image")):
        return PublishError(message, ErrorKind.MEDIA_REFUSED)
    return PublishError(message, ErrorKind.CONTENT_REFUSED if status == 400 else ErrorKind.REFUSED)
