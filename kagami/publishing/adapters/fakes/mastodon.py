"""A fake Mastodon instance: the REST endpoints the Mastodon adapter uses.

Wire format from the Mastodon API documentation (docs.joinmastodon.org/methods/statuses,
/methods/media, /methods/accounts, /api/rate-limits): errors are `{"error": "..."}`, rate
limits travel as `X-RateLimit-Limit/-Remaining/-Reset` (ISO 8601), `Idempotency-Key` on
`POST /api/v1/statuses` returns the status already created with that key.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from kagami.publishing.adapters.fakes.server import (
    FakeResponse,
    FakeServer,
    Recorded,
    json_response,
)

TOKEN = "mastodon-test-token"  # noqa: S105 (a fake server's token)
_URL = re.compile(r"https?://[^\s<]+")


def render_content(text: str) -> str:
    """Text → the HTML Mastodon stores in `content` (paragraphs, <br />, linkified URLs)."""

    def linkify(escaped: str) -> str:
        def link(m: re.Match[str]) -> str:
            url = m.group(0)
            scheme, _, rest = url.partition("://")
            shown, hidden = rest[:30], rest[30:]
            return (
                f'<a href="{url}" rel="nofollow noopener" target="_blank">'
                f'<span class="invisible">{scheme}://</span><span class="ellipsis">{shown}</span>'
                f'<span class="invisible">{hidden}</span></a>'
            )

        return _URL.sub(link, escaped)

    paragraphs = [p for p in text.split("\n\n") if p]
    return "".join(
        "<p>"
        + "<br />".join(linkify(html.escape(line, quote=False)) for line in p.split("\n"))
        + "</p>"
        for p in paragraphs
    )


class FakeMastodon(FakeServer):
    def __init__(self, *, username: str = "kagami_town") -> None:
        super().__init__()
        self.username = username
        self.account_id = "109000000000000001"
        self.statuses: list[dict[str, Any]] = []
        self.media: dict[str, dict[str, Any]] = {}
        self._by_key: dict[str, dict[str, Any]] = {}
        self._next = 110000000000000000
        self.route("GET", r"/api/v1/accounts/verify_credentials", self._verify)
        self.route("GET", r"/api/v1/accounts/(?P<id>\d+)/statuses", self._account_statuses)
        self.route("POST", r"/api/v2/media", self._media)
        self.route("POST", r"/api/v1/statuses", self._post_status)

    # The shapes a test needs to script errors.
    @staticmethod
    def error(status: int, message: str, headers: dict[str, str] | None = None) -> FakeResponse:
        return json_response({"error": message}, status, headers)

    @staticmethod
    def rate_limited(reset: datetime) -> FakeResponse:
        return json_response(
            {"error": "Too many requests"},
            429,
            {
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset.astimezone(UTC).isoformat(timespec="milliseconds"),
            },
        )

    def add_status(self, text: str) -> dict[str, Any]:
        """A status already on the account (posted earlier, e.g. by an interrupted attempt)."""
        self._next += 1
        sid = str(self._next)
        status = {
            "id": sid,
            "created_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "uri": f"{self.url}/users/{self.username}/statuses/{sid}",
            "url": f"{self.url}/@{self.username}/{sid}",
            "content": render_content(text),
            "visibility": "public",
            "account": self._account(),
            "media_attachments": [],
        }
        self.statuses.insert(0, status)
        return status

    def _account(self) -> dict[str, Any]:
        return {
            "id": self.account_id,
            "username": self.username,
            "acct": self.username,
            "url": f"{self.url}/@{self.username}",
        }

    def _authorised(self, rec: Recorded) -> FakeResponse | None:
        if rec.header("authorization") != f"Bearer {TOKEN}":
            return self.error(401, "The access token is invalid")
        return None

    def _verify(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        return self._authorised(rec) or json_response(self._account())

    def _account_statuses(self, rec: Recorded, m: re.Match[str]) -> FakeResponse:
        if m["id"] != self.account_id:
            return self.error(404, "Record not found")
        limit = int((rec.query.get("limit") or ["20"])[0])
        return json_response(self.statuses[:limit])

    def _media(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        if denied := self._authorised(rec):
            return denied
        parts = rec.multipart()
        if "file" not in parts:
            return self.error(422, "Validation failed: File can't be blank")
        self._next += 1
        mid = str(self._next)
        description = parts.get("description", (b"", None))[0].decode()
        self.media[mid] = {
            "id": mid,
            "type": "image",
            "url": None,
            "description": description or None,
            "content_type": parts["file"][1],
            "size": len(parts["file"][0]),
        }
        # Mastodon processes v2 uploads asynchronously: 202 and a null url.
        return json_response(self.media[mid], 202)

    def _post_status(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        if denied := self._authorised(rec):
            return denied
        key = rec.header("idempotency-key")
        if key and key in self._by_key:
            return json_response(self._by_key[key])
        form = rec.form()
        text = (form.get("status") or [""])[0]
        if not text.strip():
            return self.error(422, "Validation failed: Text can't be blank")
        if len(text) > 500:
            return self.error(422, "Validation failed: Text character limit of 500 exceeded")
        ids = form.get("media_ids[]", []) + form.get("media_ids", [])
        if any(i not in self.media for i in ids):
            return self.error(422, "Validation failed: Media ids are invalid")
        status = self.add_status(text)
        status["media_attachments"] = [self.media[i] for i in ids]
        if key:
            self._by_key[key] = status
        return json_response(status)


def reset_in(seconds: int) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)
