"""A fake Mastodon instance: the REST endpoints the Mastodon adapter uses.

Wire format from the Mastodon API documentation (docs.joinmastodon.org) and, where the
documentation gives no text, Mastodon's source (github.com/mastodon/mastodon):
- /methods/accounts#verify_credentials, #statuses: the account, and its statuses newest
  first, with `limit` (default 20, max 40), `max_id` and `exclude_reblogs`.
- /methods/media#v2: `POST /api/v2/media` answers 200 with a `url` when the file was processed
  at once, or 202 with `url: null` while it is processed in the background; #get: `GET
  /api/v1/media/:id` answers 206 while processing and 200 with the `url` after.
- /methods/statuses#create: `Idempotency-Key` ("stored for up to 1 hour") returns the status
  made with that key; validation errors are 422 `{"error": "..."}`. Media checks in the order
  of `PostStatusService#validate_media!` with the texts of config/locales/en.yml
  (`media_attachments.validations`): too many, not found or already attached, not processed
  ("Cannot attach files that have not finished processing. Try again in a moment!").
- /entities/Status: `id`, `created_at` (ISO 8601 with milliseconds, UTC), `uri`, `url`,
  `content` (HTML, /api/guidelines#formatting).
- /methods/statuses#delete: `DELETE /api/v1/statuses/:id` answers the deleted status with its
  source `text`; 404 "Record not found" when the "Status is not owned by you or does not
  exist". /api/rate-limits: 30 deletes within 30 minutes per account.
- /methods/accounts#lookup: `GET /api/v1/accounts/lookup?acct=` answers the Account; 404 "Record
  not found" when the "Username or address does not map to an account". Only accounts the
  instance already knows (no WebFinger: Mastodon.py's account_lookup). /entities/Account:
  `suspended` is "An extra attribute returned only when an account is suspended"; `created_at`
  "now resolves to midnight" (3.4.0).
- /api/rate-limits: `X-RateLimit-Limit/-Remaining/-Reset` (ISO 8601).

The fake's clock (`now`, moved with `advance`) dates statuses and expires idempotency keys.
"""

from __future__ import annotations

import html
import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from kagami.publishing.adapters.fakes.server import (
    FakeResponse,
    FakeServer,
    Recorded,
    json_response,
)

TOKEN = "mastodon-test-token"  # noqa: S105 (a fake server's token)
# /methods/statuses#create: "Idempotency keys are stored for up to 1 hour."
IDEMPOTENCY_LIFETIME = timedelta(hours=1)
# /api/rate-limits, "Deleting statuses": 30 times within 30 minutes.
DELETE_LIMIT = 30
DELETE_WINDOW = timedelta(minutes=30)
MAX_MEDIA = 4
NOT_READY = "Cannot attach files that have not finished processing. Try again in a moment!"
_URL = re.compile(r"https?://[^\s<]+")
_seq = itertools.count()


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


def content_text(content: str) -> str:
    """The source text of a rendered `content` (what a delete answers as `text`)."""
    text = re.sub(r"<br />", "\n", content.replace("</p><p>", "\n\n"))
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def snowflake(at: datetime) -> str:
    """An id in Mastodon's scheme (milliseconds << 16 plus a sequence), so ids sort as dates."""
    return str((int(at.timestamp() * 1000) << 16) + next(_seq) % 65536)


def timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


class FakeMastodon(FakeServer):
    def __init__(
        self,
        *,
        username: str = "kagami_town",
        background_from_bytes: int | None = None,
        processing_polls: int = 2,
    ) -> None:
        """Uploads of at least `background_from_bytes` (None: none) are processed in the
        background and stay unready for `processing_polls` GETs of the attachment."""
        super().__init__()
        self.username = username
        self.account_id = "109000000000000001"
        self.statuses: list[dict[str, Any]] = []
        self.media: dict[str, dict[str, Any]] = {}
        self.background_from_bytes = background_from_bytes
        self.processing_polls = processing_polls
        self._polls_left: dict[str, int] = {}
        self._attached: set[str] = set()
        self._by_key: dict[str, tuple[dict[str, Any], datetime]] = {}
        self._offset = timedelta()
        self._deletes: list[datetime] = []
        # Other accounts the instance knows (`add_account`), by lowercased acct.
        self.accounts: dict[str, dict[str, Any]] = {}
        self.route("GET", r"/api/v1/accounts/verify_credentials", self._verify)
        self.route("GET", r"/api/v1/accounts/lookup", self._lookup)
        self.route("DELETE", r"/api/v1/statuses/(?P<id>\d+)", self._delete_status)
        self.route("GET", r"/api/v1/accounts/(?P<id>\d+)/statuses", self._account_statuses)
        self.route("POST", r"/api/v2/media", self._upload)
        self.route("GET", r"/api/v1/media/(?P<id>\d+)", self._get_media)
        self.route("POST", r"/api/v1/statuses", self._post_status)

    @property
    def domain(self) -> str:
        """The instance's own domain: accounts here are `user@domain` to the rest of the network."""
        return urlsplit(self.url).hostname or ""

    # -- clock ------------------------------------------------------------------------------
    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        self._offset += delta

    # -- the shapes a test needs to script errors --------------------------------------------
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

    def add_status(self, text: str, *, created_at: datetime | None = None) -> dict[str, Any]:
        """A status on the account (posted earlier, e.g. by an interrupted attempt or last
        week), dated `created_at` (default: the fake's now)."""
        at = created_at or self.now()
        sid = snowflake(at)
        status: dict[str, Any] = {
            "id": sid,
            "created_at": timestamp(at),
            "uri": f"{self.url}/users/{self.username}/statuses/{sid}",
            "url": f"{self.url}/@{self.username}/{sid}",
            "content": render_content(text),
            "visibility": "public",
            "reblog": None,
            "account": self._account(),
            "media_attachments": [],
        }
        self.statuses.append(status)
        self.statuses.sort(key=lambda s: int(s["id"]), reverse=True)
        return status

    def add_account(
        self,
        username: str,
        display_name: str = "",
        *,
        domain: str | None = None,
        created_at: datetime | None = None,
        suspended: bool = False,
    ) -> dict[str, Any]:
        """Another account the instance knows: local, or of `domain` (a remote one it has
        seen). Dated `created_at` at midnight, as Mastodon 3.4+ answers."""
        made = (created_at or self.now()).astimezone(UTC)
        acct = f"{username}@{domain}" if domain else username
        aid = snowflake(made)
        home = f"https://{domain}" if domain else self.url
        account = {
            "id": aid,
            "username": username,
            "acct": acct,
            "display_name": display_name,
            "url": f"{home}/@{username}",
            "created_at": made.strftime("%Y-%m-%dT00:00:00.000Z"),
            "suspended": suspended,
        }
        self.accounts[acct.lower()] = account
        return account

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

    # -- accounts ----------------------------------------------------------------------------
    def _verify(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        return self._authorised(rec) or json_response(self._account())

    def _account_statuses(self, rec: Recorded, m: re.Match[str]) -> FakeResponse:
        # /methods/accounts#statuses: newest first; limit defaults to 20, at most 40; max_id is
        # an upper bound; 404 "Record not found" for an unknown account.
        if m["id"] != self.account_id:
            return self.error(404, "Record not found")
        limit = min(int(rec.field("limit") or 20), 40)
        max_id = rec.field("max_id")
        listed = [
            s
            for s in self.statuses
            if (max_id is None or int(s["id"]) < int(max_id))
            and not (rec.field("exclude_reblogs") in ("1", "true") and s.get("reblog"))
        ]
        return json_response(listed[:limit])

    def _lookup(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        if denied := self._authorised(rec):
            return denied
        acct = (rec.field("acct") or "").removeprefix("@")
        username, _, domain = acct.partition("@")
        if domain.lower() == self.domain.lower():
            acct = username  # the instance's own domain: a local account
        if acct.lower() == self.username.lower():
            return json_response(self._account())
        account = self.accounts.get(acct.lower())
        if account is None:
            return self.error(404, "Record not found")
        if account["suspended"]:
            # A suspended account keeps its name and address; its profile is emptied.
            shown = {k: v for k, v in account.items() if k != "suspended"}
            return json_response({**shown, "display_name": "", "suspended": True})
        return json_response({k: v for k, v in account.items() if k != "suspended"})

    # -- media -------------------------------------------------------------------------------
    def _upload(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        if denied := self._authorised(rec):
            return denied
        parts = rec.multipart()
        if "file" not in parts:
            return self.error(422, "Validation failed: File can't be blank")
        content, content_type = parts["file"]
        mid = snowflake(self.now())
        description = parts.get("description", (b"", None))[0].decode()
        background = (
            self.background_from_bytes is not None and len(content) >= self.background_from_bytes
        )
        self.media[mid] = {
            "id": mid,
            "type": "image",
            "url": None if background else self._media_url(mid),
            "preview_url": f"{self.url}/system/media_attachments/{mid}/small.jpg",
            "description": description or None,
            "content_type": content_type,
            "size": len(content),
        }
        if background:
            # /methods/media#v2 "202: Accepted ... the MediaAttachment's url will still be null".
            self._polls_left[mid] = self.processing_polls
            return json_response(self.media[mid], 202)
        return json_response(self.media[mid], 200)

    def _media_url(self, mid: str) -> str:
        return f"{self.url}/system/media_attachments/{mid}/original.png"

    def _get_media(self, rec: Recorded, m: re.Match[str]) -> FakeResponse:
        if denied := self._authorised(rec):
            return denied
        mid = m["id"]
        if mid not in self.media or mid in self._attached:
            return self.error(404, "Record not found")
        # /methods/media#get: "206: Partial content" while processing (Mastodon renders the
        # attachment with it), 200 with the url after; 404 once attached to a status.
        left = self._polls_left.get(mid, 0)
        if left > 0:
            self._polls_left[mid] = left - 1
            return json_response(self.media[mid], 206)
        self._polls_left.pop(mid, None)
        self.media[mid]["url"] = self._media_url(mid)
        return json_response(self.media[mid], 200)

    # -- statuses ----------------------------------------------------------------------------
    def _delete_status(self, rec: Recorded, m: re.Match[str]) -> FakeResponse:
        if denied := self._authorised(rec):
            return denied
        now = self.now()
        self._deletes = [t for t in self._deletes if now - t < DELETE_WINDOW]
        if len(self._deletes) >= DELETE_LIMIT:
            return self.rate_limited(self._deletes[0] + DELETE_WINDOW)
        self._deletes.append(now)
        status = next((s for s in self.statuses if s["id"] == m["id"]), None)
        if status is None:
            return self.error(404, "Record not found")
        self.statuses.remove(status)
        return json_response({**status, "text": content_text(status["content"])})

    def _post_status(self, rec: Recorded, _m: re.Match[str]) -> FakeResponse:
        if denied := self._authorised(rec):
            return denied
        now = self.now()
        # /methods/statuses#create: the Idempotency-Key returns the status made with it, for up
        # to an hour (PostStatusService checks it before validating anything).
        key = rec.header("idempotency-key")
        if key and key in self._by_key:
            status, stored = self._by_key[key]
            if now - stored < IDEMPOTENCY_LIFETIME:
                return json_response(status)
            del self._by_key[key]
        form = rec.form()
        text = (form.get("status") or [""])[0]
        ids = form.get("media_ids[]", []) + form.get("media_ids", [])
        if not text.strip() and not ids:
            return self.error(422, "Validation failed: Text can't be blank")
        if len(text) > 500:
            return self.error(422, "Validation failed: Text character limit of 500 exceeded")
        # PostStatusService#validate_media!, in its order, with config/locales/en.yml's texts.
        if len(ids) > MAX_MEDIA:
            return self.error(422, "Cannot attach more than 4 files")
        missing = [i for i in ids if i not in self.media or i in self._attached]
        if missing:
            return self.error(
                422, f"Media {', '.join(missing)} not found or already attached to another post"
            )
        if any(self.media[i]["url"] is None for i in ids):
            return self.error(422, NOT_READY)
        status = self.add_status(text)
        status["media_attachments"] = [self.media[i] for i in ids]
        self._attached.update(ids)
        if key:
            self._by_key[key] = (status, now)
        return json_response(status)
