"""A fake X API v2: the endpoints the X adapter uses.

Wire format from the X API v2 reference (docs.x.com/x-api): `POST /2/tweets`,
`POST /2/media/upload`, `POST /2/media/metadata`, `GET /2/users/me`, `GET /2/users/:id/tweets`.
Errors are RFC 7807-style problems (`title`, `detail`, `type`, `status`, sometimes `errors`);
rate limits travel as `x-rate-limit-limit/-remaining/-reset` (epoch seconds). Returned post
text has its URLs shortened to t.co links, as X does.

Each user-context access token belongs to one user (`add_user`), with a timeline of its own:
`users/me` answers who the token's user is, and a post goes to that user's timeline.
The server is threaded, so its state is changed under a lock.

Test controls, not part of X's API: `refuse_duplicates` (X refuses a post whose text repeats
one of the account's posts; turn it off to let a test see duplicates), `answer_delay` (seconds
between storing a new post and answering `POST /2/tweets`) and `on_created` (called with the
user and the post once it is stored, before the answer; it may block to hold the answer, and
it may return CLOSE, HANG or a FakeResponse to send instead of X's answer).
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kagami.publishing.adapters.fakes.server import (
    Answer,
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


def shown(text: str) -> str:
    """A post's text the way X returns it: t.co links, &, < and > escaped."""
    text = _URL.sub(
        lambda m: "https://t.co/" + hashlib.sha1(m.group(0).encode()).hexdigest()[:10],  # noqa: S324
        text,
    )
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class XUser:
    """An X user and its timeline, newest post first."""

    id: str
    username: str
    name: str
    token: str
    posts: list[dict[str, Any]] = field(default_factory=list)


class FakeX(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.users: dict[str, XUser] = {}  # by access token
        self.media: dict[str, dict[str, Any]] = {}
        self._seq = 1900000000000000000
        self._user_seq = int(USER_ID)
        self._state = threading.RLock()
        # Test controls (see the module's docstring).
        self.refuse_duplicates = True
        self.answer_delay = 0.0
        self.on_created: Callable[[XUser, dict[str, Any]], Answer | None] | None = None
        self.user = self.add_user(TOKEN, USERNAME, "鏡野町", user_id=USER_ID)
        self.posts = self.user.posts  # the first user's timeline
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

    def _next_id(self) -> str:
        with self._state:
            self._seq += 1
            return str(self._seq)

    def add_user(self, token: str, username: str, name: str, *, user_id: str = "") -> XUser:
        """Another user, reached with its own access token."""
        with self._state:
            if not user_id:
                self._user_seq += 1
                user_id = str(self._user_seq)
            user = XUser(id=user_id, username=username, name=name, token=token)
            self.users[token] = user
        return user

    def add_post(self, text: str, user: XUser | None = None) -> dict[str, Any]:
        """A post already on the account (the first user's unless `user`), stored the way X
        returns it (t.co links, &amp;)."""
        user = user or self.user
        with self._state:
            post_id = self._next_id()
            post = {"id": post_id, "text": shown(text), "edit_history_tweet_ids": [post_id]}
            user.posts.insert(0, post)
        return post

    def _authorised(self, rec: Recorded) -> XUser | FakeResponse:
        auth = rec.header("authorization") or ""
        user = self.users.get(auth.removeprefix("Bearer ")) if auth.startswith("Bearer ") else None
        return user or self.error(401, "Unauthorized", "Unauthorized")

    def _create(self, rec: Recorded, _m: re.Match[str]) -> Answer:
        user = self._authorised(rec)
        if isinstance(user, FakeResponse):
            return user
        body = rec.json()
        text = body.get("text", "")
        with self._state:
            if self.refuse_duplicates and any(p["text"] == shown(text) for p in user.posts):
                return self.error(
                    403,
                    "Forbidden",
                    "You are not allowed to create a Tweet with duplicate content.",
                )
            if len(text) > 280:
                return json_response(
                    problem(
                        400,
                        "Invalid Request",
                        "One or more parameters to your request was invalid.",
                        errors=[
                            {"parameters": {"text": [text]}, "message": "The text is too long."}
                        ],
                    ),
                    400,
                )
            ids = (body.get("media") or {}).get("media_ids", [])
            if any(i not in self.media for i in ids):
                return self.error(400, "Invalid Request", "Your media IDs are invalid.")
            post = self.add_post(text, user)
        instead = self.on_created(user, post) if self.on_created else None
        if self.answer_delay:
            time.sleep(self.answer_delay)
        if instead is not None:
            return instead
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
        user = self._authorised(rec)
        if isinstance(user, FakeResponse):
            return user
        body = rec.json()
        content = base64.b64decode(body["media"])
        mid = self._next_id()
        with self._state:
            self.media[mid] = {
                "content": content,
                "category": body.get("media_category"),
                "alt": None,
            }
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
        user = self._authorised(rec)
        if isinstance(user, FakeResponse):
            return user
        body = rec.json()
        with self._state:
            if body["id"] not in self.media:
                return self.error(400, "Invalid Request", "Media not found.")
            self.media[body["id"]]["alt"] = body["metadata"]["alt_text"]["text"]
        return json_response({"data": {"id": body["id"], "associated_metadata": body["metadata"]}})

    def _me(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        user = self._authorised(rec)
        if isinstance(user, FakeResponse):
            return user
        return json_response(
            {"data": {"id": user.id, "name": user.name, "username": user.username}}
        )

    def _user_posts(self, rec: Recorded, m: re.Match[str]) -> FakeResponse:
        user = self._authorised(rec)
        if isinstance(user, FakeResponse):
            return user
        with self._state:
            owner = next((u for u in self.users.values() if u.id == m["id"]), None)
            if owner is None:
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
            page = [dict(p) for p in owner.posts[:limit]]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta |= {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
        return json_response({"data": page, "meta": meta} if page else {"meta": meta})
