"""A fake Meta Graph API (Facebook Page, Instagram, Threads) on loopback, speaking the wire
format of developers.facebook.com: form-encoded POSTs, `{"id": ...}` answers, containers with
`status_code`, and the Graph error body `{"error": {"message", "type", "code",
"error_subcode", "fbtrace_id"}}`. It fetches nothing: it records the image URLs it was given.
"""

from __future__ import annotations

import itertools
import re
import threading
from typing import Any

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
_V = r"/v[0-9.]+"


def graph_error(
    status: int, message: str, code: int, subcode: int | None = None, kind: str = "OAuthException"
) -> FakeResponse:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCd"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return json_response({"error": error}, status)


class FakeGraph(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self._ids = itertools.count(180000000000001)
        self._state = threading.Lock()
        self.feed: list[dict[str, Any]] = []  # the page's posts
        self.photos: dict[str, str] = {}  # unpublished photo id → url
        self.containers: dict[str, dict[str, Any]] = {}
        self.media: list[dict[str, Any]] = []  # Instagram and Threads posts
        self.container_status = "FINISHED"  # what a new container reports
        self.route("POST", rf"{_V}/{PAGE_ID}/photos", self._photo)
        self.route("POST", rf"{_V}/{PAGE_ID}/feed", self._feed_post)
        self.route("GET", rf"{_V}/{PAGE_ID}/feed", self._feed_list)
        for user, edge, publish in (
            (IG_USER_ID, "media", "media_publish"),
            (THREADS_USER_ID, "threads", "threads_publish"),
        ):
            self.route("POST", rf"{_V}/{user}/{edge}", self._container)
            self.route("POST", rf"{_V}/{user}/{publish}", self._publish)
            self.route("GET", rf"{_V}/{user}/{edge}", self._media_list)
        self.route("GET", rf"{_V}/(?P<id>\d+)", self._node)

    def _new_id(self) -> str:
        return str(next(self._ids))

    def _denied(self, rec: Recorded) -> FakeResponse | None:
        if rec.header("authorization") != f"Bearer {TOKEN}":
            return graph_error(400, "Error validating access token: Session has expired.", 190, 463)
        return None

    # -- Facebook Page ------------------------------------------------------------------
    def _photo(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        if denied := self._denied(rec):
            return denied
        url = rec.field("url") or ""
        if not url.startswith("https://"):
            return graph_error(400, "(#100) url should represent a valid URL", 100)
        with self._state:
            photo = self._new_id()
            self.photos[photo] = url
        return json_response({"id": photo})

    def _feed_post(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        if denied := self._denied(rec):
            return denied
        message = rec.field("message") or ""
        with self._state:
            if any(p["message"] == message for p in self.feed):
                return graph_error(
                    400, "Duplicate status message", 506, kind="FacebookApiException"
                )
            post_id = f"{PAGE_ID}_{self._new_id()}"
            form = rec.form()
            attached = [v[0] for k, v in form.items() if k.startswith("attached_media[")]
            self.feed.append(
                {
                    "id": post_id,
                    "message": message,
                    "attached_media": attached,
                    "permalink_url": f"https://www.facebook.com/{PAGE_ID}/posts/{post_id}",
                }
            )
        return json_response({"id": post_id})

    def _feed_list(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        if denied := self._denied(rec):
            return denied
        limit = int((rec.query.get("limit") or ["25"])[0])
        return json_response({"data": list(reversed(self.feed))[:limit], "paging": {}})

    # -- Instagram and Threads --------------------------------------------------------
    def _container(self, rec: Recorded, m: re.Match[str]) -> FakeResponse:
        if denied := self._denied(rec):
            return denied
        form = {k: v[0] for k, v in rec.form().items()}
        threads = "/threads" in rec.path
        image = form.get("image_url")
        if image is not None and not image.startswith("https://"):
            return graph_error(400, "The media could not be fetched from this URI", 9004, 2207052)
        if not threads and image is None and form.get("media_type") != "CAROUSEL":
            return graph_error(400, "(#100) The parameter image_url is required.", 100)
        with self._state:
            container = self._new_id()
            self.containers[container] = {
                **form,
                "threads": threads,
                "status_code": self.container_status,
            }
        return json_response({"id": container})

    def _publish(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        if denied := self._denied(rec):
            return denied
        creation = rec.field("creation_id") or ""
        with self._state:
            container = self.containers.get(creation)
            if container is None:
                return graph_error(400, "(#100) Param creation_id is invalid", 100)
            if container["status_code"] != "FINISHED":
                return graph_error(400, "Media ID is not available", 9007, 2207027)
            container["status_code"] = "PUBLISHED"
            media_id = self._new_id()
            host = "threads.net/@kagamino_town" if container["threads"] else "instagram.com"
            self.media.append(
                {
                    "id": media_id,
                    "caption": container.get("caption", ""),
                    "text": container.get("text", ""),
                    "threads": container["threads"],
                    "container": creation,
                    "permalink": f"https://www.{host}/p/{media_id}/",
                    "timestamp": "2026-11-24T01:00:00+0000",
                }
            )
        return json_response({"id": media_id})

    def _media_list(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        if denied := self._denied(rec):
            return denied
        threads = rec.path.endswith("/threads")
        items = [m for m in reversed(self.media) if m["threads"] == threads]
        return json_response({"data": items[: int((rec.query.get("limit") or ["25"])[0])]})

    def _node(self, rec: Recorded, m: re.Match[str]) -> FakeResponse:
        if denied := self._denied(rec):
            return denied
        node = m["id"]
        if node in self.containers:
            c = self.containers[node]
            body = {"id": node, "status_code": c["status_code"]}
            if c["status_code"] == "ERROR":
                body["status"] = "Error: 2207026 The image format is not supported."
            return json_response(body)
        for item in self.media:
            if item["id"] == node:
                return json_response({"id": node, "permalink": item["permalink"]})
        return graph_error(
            400,
            f"Unsupported get request. Object with ID '{node}' does not exist",
            100,
            33,
            kind="GraphMethodException",
        )
