"""A fake LINE Messaging API: `POST /v2/bot/message/broadcast` with `X-Line-Retry-Key`.

Wire format from the LINE Messaging API reference (developers.line.biz): errors are
`{"message": ..., "details": [{"message", "property"}]}`, every answer carries
`x-line-request-id`, a repeated retry key gets 409 with `x-line-accepted-request-id`.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from kagami.publishing.adapters.fakes.server import (
    FakeResponse,
    FakeServer,
    Recorded,
    json_response,
)

TOKEN = "line-channel-access-token"  # noqa: S105 (a fake server's token)


class FakeLine(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.broadcasts: list[dict[str, Any]] = []
        self.accepted: dict[str, str] = {}
        self.route("POST", r"/v2/bot/message/broadcast", self._broadcast)

    @staticmethod
    def error(
        status: int, message: str, details: list[dict[str, str]] | None = None
    ) -> FakeResponse:
        body: dict[str, Any] = {"message": message}
        if details:
            body["details"] = details
        return json_response(body, status, {"x-line-request-id": str(uuid.uuid4())})

    def _broadcast(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        if rec.header("authorization") != f"Bearer {TOKEN}":
            return self.error(
                401,
                "Authentication failed. Confirm that the access token in the authorization header is valid.",
            )
        key = rec.header("x-line-retry-key")
        if key is not None:
            try:
                uuid.UUID(key)
            except ValueError:
                return self.error(400, "The value for the 'X-Line-Retry-Key' header is invalid")
            if key in self.accepted:
                return json_response(
                    {"message": "The retry key is already accepted", "sentMessages": []},
                    409,
                    {
                        "x-line-request-id": str(uuid.uuid4()),
                        "x-line-accepted-request-id": self.accepted[key],
                    },
                )
        messages = rec.json().get("messages", [])
        if len(messages) > 5:
            return self.error(
                400,
                "The request body has 1 error(s)",
                [{"message": "Size must be between 1 and 5", "property": "messages"}],
            )
        for i, m in enumerate(messages):
            if m.get("type") == "image":
                for field in ("originalContentUrl", "previewImageUrl"):
                    if not str(m.get(field, "")).startswith("https://"):
                        return self.error(
                            400,
                            "The request body has 1 error(s)",
                            [
                                {
                                    "message": "must be a valid HTTPS URL",
                                    "property": f"messages[{i}].{field}",
                                }
                            ],
                        )
            if m.get("type") == "text" and len(m.get("text", "").encode("utf-16-le")) // 2 > 5000:
                return self.error(
                    400,
                    "The request body has 1 error(s)",
                    [
                        {
                            "message": "Length must be between 0 and 5000",
                            "property": f"messages[{i}].text",
                        }
                    ],
                )
        request_id = str(uuid.uuid4())
        if key is not None:
            self.accepted[key] = request_id
        self.broadcasts.append({"request_id": request_id, "messages": messages})
        return json_response({}, 200, {"x-line-request-id": request_id})
