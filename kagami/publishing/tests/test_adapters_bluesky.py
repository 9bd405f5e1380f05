"""The Bluesky adapter against a loopback fake PDS."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from kagami.publishing.adapters.base import ErrorKind, MediaFile, PublishError, PublishRequest
from kagami.publishing.adapters.bluesky import BlueskyAdapter, link_facets
from kagami.publishing.adapters.fakes import CLOSE, HANG, FakeResponse
from kagami.publishing.adapters.fakes.bluesky import APP_PASSWORD, DID, HANDLE, FakeBluesky

URL = "https://www.town.kagamino.lg.jp/news/0401.html"
TEXT = f"鏡野町からのお知らせ🌸 詳しくは{URL}をご覧ください。"
CREATE = r"/xrpc/com\.atproto\.repo\.createRecord"


@pytest.fixture
def fake() -> Iterator[FakeBluesky]:
    with FakeBluesky() as server:
        yield server


def adapter(fake: FakeBluesky, password: str = APP_PASSWORD) -> BlueskyAdapter:
    return BlueskyAdapter(
        {"handle": HANDLE, "app_password": password}, base_url=fake.url, timeout=0.5
    )


def req(text: str = TEXT, media: tuple[MediaFile, ...] = ()) -> PublishRequest:
    return PublishRequest(text=text, idempotency_key="target-1", handle=HANDLE, media=media)


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
    assert body["record"]["text"] == TEXT
    assert body["record"]["langs"] == ["ja"]


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


def test_images_are_uploaded_and_embedded_with_alt_text(fake: FakeBluesky) -> None:
    png = b"\x89PNG\r\n\x1a\n fake image"
    adapter(fake).publish(req(media=(MediaFile(png, "image/png", alt_text="桜まつりの会場"),)))
    [upload] = fake.received("POST", r"/xrpc/com\.atproto\.repo\.uploadBlob")
    assert upload.body == png
    [sent] = fake.received("POST", CREATE)
    [image] = sent.json()["record"]["embed"]["images"]
    assert image["alt"] == "桜まつりの会場"
    assert fake.blobs[image["image"]["ref"]["$link"]] == png


def test_find_existing_finds_a_post_made_earlier(fake: FakeBluesky) -> None:
    fake.add_post("別の投稿")
    earlier = fake.add_post(TEXT)
    fake.add_post("その後の投稿")
    found = adapter(fake).find_existing(req())
    assert found is not None
    assert found.platform_post_id == earlier["uri"]


def test_find_existing_returns_none_otherwise(fake: FakeBluesky) -> None:
    fake.add_post(TEXT.replace("🌸", ""))
    assert adapter(fake).find_existing(req()) is None


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
    assert not caught.value.permanent


def test_a_wrong_app_password_is_a_credentials_problem(fake: FakeBluesky) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake, password="wrong-pass-word-xxxx").publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert caught.value.permanent
    assert caught.value.credentials_problem
    assert "Invalid identifier or password" in caught.value.message
    assert not fake.received("POST", CREATE)


def test_a_taken_down_account_is_permanent(fake: FakeBluesky) -> None:
    fake.fail_next(
        "POST",
        r"/xrpc/com\.atproto\.server\.createSession",
        FakeBluesky.error(400, "AccountTakedown", "Account has been taken down"),
    )
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert caught.value.kind == ErrorKind.ACCOUNT_GONE
    assert caught.value.permanent
    assert "Account has been taken down" in caught.value.message


def test_refused_content_is_permanent_with_the_pds_message(fake: FakeBluesky) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(text="あ" * 301))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED
    assert caught.value.permanent
    assert not caught.value.credentials_problem
    assert "must not be longer than 300 graphemes" in caught.value.message


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
