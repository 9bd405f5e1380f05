"""A fake Bluesky PDS/AppView: the XRPC methods the Bluesky adapter uses.

Wire format from the AT Protocol lexicons and HTTP reference (docs.bsky.app, atproto.com
/specs/xrpc): `com.atproto.server.createSession`, `app.bsky.actor.getProfile`,
`com.atproto.repo.uploadBlob`, `com.atproto.repo.createRecord`, `app.bsky.feed.getAuthorFeed`.
Errors are `{"error": "Name", "message": "..."}`; rate limits travel as `ratelimit-limit`,
`ratelimit-remaining`, `ratelimit-reset` (epoch seconds) and `ratelimit-policy`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from datetime import UTC, datetime
from typing import Any

from kagami.publishing.adapters.fakes.server import (
    FakeResponse,
    FakeServer,
    Recorded,
    json_response,
)

HANDLE = "kagami-town.bsky.social"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"  # noqa: S105 (a fake server's password)
DID = "did:plc:kagamitownfake0000000000"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(scope: str, lifetime: int) -> str:
    """A JWT-shaped token (the SDK decodes the payload for `exp`; nobody checks the signature)."""
    now = int(time.time())
    header = _b64(json.dumps({"typ": "at+jwt", "alg": "ES256K"}).encode())
    payload = _b64(
        json.dumps({"scope": scope, "sub": DID, "iat": now, "exp": now + lifetime}).encode()
    )
    return f"{header}.{payload}.{_b64(b'not-a-signature')}"


class FakeBluesky(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.posts: list[dict[str, Any]] = []
        self.blobs: dict[str, bytes] = {}
        self._access: set[str] = set()
        self._seq = 0
        x = "/xrpc/"
        self.route("POST", x + r"com\.atproto\.server\.createSession", self._create_session)
        self.route("GET", x + r"app\.bsky\.actor\.getProfile", self._get_profile)
        self.route("POST", x + r"com\.atproto\.repo\.uploadBlob", self._upload_blob)
        self.route("POST", x + r"com\.atproto\.repo\.createRecord", self._create_record)
        self.route("GET", x + r"app\.bsky\.feed\.getAuthorFeed", self._author_feed)

    @staticmethod
    def error(
        status: int, name: str, message: str, headers: dict[str, str] | None = None
    ) -> FakeResponse:
        return json_response({"error": name, "message": message}, status, headers)

    @staticmethod
    def rate_limited(reset_epoch: int) -> FakeResponse:
        return FakeBluesky.error(
            429,
            "RateLimitExceeded",
            "Rate Limit Exceeded",
            {
                "ratelimit-limit": "5000",
                "ratelimit-remaining": "0",
                "ratelimit-reset": str(reset_epoch),
                "ratelimit-policy": "5000;w=3600",
            },
        )

    def add_post(self, text: str, **record: Any) -> dict[str, Any]:
        """A post already in the account's repo (posted earlier, e.g. by an interrupted attempt)."""
        self._seq += 1
        rkey = f"3l{self._seq:011d}"
        post = {
            "uri": f"at://{DID}/app.bsky.feed.post/{rkey}",
            "cid": "bafyreig" + hashlib.sha256(rkey.encode()).hexdigest()[:51],
            "record": {
                "$type": "app.bsky.feed.post",
                "text": text,
                "createdAt": datetime.now(UTC)
                .isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"),
                **record,
            },
        }
        self.posts.insert(0, post)
        return post

    def _authorised(self, rec: Recorded) -> FakeResponse | None:
        auth = rec.header("authorization") or ""
        if auth.removeprefix("Bearer ") not in self._access:
            return self.error(401, "InvalidToken", "Token could not be verified")
        return None

    def _create_session(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        body = rec.json()
        if body.get("identifier") not in (HANDLE, DID) or body.get("password") != APP_PASSWORD:
            return self.error(401, "AuthenticationRequired", "Invalid identifier or password")
        access = jwt("com.atproto.appPass", 7200)
        self._access.add(access)
        return json_response(
            {
                "accessJwt": access,
                "refreshJwt": jwt("com.atproto.refresh", 90 * 86400),
                "handle": HANDLE,
                "did": DID,
                "active": True,
            }
        )

    def _profile(self) -> dict[str, Any]:
        return {"did": DID, "handle": HANDLE, "displayName": "鏡野町"}

    def _get_profile(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        return self._authorised(rec) or json_response(self._profile())

    def _upload_blob(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        if denied := self._authorised(rec):
            return denied
        cid = "bafkrei" + hashlib.sha256(rec.body).hexdigest()[:52]
        self.blobs[cid] = rec.body
        return json_response(
            {
                "blob": {
                    "$type": "blob",
                    "ref": {"$link": cid},
                    "mimeType": "image/png" if rec.body.startswith(b"\x89PNG") else "image/jpeg",
                    "size": len(rec.body),
                }
            }
        )

    def _create_record(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        if denied := self._authorised(rec):
            return denied
        body = rec.json()
        if body.get("repo") not in (DID, HANDLE):
            return self.error(400, "InvalidRequest", "Could not find repo")
        record = body["record"]
        if len(record.get("text", "")) > 300:
            return self.error(
                400,
                "InvalidRequest",
                "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes",
            )
        for image in (record.get("embed") or {}).get("images", []):
            if image["image"]["ref"]["$link"] not in self.blobs:
                return self.error(400, "InvalidRequest", "Could not find blob")
        post = self.add_post(
            record.pop("text"), **{k: v for k, v in record.items() if k != "$type"}
        )
        return json_response({"uri": post["uri"], "cid": post["cid"], "validationStatus": "valid"})

    def _author_feed(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        if denied := self._authorised(rec):
            return denied
        actor = (rec.query.get("actor") or [""])[0]
        if actor not in (DID, HANDLE):
            return self.error(400, "InvalidRequest", "Profile not found")
        limit = int((rec.query.get("limit") or ["50"])[0])
        feed = [
            {
                "post": {
                    "uri": p["uri"],
                    "cid": p["cid"],
                    "author": self._profile(),
                    "record": p["record"],
                    "indexedAt": p["record"]["createdAt"],
                }
            }
            for p in self.posts[:limit]
        ]
        return json_response({"feed": feed})
