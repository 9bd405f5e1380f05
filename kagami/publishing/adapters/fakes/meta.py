"""A fake Meta Graph API (Facebook Page, Instagram, Threads) on loopback, speaking the wire
format of developers.facebook.com: form-encoded POSTs, `{"id": ...}` answers, Graph timestamps
(`2026-11-24T01:00:00+0000`) and the Graph error body `{"error": {"message", "type", "code",
"error_subcode", "fbtrace_id"}}` (graph-api/guides/error-handling). Every behaviour it imitates
cites the page it comes from; where Meta documents no answer, the comment says what was chosen.

It fetches nothing from the network: it records the image URLs it was given. A test that wants
Instagram's checks of the image itself hands the fake the bytes behind each URL (`fetch`).

Deleting (`DELETE /{id}`): a Page post (pages-api/posts, `{"success": true}`), Instagram media
(instagram-platform/reference/instagram-media "Deleting", `{"success": true, "deleted_id"}`) and
a Threads post (threads/posts/delete-posts, the same answer; 100 a day per account, counted in
`threads_publishing_limit`'s `delete_quota_usage` and `delete_config`: the endpoint of
threads/overview "Rate limiting", its delete fields as public Threads clients read them).
"""

from __future__ import annotations

import io
import itertools
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image, UnidentifiedImageError

from kagami.publishing.adapters.fakes.server import (
    FakeResponse,
    FakeServer,
    Recorded,
    json_response,
)

TOKEN = "meta-access-token"  # noqa: S105 (a fake server's token)
PAGE_ID = "104000000000001"
IG_USER_ID = "17841400000000001"
THREADS_USER_ID = "25000000000000001"
VISITOR_ID = "100000000000099"
FIRST_ID = 180000000000001  # the fake numbers everything it makes from here, in order
_V = r"/v[0-9.]+"

# Container states (instagram-platform/.../reference/ig-container `status_code`;
# threads/troubleshooting#publishing-does-not-return-a-media-id `status`).
IN_PROGRESS, FINISHED, ERROR, EXPIRED, PUBLISHED = (
    "IN_PROGRESS",
    "FINISHED",
    "ERROR",
    "EXPIRED",
    "PUBLISHED",
)
# Fields a container answers. Instagram: `status_code` and `status` (a text saying why an
# ERROR happened) (reference/ig-container). Threads: `status` and `error_message`
# (threads/troubleshooting, threads/reference/publishing); no `status_code`.
CONTAINER_FIELDS = {
    "instagram": {"id", "status_code", "status", "copyright_check_status"},
    "threads": {"id", "status", "error_message"},
}
MEDIA_FIELDS = {
    "instagram": {"id", "caption", "permalink", "timestamp", "media_type", "username"},
    "threads": {"id", "text", "permalink", "timestamp", "media_type", "username"},
}
# Containers expire when not published within 24 hours (reference/ig-user/media "Containers
# expire after 24 hours"; threads/troubleshooting "EXPIRED — ... not published within 24 hours").
CONTAINER_LIFETIME = timedelta(hours=24)
# Carousels: 2–10 items on Instagram (error-codes 100/2207028, content-publishing "Carousels are
# limited to 10"), 2–20 on Threads (threads/posts "Carousels are limited to 20 ... minimum of two").
CAROUSEL_MAX = {"instagram": 10, "threads": 20}
# threads/posts/delete-posts: "a rate limit of 100 deletes per day per account".
THREADS_DELETE_QUOTA = 100


def graph_error(
    status: int,
    message: str,
    code: int,
    subcode: int | None = None,
    kind: str = "OAuthException",
    *,
    user_msg: str | None = None,
    transient: bool | None = None,
) -> FakeResponse:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCd"}
    if subcode is not None:
        error["error_subcode"] = subcode
    if user_msg is not None:
        error["error_user_msg"] = user_msg
    if transient is not None:
        error["is_transient"] = transient
    return json_response({"error": error}, status)


def unsupported(method: str, node: str) -> FakeResponse:
    """Graph's 100/33 for a node it cannot find, load or act on (as Graph words it for GET;
    the same for DELETE)."""
    return graph_error(
        400,
        f"Unsupported {method} request. Object with ID '{node}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation. Please read "
        "the Graph API documentation at https://developers.facebook.com/docs/graph-api",
        100,
        33,
        kind="GraphMethodException",
    )


def graph_time(when: datetime) -> str:
    """Graph API's timestamp format (`created_time` of a Page post, `timestamp` of IG and
    Threads media: graph-api/reference/post, ig-media, threads/reference/media)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _fields(rec: Recorded) -> list[str]:
    return [f for f in ",".join(rec.query.get("fields") or []).split(",") if f]


def _since(rec: Recorded) -> datetime | None:
    """`since` as a Unix timestamp (time-based pagination: graph-api/results#time;
    ig-user/media "Time-based Pagination"; threads/reference/user `since`)."""
    values = rec.query.get("since")
    return datetime.fromtimestamp(int(values[0]), tz=UTC) if values else None


def _limit(rec: Recorded) -> int:
    return int((rec.query.get("limit") or ["25"])[0])


def _done(container: dict[str, Any]) -> str:
    return ERROR if container.get("error") else FINISHED


def _pick(item: dict[str, Any], fields: list[str], default: str = "id") -> dict[str, Any]:
    return {f: item[f] for f in (fields or [default]) if f in item}


class FakeGraph(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(FIRST_ID)
        self._state = threading.Lock()
        self.page_posts: list[dict[str, Any]] = []  # the Page's own posts, oldest first
        self.visitor_posts: list[dict[str, Any]] = []  # others' posts on the Page
        self.photos: dict[str, dict[str, str]] = {}  # unpublished photo id → url, alt text
        self.containers: dict[str, dict[str, Any]] = {}
        self.media: list[dict[str, Any]] = []  # Instagram and Threads posts, oldest first
        # How many status reads a new container answers IN_PROGRESS before it is done.
        self.polls_in_progress = 0
        # A new container ends in ERROR with this text (Instagram `status`, Threads
        # `error_message`) instead of FINISHED.
        self.container_error: str | None = None
        # Instagram's publishing limit (reference/ig-user/content_publishing_limit: `quota_total`,
        # `quota_duration` in seconds; content-publishing: "100 API-published posts within a
        # 24-hour moving period") and when each API post was published.
        self.quota_total = 100
        self.quota_duration = 86400
        self.api_published: list[datetime] = []
        # Threads deletes in the moving 24-hour window (threads/posts/delete-posts).
        self.threads_delete_quota = THREADS_DELETE_QUOTA
        self.threads_deleted: list[datetime] = []
        # The bytes behind an image URL, as Meta would fetch them; None: Meta does not look.
        self.fetch: Callable[[str], bytes | None] | None = None
        for user, product, edge, publish in (
            (IG_USER_ID, "instagram", "media", "media_publish"),
            (THREADS_USER_ID, "threads", "threads", "threads_publish"),
        ):
            self.route("POST", rf"{_V}/{user}/{edge}", self._container(product))
            self.route("POST", rf"{_V}/{user}/{publish}", self._publish(product))
            self.route("GET", rf"{_V}/{user}/{edge}", self._media_list(product))
        self.route("GET", rf"{_V}/{IG_USER_ID}/content_publishing_limit", self._publishing_limit)
        self.route("GET", rf"{_V}/{THREADS_USER_ID}/threads_publishing_limit", self._threads_limit)
        self.route("POST", rf"{_V}/{PAGE_ID}/photos", self._photo)
        self.route("POST", rf"{_V}/{PAGE_ID}/feed", self._feed_post)
        self.route("GET", rf"{_V}/{PAGE_ID}/feed", self._feed_list)
        self.route("GET", rf"{_V}/{PAGE_ID}/published_posts", self._published_posts)
        self.route("GET", rf"{_V}/(?P<id>\d+(_\d+)?)", self._node)
        self.route("DELETE", rf"{_V}/(?P<id>\d+(_\d+)?)", self._delete_node)

    # -- helpers for tests --------------------------------------------------------------
    def now(self) -> datetime:
        return datetime.now(UTC)

    def add_page_post(self, message: str, created: datetime) -> dict[str, Any]:
        """A post the Page made earlier (last week's notice)."""
        post = self._page_post(message, created, [])
        self.page_posts.append(post)
        self.page_posts.sort(key=lambda p: p["created"])
        return post

    def add_visitor_post(self, message: str, created: datetime) -> dict[str, Any]:
        """A visitor's post on the Page: in `/feed`, not in `/published_posts`."""
        post_id = f"{PAGE_ID}_{self._new_id()}"
        post = {
            "id": post_id,
            "message": message,
            "created": created,
            "created_time": graph_time(created),
            "from": {"id": VISITOR_ID, "name": "町民"},
            "permalink_url": f"https://www.facebook.com/{post_id}",
        }
        self.visitor_posts.append(post)
        return post

    def add_media(self, product: str, text: str, created: datetime) -> dict[str, Any]:
        """An Instagram or Threads post made earlier."""
        media = self._media(product, text, created, container="")
        self.media.append(media)
        self.media.sort(key=lambda m: m["created"])
        return media

    def container_of(self, product: str, **fields: str) -> dict[str, Any]:
        [found] = [
            c
            for c in self.containers.values()
            if c["product"] == product and all(c.get(k) == v for k, v in fields.items())
        ]
        return found

    # -- shared -------------------------------------------------------------------------
    def _new_id(self) -> str:
        return str(next(self._ids))

    def _denied(self, rec: Recorded) -> FakeResponse | None:
        # graph-api/guides/error-handling: 190 "Access token has expired", subcode 463 expired.
        if rec.header("authorization") != f"Bearer {TOKEN}":
            return graph_error(400, "Error validating access token: Session has expired.", 190, 463)
        return None

    # -- Facebook Page ------------------------------------------------------------------
    def _photo(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        # graph-api/reference/page/photos (Creating): `url` of a public image, `published=false`
        # for a photo attached to a post later, `alt_text_custom` its alternative text
        # (graph-api/reference/photo: "User provided accessible alternative description").
        if denied := self._denied(rec):
            return denied
        url = rec.field("url") or ""
        if not url.startswith("https://"):
            return graph_error(400, "(#100) url should represent a valid URL", 100)
        with self._state:
            photo = self._new_id()
            self.photos[photo] = {
                "url": url,
                "alt_text_custom": rec.field("alt_text_custom") or "",
                "published": rec.field("published") or "true",
            }
        return json_response({"id": photo})

    def _page_post(self, message: str, created: datetime, attached: list[str]) -> dict[str, Any]:
        post_id = f"{PAGE_ID}_{self._new_id()}"
        return {
            "id": post_id,
            "message": message,
            "created": created,
            "created_time": graph_time(created),
            "from": {"id": PAGE_ID, "name": "鏡野町"},
            "attached_media": attached,
            "permalink_url": f"https://www.facebook.com/{PAGE_ID}/posts/{post_id}",
        }

    def _feed_post(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        # graph-api/reference/page/feed (Publishing): `message`; images as
        # `attached_media[n]={"media_fbid": ...}` of unpublished photos.
        if denied := self._denied(rec):
            return denied
        message = rec.field("message") or ""
        attached = [
            values[0]
            for key, values in sorted(
                rec.form().items(), key=lambda kv: int(re.sub(r"\D", "", kv[0]) or 0)
            )
            if key.startswith("attached_media[")
        ]
        with self._state:
            photos = [self._attached(value) for value in attached]
            if None in photos:
                return graph_error(400, "(#100) Invalid attached_media", 100)
            # graph-api/guides/error-handling: 506 "Duplicate Post: Duplicate posts cannot be
            # published consecutively" — the same message as the Page's latest post.
            if self.page_posts and self.page_posts[-1]["message"] == message:
                return graph_error(
                    400,
                    "Duplicate status message",
                    506,
                    kind="FacebookApiException",
                    user_msg="This status update is identical to the last one you posted.",
                )
            post = self._page_post(message, self.now(), [p for p in photos if p])
            self.page_posts.append(post)
        return json_response({"id": post["id"]})

    def _attached(self, value: str) -> str | None:
        match = re.fullmatch(r'\{"media_fbid": ?"(\d+)"\}', value)
        if match is None or match[1] not in self.photos:
            return None
        return match[1]

    def _posts(self, rec: Recorded, posts: list[dict[str, Any]]) -> FakeResponse:
        since = _since(rec)
        chosen = [p for p in posts if since is None or p["created"] >= since]
        chosen.sort(key=lambda p: p["created"], reverse=True)
        data = [_pick(p, _fields(rec)) for p in chosen[: _limit(rec)]]
        return json_response({"data": data, "paging": {}})

    def _feed_list(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        # graph-api/reference/page/feed (Reading): "posts and links published by this Page,
        # visitors to this Page, and public posts in which the Page has been tagged".
        if denied := self._denied(rec):
            return denied
        return self._posts(rec, [*self.page_posts, *self.visitor_posts])

    def _published_posts(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        # graph-api/reference/page/published_posts: only the Page's own posts.
        if denied := self._denied(rec):
            return denied
        return self._posts(rec, list(self.page_posts))

    # -- Instagram and Threads --------------------------------------------------------
    def _container(self, product: str) -> Callable[[Recorded, re.Match[str]], FakeResponse]:
        def handle(rec: Recorded, _m: re.Match[str]) -> FakeResponse:
            if denied := self._denied(rec):
                return denied
            form = {k: v[0] for k, v in rec.form().items()}
            media_type = form.get("media_type")
            if media_type == "CAROUSEL":
                refused = self._carousel_refused(product, form.get("children") or "")
            elif product == "threads" and media_type == "TEXT":
                refused = None
            else:
                refused = self._image_refused(product, form)
            if refused is not None:
                return refused
            with self._state:
                container = self._new_id()
                record: dict[str, Any] = {
                    **form,
                    "id": container,
                    "product": product,
                    "created": self.now(),
                    "polls_left": self.polls_in_progress,
                    "error": self.container_error,
                }
                record["state"] = IN_PROGRESS if self.polls_in_progress else _done(record)
                self.containers[container] = record
            return json_response({"id": container})

        return handle

    def _image_refused(self, product: str, form: dict[str, str]) -> FakeResponse | None:
        image = form.get("image_url")
        if image is None:
            # reference/ig-user/media: `image_url` "required for images"; threads/posts:
            # "Required for media_type=IMAGE".
            return graph_error(400, "(#100) The parameter image_url is required.", 100)
        if product == "threads" and form.get("media_type") != "IMAGE":
            return graph_error(400, "(#100) Param media_type must be one of {TEXT, IMAGE}", 100)
        # error-codes: 9004/2207052 "The media could not be fetched from this uri".
        fetch_failed = graph_error(
            400, f"The media could not be fetched from this uri: {image}", 9004, 2207052
        )
        if not image.startswith("https://"):
            return fetch_failed
        if product != "instagram" or self.fetch is None:
            return None
        content = self.fetch(image)
        if content is None:
            return fetch_failed
        return self._instagram_image_refused(content)

    def _instagram_image_refused(self, content: bytes) -> FakeResponse | None:
        # reference/ig-user/media "Image Specifications": JPEG, 8 MB maximum, aspect ratio
        # "within a 4:5 to 1.91:1 range"; refusals as on the error-codes page.
        if len(content) > 8 * 1024 * 1024:
            return graph_error(
                400,
                "The image is too large to download. It should be less than 8 MiB.",
                36000,
                2207004,
            )
        if not content.startswith(b"\xff\xd8\xff"):
            try:
                kind = Image.open(io.BytesIO(content)).format or "unknown"
            except (UnidentifiedImageError, OSError):
                kind = "unknown"
            return graph_error(
                400,
                f"The image format {kind} is not supported. Supported formats are: JPEG.",
                36001,
                2207005,
            )
        width, height = Image.open(io.BytesIO(content)).size
        if not 0.8 <= width / height <= 1.91:
            return graph_error(
                400,
                f"The submitted image with aspect ratio {width / height:.2f} cannot be published. "
                "Please submit an image with a valid aspect ratio.",
                36003,
                2207009,
            )
        return None

    def _carousel_refused(self, product: str, children: str) -> FakeResponse | None:
        ids = [c for c in children.split(",") if c]
        if not 2 <= len(ids) <= CAROUSEL_MAX[product]:
            # error-codes: 100/2207028 "Carousels need at least 2 photos/videos and no more
            # than 10"; Threads answers with code 100 too (wording not documented).
            return graph_error(
                400,
                f"Your post won't work as a carousel. Carousels need at least 2 photos/videos and "
                f"no more than {CAROUSEL_MAX[product]} photos/videos.",
                100,
                2207028 if product == "instagram" else None,
            )
        unknown = [
            c
            for c in ids
            if self.containers.get(c, {}).get("product") != product
            or self.containers[c].get("is_carousel_item") != "true"
        ]
        if unknown:
            return graph_error(400, f"(#100) Invalid children: {','.join(unknown)}", 100)
        return None

    def _status(self, container: dict[str, Any]) -> str:
        """A container's state as a status read sees it; each read while IN_PROGRESS counts."""
        state = str(container["state"])
        if state == IN_PROGRESS:
            if container["polls_left"] > 0:
                container["polls_left"] -= 1
                return IN_PROGRESS
            container["state"] = state = _done(container)
        if state in (FINISHED, ERROR) and self.now() - container["created"] > CONTAINER_LIFETIME:
            container["state"] = state = EXPIRED
        return state

    def _publish(self, product: str) -> Callable[[Recorded, re.Match[str]], FakeResponse]:
        def handle(rec: Recorded, _m: re.Match[str]) -> FakeResponse:
            if denied := self._denied(rec):
                return denied
            creation = rec.field("creation_id") or ""
            with self._state:
                container = self.containers.get(creation)
                if container is None or container["product"] != product:
                    return self._not_found(product, creation)
                state = container["state"]
                if state in (FINISHED, ERROR) and (
                    self.now() - container["created"] > CONTAINER_LIFETIME
                ):
                    container["state"] = state = EXPIRED
                if state == EXPIRED:
                    if product == "threads":
                        return self._not_found(product, creation)
                    # error-codes: -2/2207020 "The media you are trying to access has expired".
                    return graph_error(
                        400,
                        "The media you are trying to access has expired. Please try to upload again.",
                        -2,
                        2207020,
                    )
                if state in (IN_PROGRESS, ERROR):
                    if product == "threads":
                        # Not documented; what Threads answers for a container it has not
                        # finished (fbsamples/threads_api#70, postiz-app#2047): 24/4279009.
                        return self._not_found(product, creation)
                    # error-codes: 9007/2207027 "The media is not ready for publishing".
                    return graph_error(
                        400,
                        "Media ID is not available",
                        9007,
                        2207027,
                        user_msg="The media is not ready for publishing, please wait for a moment",
                    )
                if state == PUBLISHED:
                    # Not documented; publishing a container twice is refused.
                    return graph_error(400, "(#100) This container was already published", 100)
                if product == "instagram":
                    window = self.now() - timedelta(seconds=self.quota_duration)
                    if sum(t > window for t in self.api_published) >= self.quota_total:
                        # error-codes: 9/2207042, the daily publishing limit.
                        return graph_error(
                            400,
                            "Application request limit reached",
                            9,
                            2207042,
                            user_msg="You reached maximum number of posts that is allowed to be "
                            "published by Content Publishing API.",
                        )
                    self.api_published.append(self.now())
                container["state"] = PUBLISHED
                text = container.get("caption" if product == "instagram" else "text", "")
                media = self._media(product, text, self.now(), container=creation)
                self.media.append(media)
            return json_response({"id": media["id"]})

        return handle

    def _not_found(self, product: str, creation: str) -> FakeResponse:
        if product == "threads":
            return graph_error(
                400,
                "The requested resource does not exist",
                24,
                4279009,
                user_msg=f"The media with id {creation} cannot be found.",
                transient=False,
            )
        # error-codes: 24/2207008 "The media builder ... does not exist or has been expired".
        return graph_error(
            400,
            f"The media builder with creation id = {creation} does not exist or has been expired.",
            24,
            2207008,
        )

    def _media(self, product: str, text: str, created: datetime, container: str) -> dict[str, Any]:
        media_id = self._new_id()
        host = (
            f"https://www.threads.net/@kagamino_town/post/{media_id}"
            if product == "threads"
            else f"https://www.instagram.com/p/{media_id}/"
        )
        return {
            "id": media_id,
            "product": product,
            "caption" if product == "instagram" else "text": text,
            "container": container,
            "permalink": host,
            "created": created,
            "timestamp": graph_time(created),
        }

    def _media_list(self, product: str) -> Callable[[Recorded, re.Match[str]], FakeResponse]:
        # reference/ig-user/media (Reading) and threads/reference/user (GET /threads): newest
        # first, `since` as time-based pagination.
        def handle(rec: Recorded, _m: re.Match[str]) -> FakeResponse:
            if denied := self._denied(rec):
                return denied
            unknown = set(_fields(rec)) - MEDIA_FIELDS[product]
            if unknown:
                return self._nonexisting_field(product, sorted(unknown)[0])
            return self._posts(rec, [m for m in self.media if m["product"] == product])

        return handle

    def _publishing_limit(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        # reference/ig-user/content_publishing_limit: `quota_usage` (the default field) counts
        # the API posts since `since` ("A Unix timestamp no older than 24 hours"), else in the
        # window; `config` holds `quota_total` and `quota_duration`.
        if denied := self._denied(rec):
            return denied
        window = self.now() - timedelta(seconds=self.quota_duration)
        since = max(_since(rec) or window, window)
        entry: dict[str, Any] = {
            "quota_usage": sum(t >= since for t in self.api_published),
            "config": {"quota_total": self.quota_total, "quota_duration": self.quota_duration},
        }
        return json_response({"data": [_pick(entry, _fields(rec), "quota_usage")]})

    def _nonexisting_field(self, product: str, field: str) -> FakeResponse:
        # An unknown field is Graph error 100; Threads' own wording and type
        # (exileum/meta-mcp#143): "Tried accessing nonexisting field (status)", THApiException.
        if product == "threads":
            return graph_error(
                400, f"Tried accessing nonexisting field ({field})", 100, kind="THApiException"
            )
        return graph_error(400, f"(#100) Tried accessing nonexisting field ({field})", 100)

    def _node(self, rec: Recorded, m: re.Match[str]) -> FakeResponse:
        if denied := self._denied(rec):
            return denied
        node = m["id"]
        fields = _fields(rec)
        with self._state:
            container = self.containers.get(node)
            if container is not None:
                product = container["product"]
                unknown = set(fields) - CONTAINER_FIELDS[product]
                if unknown:
                    return self._nonexisting_field(product, sorted(unknown)[0])
                state = self._status(container)
                detail = container.get("error") if state == ERROR else None
                if product == "instagram":
                    # reference/ig-container: `status_code` the state, `status` a text.
                    body = {"id": node, "status_code": state, "status": detail or state}
                else:
                    body = {"id": node, "status": state}
                    if detail:
                        body["error_message"] = detail
                return json_response(_pick(body, fields))
            for item in self.media:
                if item["id"] == node:
                    unknown = set(fields) - MEDIA_FIELDS[item["product"]]
                    if unknown:
                        return self._nonexisting_field(item["product"], sorted(unknown)[0])
                    return json_response(_pick(item, fields))
            for post in self.page_posts:
                if post["id"] == node:
                    return json_response(_pick(post, fields))
        return unsupported("get", node)

    def _delete_node(self, rec: Recorded, m: re.Match[str]) -> FakeResponse:
        if denied := self._denied(rec):
            return denied
        node = m["id"]
        with self._state:
            for post in self.page_posts:
                if post["id"] == node:
                    # pages-api/posts, "Delete a post": {"success": true}.
                    self.page_posts.remove(post)
                    return json_response({"success": True})
            item = next((i for i in self.media if i["id"] == node), None)
            if item is not None and item["product"] == "threads":
                window = self.now() - timedelta(days=1)
                self.threads_deleted = [t for t in self.threads_deleted if t > window]
                if len(self.threads_deleted) >= self.threads_delete_quota:
                    # Not documented: what Threads answers past its 100 deletes a day. The
                    # fake answers with Graph's rate-limit code 4 (graph-api/overview/
                    # rate-limiting) and counts nothing.
                    return graph_error(400, "(#4) Application request limit reached", 4)
                self.threads_deleted.append(self.now())
            if item is not None:
                # reference/instagram-media "Deleting" and threads/posts/delete-posts:
                # {"success": true, "deleted_id": "<id>"}.
                self.media.remove(item)
                return json_response({"success": True, "deleted_id": node})
        # Not documented for a post already deleted: Graph's answer for a node it cannot
        # find, load or act on, as for GET.
        return unsupported("delete", node)

    def _threads_limit(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        # threads/overview (rate limiting): GET /{threads-user-id}/threads_publishing_limit,
        # `quota_usage`/`config` for posts; `delete_quota_usage`/`delete_config` (quota_total,
        # quota_duration) for deletes, as public Threads clients read them.
        if denied := self._denied(rec):
            return denied
        window = self.now() - timedelta(days=1)
        entry: dict[str, Any] = {
            "quota_usage": sum(
                m["product"] == "threads" and m["created"] > window for m in self.media
            ),
            "config": {"quota_total": 250, "quota_duration": 86400},
            "delete_quota_usage": sum(t > window for t in self.threads_deleted),
            "delete_config": {"quota_total": self.threads_delete_quota, "quota_duration": 86400},
        }
        return json_response({"data": [_pick(entry, _fields(rec), "quota_usage")]})
