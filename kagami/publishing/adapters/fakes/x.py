"""A fake X API v2: the endpoints the X adapter uses.

Wire format from the X API v2 reference (docs.x.com/x-api): `POST /2/tweets`,
`POST /2/media/upload`, `POST /2/media/metadata`, `GET /2/users/me`, `GET /2/users/:id/tweets`.
Errors are RFC 7807-style problems (`title`, `detail`, `type`, `status`, sometimes `errors`);
rate limits travel as `x-rate-limit-limit/-remaining/-reset` (epoch seconds). Returned post
text has its URLs shortened to t.co links, as X does.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from kagami.publishing.adapters.fakes.server import (
    FakeResponse,
    FakeServer,
    Recorded,
    json_response,
)

TOKEN = "x-oauth2-user-token"  # noqa: S105 (a fake server's token)
USER_ID = "1500000000000000001"
USERNAME = "kagami_town"
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def problem(status: int, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": "about:blank", "status": status, **extra}


class FakeX(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.posts: list[dict[str, Any]] = []
        self.media: dict[str, dict[str, Any]] = {}
        self._seq = 1900000000000000000
        self.route("POST", r"/2/tweets", self._create)
        self.route("POST", r"/2/media/upload", self._upload)
        self.route("POST", r"/2/media/metadata", self._metadata)
        self.route("GET", r"/2/users/me", self._me)
        self.route("GET", r"/2/users/(?P<id>\d+)/tweets", self._user_posts)

    @staticmethod
    def error(
        status: int, title: str, detail: str, headers: dict[str, str] | None = None
    ) -> FakeResponse:
        return json_response(problem(status, title, detail), status, headers)

    @staticmethod
    def rate_limited(reset_epoch: int) -> FakeResponse:
        return FakeX.error(
            429,
            "Too Many Requests",
            "Too Many Requests",
            {
                "x-rate-limit-limit": "200",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(reset_epoch),
            },
        )

    def add_post(self, text: str) -> dict[str, Any]:
        """A post already on the account, stored the way X returns it (t.co links, &amp;)."""
        self._seq += 1
        shown = _URL.sub(
            lambda m: "https://t.co/" + hashlib.sha1(m.group(0).encode()).hexdigest()[:10],  # noqa: S324
            text,
        )
        shown = shown.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        post = {"id": str(self._seq), "text": shown, "edit_history_tweet_ids": [str(self._seq)]}
        self.posts.insert(0, post)
        return post

    def _authorised(self, rec: Recorded) -> FakeResponse | None:
        if rec.header("authorization") != f"Bearer {TOKEN}":
            return self.error(401, "Unauthorized", "Unauthorized")
        return None

    def _create(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        if denied := self._authorised(rec):
            return denied
        body = rec.json()
        text = body.get("text", "")
        if any(p["text"] == text for p in self.posts):
            return self.error(
                403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
            )
        if len(text) > 280:
            return json_response(
                problem(
                    400,
                    "Invalid Request",
                    "One or more parameters to your request was invalid.",
                    errors=[{"parameters": {"text": [text]}, "message": "The text is too long."}],
                ),
                400,
            )
        ids = (body.get("media") or {}).get("media_ids", [])
        if any(i not in self.media for i in ids):
            return self.error(400, "Invalid Request", "Your media IDs are invalid.")
        post = self.add_post(text)
        return json_response(
            {
                "data": {
                    "id": post["id"],
                    "text": post["text"],
                    "edit_history_tweet_ids": [post["id"]],
                }
            },
            201,
        )

    def _upload(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        if denied := self._authorised(rec):
            return denied
        body = rec.json()
        content = base64.b64decode(body["media"])
        self._seq += 1
        mid = str(self._seq)
        self.media[mid] = {"content": content, "category": body.get("media_category"), "alt": None}
        return json_response(
            {
                "data": {
                    "id": mid,
                    "media_key": f"3_{mid}",
                    "size": len(content),
                    "expires_after_secs": 86400,
                }
            }
        )

    def _metadata(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        if denied := self._authorised(rec):
            return denied
        body = rec.json()
        if body["id"] not in self.media:
            return self.error(400, "Invalid Request", "Media not found.")
        self.media[body["id"]]["alt"] = body["metadata"]["alt_text"]["text"]
        return json_response({"data": {"id": body["id"], "associated_metadata": body["metadata"]}})

    def _me(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        return self._authorised(rec) or json_response(
            {"data": {"id": USER_ID, "name": "鏡野町", "username": USERNAME}}
        )

    def _user_posts(self, rec: Recorded, m: re.Match[str]) -> FakeResponse:
        if denied := self._authorised(rec):
            return denied
        if m["id"] != USER_ID:
            return json_response(
                {
                    "errors": [
                        {
                            "title": "Not Found Error",
                            "detail": f"Could not find user with id: [{m['id']}].",
                        }
                    ]
                }
            )
        limit = int((rec.query.get("max_results") or ["10"])[0])
        page = self.posts[:limit]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta |= {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
        return json_response({"data": page, "meta": meta} if page else {"meta": meta})
