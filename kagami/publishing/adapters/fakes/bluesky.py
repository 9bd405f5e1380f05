"""A fake Bluesky PDS (with the AppView's author feed): the XRPC methods the Bluesky adapter uses.

Wire format from the lexicons and the reference PDS (github.com/bluesky-social/atproto,
packages/pds, packages/xrpc-server; docs.bsky.app/docs/api/*):

- `com.atproto.server.createSession` (app password; rate-limited 30 per 5 minutes and 300 per
  day per identifier: docs.bsky.app/docs/advanced-guides/rate-limits, and
  packages/pds/src/api/com/atproto/server/createSession.ts), `com.atproto.server.refreshSession`
  (refresh token rotated, the old one kept for a 2-hour grace period), access tokens that expire
  (`120mins`, packages/pds/src/account-manager/helpers/auth.ts);
- `com.atproto.repo.uploadBlob`, `com.atproto.repo.createRecord` (client-chosen `rkey`, record
  validated against `app.bsky.feed.post`), `com.atproto.repo.getRecord`,
  `com.atproto.repo.deleteRecord` (packages/pds/src/api/com/atproto/repo/deleteRecord.ts: a
  record that is not there is a no-op success);
- `app.bsky.feed.getAuthorFeed` and `app.bsky.actor.getProfile` (AppView, proxied by the PDS;
  packages/bsky/src/api/app/bsky/actor/getProfile.ts).

Errors are `{"error": "Name", "message": "..."}` (atproto.com/specs/xrpc); a 500's message is
always "Internal Server Error" (packages/xrpc-server/src/errors.ts). Rate-limited methods send
`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (epoch seconds) and
`RateLimit-Policy` (`limit;w=seconds`) on every answer, and `Retry-After` with a 429
(packages/xrpc-server/src/rate-limiter-http.ts).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any

from kagami.publishing.adapters.fakes.server import (
    CLOSE,
    Answer,
    FakeResponse,
    FakeServer,
    Recorded,
    json_response,
)

HANDLE = "kagami-town.bsky.social"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"  # noqa: S105 (a fake server's password)
DID = "did:plc:kagamitownfake0000000000"
POST = "app.bsky.feed.post"

# lexicons/app/bsky/embed/images.json: `image` is a blob of "maxSize": 2000000 ("May be up to
# 2 MB, formerly limited to 1 MB"), `images` has "maxLength": 4.
IMAGE_MAX_SIZE = 2_000_000
MAX_IMAGES = 4
# lexicons/app/bsky/feed/post.json: text "maxLength": 3000 (UTF-8 bytes), "maxGraphemes": 300.
TEXT_MAX_BYTES = 3000
TEXT_MAX_GRAPHEMES = 300
# packages/pds/src/config/config.ts: blobUploadLimit defaults to 5 * 1024 * 1024.
UPLOAD_LIMIT = 5 * 1024 * 1024
# packages/pds/src/account-manager/helpers/auth.ts: access '120mins', refresh '90days';
# account-manager.ts rotateRefreshToken: REFRESH_GRACE_MS = 2 * HOUR.
ACCESS_LIFETIME = 120 * 60
REFRESH_LIFETIME = 90 * 86400
REFRESH_GRACE = 2 * 3600
# createSession.ts: 30 per 5 minutes and 300 per day, keyed by identifier (and IP).
SESSION_LIMITS = ((30, 5 * 60), (300, 86400))
# docs.bsky.app/docs/advanced-guides/rate-limits: 5,000 points an hour per DID, a create is 3
# points, a delete 1.
WRITE_POINTS_PER_HOUR = 5000
CREATE_POINTS = 3
DELETE_POINTS = 1

# atproto.com/specs/handle: a domain name, 2+ labels, the last not starting with a digit.
_HANDLE = re.compile(
    r"([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
)
# atproto.com/specs/tid: 13 characters of base32-sortable, the first within 234567abcdefghij.
TID_RE = re.compile(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}")
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(scope: str, lifetime: float, typ: str = "at+jwt") -> str:
    """A JWT-shaped token (the SDK decodes the payload for `exp`; the fake knows its tokens by
    value instead of checking a signature)."""
    now = int(time.time())
    header = _b64(json.dumps({"typ": typ, "alg": "ES256K"}).encode())
    payload = _b64(
        json.dumps(
            {
                "scope": scope,
                "sub": DID,
                "aud": "did:web:fake.pds",
                "iat": now,
                "exp": int(now + lifetime),
                "jti": secrets.token_hex(8),
            }
        ).encode()
    )
    return f"{header}.{payload}.{_b64(b'not-a-signature')}"


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _sniff(content: bytes, claimed: str | None) -> str:
    """The blob's type as the PDS finds it: from the bytes (file-type), else the request's
    Content-Type (packages/pds/src/actor-store/blob/transactor.ts)."""
    for magic, mime in _MAGIC:
        if content.startswith(magic):
            return mime
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if claimed and claimed != "*/*":
        return claimed
    return "application/octet-stream"


class FakeBluesky(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        # Posts of the account, newest first; `records` by rkey.
        self.posts: list[dict[str, Any]] = []
        self.records: dict[str, dict[str, Any]] = {}
        self.blobs: dict[str, dict[str, Any]] = {}
        # Other accounts the AppView knows, by lowercased handle (`add_profile`).
        self.profiles: dict[str, dict[str, Any]] = {}
        self.access_lifetime: float = ACCESS_LIFETIME
        self.refresh_lifetime: float = REFRESH_LIFETIME
        # Which PDS release's refusal of an oversized image blob to imitate (_validate, _check_blobs).
        self.legacy_blob_errors = False
        # The next createRecord is done, but its answer is lost (the connection drops).
        self.lose_next_create_answer = False
        self._access: dict[str, float] = {}  # token → expiry (epoch seconds)
        # refresh token → (its own expiry, usable until: the end of the grace period once
        # it was used)
        self._refresh: dict[str, tuple[float, float]] = {}
        self._revoked: set[str] = set()
        self._logins: list[float] = []
        self._write_points: list[tuple[float, int]] = []
        self._seq = 0
        self._state = threading.Lock()
        x = "/xrpc/"
        self.route("POST", x + r"com\.atproto\.server\.createSession", self._create_session)
        self.route("POST", x + r"com\.atproto\.server\.refreshSession", self._refresh_session)
        self.route("GET", x + r"app\.bsky\.actor\.getProfile", self._get_profile)
        self.route("POST", x + r"com\.atproto\.repo\.uploadBlob", self._upload_blob)
        self.route("POST", x + r"com\.atproto\.repo\.createRecord", self._create_record)
        self.route("GET", x + r"com\.atproto\.repo\.getRecord", self._get_record)
        self.route("GET", x + r"app\.bsky\.feed\.getAuthorFeed", self._author_feed)
        self.route("POST", x + r"com\.atproto\.repo\.deleteRecord", self._delete_record)

    # -- answers tests queue --------------------------------------------------------------
    @staticmethod
    def error(
        status: int, name: str, message: str, headers: dict[str, str] | None = None
    ) -> FakeResponse:
        return json_response({"error": name, "message": message}, status, headers)

    @staticmethod
    def limit_headers(limit: int, remaining: int, reset_epoch: int, window: int) -> dict[str, str]:
        # packages/xrpc-server/src/rate-limiter-http.ts setStatusHeaders
        return {
            "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": str(max(remaining, 0)),
            "RateLimit-Reset": str(reset_epoch),
            "RateLimit-Policy": f"{limit};w={window}",
        }

    @staticmethod
    def rate_limited(
        reset_epoch: int, limit: int = WRITE_POINTS_PER_HOUR, window: int = 3600
    ) -> FakeResponse:
        headers = FakeBluesky.limit_headers(limit, 0, reset_epoch, window)
        headers["Retry-After"] = str(max(reset_epoch - int(time.time()), 0))
        # xrpc-server RateLimitExceededError: 429, message "Rate Limit Exceeded".
        return FakeBluesky.error(429, "RateLimitExceeded", "Rate Limit Exceeded", headers)

    # -- set-up and inspection ------------------------------------------------------------
    def add_post(
        self,
        text: str,
        *,
        rkey: str | None = None,
        created_at: str | None = None,
        indexed_at: str | None = None,
        **record: Any,
    ) -> dict[str, Any]:
        """A post already in the account's repo (posted earlier, or by an interrupted attempt)."""
        with self._state:
            self._seq += 1
            rkey = rkey or f"3l{self._seq:011d}"
            created = created_at or _now_iso()
            post = {
                "uri": f"at://{DID}/{POST}/{rkey}",
                "cid": "bafyreig" + hashlib.sha256(rkey.encode()).hexdigest()[:51],
                "record": {"$type": POST, "text": text, "createdAt": created, **record},
                "indexedAt": indexed_at or _now_iso(),
            }
            self.posts.insert(0, post)
            self.records[rkey] = post
            return post

    def add_profile(
        self,
        handle: str,
        display_name: str = "",
        *,
        created_at: str | None = None,
        status: str | None = None,
    ) -> dict[str, Any]:
        """Another account the AppView knows (a look-alike of the town's). `status`:
        "takendown" or "deactivated"; `handle` "handle.invalid" for one whose handle does not
        verify."""
        with self._state:
            self._seq += 1
            profile = {
                "did": f"did:plc:other{self._seq:019d}",
                "handle": handle,
                "displayName": display_name,
                "createdAt": created_at or _now_iso(),
                "indexedAt": _now_iso(),
                "status": status,
            }
            self.profiles[handle.lower()] = profile
            return profile

    def session_string(
        self, *, access_lifetime: float | None = None, refresh_lifetime: float | None = None
    ) -> str:
        """A session as the SDK exports it (`handle:::did:::access:::refresh:::pds`), made
        earlier by this PDS: what an adapter stored in the vault."""
        access, refresh = self._tokens(access_lifetime, refresh_lifetime)
        return ":::".join([HANDLE, DID, access, refresh, self.url])

    def revoke_sessions(self) -> None:
        """Every refresh token is revoked (the app password was deleted); access tokens stay
        valid until they expire, as the PDS verifies them by signature alone."""
        with self._state:
            self._revoked.update(self._refresh)
            self._refresh.clear()

    def forget_access_tokens(self) -> None:
        """The PDS no longer accepts any access token it issued (a new signing secret)."""
        with self._state:
            self._access.clear()

    # -- tokens ---------------------------------------------------------------------------
    def _tokens(
        self, access_lifetime: float | None = None, refresh_lifetime: float | None = None
    ) -> tuple[str, str]:
        access_for = self.access_lifetime if access_lifetime is None else access_lifetime
        refresh_for = self.refresh_lifetime if refresh_lifetime is None else refresh_lifetime
        access = jwt("com.atproto.appPass", access_for)
        refresh = jwt("com.atproto.refresh", refresh_for, typ="refresh+jwt")
        with self._state:
            self._access[access] = time.time() + access_for
            expires = time.time() + refresh_for
            self._refresh[refresh] = (expires, expires)
        return access, refresh

    @staticmethod
    def _bearer(rec: Recorded) -> str | None:
        auth = rec.header("authorization") or ""
        return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None

    def _authorised(self, rec: Recorded) -> FakeResponse | None:
        # packages/pds/src/auth-verifier.ts: no token → 401 AuthMissing; an expired one → 400
        # ExpiredToken "Token has expired"; one that does not verify → 400 InvalidToken.
        token = self._bearer(rec)
        if token is None:
            return self.error(401, "AuthMissing", "Authentication Required")
        expires = self._access.get(token)
        if expires is None:
            return self.error(400, "InvalidToken", "Token could not be verified")
        if expires <= time.time():
            return self.error(400, "ExpiredToken", "Token has expired")
        return None

    def _did_doc(self) -> dict[str, Any]:
        # createSession and refreshSession return the account's DID document; its
        # #atproto_pds service is where the client sends everything after logging in.
        return {
            "@context": ["https://www.w3.org/ns/did/v1"],
            "id": DID,
            "alsoKnownAs": [f"at://{HANDLE}"],
            "verificationMethod": [],
            "service": [
                {
                    "id": "#atproto_pds",
                    "type": "AtprotoPersonalDataServer",
                    "serviceEndpoint": self.url,
                }
            ],
        }

    def _session_body(self, access: str, refresh: str) -> dict[str, Any]:
        return {
            "accessJwt": access,
            "refreshJwt": refresh,
            "handle": HANDLE,
            "did": DID,
            "didDoc": self._did_doc(),
            "active": True,
        }

    def _create_session(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        now = time.time()
        with self._state:
            self._logins = [t for t in self._logins if t > now - SESSION_LIMITS[-1][1]]
            self._logins.append(now)
            headers: dict[str, str] = {}
            for limit, window in SESSION_LIMITS:
                used = [t for t in self._logins if t > now - window]
                reset = int(min(used) + window)
                if len(used) > limit:
                    return self.rate_limited(reset, limit, window)
                if not headers:
                    headers = self.limit_headers(limit, limit - len(used), reset, window)
        body = rec.json()
        if body.get("identifier") not in (HANDLE, DID) or body.get("password") != APP_PASSWORD:
            # account-manager.ts login: AuthRequiredError('Invalid identifier or password').
            return self.error(
                401, "AuthenticationRequired", "Invalid identifier or password", headers
            )
        access, refresh = self._tokens()
        return json_response(self._session_body(access, refresh), headers=headers)

    def _refresh_session(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        # refreshSession.ts and auth-verifier.ts: the refresh token in the Authorization header;
        # past its own expiry → 400 ExpiredToken "Token has expired" (jwtVerify); revoked, or
        # rotated and past the grace period → 400 ExpiredToken "Token has been revoked"
        # (rotateRefreshToken returns null); not one of ours → 400 InvalidToken.
        token = self._bearer(rec)
        if token is None:
            return self.error(401, "AuthMissing", "Authentication Required")
        now = time.time()
        with self._state:
            lifetime = self._refresh.get(token)
            if lifetime is None:
                if token in self._revoked:
                    return self.error(400, "ExpiredToken", "Token has been revoked")
                return self.error(400, "InvalidToken", "Token could not be verified")
            expires, usable_until = lifetime
            if expires <= now:
                return self.error(400, "ExpiredToken", "Token has expired")
            if usable_until <= now:
                return self.error(400, "ExpiredToken", "Token has been revoked")
            self._refresh[token] = (expires, min(usable_until, now + REFRESH_GRACE))
        access, refresh = self._tokens()
        return json_response(self._session_body(access, refresh))

    def _profile(self) -> dict[str, Any]:
        return {"did": DID, "handle": HANDLE, "displayName": "鏡野町"}

    def _get_profile(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        # packages/bsky/src/api/app/bsky/actor/getProfile.ts: an actor no DID resolves for →
        # 400 InvalidRequest "Profile not found"; a taken-down account → 400 AccountTakedown
        # "Account has been suspended"; a deactivated one → 400 AccountDeactivated "Account is
        # deactivated". An actor that is neither a handle nor a DID fails the lexicon's
        # at-identifier format first (xrpc-server parameter validation, 400 InvalidRequest).
        if denied := self._authorised(rec):
            return denied
        actor = (rec.query.get("actor") or [""])[0]
        if actor in (DID, HANDLE):
            return json_response(self._profile())
        if not (actor.startswith("did:") or _HANDLE.fullmatch(actor)):
            return self.error(400, "InvalidRequest", "Error: actor must be a valid did or a handle")
        profile = self.profiles.get(actor.lower()) or next(
            (p for p in self.profiles.values() if p["did"] == actor), None
        )
        if profile is None:
            return self.error(400, "InvalidRequest", "Profile not found")
        if profile["status"] == "takendown":
            return self.error(400, "AccountTakedown", "Account has been suspended")
        if profile["status"] == "deactivated":
            return self.error(400, "AccountDeactivated", "Account is deactivated")
        # lexicons/app/bsky/actor/defs.json profileViewDetailed.
        return json_response({k: v for k, v in profile.items() if k != "status"})

    # -- blobs and records ----------------------------------------------------------------
    def _upload_blob(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        if denied := self._authorised(rec):
            return denied
        if len(rec.body) > UPLOAD_LIMIT:
            # xrpc-server util.ts decodeBodyStream: over the blob limit, 413 before anything
            # is stored.
            return self.error(413, "PayloadTooLarge", "request entity too large")
        cid = "bafkrei" + hashlib.sha256(rec.body).hexdigest()[:52]
        mime = _sniff(rec.body, rec.header("content-type"))
        with self._state:
            self.blobs[cid] = {"content": rec.body, "mimeType": mime, "size": len(rec.body)}
        return json_response(
            {
                "blob": {
                    "$type": "blob",
                    "ref": {"$link": cid},
                    "mimeType": mime,
                    "size": len(rec.body),
                }
            }
        )

    def _invalid(self, reason: str) -> FakeResponse:
        # prepare.ts validateRecord → InvalidRequestError(`Invalid ${$type} record: ...`), the
        # reason as @atproto/lex-schema words it ("<type> too big (maximum M, got N) at $.path").
        return self.error(400, "InvalidRequest", f"Invalid {POST} record: {reason}")

    def _validate(self, record: dict[str, Any]) -> FakeResponse | None:
        for key in ("text", "createdAt"):
            if not isinstance(record.get(key), str):
                return self._invalid(f'Missing required key "{key}" at $.record')
        text = record["text"]
        size = len(text.encode())
        if size > TEXT_MAX_BYTES:
            return self._invalid(
                f"string too big (maximum {TEXT_MAX_BYTES}, got {size}) at $.record.text"
            )
        # Graphemes counted as code points: the fake's texts have no combining sequences.
        if len(text) > TEXT_MAX_GRAPHEMES:
            return self._invalid(
                f"grapheme too big (maximum {TEXT_MAX_GRAPHEMES}, got {len(text)}) at $.record.text"
            )
        embed = record.get("embed")
        if embed is None:
            return None
        images = embed.get("images") or []
        if len(images) > MAX_IMAGES:
            return self._invalid(
                f"array too big (maximum {MAX_IMAGES}, got {len(images)}) at $.record.embed.images"
            )
        for i, image in enumerate(images):
            if not isinstance(image.get("alt"), str):
                return self._invalid(f'Missing required key "alt" at $.record.embed.images[{i}]')
            blob = image["image"]
            if blob["size"] > IMAGE_MAX_SIZE and not self.legacy_blob_errors:
                # The current PDS checks the lexicon's maxSize while validating the record
                # (lex-schema blob.ts, since bluesky-social/atproto#4408, March 2026).
                return self._invalid(
                    f"blob too big (maximum {IMAGE_MAX_SIZE}, got {blob['size']}) "
                    f"at $.record.embed.images[{i}].image"
                )
        return None

    def _check_blobs(self, images: list[dict[str, Any]]) -> FakeResponse | None:
        # actor-store/blob/transactor.ts verifyBlobAndMakePermanent / verifyBlob.
        for image in images:
            ref = image["image"]
            stored = self.blobs.get(ref["ref"]["$link"])
            if stored is None:
                return self.error(
                    400, "BlobNotFound", f"Could not find blob: {ref['ref']['$link']}"
                )
            if self.legacy_blob_errors and stored["size"] > IMAGE_MAX_SIZE:
                # Before #4408: verifyBlob → InvalidRequestError(..., 'BlobTooLarge'), sizes
                # written by the `bytes` package (1024-based).
                return self.error(
                    400,
                    "BlobTooLarge",
                    f"This file is too large. It is {stored['size'] / 1048576:.2f}MB but the "
                    f"maximum size is {IMAGE_MAX_SIZE / 1048576:.2f}MB.",
                )
            if ref["mimeType"] != stored["mimeType"]:
                return self.error(
                    400,
                    "InvalidMimeType",
                    "Referenced Mimetype does not match stored blob. Expected: "
                    f"{stored['mimeType']}, Got: {ref['mimeType']}",
                )
            if ref["size"] != stored["size"]:
                return self.error(
                    400,
                    "InvalidSize",
                    f"Referenced Size does not match stored blob. Expected: {stored['size']}, "
                    f"Got: {ref['size']}",
                )
        return None

    def _write_headers(self, now: float, points: int = CREATE_POINTS) -> dict[str, str]:
        with self._state:
            self._write_points = [(t, p) for t, p in self._write_points if t > now - 3600]
            self._write_points.append((now, points))
            used = sum(p for _t, p in self._write_points)
            reset = int(self._write_points[0][0] + 3600)
        return self.limit_headers(WRITE_POINTS_PER_HOUR, WRITE_POINTS_PER_HOUR - used, reset, 3600)

    def _create_record(self, rec: Recorded, _m: re.Match[str]) -> Answer:
        # packages/pds/src/api/com/atproto/repo/createRecord.ts
        if denied := self._authorised(rec):
            return denied
        body = rec.json()
        if body.get("repo") not in (DID, HANDLE):
            # auth-verifier.ts findAccount: ForbiddenError('Account not found').
            return self.error(403, "AccountNotFound", "Account not found")
        record = body.get("record") or {}
        collection = body.get("collection")
        if record.get("$type", collection) != collection:
            return self.error(
                400,
                "InvalidRequest",
                f"Invalid $type: expected {collection}, got {record.get('$type')}",
            )
        if collection != POST:
            return self.error(400, "InvalidRequest", f"fake: no collection {collection}")
        rkey = body.get("rkey")
        if rkey is not None and not TID_RE.fullmatch(rkey):
            # The post lexicon's key type is "tid" (lexicons/app/bsky/feed/post.json).
            return self.error(
                400,
                "InvalidRequest",
                f'Invalid record key for {POST}: Invalid TID string (got "{rkey}") at $',
            )
        if refused := self._validate(record):
            return refused
        images = (record.get("embed") or {}).get("images") or []
        if refused := self._check_blobs(images):
            return refused
        if rkey is not None and rkey in self.records:
            # packages/repo/src/mst/mst.ts add(): `There is already a value at key`, a plain
            # Error, which xrpc-server answers as a bare 500 (errors.ts InternalServerError).
            return self.error(500, "InternalServerError", "Internal Server Error")
        fields = {k: v for k, v in record.items() if k not in ("$type", "text", "createdAt")}
        post = self.add_post(
            record["text"],
            rkey=rkey or _tid(),
            created_at=record["createdAt"],
            **fields,
        )
        headers = self._write_headers(time.time())
        if self.lose_next_create_answer:
            self.lose_next_create_answer = False
            return CLOSE
        return json_response(
            {
                "uri": post["uri"],
                "cid": post["cid"],
                "commit": {"cid": "bafyreicommit" + post["cid"][-20:], "rev": _tid()},
                "validationStatus": "valid",
            },
            headers=headers,
        )

    def _get_record(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        # packages/pds/src/api/com/atproto/repo/getRecord.ts: no authentication; a record that
        # is not there → 400 RecordNotFound "Could not locate record: <uri>".
        query = {k: v[0] for k, v in rec.query.items()}
        repo, collection, rkey = query.get("repo"), query.get("collection"), query.get("rkey")
        if repo not in (DID, HANDLE):
            return self.error(400, "InvalidRequest", "Could not locate record")
        uri = f"at://{DID}/{collection}/{rkey}"
        post = self.records.get(rkey or "") if collection == POST else None
        if post is None:
            return self.error(400, "RecordNotFound", f"Could not locate record: {uri}")
        return json_response({"uri": post["uri"], "cid": post["cid"], "value": post["record"]})

    def _delete_record(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        # packages/pds/src/api/com/atproto/repo/deleteRecord.ts: a repo the PDS does not hold →
        # 400 InvalidRequest "Could not find repo: <repo>"; another account's repo → 401
        # AuthRequiredError; a record that is not there → 200 without a commit ("No-op if
        # record already doesn't exist"); else the record is removed and the commit returned.
        if denied := self._authorised(rec):
            return denied
        body = rec.json()
        repo, collection, rkey = body.get("repo"), body.get("collection"), body.get("rkey")
        if repo not in (DID, HANDLE):
            if repo in self.profiles or any(p["did"] == repo for p in self.profiles.values()):
                return self.error(401, "AuthenticationRequired", "Authentication Required")
            return self.error(400, "InvalidRequest", f"Could not find repo: {repo}")
        headers = self._write_headers(time.time(), DELETE_POINTS)
        with self._state:
            post = self.records.pop(rkey or "", None) if collection == POST else None
            if post is None:
                return json_response({}, headers=headers)
            self.posts.remove(post)
        return json_response(
            {"commit": {"cid": "bafyreicommit" + post["cid"][-20:], "rev": _tid()}},
            headers=headers,
        )

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
                    "indexedAt": p["indexedAt"],
                }
            }
            for p in self.posts[:limit]
        ]
        return json_response({"feed": feed})


_B32 = "234567abcdefghijklmnopqrstuvwxyz"


def _tid() -> str:
    """A record key the PDS picks itself (TID.next(), atproto.com/specs/tid)."""
    value = (time.time_ns() // 1000) << 10 | secrets.randbelow(1024)
    return "".join(_B32[(value >> (5 * i)) & 31] for i in reversed(range(13)))
