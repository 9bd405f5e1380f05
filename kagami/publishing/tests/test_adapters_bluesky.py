"""The Bluesky adapter against a loopback fake PDS."""

import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PIL import Image

from kagami.publishing.adapters.base import (
    DeliveryNotes,
    ErrorKind,
    MediaFile,
    PublishError,
    PublishRequest,
)
from kagami.publishing.adapters.bluesky import RKEY_NOTE, BlueskyAdapter, link_facets, new_rkey
from kagami.publishing.adapters.fakes import CLOSE, HANG, FakeResponse
from kagami.publishing.adapters.fakes.bluesky import (
    APP_PASSWORD,
    DID,
    HANDLE,
    IMAGE_MAX_SIZE,
    TID_RE,
    UPLOAD_LIMIT,
    FakeBluesky,
)

URL = "https://www.town.kagamino.lg.jp/news/0401.html"
TEXT = f"鏡野町からのお知らせ🌸 詳しくは{URL}をご覧ください。"
X = r"/xrpc/"
CREATE = X + r"com\.atproto\.repo\.createRecord"
UPLOAD = X + r"com\.atproto\.repo\.uploadBlob"
GET = X + r"com\.atproto\.repo\.getRecord"
LOGIN = X + r"com\.atproto\.server\.createSession"
REFRESH = X + r"com\.atproto\.server\.refreshSession"
FEED = X + r"app\.bsky\.feed\.getAuthorFeed"


@pytest.fixture
def fake() -> Iterator[FakeBluesky]:
    with FakeBluesky() as server:
        yield server


class Vault:
    """What the worker does with `on_credentials_changed`: keeps the tokens for next time."""

    def __init__(self, password: str = APP_PASSWORD, **more: str) -> None:
        self.tokens = {"handle": HANDLE, "app_password": password, **more}
        self.kept: list[dict[str, str]] = []

    def adapter(self, fake: FakeBluesky) -> BlueskyAdapter:
        made = BlueskyAdapter(dict(self.tokens), base_url=fake.url, timeout=0.5)
        made.on_credentials_changed = self._keep
        return made

    def _keep(self, changes: object) -> None:
        assert isinstance(changes, dict)
        self.kept.append(changes)
        self.tokens.update(changes)


def adapter(fake: FakeBluesky, password: str = APP_PASSWORD) -> BlueskyAdapter:
    return Vault(password).adapter(fake)


def req(
    text: str = TEXT,
    media: tuple[MediaFile, ...] = (),
    notes: DeliveryNotes | None = None,
    first_attempt_at: datetime | None = None,
) -> PublishRequest:
    return PublishRequest(
        text=text,
        idempotency_key="target-1",
        handle=HANDLE,
        media=media,
        first_attempt_at=first_attempt_at or datetime.now(UTC),
        notes=notes or DeliveryNotes(),
    )


def png(width: int = 30, height: int = 20) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 160)).save(out, "PNG")
    return out.getvalue()


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- posting ----------------------------------------------------------------------------------
def test_publish_returns_the_at_uri_and_the_web_url(fake: FakeBluesky) -> None:
    published = adapter(fake).publish(req())
    [post] = fake.posts
    rkey = post["uri"].rsplit("/", 1)[1]
    assert published.platform_post_id == post["uri"]
    assert published.platform_post_id.startswith(f"at://{DID}/app.bsky.feed.post/")
    assert published.url == f"https://bsky.app/profile/{HANDLE}/post/{rkey}"
    [sent] = fake.received("POST", CREATE)
    body = sent.json()
    assert body["repo"] == DID
    assert body["collection"] == "app.bsky.feed.post"
    assert body["rkey"] == rkey
    assert body["record"]["$type"] == "app.bsky.feed.post"
    assert body["record"]["text"] == TEXT
    assert body["record"]["langs"] == ["ja"]
    created = datetime.fromisoformat(body["record"]["createdAt"])
    assert abs(created - datetime.now(UTC)) < timedelta(minutes=1)


def test_urls_become_link_facets_with_utf8_byte_offsets(fake: FakeBluesky) -> None:
    adapter(fake).publish(req())
    [sent] = fake.received("POST", CREATE)
    [facet] = sent.json()["record"]["facets"]
    start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
    assert TEXT.encode()[start:end].decode() == URL
    assert start != TEXT.index(URL)  # bytes, not characters
    assert facet["features"] == [{"$type": "app.bsky.richtext.facet#link", "uri": URL}]


def test_link_facets_leave_trailing_punctuation_out() -> None:
    [facet] = link_facets("see https://example.jp/a.html. ok")
    assert facet.features[0].uri == "https://example.jp/a.html"
    assert link_facets("リンクなし") == []


def _linked(text: str) -> list[tuple[str, str]]:
    """(linked text, uri) of each facet."""
    data = text.encode()
    return [
        (data[f.index.byte_start : f.index.byte_end].decode(), f.features[0].uri)
        for f in link_facets(text)
    ]


def test_link_facets_cover_a_link_glued_to_japanese_text_and_nothing_more() -> None:
    text = "詳しくはhttps://www.town.kagamino.lg.jp/event/をご覧ください。"
    url = "https://www.town.kagamino.lg.jp/event/"
    assert _linked(text) == [(url, url)]


def test_link_facets_stop_at_full_width_brackets_and_punctuation() -> None:
    text = "会場（https://www.town.kagamino.lg.jp/map）、「https://bit.ly/3abc」。"
    assert [linked for linked, _uri in _linked(text)] == [
        "https://www.town.kagamino.lg.jp/map",
        "https://bit.ly/3abc",
    ]


def test_link_facets_open_links_without_a_scheme_over_https() -> None:
    text = "鏡野町www.town.kagamino.lg.jp/soshiki/で公開中"
    assert _linked(text) == [
        ("www.town.kagamino.lg.jp/soshiki/", "https://www.town.kagamino.lg.jp/soshiki/")
    ]


def test_link_facets_are_the_links_the_content_checks_read() -> None:
    from kagami.contentchecks.link_extractor import find_links

    text = "🌸詳しくはhttp://example-travel.com/kagaminoへ、申込みはkenko@town.kagamino.lg.jpまで"
    assert (
        [linked for linked, _uri in _linked(text)]
        == [text[link.start : link.end] for link in find_links(text)]
        == ["http://example-travel.com/kagamino"]
    )


def test_images_are_uploaded_and_embedded_with_alt_text_and_aspect_ratio(
    fake: FakeBluesky,
) -> None:
    first, second = png(30, 20), png(16, 40)
    adapter(fake).publish(
        req(
            media=(
                MediaFile(first, "image/png", alt_text="桜まつりの会場"),
                MediaFile(second, "image/png", alt_text="会場までの地図"),
            )
        )
    )
    uploads = fake.received("POST", UPLOAD)
    assert [u.body for u in uploads] == [first, second]
    assert [u.header("content-type") for u in uploads] == ["image/png", "image/png"]
    [sent] = fake.received("POST", CREATE)
    images = sent.json()["record"]["embed"]["images"]
    assert [i["alt"] for i in images] == ["桜まつりの会場", "会場までの地図"]
    assert [fake.blobs[i["image"]["ref"]["$link"]]["content"] for i in images] == [first, second]
    assert [(i["aspectRatio"]["width"], i["aspectRatio"]["height"]) for i in images] == [
        (30, 20),
        (16, 40),
    ]


def test_the_aspect_ratio_of_a_photo_turned_by_exif_is_as_shown(fake: FakeBluesky) -> None:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown portrait
    Image.new("RGB", (40, 30)).save(out, "JPEG", exif=exif)
    adapter(fake).publish(req(media=(MediaFile(out.getvalue(), "image/jpeg", alt_text="写真"),)))
    [sent] = fake.received("POST", CREATE)
    [image] = sent.json()["record"]["embed"]["images"]
    assert (image["aspectRatio"]["width"], image["aspectRatio"]["height"]) == (30, 40)


def test_five_images_are_refused_before_anything_is_sent(fake: FakeBluesky) -> None:
    media = tuple(MediaFile(png(), "image/png", alt_text=f"写真{i}") for i in range(5))
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(media=media))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED
    assert caught.value.permanent
    assert not fake.received("POST", UPLOAD)
    assert fake.requests == []


def test_the_fake_pds_refuses_a_post_with_five_images_as_record_validation_does(
    fake: FakeBluesky,
) -> None:
    login = httpx.post(
        f"{fake.url}/xrpc/com.atproto.server.createSession",
        json={"identifier": HANDLE, "password": APP_PASSWORD},
    ).json()
    auth = {"Authorization": f"Bearer {login['accessJwt']}"}
    blob = httpx.post(
        f"{fake.url}/xrpc/com.atproto.repo.uploadBlob", content=png(), headers=auth
    ).json()["blob"]
    record = {
        "$type": "app.bsky.feed.post",
        "text": "五枚",
        "createdAt": iso(datetime.now(UTC)),
        "embed": {
            "$type": "app.bsky.embed.images",
            "images": [{"alt": "", "image": blob}] * 5,
        },
    }
    answer = httpx.post(
        f"{fake.url}/xrpc/com.atproto.repo.createRecord",
        json={"repo": DID, "collection": "app.bsky.feed.post", "record": record},
        headers=auth,
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "InvalidRequest",
        "message": "Invalid app.bsky.feed.post record: array too big (maximum 4, got 5) "
        "at $.record.embed.images",
    }


def test_a_text_the_sdk_model_refuses_is_content_refused_before_any_call(
    fake: FakeBluesky,
) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(text="あ" * 3001))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED
    assert fake.requests == []


def test_refused_content_is_permanent_with_the_pds_message(fake: FakeBluesky) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(text="あ" * 301))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED
    assert caught.value.permanent
    assert not caught.value.credentials_problem
    assert "grapheme too big (maximum 300, got 301) at $.record.text" in caught.value.message


# -- image sizes ------------------------------------------------------------------------------
def test_the_worker_prepares_images_within_what_the_pds_takes() -> None:
    spec = BlueskyAdapter.image_spec
    assert spec is not None
    assert spec.max_bytes <= IMAGE_MAX_SIZE
    assert BlueskyAdapter.max_images == 4


def _photo_like(size: int) -> bytes:
    return b"\xff\xd8\xff\xe0" + bytes(size - 4)


@pytest.mark.parametrize("legacy", [False, True], ids=["current-pds", "pds-before-2026-03"])
def test_an_image_over_the_lexicon_limit_is_media_refused(fake: FakeBluesky, legacy: bool) -> None:
    fake.legacy_blob_errors = legacy
    big = _photo_like(3_000_000)
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(media=(MediaFile(big, "image/jpeg", alt_text="大きな写真"),)))
    assert caught.value.kind == ErrorKind.MEDIA_REFUSED
    assert caught.value.permanent
    if legacy:
        assert "400 BlobTooLarge: This file is too large." in caught.value.message
    else:
        assert (
            "blob too big (maximum 2000000, got 3000000) at $.record.embed.images[0].image"
            in caught.value.message
        )
    assert fake.posts == []


def test_an_image_over_the_upload_limit_is_media_refused(fake: FakeBluesky) -> None:
    huge = _photo_like(UPLOAD_LIMIT + 1)
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(media=(MediaFile(huge, "image/jpeg", alt_text="写真"),)))
    assert caught.value.kind == ErrorKind.MEDIA_REFUSED
    assert "413 PayloadTooLarge: request entity too large" in caught.value.message
    assert not fake.received("POST", CREATE)


# -- sessions ---------------------------------------------------------------------------------
def test_the_session_is_kept_and_the_next_adapter_does_not_log_in_again(
    fake: FakeBluesky,
) -> None:
    vault = Vault()
    vault.adapter(fake).publish(req())
    assert [set(k) for k in vault.kept] == [{"session"}]
    assert vault.tokens["session"].startswith(f"{HANDLE}:::{DID}:::")
    vault.adapter(fake).publish(req(text="二件目"))
    vault.adapter(fake).find_existing(req(text="二件目"))
    assert len(fake.received("POST", LOGIN)) == 1
    assert len(fake.posts) == 2
    assert not fake.received("GET", X + r"app\.bsky\.actor\.getProfile")


def test_an_expired_access_token_is_refreshed_and_the_new_session_kept(
    fake: FakeBluesky,
) -> None:
    stored = fake.session_string(access_lifetime=-60)
    vault = Vault(session=stored)
    vault.adapter(fake).publish(req())
    assert len(fake.received("POST", REFRESH)) == 1
    assert not fake.received("POST", LOGIN)
    [kept] = vault.kept
    assert kept["session"] != stored
    # The refresh token was rotated: the next adapter starts from the kept one.
    vault.adapter(fake).publish(req(text="二件目"))
    assert not fake.received("POST", LOGIN)
    assert len(fake.posts) == 2


@pytest.mark.parametrize("how", ["expired", "revoked"])
def test_a_dead_stored_session_falls_back_to_the_app_password(fake: FakeBluesky, how: str) -> None:
    if how == "expired":
        stored = fake.session_string(access_lifetime=-60, refresh_lifetime=-60)
    else:
        stored = fake.session_string(access_lifetime=-60)
        fake.revoke_sessions()
    vault = Vault(session=stored)
    vault.adapter(fake).publish(req())
    assert len(fake.received("POST", REFRESH)) == 1
    assert len(fake.received("POST", LOGIN)) == 1
    assert len(fake.posts) == 1
    assert vault.tokens["session"] != stored


def test_an_access_token_the_pds_no_longer_takes_means_one_new_login(
    fake: FakeBluesky,
) -> None:
    vault = Vault(session=fake.session_string())
    fake.forget_access_tokens()
    notes = DeliveryNotes()
    vault.adapter(fake).publish(req(notes=notes))
    assert len(fake.received("POST", LOGIN)) == 1
    creates = fake.received("POST", CREATE)
    assert [c.json()["rkey"] for c in creates] == [notes.get(RKEY_NOTE)] * 2
    assert len(fake.posts) == 1


def test_a_session_of_another_account_is_not_used(fake: FakeBluesky) -> None:
    other = fake.session_string().replace(HANDLE, "someone-else.bsky.social")
    vault = Vault(session=other.replace(DID, "did:plc:someoneelse"))
    vault.adapter(fake).publish(req())
    assert len(fake.received("POST", LOGIN)) == 1
    assert not fake.received("POST", REFRESH)


def test_a_wrong_app_password_is_a_credentials_problem(fake: FakeBluesky) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake, password="wrong-pass-word-xxxx").publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert caught.value.permanent
    assert caught.value.credentials_problem
    assert "401 AuthenticationRequired: Invalid identifier or password" in caught.value.message
    assert not fake.received("POST", CREATE)


@pytest.mark.parametrize("missing", ["handle", "app_password"])
def test_a_missing_credential_is_a_credentials_problem(fake: FakeBluesky, missing: str) -> None:
    tokens = {"handle": HANDLE, "app_password": APP_PASSWORD, missing: ""}
    with pytest.raises(PublishError) as caught:
        BlueskyAdapter(tokens, base_url=fake.url, timeout=0.5).publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert fake.requests == []


def test_too_many_logins_are_rate_limited_until_the_reset(fake: FakeBluesky) -> None:
    with httpx.Client(base_url=fake.url) as elsewhere:  # another worker, logging in
        for _ in range(30):
            elsewhere.post(
                "/xrpc/com.atproto.server.createSession",
                json={"identifier": HANDLE, "password": APP_PASSWORD},
            ).raise_for_status()
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    [*_, refused] = fake.received("POST", LOGIN)
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert not caught.value.permanent
    assert caught.value.retry_after is not None
    assert (
        timedelta(minutes=4) < caught.value.retry_after - datetime.now(UTC) <= timedelta(minutes=5)
    )
    assert "429 RateLimitExceeded: Rate Limit Exceeded" in caught.value.message
    assert refused.json()["identifier"] == HANDLE
    assert not fake.received("POST", CREATE)


def test_a_taken_down_account_is_permanent(fake: FakeBluesky) -> None:
    fake.fail_next(
        "POST", LOGIN, FakeBluesky.error(401, "AccountTakedown", "Account has been taken down")
    )
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert caught.value.kind == ErrorKind.ACCOUNT_GONE
    assert caught.value.permanent
    assert "Account has been taken down" in caught.value.message


# -- exactly once -----------------------------------------------------------------------------
def test_the_rkey_is_a_tid_noted_before_the_post_and_kept_across_retries(
    fake: FakeBluesky,
) -> None:
    notes = DeliveryNotes()
    fake.fail_next("POST", CREATE, FakeBluesky.error(503, "NotEnoughResources", "busy"))
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(notes=notes))
    assert not caught.value.permanent
    rkey = notes.get(RKEY_NOTE)
    assert rkey is not None and TID_RE.fullmatch(rkey)
    published = adapter(fake).publish(req(notes=notes))
    assert published.platform_post_id == f"at://{DID}/app.bsky.feed.post/{rkey}"
    assert [c.json()["rkey"] for c in fake.received("POST", CREATE)] == [rkey, rkey]
    other = DeliveryNotes()
    adapter(fake).publish(req(notes=other))
    assert other.get(RKEY_NOTE) not in (None, rkey)


def test_new_rkeys_are_tids_of_now() -> None:
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    for rkey in (new_rkey(), new_rkey()):
        assert TID_RE.fullmatch(rkey)
        value = 0
        for char in rkey:
            value = value * 32 + alphabet.index(char)
        assert value < 2**63  # the top bit is 0
        assert abs((value >> 10) / 1e6 - time.time()) < 60  # microseconds since the epoch


def test_the_rkey_note_is_durable_before_the_create_is_sent(fake: FakeBluesky) -> None:
    seen: list[dict[str, str]] = []
    notes = DeliveryNotes(on_change=seen.append)
    fake.fail_next("POST", CREATE, CLOSE)
    with pytest.raises(PublishError):
        adapter(fake).publish(req(notes=notes))
    [sent] = fake.received("POST", CREATE)
    assert seen == [{RKEY_NOTE: sent.json()["rkey"]}]


def test_a_post_whose_answer_was_lost_is_found_by_its_rkey(fake: FakeBluesky) -> None:
    notes = DeliveryNotes()
    fake.lose_next_create_answer = True
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(notes=notes))
    assert caught.value.kind == ErrorKind.NETWORK
    [post] = fake.posts
    found = adapter(fake).find_existing(req(notes=notes))
    assert found is not None
    assert found.platform_post_id == post["uri"]
    [lookup] = fake.received("GET", GET)
    assert lookup.query["rkey"] == [notes.get(RKEY_NOTE)]
    assert not fake.received("GET", FEED)


def test_a_retry_after_a_lost_answer_returns_the_post_without_posting_again(
    fake: FakeBluesky,
) -> None:
    notes = DeliveryNotes()
    fake.lose_next_create_answer = True
    with pytest.raises(PublishError):
        adapter(fake).publish(req(notes=notes, media=(MediaFile(png(), "image/png"),)))
    published = adapter(fake).publish(req(notes=notes, media=(MediaFile(png(), "image/png"),)))
    [post] = fake.posts
    assert published.platform_post_id == post["uri"]
    assert len(fake.received("POST", CREATE)) == 1
    assert len(fake.received("POST", UPLOAD)) == 1  # no upload on the retry


def test_a_create_at_a_taken_rkey_is_the_pds_500_and_means_the_post_is_ours(
    fake: FakeBluesky,
) -> None:
    notes = DeliveryNotes()
    rkey = new_rkey()
    earlier = fake.add_post(TEXT, rkey=rkey)
    # The post appears between the adapter's look and its create (a crashed attempt's create
    # committing late): the PDS refuses the second value at the key with a bare 500.
    fake.fail_next(
        "GET",
        GET,
        FakeBluesky.error(400, "RecordNotFound", f"Could not locate record: {earlier['uri']}"),
    )
    notes.put(RKEY_NOTE, rkey)
    published = adapter(fake).publish(req(notes=notes))
    assert published.platform_post_id == earlier["uri"]
    [create] = fake.received("POST", CREATE)
    assert create.json()["rkey"] == rkey
    assert len(fake.posts) == 1


def test_the_fake_answers_a_create_at_a_taken_rkey_with_a_bare_500(fake: FakeBluesky) -> None:
    rkey = new_rkey()
    fake.add_post("前の投稿", rkey=rkey)
    access = fake.session_string().split(":::")[2]
    answer = httpx.post(
        f"{fake.url}/xrpc/com.atproto.repo.createRecord",
        json={
            "repo": DID,
            "collection": "app.bsky.feed.post",
            "rkey": rkey,
            "record": {
                "$type": "app.bsky.feed.post",
                "text": "x",
                "createdAt": "2026-01-01T00:00:00Z",
            },
        },
        headers={"Authorization": f"Bearer {access}"},
    )
    assert answer.status_code == 500
    assert answer.json() == {"error": "InternalServerError", "message": "Internal Server Error"}


def test_a_real_server_error_is_still_retryable(fake: FakeBluesky) -> None:
    fake.fail_next(
        "POST", CREATE, FakeBluesky.error(500, "InternalServerError", "Internal Server Error")
    )
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert caught.value.kind == ErrorKind.UNAVAILABLE
    assert fake.received("GET", GET)  # it looked at its key first
    assert fake.posts == []


def test_find_existing_by_rkey_says_none_when_the_create_never_arrived(
    fake: FakeBluesky,
) -> None:
    fake.add_post(TEXT, created_at=iso(datetime.now(UTC) - timedelta(days=7)))
    notes = DeliveryNotes({RKEY_NOTE: new_rkey()})
    assert adapter(fake).find_existing(req(notes=notes)) is None
    assert not fake.received("GET", FEED)


def test_find_existing_without_a_note_finds_a_post_made_since_the_first_attempt(
    fake: FakeBluesky,
) -> None:
    started = datetime.now(UTC) - timedelta(minutes=10)
    fake.add_post("別の投稿")
    earlier = fake.add_post(TEXT, created_at=iso(started + timedelta(seconds=5)))
    fake.add_post("その後の投稿")
    found = adapter(fake).find_existing(req(first_attempt_at=started))
    assert found is not None
    assert found.platform_post_id == earlier["uri"]


def test_find_existing_never_adopts_last_weeks_identical_post(fake: FakeBluesky) -> None:
    last_week = iso(datetime.now(UTC) - timedelta(days=7))
    fake.add_post(TEXT, created_at=last_week, indexed_at=last_week)
    assert adapter(fake).find_existing(req()) is None


def test_find_existing_needs_both_dates_after_the_first_attempt(fake: FakeBluesky) -> None:
    last_week = iso(datetime.now(UTC) - timedelta(days=7))
    # A backdated record (createdAt is the client's word) indexed just now.
    fake.add_post(TEXT, created_at=last_week)
    assert adapter(fake).find_existing(req()) is None


def test_find_existing_returns_none_otherwise(fake: FakeBluesky) -> None:
    fake.add_post(TEXT.replace("🌸", ""))
    assert adapter(fake).find_existing(req()) is None


# -- errors -----------------------------------------------------------------------------------
def test_rate_limit_is_retryable_at_ratelimit_reset(fake: FakeBluesky) -> None:
    reset = int(time.time()) + 900
    fake.fail_next("POST", CREATE, FakeBluesky.rate_limited(reset))
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert not caught.value.permanent
    assert caught.value.retry_after == datetime.fromtimestamp(reset, UTC)
    assert "Rate Limit Exceeded" in caught.value.message


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retryable(fake: FakeBluesky, status: int) -> None:
    fake.fail_next(
        "POST", CREATE, FakeBluesky.error(status, "InternalServerError", "Internal Server Error")
    )
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert not caught.value.permanent


@pytest.mark.parametrize("answer", [CLOSE, HANG])
def test_a_dropped_connection_or_a_timeout_is_retryable(fake: FakeBluesky, answer: object) -> None:
    fake.fail_next("POST", CREATE, answer)  # type: ignore[arg-type]
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert caught.value.kind == ErrorKind.NETWORK
    assert not caught.value.permanent


@pytest.mark.parametrize(
    "garbage",
    [
        FakeResponse(200, b"<html>oops</html>", {"Content-Type": "text/html"}),
        FakeResponse(200, {"unexpected": True}),
        FakeResponse(400, b"<html>Bad Request</html>", {"Content-Type": "text/html"}),
    ],
)
def test_a_garbage_body_is_retryable(fake: FakeBluesky, garbage: FakeResponse) -> None:
    fake.fail_next("POST", CREATE, garbage)
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert not caught.value.permanent


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        # actor-store/blob/transactor.ts: the upload was dropped before the post referred to it.
        (
            FakeBluesky.error(400, "BlobNotFound", "Could not find blob: bafkrei"),
            ErrorKind.UNAVAILABLE,
        ),
        (
            FakeBluesky.error(400, "InvalidMimeType", "Referenced Mimetype does not match"),
            ErrorKind.MEDIA_REFUSED,
        ),
        # auth-verifier.ts findAccount.
        (
            FakeBluesky.error(401, "AccountDeactivated", "Account is deactivated"),
            ErrorKind.ACCOUNT_GONE,
        ),
        (FakeBluesky.error(403, "AccountNotFound", "Account not found"), ErrorKind.ACCOUNT_GONE),
        (FakeBluesky.error(502, "UpstreamFailure", "Upstream Failure"), ErrorKind.UNAVAILABLE),
        (
            FakeResponse(413, b"<html>413</html>", {"Content-Type": "text/html"}),
            ErrorKind.MEDIA_REFUSED,
        ),
    ],
)
def test_what_each_pds_error_means(
    fake: FakeBluesky, answer: FakeResponse, kind: ErrorKind
) -> None:
    fake.fail_next("POST", CREATE, answer)
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert caught.value.kind == kind


def test_a_429_without_a_reset_waits_for_retry_after(fake: FakeBluesky) -> None:
    fake.fail_next(
        "POST",
        CREATE,
        FakeBluesky.error(429, "RateLimitExceeded", "Rate Limit Exceeded", {"Retry-After": "120"}),
    )
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after is not None
    wait = caught.value.retry_after - datetime.now(UTC)
    assert timedelta(seconds=100) < wait <= timedelta(seconds=120)


def test_a_fresh_login_whose_token_is_refused_is_a_credentials_problem(fake: FakeBluesky) -> None:
    fake.fail_next(
        "POST", CREATE, FakeBluesky.error(400, "InvalidToken", "Token could not be verified")
    )
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert len(fake.received("POST", LOGIN)) == 1  # no loop of logins


# -- corrections: deleting the account's own post (G-6-1) ----------------------------------
DELETE = X + r"com\.atproto\.repo\.deleteRecord"
PROFILE = X + r"app\.bsky\.actor\.getProfile"


def test_delete_removes_the_posts_record(fake: FakeBluesky) -> None:
    published = adapter(fake).publish(req())
    adapter(fake).delete(published.platform_post_id)
    assert fake.posts == [] and fake.records == {}
    [sent] = fake.received("POST", DELETE)
    rkey = published.platform_post_id.rsplit("/", 1)[1]
    assert sent.json() == {"repo": DID, "collection": "app.bsky.feed.post", "rkey": rkey}


def test_deleting_a_record_already_gone_is_success(fake: FakeBluesky) -> None:
    post = fake.add_post(TEXT)
    adapter(fake).delete(post["uri"])
    adapter(fake).delete(post["uri"])
    assert len(fake.received("POST", DELETE)) == 2


def test_delete_refuses_another_accounts_post_and_what_is_not_a_post_uri(
    fake: FakeBluesky,
) -> None:
    for other in (
        "at://did:plc:someoneelse0000000000000/app.bsky.feed.post/3l00000000001",
        f"at://{DID}/app.bsky.feed.like/3l00000000001",
        "https://bsky.app/profile/kagami-town.bsky.social/post/3l00000000001",
    ):
        with pytest.raises(PublishError) as caught:
            adapter(fake).delete(other)
        assert caught.value.kind == ErrorKind.REFUSED
    assert not fake.received("POST", DELETE)


def test_delete_with_a_wrong_app_password_is_a_credentials_problem(fake: FakeBluesky) -> None:
    post = fake.add_post(TEXT)
    with pytest.raises(PublishError) as caught:
        adapter(fake, password="wrong-pass-word-here").delete(post["uri"])
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert fake.posts == [post]


def test_delete_waits_for_the_rate_limit_reset(fake: FakeBluesky) -> None:
    reset = int(time.time()) + 900
    fake.fail_next("POST", DELETE, FakeBluesky.rate_limited(reset))
    with pytest.raises(PublishError) as caught:
        adapter(fake).delete(fake.add_post(TEXT)["uri"])
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after == datetime.fromtimestamp(reset, UTC)


def test_delete_counts_one_write_point(fake: FakeBluesky) -> None:
    adapter(fake).delete(fake.add_post(TEXT)["uri"])
    answer = httpx.post(
        f"{fake.url}/xrpc/com.atproto.repo.deleteRecord",
        json={"repo": DID, "collection": "app.bsky.feed.post", "rkey": "3l00000000009"},
        headers={"Authorization": f"Bearer {fake.session_string().split(':::')[2]}"},
    )
    assert answer.json() == {}
    assert answer.headers["RateLimit-Remaining"] == "4998"


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (
            FakeBluesky.error(502, "InternalServerError", "Internal Server Error"),
            ErrorKind.UNAVAILABLE,
        ),
        (CLOSE, ErrorKind.NETWORK),
    ],
)
def test_delete_failures_are_retryable(fake: FakeBluesky, answer: object, kind: ErrorKind) -> None:
    fake.fail_next("POST", DELETE, answer)  # type: ignore[arg-type]
    with pytest.raises(PublishError) as caught:
        adapter(fake).delete(fake.add_post(TEXT)["uri"])
    assert caught.value.kind == kind


# -- the look-alike watch: who holds a handle (G-6-3) -------------------------------------
def test_lookup_finds_the_account_with_its_name_and_creation_date(fake: FakeBluesky) -> None:
    other = fake.add_profile(
        "kagamino-town.bsky.social", "鏡野町役場", created_at="2026-11-20T03:04:05.000Z"
    )
    found = adapter(fake).lookup_user("@Kagamino-Town.bsky.social")
    assert found is not None
    assert found.handle == "@kagamino-town.bsky.social"
    assert found.display_name == "鏡野町役場"
    assert found.url == "https://bsky.app/profile/kagamino-town.bsky.social"
    assert found.platform_user_id == other["did"]
    assert found.created_at == datetime(2026, 11, 20, 3, 4, 5, tzinfo=UTC)
    [sent] = fake.received("GET", PROFILE)
    assert sent.query["actor"] == ["kagamino-town.bsky.social"]


def test_lookup_of_an_unknown_handle_is_none(fake: FakeBluesky) -> None:
    assert adapter(fake).lookup_user("kagamino-nise.bsky.social") is None


@pytest.mark.parametrize("status", ["takendown", "deactivated"])
def test_lookup_of_a_suspended_or_deactivated_account_is_none(
    fake: FakeBluesky, status: str
) -> None:
    fake.add_profile("kagamino-nise.bsky.social", "鏡野町", status=status)
    assert adapter(fake).lookup_user("kagamino-nise.bsky.social") is None


def test_an_account_whose_handle_does_not_verify_does_not_hold_it(fake: FakeBluesky) -> None:
    profile = fake.add_profile("kagamino-nise.bsky.social", "鏡野町")
    profile["handle"] = "handle.invalid"
    assert adapter(fake).lookup_user("kagamino-nise.bsky.social") is None


def test_a_handle_no_account_can_have_is_none_without_asking(fake: FakeBluesky) -> None:
    assert adapter(fake).lookup_user("@kagamino_town") is None
    assert not fake.requests


def test_the_fake_refuses_an_actor_that_is_neither_handle_nor_did(fake: FakeBluesky) -> None:
    token = fake.session_string().split(":::")[2]
    answer = httpx.get(
        f"{fake.url}/xrpc/app.bsky.actor.getProfile",
        params={"actor": "kagamino_town"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "InvalidRequest"


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (FakeBluesky.error(400, "ExpiredToken", "Token has expired"), ErrorKind.CREDENTIALS),
        (FakeBluesky.rate_limited(int(time.time()) + 60), ErrorKind.RATE_LIMITED),
        (
            FakeBluesky.error(503, "InternalServerError", "Internal Server Error"),
            ErrorKind.UNAVAILABLE,
        ),
        (HANG, ErrorKind.NETWORK),
    ],
    ids=["expired", "429", "503", "timeout"],
)
def test_lookup_failures_are_publish_errors(
    fake: FakeBluesky, answer: object, kind: ErrorKind
) -> None:
    fake.fail_next("GET", PROFILE, answer)  # type: ignore[arg-type]
    with pytest.raises(PublishError) as caught:
        adapter(fake).lookup_user("kagamino-nise.bsky.social")
    assert caught.value.kind == kind
