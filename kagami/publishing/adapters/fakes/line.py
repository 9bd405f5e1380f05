"""A fake LINE Messaging API: `POST /v2/bot/message/broadcast` with `X-Line-Retry-Key`.

Wire format from the Messaging API reference and guides (developers.line.biz):
- reference/messaging-api/#error-responses: errors are `{"message": ..., "details":
  [{"message", "property"}]}`; every answer carries `x-line-request-id`.
- reference/messaging-api/#send-broadcast-message: 200 with `{}`; 400, 403, 409, 429 with the
  error body (line/line-openapi messaging-api.yml, `broadcast`).
- docs/messaging-api/retrying-api-request: a request whose retry key was already accepted gets
  409 with `x-line-accepted-request-id` (the accepted request's id) and
  `{"message": "The retry key is already accepted"}`; the key is valid for 24 hours after the
  first request; a retried request should be identical to the original.
- reference/messaging-api/#image-message: `originalContentUrl` and `previewImageUrl` are HTTPS
  URLs of at most 2000 characters; #text-message: at most 5000 characters, counted in UTF-16
  code units (docs/messaging-api/text-character-count); a broadcast carries 1 to 5 messages.

The fake's clock (`now`, moved with `advance`) decides when a retry key is forgotten.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from kagami.publishing.adapters.fakes.server import (
    CLOSE,
    Answer,
    FakeResponse,
    FakeServer,
    Recorded,
    json_response,
)

TOKEN = "line-channel-access-token"  # noqa: S105 (a fake server's token)
# docs/messaging-api/retrying-api-request: "The retry key is valid for 24 hours after
# attempting the first request."
RETRY_KEY_LIFETIME = timedelta(hours=24)
MAX_MESSAGES = 5
MAX_TEXT = 5000
MAX_URL = 2000


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeLine(FakeServer):
    def __init__(self, *, accepted_header: bool = True) -> None:
        super().__init__()
        self.broadcasts: list[dict[str, Any]] = []
        # retry key → the id of the request LINE accepted with it; retry key → its first use
        self.accepted: dict[str, str] = {}
        self._first_use: dict[str, datetime] = {}
        # The reference names x-line-accepted-request-id on a 409; `False` answers a 409
        # without it, which must still count as accepted.
        self.accepted_header = accepted_header
        # Accept the next N broadcasts but drop the connection instead of answering: the
        # "5xx or timeout although the message went out" case of retrying-api-request.
        self.lose_answers = 0
        self._offset = timedelta()
        self.route("POST", r"/v2/bot/message/broadcast", self._broadcast)

    # -- clock ------------------------------------------------------------------------------
    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        self._offset += delta

    # -- answers a test can script -----------------------------------------------------------
    @staticmethod
    def error(
        status: int,
        message: str,
        details: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> FakeResponse:
        body: dict[str, Any] = {"message": message}
        if details:
            body["details"] = details
        return json_response(
            body, status, {"x-line-request-id": str(uuid.uuid4()), **(headers or {})}
        )

    @classmethod
    def invalid(cls, details: list[dict[str, str]]) -> FakeResponse:
        # reference/messaging-api/#error-responses: "The request body has N error(s)".
        return cls.error(400, f"The request body has {len(details)} error(s)", details)

    # -- the endpoint ------------------------------------------------------------------------
    def _broadcast(self, rec: Recorded, _m: re.Match[str]) -> Answer:
        if rec.header("authorization") != f"Bearer {TOKEN}":
            # reference/messaging-api/#status-codes: 401, the channel access token is invalid.
            return self.error(
                401,
                "Authentication failed. Confirm that the access token in the authorization header is valid.",
            )
        now = self.now()
        key = rec.header("x-line-retry-key")
        if key is not None:
            try:
                uuid.UUID(key)
            except ValueError:
                return self.error(400, "The value for the 'X-Line-Retry-Key' header is invalid")
            first = self._first_use.get(key)
            if first is not None and now - first >= RETRY_KEY_LIFETIME:
                # Forgotten: from here on the key is new, and a repeat broadcasts again.
                self._first_use.pop(key, None)
                self.accepted.pop(key, None)
            self._first_use.setdefault(key, now)
            if key in self.accepted:
                # retrying-api-request, "Response to retrying an accepted request".
                headers = {"x-line-request-id": str(uuid.uuid4())}
                if self.accepted_header:
                    headers["x-line-accepted-request-id"] = self.accepted[key]
                return json_response({"message": "The retry key is already accepted"}, 409, headers)
        if refusal := self._validate(rec):
            return refusal
        request_id = str(uuid.uuid4())
        if key is not None:
            self.accepted[key] = request_id
        self.broadcasts.append(
            {"request_id": request_id, "retry_key": key, "messages": rec.json()["messages"]}
        )
        if self.lose_answers > 0:
            self.lose_answers -= 1
            return CLOSE
        return json_response({}, 200, {"x-line-request-id": request_id})

    def _validate(self, rec: Recorded) -> FakeResponse | None:
        """What LINE checks in a broadcast's body (reference/messaging-api/
        #send-broadcast-message, #text-message, #image-message)."""
        try:
            body = rec.json()
        except ValueError:
            return self.error(400, "The request body could not be parsed as JSON")
        messages = body.get("messages") if isinstance(body, dict) else None
        if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
            return self.invalid(
                [{"message": "Size must be between 1 and 5", "property": "messages"}]
            )
        details: list[dict[str, str]] = []
        for i, m in enumerate(messages):
            kind = m.get("type")
            if kind == "text":
                if not m.get("text"):
                    details.append(
                        {"message": "May not be empty", "property": f"messages[{i}].text"}
                    )
                elif utf16_length(m["text"]) > MAX_TEXT:
                    details.append(
                        {
                            "message": "Length must be between 0 and 5000",
                            "property": f"messages[{i}].text",
                        }
                    )
            elif kind == "image":
                for field in ("originalContentUrl", "previewImageUrl"):
                    url = m.get(field)
                    prop = f"messages[{i}].{field}"
                    # The shape is LINE's; the wording of these two details is the fake's own.
                    if not url:
                        details.append({"message": "May not be empty", "property": prop})
                    elif not str(url).startswith("https://"):
                        details.append({"message": "must be an HTTPS URL", "property": prop})
                    elif len(str(url)) > MAX_URL:
                        details.append(
                            {"message": "Length must be between 0 and 2000", "property": prop}
                        )
            else:
                details.append(
                    {
                        "message": "Must be one of the following values: [text, image]",
                        "property": f"messages[{i}].type",
                    }
                )
        return self.invalid(details) if details else None
