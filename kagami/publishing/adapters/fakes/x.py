"""A fake X API v2: the endpoints the X adapter uses, behaving as X's documentation says.

Endpoints (docs.x.com): `POST /2/tweets` (x-api/posts/create-post), `POST /2/media/upload`
and `POST /2/media/metadata` (x-api/media), `GET /2/users/me` (x-api/users/get-my-user),
`GET /2/users/:id/tweets` (x-api/users/get-posts), `POST /2/oauth2/token` with
grant_type=refresh_token (fundamentals/authentication/oauth-2-0/authorization-code),
`DELETE /2/tweets/:id` (x-api/posts/manage-tweets, "Delete a Post"), `GET /2/tweets/:id`
(x-api/posts/lookup) and `GET /2/users/by/username/:username` (x-api/users/lookup).
API errors are problem documents (`title`, `detail`, `type`, `status`, sometimes `errors`);
token endpoint errors are OAuth errors (`error`, `error_description`; RFC 6749 §5.2). Rate
limits travel as `x-rate-limit-limit/-remaining/-reset` (epoch seconds), and on
`POST /2/tweets` also as `x-app-limit-24hour-*` and, where the access tier has one,
`x-user-limit-24hour-*`. Returned post text has its URLs shortened to t.co links, as X does.

Time is `clock()` (epoch seconds, `time.time` unless a test sets another), so time_machine
moves it too. OAuth 2.0 access tokens expire two hours after they are issued; a refresh token
(granted with `offline.access`) gets a new access token and a new refresh token from
`/2/oauth2/token`, and the one it used stops working. Each access token belongs to one user
(`add_user`), with a timeline of its own: `users/me` answers who the token's user is, and a
post goes to that user's timeline. The server is threaded, so its state is changed under a lock.

Test controls, not part of X's API: `refuse_duplicates` (X refuses a post whose text repeats
one of the account's posts; turn it off to let a test see duplicates), `answer_delay` (seconds
between storing a new post and answering `POST /2/tweets`), `on_created` (called with the user
and the post once it is stored, before the answer; it may block to hold the answer, and it may
return CLOSE, HANG or a FakeResponse to send instead of X's answer), `user_daily_post_limit`
and `app_daily_post_limit` (the 24-hour limits on `POST /2/tweets`), `clock`, `add_client`
(an OAuth client; CLIENT_ID is a public one), `add_user`, `add_post` and `add_account` (an
account that exists on X without a token here: what a handle lookup finds).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kagami.publishing.adapters.fakes.server import (
    Answer,
    FakeResponse,
    FakeServer,
    Recorded,
    json_response,
)

TOKEN = "x-oauth2-user-token"  # noqa: S105 (a fake server's token)
REFRESH_TOKEN = "x-oauth2-refresh-token"  # noqa: S105
CLIENT_ID = "a2FnYW1pbm8tdG93bjoxOmNp"  # the town's app, a public OAuth 2.0 client
USER_ID = "1500000000000000001"
USERNAME = "kagami_town"
# fundamentals/authentication/oauth-2-0/authorization-code, "How long will my credentials stay
# valid?": two hours, unless the refresh token (offline.access) is used for a new one.
ACCESS_TOKEN_LIFETIME = 2 * 60 * 60
SCOPE = "tweet.read tweet.write users.read media.write offline.access"
# x-api/fundamentals/rate-limits: limits are per 15 minutes unless noted ("/24hrs").
WINDOW = 15 * 60
DAY = 24 * 60 * 60
# Per user and 15 minutes: POST /2/tweets, GET /2/users/me and GET /2/users/:id/tweets as in
# the x-api/fundamentals/rate-limits tables; media upload's figure is not checked.
# DELETE /2/tweets/:id: "50 requests per 15-minute window per each authenticated user"
# (tweets/manage-tweets/api-reference/delete-tweets-id). GET /2/tweets/:id and
# GET /2/users/by/username/:username: 900 as in the older lookup references (not checked for the
# current access tiers).
USER_LIMITS = {
    "tweets": 100,
    "media": 500,
    "users/me": 75,
    "timeline": 900,
    "delete": 50,
    "tweet": 900,
    "users/by": 900,
}
# help.x.com/en/managing-your-account/x-username-rules: at most 15 letters, digits and underscores.
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")
_NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"
# x-api/posts/create-post request body (and the OpenAPI spec): media.media_ids has 1 to 4 items.
MAX_MEDIA = 4
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
# x-api/users/get-posts: start_time is YYYY-MM-DDTHH:mm:ssZ (ISO 8601/RFC 3339).
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z")
_INVALID = "https://api.twitter.com/2/problems/invalid-request"


def problem(status: int, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"title": title, "detail": detail, "type": "about:blank", "status": status, **extra}


def invalid_request(parameter: str, value: str, message: str) -> FakeResponse:
    """X's 400 for a parameter it does not take (the shape of every v2 validation error)."""
    return json_response(
        {
            "errors": [{"parameters": {parameter: [value]}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": _INVALID,
        },
        400,
    )


def oauth_error(status: int, error: str, description: str) -> FakeResponse:
    """The token endpoint's error answer (RFC 6749 §5.2, which X follows; e.g. a spent refresh
    token: 400 invalid_request "Value passed for the token was invalid.")."""
    return json_response({"error": error, "error_description": description}, status)


def not_found(resource: str, parameter: str, value: str, detail: str, title: str) -> dict[str, Any]:
    """The problem X puts in `errors` for a resource named in the request that it does not
    show: "Could not find tweet with id: [..].", "User has been suspended: [..]." (as answered
    by X and recorded in public client code; the type is the documented resource-not-found
    problem, x-api/fundamentals/response-codes-and-errors)."""
    return {
        "value": value,
        "detail": detail,
        "title": title,
        "resource_type": resource,
        "parameter": parameter,
        "resource_id": value,
        "type": _NOT_FOUND,
    }


def shown(text: str) -> str:
    """A post's text the way X returns it: t.co links, &, < and > escaped."""
    text = _URL.sub(
        lambda m: "https://t.co/" + hashlib.sha1(m.group(0).encode()).hexdigest()[:10],  # noqa: S324
        text,
    )
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def timestamp(epoch: float) -> str:
    """A time as X writes `created_at`: 2026-11-24T01:00:00.000Z (x-api/fundamentals/fields)."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class XUser:
    """An X user and its timeline, newest post first. `token` is the access token it was
    added with; `refresh_token` the refresh token of that authorisation, if any."""

    id: str
    username: str
    name: str
    token: str
    refresh_token: str = ""
    posts: list[dict[str, Any]] = field(default_factory=list)
    created_at: str = "2012-04-01T00:00:00.000Z"
    suspended: bool = False


@dataclass
class _Grant:
    """What a token stands for: a user's authorisation of one OAuth client."""

    user: XUser
    client_id: str
    expires_at: float = 0.0  # access tokens only


@dataclass
class _Window:
    """One rate limit: `limit` requests per `seconds`, counted from the window's first one."""

    limit: int
    seconds: int
    started: float = 0.0
    used: int = 0

    def roll(self, now: float) -> None:
        if now >= self.started + self.seconds:
            self.started, self.used = now, 0

    def reset(self) -> int:
        return int(self.started + self.seconds)


class FakeX(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.clock: Callable[[], float] = time.time
        self.users: dict[str, XUser] = {}  # by the access token the user was added with
        self.accounts: dict[str, XUser] = {}  # others on X, by lowercased username
        self.media: dict[str, dict[str, Any]] = {}
        self.clients: dict[str, str | None] = {CLIENT_ID: None}  # client id → secret
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}
        self._windows: dict[tuple[str, str], _Window] = {}
        self._issued = itertools.count(1)
        self._seq = 1900000000000000000
        self._user_seq = int(USER_ID)
        self._state = threading.RLock()
        # Test controls (see the module's docstring).
        self.refuse_duplicates = True
        self.answer_delay = 0.0
        self.on_created: Callable[[XUser, dict[str, Any]], Answer | None] | None = None
        # x-api/fundamentals/rate-limits: POST /2/tweets, 10,000 per 24 hours per app. A
        # per-user 24-hour limit depends on the access tier (absent on pay-per-use).
        self.app_daily_post_limit = 10_000
        self.user_daily_post_limit: int | None = None
        self.user = self.add_user(
            TOKEN, USERNAME, "鏡野町", user_id=USER_ID, refresh_token=REFRESH_TOKEN
        )
        self.posts = self.user.posts  # the first user's timeline
        self.route("POST", r"/2/tweets", self._create)
        self.route("POST", r"/2/media/upload", self._upload)
        self.route("POST", r"/2/media/metadata", self._metadata)
        self.route("GET", r"/2/users/me", self._me)
        self.route("GET", r"/2/users/(?P<id>\d+)/tweets", self._user_posts)
        self.route("POST", r"/2/oauth2/token", self._token)
        self.route("DELETE", r"/2/tweets/(?P<id>\d+)", self._delete)
        self.route("GET", r"/2/tweets/(?P<id>\d+)", self._lookup_post)
        self.route("GET", r"/2/users/by/username/(?P<username>[^/]+)", self._by_username)

    # -- canned answers -------------------------------------------------------------------
    @staticmethod
    def error(
        status: int, title: str, detail: str, headers: dict[str, str] | None = None
    ) -> FakeResponse:
        return json_response(problem(status, title, detail), status, headers)

    @staticmethod
    def rate_limited(reset_epoch: int, headers: dict[str, str] | None = None) -> FakeResponse:
        """X's 429 when the 15-minute window is used up (`headers` adds or replaces some)."""
        return FakeX.error(
            429,
            "Too Many Requests",
            "Too Many Requests",
            {
                "x-rate-limit-limit": "100",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(reset_epoch),
                **(headers or {}),
            },
        )

    # -- set-up ---------------------------------------------------------------------------
    def _next_id(self) -> str:
        with self._state:
            self._seq += 1
            return str(self._seq)

    def add_client(self, client_id: str, secret: str | None = None) -> None:
        """An OAuth 2.0 client (an app): confidential when it has a secret."""
        with self._state:
            self.clients[client_id] = secret

    def add_user(
        self,
        token: str,
        username: str,
        name: str,
        *,
        user_id: str = "",
        refresh_token: str = "",
        client_id: str = CLIENT_ID,
    ) -> XUser:
        """Another user, who authorised `client_id`: `token` is its access token, issued now,
        and `refresh_token` (if any) the refresh token of the same authorisation."""
        with self._state:
            if not user_id:
                self._user_seq += 1
                user_id = str(self._user_seq)
            user = XUser(
                id=user_id, username=username, name=name, token=token, refresh_token=refresh_token
            )
            self.users[token] = user
            self._access[token] = _Grant(user, client_id, self.clock() + ACCESS_TOKEN_LIFETIME)
            if refresh_token:
                self._refresh[refresh_token] = _Grant(user, client_id)
        return user

    def add_post(
        self, text: str, user: XUser | None = None, *, at: datetime | None = None
    ) -> dict[str, Any]:
        """A post already on the account (the first user's unless `user`), made `at` (now
        unless given), stored the way X returns it (t.co links, &amp;)."""
        user = user or self.user
        made = at.timestamp() if at is not None else self.clock()
        with self._state:
            post_id = self._next_id()
            post = {
                "id": post_id,
                "text": shown(text),
                "edit_history_tweet_ids": [post_id],
                "created_at": timestamp(made),
            }
            user.posts.insert(0, post)
            user.posts.sort(key=lambda p: p["created_at"], reverse=True)  # newest first
        return post

    def add_account(
        self,
        username: str,
        name: str,
        *,
        created_at: datetime | None = None,
        suspended: bool = False,
    ) -> XUser:
        """An account on X that no token here belongs to (a look-alike of the town's)."""
        with self._state:
            self._user_seq += 1
            user = XUser(
                id=str(self._user_seq),
                username=username,
                name=name,
                token="",
                suspended=suspended,
            )
            if created_at is not None:
                user.created_at = timestamp(created_at.timestamp())
            self.accounts[username.lower()] = user
        return user

    def post_by_id(self, post_id: str) -> dict[str, Any] | None:
        with self._state:
            return next((p for u in self._everyone() for p in u.posts if p["id"] == post_id), None)

    def _everyone(self) -> list[XUser]:
        return [*self.users.values(), *self.accounts.values()]

    def user_of(self, access_token: str) -> XUser | None:
        """Whose `access_token` is, if it is one X issued (expired or not)."""
        grant = self._access.get(access_token)
        return grant.user if grant else None

    def refresh_token_of(self, user: XUser) -> str | None:
        """The refresh token that currently works for `user`, if any."""
        with self._state:
            return next((t for t, g in self._refresh.items() if g.user is user), None)

    # -- authorisation --------------------------------------------------------------------
    def _authorised(self, rec: Recorded) -> XUser | FakeResponse:
        # fundamentals/authentication/oauth-2-0/authorization-code: a user access token stays
        # valid for two hours; after that (or if unknown) X answers 401.
        auth = rec.header("authorization") or ""
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else ""
        with self._state:
            grant = self._access.get(token)
            if grant is not None and self.clock() < grant.expires_at:
                return grant.user
        return self.error(401, "Unauthorized", "Unauthorized")

    def _issue(self, user: XUser, client_id: str) -> dict[str, Any]:
        """New tokens for `user`, as the token endpoint answers (RFC 6749 §5.1)."""
        n = next(self._issued)
        access, refresh = f"x-access-{n}-{user.id}", f"x-refresh-{n}-{user.id}"
        self._access[access] = _Grant(user, client_id, self.clock() + ACCESS_TOKEN_LIFETIME)
        self._refresh[refresh] = _Grant(user, client_id)
        return {
            "token_type": "bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "access_token": access,
            "scope": SCOPE,
            "refresh_token": refresh,
        }

    def _token(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        # fundamentals/authentication/oauth-2-0/authorization-code, "Refresh tokens": POST
        # /2/oauth2/token, form-encoded refresh_token, grant_type=refresh_token and client_id.
        if not (rec.header("content-type") or "").startswith("application/x-www-form-urlencoded"):
            return oauth_error(400, "invalid_request", "Content-Type must be form-encoded.")
        form = {k: v[0] for k, v in rec.form().items()}
        client_id = form.get("client_id", "")
        auth = rec.header("authorization") or ""
        with self._state:
            if auth.startswith("Basic "):
                # .../user-access-token, "Working with confidential clients": the client id
                # and secret in a Basic authorization header.
                try:
                    client_id, _, secret = (
                        base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
                    )
                except (binascii.Error, UnicodeDecodeError):
                    secret = ""
                if not secret or self.clients.get(client_id) != secret:
                    return oauth_error(
                        401, "unauthorized_client", "Missing valid authorization header"
                    )
            elif not client_id:
                return oauth_error(
                    400, "invalid_request", "Missing required parameter [client_id]."
                )
            elif client_id not in self.clients or self.clients[client_id] is not None:
                # A confidential client must authenticate; X's answer without it, as reported
                # in github.com/xdevplatform/oauth2.0-bot/pull/2 and
                # github.com/unasuke/omniauth-twitter2/issues/4.
                return oauth_error(401, "unauthorized_client", "Missing valid authorization header")
            if form.get("grant_type") != "refresh_token":
                return oauth_error(
                    400, "invalid_request", "Value passed for the grant type was invalid."
                )
            # The refresh token is spent by its use and the answer carries a new one (RFC 6749
            # §6 lets the server rotate; X does: github.com/trypostit/trypost/issues/126). X's
            # error for a spent or unknown one is invalid_request (the same wording as for a
            # spent code in github.com/plhery/node-twitter-api-v2/issues/496). Whether X also
            # revokes the newer tokens on reuse, as that issue says, is not documented.
            grant = self._refresh.pop(form.get("refresh_token", ""), None)
            if grant is None or grant.client_id != client_id:
                if grant is not None:
                    self._refresh[form["refresh_token"]] = grant
                return oauth_error(
                    400, "invalid_request", "Value passed for the token was invalid."
                )
            return json_response(self._issue(grant.user, client_id))

    # -- rate limits ----------------------------------------------------------------------
    def _count(self, user: XUser, endpoint: str) -> tuple[dict[str, str], FakeResponse | None]:
        """Count one request of `user` to `endpoint`: the rate-limit headers of the answer,
        and X's 429 instead of it if a limit is used up. x-api/fundamentals/rate-limits,
        "Checking your limits": every answer carries x-rate-limit-limit/-remaining/-reset."""
        now = self.clock()
        limits = [("x-rate-limit", (user.id, endpoint), USER_LIMITS[endpoint], WINDOW)]
        if endpoint == "tweets":
            # The 24-hour limits of POST /2/tweets have headers of their own.
            limits.append(("x-app-limit-24hour", ("app", "tweets"), self.app_daily_post_limit, DAY))
            if self.user_daily_post_limit is not None:
                limits.append(
                    (
                        "x-user-limit-24hour",
                        (user.id, "tweets/day"),
                        self.user_daily_post_limit,
                        DAY,
                    )
                )
        headers: dict[str, str] = {}
        exhausted = False
        with self._state:
            windows = []
            for prefix, key, limit, seconds in limits:
                window = self._windows.setdefault(key, _Window(limit, seconds))
                window.limit = limit
                window.roll(now)
                exhausted = exhausted or window.used >= window.limit
                windows.append((prefix, window))
            for prefix, window in windows:
                if not exhausted:
                    window.used += 1
                headers |= {
                    f"{prefix}-limit": str(window.limit),
                    f"{prefix}-remaining": str(max(0, window.limit - window.used)),
                    f"{prefix}-reset": str(window.reset()),
                }
        if exhausted:
            return headers, self.error(429, "Too Many Requests", "Too Many Requests", headers)
        return headers, None

    # -- endpoints ------------------------------------------------------------------------
    def _create(self, rec: Recorded, _m: re.Match[str]) -> Answer:
        user = self._authorised(rec)
        if isinstance(user, FakeResponse):
            return user
        headers, limited = self._count(user, "tweets")
        if limited is not None:
            return limited
        body = rec.json()
        text = body.get("text", "")
        ids = (body.get("media") or {}).get("media_ids", [])
        # x-api/posts/create-post: media_ids takes 1 to 4 items; X names the broken rule.
        if len(ids) > MAX_MEDIA:
            return invalid_request(
                "media.media_ids",
                ",".join(ids),
                "$.media.media_ids: there must be a maximum of 4 items in the array",
            )
        with self._state:
            # X refuses a post that repeats one of the account's posts (403 "duplicate content").
            if self.refuse_duplicates and any(p["text"] == shown(text) for p in user.posts):
                return self.error(
                    403,
                    "Forbidden",
                    "You are not allowed to create a Tweet with duplicate content.",
                    headers,
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
                    headers,
                )
            if any(i not in self.media for i in ids):
                return self.error(400, "Invalid Request", "Your media IDs are invalid.", headers)
            post = self.add_post(text, user)
            for i in ids:
                self.media[i]["post"] = post["id"]
        instead = self.on_created(user, post) if self.on_created else None
        if self.answer_delay:
            time.sleep(self.answer_delay)
        if instead is not None:
            return instead
        # x-api/posts/create-post: 201 with the new post's id and text.
        return json_response(
            {
                "data": {
                    "id": post["id"],
                    "text": post["text"],
                    "edit_history_tweet_ids": [post["id"]],
                }
            },
            201,
            headers,
        )

    def _upload(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        user = self._authorised(rec)
        if isinstance(user, FakeResponse):
            return user
        headers, limited = self._count(user, "media")
        if limited is not None:
            return limited
        body = rec.json()
        content = base64.b64decode(body["media"])
        mid = self._next_id()
        with self._state:
            self.media[mid] = {
                "content": content,
                "category": body.get("media_category"),
                "alt": None,
                "post": None,
            }
        # x-api/media/upload-media: the media id, its key and how long it may be attached.
        return json_response(
            {
                "data": {
                    "id": mid,
                    "media_key": f"3_{mid}",
                    "size": len(content),
                    "expires_after_secs": 86400,
                }
            },
            headers=headers,
        )

    def _metadata(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        user = self._authorised(rec)
        if isinstance(user, FakeResponse):
            return user
        headers, limited = self._count(user, "media")
        if limited is not None:
            return limited
        body = rec.json()
        with self._state:
            if body["id"] not in self.media:
                return self.error(400, "Invalid Request", "Media not found.", headers)
            self.media[body["id"]]["alt"] = body["metadata"]["alt_text"]["text"]
        return json_response(
            {"data": {"id": body["id"], "associated_metadata": body["metadata"]}}, headers=headers
        )

    def _me(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        user = self._authorised(rec)
        if isinstance(user, FakeResponse):
            return user
        headers, limited = self._count(user, "users/me")
        if limited is not None:
            return limited
        return json_response(
            {"data": {"id": user.id, "name": user.name, "username": user.username}},
            headers=headers,
        )

    def _user_posts(self, rec: Recorded, m: re.Match[str]) -> FakeResponse:
        # x-api/users/get-posts: newest first; max_results 5–100 (default 10); start_time
        # (inclusive) and pagination_token narrow the list; a post carries id, text and
        # edit_history_tweet_ids, and created_at only when tweet.fields asks for it.
        user = self._authorised(rec)
        if isinstance(user, FakeResponse):
            return user
        headers, limited = self._count(user, "timeline")
        if limited is not None:
            return limited
        query = {k: v[0] for k, v in rec.query.items()}
        raw_limit = query.get("max_results", "10")
        if not raw_limit.isdigit() or not 5 <= int(raw_limit) <= 100:
            return invalid_request(
                "max_results",
                raw_limit,
                f"The `max_results` query parameter value [{raw_limit}] is not between 5 and 100",
            )
        since = query.get("start_time")
        if since is not None and not _TIMESTAMP.fullmatch(since):
            return invalid_request(
                "start_time", since, f"Invalid 'start_time':'{since}'. 'start_time' must be a date."
            )
        # The fields parameter is tweet.fields in the reference; xdk's OpenAPI spec (v2.167)
        # spells it post.fields. Both are taken here.
        fields = set((query.get("tweet.fields") or query.get("post.fields") or "").split(","))
        offset = int(query.get("pagination_token") or 0)
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
                    },
                    headers=headers,
                )
            chosen = [p for p in owner.posts if since is None or p["created_at"] >= _normal(since)]
            page = [
                {k: v for k, v in p.items() if k != "created_at" or "created_at" in fields}
                for p in chosen[offset : offset + int(raw_limit)]
            ]
            more = offset + len(page) < len(chosen)
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta |= {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
        if more:
            meta["next_token"] = str(offset + len(page))
        return json_response(
            {"data": page, "meta": meta} if page else {"meta": meta}, headers=headers
        )

    # -- deleting and looking up ----------------------------------------------------------
    def _delete(self, rec: Recorded, m: re.Match[str]) -> FakeResponse:
        # tweets/manage-tweets/api-reference/delete-tweets-id: the authenticated user deletes
        # one of its posts; 200 {"data": {"deleted": true}}.
        user = self._authorised(rec)
        if isinstance(user, FakeResponse):
            return user
        headers, limited = self._count(user, "delete")
        if limited is not None:
            return limited
        with self._state:
            post = next((p for p in user.posts if p["id"] == m["id"]), None)
            if post is not None:
                user.posts.remove(post)
                return json_response({"data": {"deleted": True}}, headers=headers)
        # X documents only the success answer. For a post that is not (or no longer) there the
        # fake answers as v2 does for a missing resource (DeletePostsResponse carries `errors`
        # beside `data`); the adapter does not rely on it and looks the post up instead.
        problem = not_found(
            "tweet", "id", m["id"], f"Could not find tweet with id: [{m['id']}].", "Not Found Error"
        )
        return json_response({"errors": [problem]}, headers=headers)

    def _lookup_post(self, rec: Recorded, m: re.Match[str]) -> FakeResponse:
        # x-api/posts/lookup (GET /2/tweets/:id): the post's id, text and edit history; a post
        # that does not exist (or was deleted) comes back as a resource-not-found problem with 200.
        user = self._authorised(rec)
        if isinstance(user, FakeResponse):
            return user
        headers, limited = self._count(user, "tweet")
        if limited is not None:
            return limited
        post = self.post_by_id(m["id"])
        if post is None:
            problem = not_found(
                "tweet",
                "id",
                m["id"],
                f"Could not find tweet with id: [{m['id']}].",
                "Not Found Error",
            )
            return json_response({"errors": [problem]}, headers=headers)
        shown_post = {k: v for k, v in post.items() if k != "created_at"}
        return json_response({"data": shown_post}, headers=headers)

    def _by_username(self, rec: Recorded, m: re.Match[str]) -> FakeResponse:
        # x-api/users/lookup (GET /2/users/by/username/:username): id, name and username, and
        # created_at when user.fields asks for it. A username that breaks the username rules is
        # a 400 Invalid Request; an unknown or suspended account comes back with 200 and only an
        # `errors` array (as X answers, recorded in public client code; the integrate guide,
        # x-api/users/lookup/integrate, speaks of a 404 for a single lookup instead).
        user = self._authorised(rec)
        if isinstance(user, FakeResponse):
            return user
        headers, limited = self._count(user, "users/by")
        if limited is not None:
            return limited
        name = m["username"]
        if not _USERNAME.fullmatch(name):
            return invalid_request(
                "username",
                name,
                f"The `username` path parameter value [{name}] does not match "
                "^[A-Za-z0-9_]{1,15}$",
            )
        fields = set(",".join(rec.query.get("user.fields") or []).split(","))
        with self._state:
            found = next((u for u in self._everyone() if u.username.lower() == name.lower()), None)
        if found is None:
            problem = not_found(
                "user",
                "username",
                name,
                f"Could not find user with username: [{name}].",
                "Not Found Error",
            )
            return json_response({"errors": [problem]}, headers=headers)
        if found.suspended:
            problem = not_found(
                "user", "username", name, f"User has been suspended: [{name}].", "Forbidden"
            )
            return json_response({"errors": [problem]}, headers=headers)
        data = {"id": found.id, "name": found.name, "username": found.username}
        if "created_at" in fields:
            data["created_at"] = found.created_at
        return json_response({"data": data}, headers=headers)


def _normal(moment: str) -> str:
    """A start_time in created_at's form (milliseconds), so the two compare as strings."""
    seconds, _, fraction = moment.removesuffix("Z").partition(".")
    return f"{seconds}.{fraction.ljust(3, '0')}Z"
