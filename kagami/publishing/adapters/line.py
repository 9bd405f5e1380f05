"""LINE Official Account adapter (line-bot-sdk 3.27.0, `linebot.v3.messaging`).

Endpoint: `POST /v2/bot/message/broadcast` with an `X-Line-Retry-Key`
(developers.line.biz/en/reference/messaging-api/#send-broadcast-message). Retry keys
(developers.line.biz/en/docs/messaging-api/retrying-api-request): a UUID; a repeat of an
accepted request gets 409 with the accepted request's id in `x-line-accepted-request-id`; the
key is valid for 24 hours after the first request; a retried request should be identical to
the original. Errors are `{"message": "...", "details": [...]}`
(reference/messaging-api/#error-responses); 429 means the rate limit or the monthly message
quota, without a reset header.

LINE offers no way to ask whether a request with a given retry key went out: the request id
it assigns (`x-line-request-id`) only arrives with the answer, which is exactly what an unclear
attempt lacks, so "Get user interaction statistics" (`GET /v2/bot/insight/message/event
?requestId=`) cannot help, and "Get number of sent broadcast messages" counts a whole day.
Repeating the broadcast with the same key is the question, and it is safe only while LINE
remembers the key; after that a person checks (`ErrorKind.UNCONFIRMED`).

Images go as image messages after the text (a broadcast carries at most 5 messages). LINE
takes no bytes: `originalContentUrl` and `previewImageUrl` are public HTTPS addresses of the
prepared image and of its preview (reference/messaging-api/#image-message), which members' apps
fetch when a message is shown.

No correction or look-alike watch through the API: the Messaging API has no endpoint that
unsends a sent message (reference/messaging-api; line-bot-sdk's MessagingApi deletes only rich
menus, and "unsend" exists only as the webhook event of a user unsending their own message) and
none that finds an account by its ID, so `can_delete`, `can_edit` and `can_lookup_users` stay
False: a wrong broadcast is corrected by a new message.

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

from kagami.publishing.adapters import images
from kagami.publishing.adapters.base import (
    Adapter,
    ErrorKind,
    MediaFile,
    Published,
    PublishError,
    PublishRequest,
)

DEFAULT_BASE_URL = "https://api.line.me"
# Broadcasts have no public URL; the account's page is the closest thing.
ACCOUNT_URL = "https://line.me/R/ti/p/{handle}"
RATE_LIMIT_WAIT = timedelta(minutes=1)
# LINE keeps a retry key 24 hours after the first request; repeating a possibly accepted
# broadcast is safe only well within that.
RETRY_KEY_LIFETIME = timedelta(hours=24)
RETRY_KEY_MARGIN = timedelta(hours=1)
# Retry keys must be UUIDs; other idempotency keys are mapped to one, stably.
_KEY_NAMESPACE = uuid.UUID("6f1d5c7e-3b0a-4c55-9a77-6b6167616d69")
_JST = ZoneInfo("Asia/Tokyo")

# Delivery notes (PublishRequest.notes).
# The request id of the accepted broadcast: LINE answered 200 or 409, the post is out.
NOTE_REQUEST_ID = "line_request_id"
# When a broadcast call whose outcome we do not know began (written before the call).
NOTE_UNCLEAR_SINCE = "line_unclear_since"
# The image addresses of the first call, so that a retry sends the identical request.
NOTE_IMAGE_URLS = "line_image_urls"


def retry_key(idempotency_key: str) -> str:
    try:
        return str(uuid.UUID(idempotency_key))
    except ValueError:
        return str(uuid.uuid5(_KEY_NAMESPACE, idempotency_key))


class LineAdapter(Adapter):
    code = "line"
    credential_names = ("channel_access_token",)
    # LINE's reference states no time the image addresses must keep working; members' apps
    # fetch them when a broadcast is shown, often days later.
    media_url_lifetime = timedelta(days=30)
    image_spec = images.LINE_ORIGINAL
    preview_spec = images.LINE_PREVIEW
    max_images = 4  # a broadcast carries at most 5 messages: the text and four images

    def __init__(
        self, credentials: Mapping[str, str], *, base_url: str | None = None, timeout: float = 20.0
    ) -> None:
        super().__init__(credentials, base_url=base_url, timeout=timeout)
        token = (credentials.get("channel_access_token") or "").strip()
        if not token:
            raise PublishError("line: no channel_access_token stored", ErrorKind.CREDENTIALS)
        configuration = Configuration(
            host=(base_url or DEFAULT_BASE_URL).rstrip("/"), access_token=token
        )
        configuration.retries = 0  # the worker retries, with back-off
        self.api = MessagingApi(ApiClient(configuration))

    def publish(self, request: PublishRequest) -> Published:
        self.check_image_count(request)
        accepted = request.notes.get(NOTE_REQUEST_ID)
        if accepted:
            return self._published(accepted, request)
        unclear_before = request.notes.get(NOTE_UNCLEAR_SINCE) is not None
        if unclear_before:
            # An earlier call may have gone out: repeating it is safe only with a live key.
            self._check_key_alive(request)
        broadcast = BroadcastRequest(messages=self._messages(request))
        if not unclear_before:
            request.notes.put(NOTE_UNCLEAR_SINCE, datetime.now(UTC).isoformat())
        try:
            response = self.api.broadcast_with_http_info(
                broadcast,
                x_line_retry_key=retry_key(request.idempotency_key),
                _request_timeout=self.timeout,
            )
        except ApiException as exc:
            if exc.status == 409:
                # retrying-api-request: "409 Conflict: the request has already been accepted".
                # x-line-accepted-request-id names it; without it, the retry key stands in.
                headers = exc.headers or {}
                return self._accepted(
                    headers.get("x-line-accepted-request-id") or retry_key(request.idempotency_key),
                    request,
                )
            error = _error(exc)
            if _refused(exc) and not unclear_before:
                # LINE refused this call outright and no earlier one is in doubt.
                request.notes.forget(NOTE_UNCLEAR_SINCE)
            raise error from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise PublishError(f"line: {type(exc).__name__}: {exc}", ErrorKind.NETWORK) from exc
        except ValueError as exc:  # a 2xx answer the SDK could not read
            raise PublishError(f"line: {exc}", ErrorKind.BAD_RESPONSE) from exc
        request_id = (response.headers or {}).get("x-line-request-id")
        return self._accepted(request_id or retry_key(request.idempotency_key), request)

    def find_existing(self, request: PublishRequest) -> Published | None:
        # The worker asks after an unclear attempt. LINE cannot be asked about a retry key
        # without sending: while it still knows the key, `publish` repeats the broadcast with
        # it and LINE's 409 answers "already sent" (so None here). Once the key may be
        # forgotten, a repeat could reach every member twice: a person decides.
        accepted = request.notes.get(NOTE_REQUEST_ID)
        if accepted:
            return self._published(accepted, request)
        self._check_key_alive(request)
        return None

    def _check_key_alive(self, request: PublishRequest) -> None:
        since = request.first_attempt_at or _parse(request.notes.get(NOTE_UNCLEAR_SINCE))
        if since is None:
            return
        if datetime.now(UTC) - since < RETRY_KEY_LIFETIME - RETRY_KEY_MARGIN:
            return
        raise PublishError(
            "line: an earlier broadcast attempt may have gone out, and LINE keeps the retry "
            f"key only {RETRY_KEY_LIFETIME.total_seconds() / 3600:.0f} hours (first attempt "
            f"{since.astimezone(_JST):%Y-%m-%d %H:%M} JST): sending again could reach every "
            "member twice. Check the account's sent broadcasts in LINE Official Account "
            "Manager, then record the post or send it again by hand.",
            ErrorKind.UNCONFIRMED,
        )

    def _messages(self, request: PublishRequest) -> list[Message]:
        pairs = [_urls(m) for m in request.media]
        noted = request.notes.get(NOTE_IMAGE_URLS)
        if noted is not None:
            try:
                earlier = [tuple(p) for p in json.loads(noted)]
            except (ValueError, TypeError):
                earlier = []
            if len(earlier) == len(pairs) and all(len(p) == 2 for p in earlier):
                pairs = [(str(a), str(b)) for a, b in earlier]
        elif pairs:
            request.notes.put(NOTE_IMAGE_URLS, json.dumps(pairs))
        messages: list[Message] = [TextMessage(text=request.text)]
        messages += [
            ImageMessage(original_content_url=original, preview_image_url=preview)
            for original, preview in pairs
        ]
        return messages

    def _accepted(self, request_id: str, request: PublishRequest) -> Published:
        request.notes.put(NOTE_REQUEST_ID, request_id)
        return self._published(request_id, request)

    @staticmethod
    def _published(request_id: str, request: PublishRequest) -> Published:
        return Published(platform_post_id=request_id, url=ACCOUNT_URL.format(handle=request.handle))


def _urls(media: MediaFile) -> tuple[str, str]:
    """The image's address and its preview's. The full image is never sent as its own
    preview: LINE takes a preview of at most 1 MB, and a larger one fails silently."""
    if not media.url:
        raise PublishError(
            f"line: image {media.name} has no public address", ErrorKind.MEDIA_REFUSED
        )
    if not media.preview_url:
        raise PublishError(
            f"line: image {media.name} has no preview address (LINE shows a preview of at "
            "most 1 MB; the full image is not sent in its place)",
            ErrorKind.MEDIA_REFUSED,
        )
    return media.url, media.preview_url


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _message(exc: ApiException) -> str | None:
    try:
        body = json.loads(exc.body or b"")
    except (ValueError, TypeError):
        return None
    if not isinstance(body, dict) or not body.get("message"):
        return None
    details = "; ".join(
        f"{d.get('property', '')}: {d.get('message', '')}"
        for d in body.get("details") or []
        if isinstance(d, dict)
    )
    return f"{body['message']} ({details})" if details else str(body["message"])


def _refused(exc: ApiException) -> bool:
    """LINE itself refused the request (a 4xx with its error body): nothing went out."""
    status = exc.status or 0
    return 400 <= status < 500 and _message(exc) is not None


def _next_month_jst() -> datetime:
    now = datetime.now(_JST)
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1).astimezone(UTC)


def _error(exc: ApiException) -> PublishError:
    status = exc.status or 0
    detail = _message(exc)
    message = f"line: {status} {detail}" if detail else f"line: HTTP {status} {exc.reason}"
    if status == 0:  # the SDK's way of reporting a TLS failure: nothing was answered
        return PublishError(message, ErrorKind.NETWORK)
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
