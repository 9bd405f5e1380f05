"""X adapter (xdk 0.10.6, the official X API v2 Python SDK).

X API v2 endpoints (docs.x.com):
- `POST /2/tweets` (x-api/posts/create-post): at most 4 media ids per post.
- `POST /2/media/upload`, `POST /2/media/metadata` (x-api/media): images and their alt text.
- `GET /2/users/me`, `GET /2/users/:id/tweets` with `tweet.fields=created_at` and `start_time`
  (x-api/users/get-posts): after an interrupted attempt, the account's posts since the first
  attempt (X has no idempotency key).
- `POST /2/oauth2/token` with grant_type=refresh_token (fundamentals/authentication/oauth-2-0/
  authorization-code and user-access-token): a new access token, and a new refresh token.
- `DELETE /2/tweets/:id` (tweets/manage-tweets/api-reference/delete-tweets-id; scopes
  tweet.read, tweet.write, users.read; 50 per 15 minutes per user): answers
  `{"data": {"deleted": true}}`. What X answers for a post already gone is not documented, so
  any other answer is checked with `GET /2/tweets/:id` (x-api/posts/lookup), whose
  resource-not-found problem means the post is gone.
- `GET /2/users/by/username/:username` with `user.fields=created_at` (x-api/users/lookup): the
  account holding a handle. An unknown or suspended account comes back as a resource-not-found
  problem in `errors` (with 200 as X answers; with 404 as the integrate guide says): both are
  "no such account".

Editing: POST /2/tweets takes `edit_options.previous_post_id` in X's OpenAPI specification (xdk's
CreatePostsEditOptions), but a post can be edited only within 30 minutes of posting, at most
5 times, each edit a new post ID (x-api/fundamentals/edit-posts): not a way to correct a notice
found wrong later, so `can_edit` stays False.

Rate limits (x-api/fundamentals/rate-limits): `x-rate-limit-reset` (epoch seconds) for the
15-minute window; `POST /2/tweets` also answers `x-user-limit-24hour-*` and
`x-app-limit-24hour-*`, whose reset counts when the 24-hour allowance is used up. API errors
are problem documents with `title` and `detail`; the token endpoint's are OAuth errors
(`error`, `error_description`).

Credentials (vault API tokens): `access_token` (OAuth 2.0 user context: tweet.read,
tweet.write, users.read, media.write, and offline.access for a refresh token); optionally
`refresh_token` and `client_id` (and `client_secret` for a confidential client), with which
the adapter refreshes the access token, which lasts two hours, and writes
`access_token_expires_at` (ISO 8601). `base_url` overrides https://api.x.com.
"""

from __future__ import annotations

import base64
import html
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import requests
from pydantic import ValidationError
from xdk import Client
from xdk.media.models import CreateMetadataRequest, UploadRequest
from xdk.posts.models import CreateRequest
from xdk.users.models import GetPostsResponse

from kagami.publishing.adapters import images
from kagami.publishing.adapters.base import (
    CLOCK_SKEW,
    Adapter,
    ErrorKind,
    FoundUser,
    MediaFile,
    Published,
    PublishError,
    PublishRequest,
)

DEFAULT_BASE_URL = "https://api.x.com"
WEB_URL = "https://x.com"
# A page of the account's posts since the first attempt (x-api/users/get-posts: 5–100).
PAGE_SIZE = 100
MAX_PAGES = 3
DEFAULT_RATE_LIMIT_WAIT = timedelta(minutes=15)
# Refresh an access token that expires within this long, so that no call meets it expired.
REFRESH_MARGIN = timedelta(minutes=5)
# fundamentals/authentication/oauth-2-0/authorization-code: two hours, if the answer omits it.
ACCESS_TOKEN_LIFETIME = timedelta(hours=2)
EXPIRES_AT = "access_token_expires_at"

_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
# help.x.com/en/managing-your-account/x-username-rules: at most 15 letters, digits and
# underscores. Anything else cannot be an X account (X would answer 400 Invalid Request).
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")
_NOT_FOUND_PROBLEM = "/2/problems/resource-not-found"
_SPACE = re.compile(r"\s+")
_T = TypeVar("_T")


def comparable(text: str) -> str:
    """Text as X would return it, reduced so that a sent text and a returned one compare equal:
    X shortens every URL to a t.co link and HTML-escapes &, < and >."""
    text = unicodedata.normalize("NFC", html.unescape(text))
    return _SPACE.sub(" ", _URL.sub("<url>", text)).strip()


class _TimeoutSession(requests.Session):
    # xdk passes no timeout to requests, which would wait forever.
    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout)
        return super().request(*args, **kwargs)


class XAdapter(Adapter):
    code = "x"
    # Required; refresh_token, client_id, client_secret and access_token_expires_at are not.
    credential_names = ("access_token",)
    image_spec = images.X
    max_images = 4
    can_delete = True
    can_lookup_users = True

    def __init__(
        self, credentials: Mapping[str, str], *, base_url: str | None = None, timeout: float = 20.0
    ) -> None:
        super().__init__(credentials, base_url=base_url, timeout=timeout)
        self.api = (base_url or DEFAULT_BASE_URL).rstrip("/")
        # No client_id or token here: xdk would then refresh on its own (below, `_refresh`).
        self.client = Client(base_url=self.api, access_token=self._credential("access_token"))
        session = _TimeoutSession(timeout)
        session.headers.update(self.client.session.headers)
        self.client.session = session
        self._me: tuple[str, str] | None = None

    # -- publishing -----------------------------------------------------------------------
    def publish(self, request: PublishRequest) -> Published:
        self.check_image_count(request)
        try:
            media_ids = [self._upload(m) for m in request.media]
            body: dict[str, Any] = {"text": request.text}
            if media_ids:
                body["media"] = {"media_ids": media_ids}
            created = self._call(
                lambda: self.client.posts.create(body=CreateRequest.model_validate(body))
            )
            post_id = created.data.id if created.data else None
        except Exception as exc:
            raise _error(exc) from exc
        if not post_id:
            raise PublishError("x: the answer carried no post ID", ErrorKind.BAD_RESPONSE)
        return Published(platform_post_id=post_id, url=self._url(request.handle, post_id))

    def _upload(self, media: MediaFile) -> str:
        body = UploadRequest(
            media=base64.b64encode(media.content).decode(), media_category="tweet_image"
        )
        uploaded = self._call(lambda: self.client.media.upload(body=body))
        if uploaded.data is None:
            raise PublishError(
                f"x: media upload refused: {uploaded.errors}", ErrorKind.MEDIA_REFUSED
            )
        media_id = uploaded.data.id
        if media.alt_text:
            metadata = CreateMetadataRequest.model_validate(
                {"id": media_id, "metadata": {"alt_text": {"text": media.alt_text}}}
            )
            self._call(lambda: self.client.media.create_metadata(body=metadata))
        return media_id

    def find_existing(self, request: PublishRequest) -> Published | None:
        """The account's post with the request's text that X dates after the first attempt
        (less CLOCK_SKEW): last week's post of the same weekly notice is not ours."""
        wanted = comparable(request.text)
        try:
            user_id, username = self._whoami()
            for post in self._posts_since(user_id, request.first_attempt_at):
                if comparable(post.text) == wanted and request.may_be_ours(
                    _parse_time(post.created_at)
                ):
                    return Published(platform_post_id=post.id, url=self._url(username, post.id))
        except Exception as exc:
            raise _error(exc) from exc
        return None

    def _whoami(self) -> tuple[str, str]:
        if self._me is None:
            me = self._call(self.client.users.get_me)
            if me.data is None:
                raise PublishError(f"x: users/me: {me.errors}", ErrorKind.BAD_RESPONSE)
            self._me = (me.data.id, me.data.username)
        return self._me

    def _posts_since(self, user_id: str, since: datetime | None) -> Iterator[Any]:
        # Called directly, not through xdk's users.get_posts: that sends the fields as
        # `post.fields`, while the reference names the parameter `tweet.fields`.
        params = {"max_results": str(PAGE_SIZE), "tweet.fields": "created_at"}
        if since is not None:
            params["start_time"] = (
                (since - CLOCK_SKEW).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            )
        for _ in range(MAX_PAGES):
            response = self._call(lambda: self._get(f"/2/users/{user_id}/tweets", params))
            page = GetPostsResponse.model_validate(response.json())
            yield from page.data or []
            token = page.meta.next_token if page.meta else None
            if not token:
                return
            params["pagination_token"] = token

    def _get(self, path: str, params: Mapping[str, str]) -> requests.Response:
        return self._send("GET", path, params)

    def _send(
        self, method: str, path: str, params: Mapping[str, str] | None = None
    ) -> requests.Response:
        response = self.client.session.request(
            method,
            self.api + path,
            params=params,
            headers={"Authorization": f"Bearer {self.client.access_token}"},
        )
        response.raise_for_status()
        return response

    # -- corrections and the look-alike watch -----------------------------------------------
    def delete(self, platform_post_id: str) -> None:
        post_id = platform_post_id.strip()
        if not post_id.isdigit():
            raise PublishError(f"x: not a post ID: {platform_post_id!r}", ErrorKind.REFUSED)
        try:
            answer = self._answer_or_404(lambda: self._send("DELETE", f"/2/tweets/{post_id}"))
            data = answer.get("data") if answer is not None else None
            if isinstance(data, dict) and data.get("deleted") is True:
                return
            if self._post_exists(post_id):
                said = _problems(answer or {}) or "no reason given"
                raise PublishError(
                    f"x: X did not delete post {post_id} ({said})", ErrorKind.REFUSED
                )
        except Exception as exc:
            raise _error(exc) from exc

    def _post_exists(self, post_id: str) -> bool:
        answer = self._answer_or_404(lambda: self._get(f"/2/tweets/{post_id}", {}))
        if answer is not None and isinstance(answer.get("data"), dict):
            return True
        if answer is None or _not_found(answer):
            return False
        raise PublishError(
            f"x: unexpected answer when looking up post {post_id}: {answer!r}"[:300],
            ErrorKind.BAD_RESPONSE,
        )

    def lookup_user(self, handle: str) -> FoundUser | None:
        username = handle.strip().removeprefix("@")
        if not _USERNAME.fullmatch(username):
            return None
        params = {"user.fields": "created_at,name,username"}
        try:
            answer = self._answer_or_404(
                lambda: self._get(f"/2/users/by/username/{username}", params)
            )
            data = answer.get("data") if answer is not None else None
            if data is None and (answer is None or _not_found(answer)):
                return None  # unknown, or suspended ("User has been suspended: [...]")
            if not (
                isinstance(data, dict)
                and isinstance(data.get("id"), str)
                and isinstance(data.get("username"), str)
            ):
                raise PublishError(
                    f"x: unexpected answer when looking up @{username}: {answer!r}"[:300],
                    ErrorKind.BAD_RESPONSE,
                )
        except Exception as exc:
            raise _error(exc) from exc
        name = data["username"]
        return FoundUser(
            handle=f"@{name}",
            display_name=str(data.get("name") or ""),
            url=f"{WEB_URL}/{name}",
            platform_user_id=data["id"],
            created_at=_parse_time(data.get("created_at")),
        )

    def _answer_or_404(self, call: Callable[[], requests.Response]) -> dict[str, Any] | None:
        """The JSON answer of `call`; None when X answered 404 with a resource-not-found problem
        (other errors raise as usual)."""
        try:
            response = self._call(call)
        except requests.HTTPError as exc:
            failed = exc.response
            if failed is not None and failed.status_code == 404 and _not_found(_json(failed)):
                return None
            raise
        return _json(response)

    @staticmethod
    def _url(handle: str, post_id: str) -> str:
        username = handle.lstrip("@")
        if not username:
            return f"{WEB_URL}/i/web/status/{post_id}"
        return f"{WEB_URL}/{username}/status/{post_id}"

    # -- tokens ---------------------------------------------------------------------------
    def _credential(self, name: str) -> str:
        return (self.credentials.get(name) or "").strip()

    def _call(self, call: Callable[[], _T]) -> _T:
        """One API call with a current access token. If X answers 401 and a refresh token is
        at hand, the token is refreshed once and the call made again: a 401 means X did not
        act on the request, so nothing goes out twice."""
        self._ensure_fresh()
        try:
            return call()
        except requests.HTTPError as exc:
            response = exc.response
            if response is None or response.status_code != 401 or not self._can_refresh():
                raise
        self._refresh()
        return call()

    def _ensure_fresh(self) -> None:
        if not self._credential("access_token"):
            raise PublishError("x: the access token is empty", ErrorKind.CREDENTIALS)
        expires = _parse_time(self._credential(EXPIRES_AT))
        if expires is None or expires - datetime.now(UTC) > REFRESH_MARGIN:
            return
        if self._can_refresh():
            self._refresh()
        elif expires <= datetime.now(UTC):
            raise PublishError(
                f"x: the access token expired at {expires.isoformat()} and there is no refresh "
                "token and client ID to renew it (authorise the app again, with offline.access)",
                ErrorKind.CREDENTIALS,
            )

    def _can_refresh(self) -> bool:
        return bool(self._credential("refresh_token") and self._credential("client_id"))

    def _refresh(self) -> None:
        """A new access token, and a new refresh token, for the refresh token (which X then no
        longer takes): kept in the vault before anything uses them. Under the account's token
        lock: if another worker refreshed meanwhile, its tokens are adopted instead, since
        ours is spent."""
        with self.locked_credentials() as stored:
            current = (stored.get("refresh_token") or "").strip()
            if current and current != self._credential("refresh_token"):
                self.credentials = {**self.credentials, **stored}
                self.client.access_token = self._credential("access_token")
                return
            self._refresh_now()

    def _refresh_now(self) -> None:
        client_id = self._credential("client_id")
        secret = self._credential("client_secret")
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self._credential("refresh_token"),
            "client_id": client_id,
        }
        try:
            # Not xdk's refresh_token(): it refuses public clients (no secret), and its
            # requests_oauthlib session neither times out nor takes a plain-http test server.
            # A bare request, so the session's Bearer header does not go along.
            response = requests.post(
                self.api + "/2/oauth2/token",
                data=form,
                auth=(client_id, secret) if secret else None,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise PublishError(
                f"x: refreshing the access token: {type(exc).__name__}: {exc}", ErrorKind.NETWORK
            ) from exc
        answer = _json(response)
        if response.status_code == 200 and isinstance(answer.get("access_token"), str):
            access = answer["access_token"]
            expires_in = answer.get("expires_in")
            lifetime = (
                timedelta(seconds=expires_in)
                if isinstance(expires_in, int) and expires_in > 0
                else ACCESS_TOKEN_LIFETIME
            )
            changes = {
                "access_token": access,
                EXPIRES_AT: (datetime.now(UTC) + lifetime).isoformat(timespec="seconds"),
            }
            if isinstance(answer.get("refresh_token"), str) and answer["refresh_token"]:
                changes["refresh_token"] = answer["refresh_token"]
            self.keep_credentials(changes)
            self.client.access_token = access
            return
        status = response.status_code
        error = answer.get("error")
        message = f"x: refreshing the access token: {status} " + ": ".join(
            str(answer[k]) for k in ("error", "error_description") if answer.get(k)
        )
        if status == 429:
            raise PublishError(
                message, ErrorKind.RATE_LIMITED, retry_after=_retry_after(response.headers)
            )
        if 400 <= status < 500 and isinstance(error, str):
            # invalid_request / invalid_grant: the refresh token is spent or revoked;
            # unauthorized_client: the client ID or secret is wrong. A person authorises again.
            raise PublishError(
                f"{message} (a person must authorise the app on X again)", ErrorKind.CREDENTIALS
            )
        if status == 200:
            raise PublishError(f"{message}: no access token in the answer", ErrorKind.BAD_RESPONSE)
        # 5xx, or a page that is not X's (a proxy): X may not have taken the refresh token.
        raise PublishError(message.rstrip(), ErrorKind.UNAVAILABLE)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _parse_time(value: str | None) -> datetime | None:
    """X's created_at (2026-11-24T01:00:00.000Z, x-api/fundamentals/fields; the reference's
    example shows the v1.1 form "Wed Jan 06 18:40:40 +0000 2021") or our stored ISO 8601
    expiry; None if absent or not a time. A time without a zone is UTC."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        try:
            moment = datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _problem_list(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    listed = body.get("errors")
    problems = [e for e in listed if isinstance(e, dict)] if isinstance(listed, list) else []
    return problems or ([dict(body)] if "type" in body else [])


def _not_found(body: Mapping[str, Any]) -> bool:
    """Whether X says the resource asked for is not there (or not shown: suspended users)."""
    problems = _problem_list(body)
    return bool(problems) and all(
        str(p.get("type") or "").endswith(_NOT_FOUND_PROBLEM) for p in problems
    )


def _problems(body: Mapping[str, Any]) -> str:
    return "; ".join(
        str(p.get("detail") or p.get("title") or p.get("message") or "")
        for p in _problem_list(body)
    )


def _retry_after(headers: Mapping[str, str]) -> datetime:
    """When to try again after a 429: the 24-hour reset if a 24-hour allowance (the user's or
    the app's) is used up, else the 15-minute window's `x-rate-limit-reset`."""
    resets = [
        int(reset)
        for prefix in ("x-user-limit-24hour", "x-app-limit-24hour")
        if (headers.get(f"{prefix}-remaining") or "").strip() == "0"
        and (reset := (headers.get(f"{prefix}-reset") or "").strip()).isdigit()
    ]
    window = (headers.get("x-rate-limit-reset") or "").strip()
    if resets:
        return datetime.fromtimestamp(max(resets), UTC)
    if window.isdigit():
        return datetime.fromtimestamp(int(window), UTC)
    return datetime.now(UTC) + DEFAULT_RATE_LIMIT_WAIT


def _problem_message(response: requests.Response) -> str | None:
    body = _json(response)
    parts = [str(body[k]) for k in ("title", "detail") if body.get(k)]
    parts += [
        str(e.get("message"))
        for e in body.get("errors") or []
        if isinstance(e, dict) and e.get("message")
    ]
    return ": ".join(parts) or None


def _error(exc: Exception) -> PublishError:
    if isinstance(exc, PublishError):
        return exc
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        response = exc.response
        status = response.status_code
        detail = _problem_message(response)
        message = f"x: {status} {detail}" if detail else f"x: HTTP {status}"
        if status == 429:
            return PublishError(
                message, ErrorKind.RATE_LIMITED, retry_after=_retry_after(response.headers)
            )
        if status >= 500 or detail is None:
            # 5xx, or an error page that is not X's problem document (a proxy).
            return PublishError(message, ErrorKind.UNAVAILABLE)
        if status == 401:
            return PublishError(message, ErrorKind.CREDENTIALS)
        lowered = detail.lower()
        if status == 403:
            # X answers 403 both for a suspended account or a token without the scope and for
            # refused content (duplicate, too long); only the former needs the credentials looked at.
            if "duplicate" in lowered:
                # The post may be ours from an unclear earlier attempt: the worker looks again.
                return PublishError(message, ErrorKind.CONTENT_REFUSED, duplicate=True)
            if any(w in lowered for w in ("too long", "tweet text")):
                return PublishError(message, ErrorKind.CONTENT_REFUSED)
            suspended = "suspend" in lowered
            return PublishError(
                message, ErrorKind.ACCOUNT_GONE if suspended else ErrorKind.CREDENTIALS
            )
        if status == 400 and "media" in lowered:
            return PublishError(message, ErrorKind.MEDIA_REFUSED)
        return PublishError(
            message, ErrorKind.CONTENT_REFUSED if status == 400 else ErrorKind.REFUSED
        )
    if isinstance(exc, requests.RequestException | ValueError | ValidationError | StopIteration):
        # Timeouts, dropped connections, bodies that are not JSON or not X's shape.
        kind = (
            ErrorKind.NETWORK
            if isinstance(exc, requests.RequestException)
            else ErrorKind.BAD_RESPONSE
        )
        return PublishError(f"x: {type(exc).__name__}: {exc}", kind)
    raise exc
