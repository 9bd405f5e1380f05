"""The X adapter against a loopback fake X API v2."""

import base64
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from kagami.publishing.adapters.base import ErrorKind, MediaFile, PublishError, PublishRequest
from kagami.publishing.adapters.fakes import CLOSE, HANG, FakeResponse
from kagami.publishing.adapters.fakes.x import TOKEN, USERNAME, FakeX
from kagami.publishing.adapters.x import XAdapter

TEXT = "鏡野町からのお知らせ & 防災訓練 https://www.town.kagamino.example/bousai"


@pytest.fixture
def fake() -> Iterator[FakeX]:
    with FakeX() as server:
        yield server


def adapter(fake: FakeX, token: str = TOKEN) -> XAdapter:
    return XAdapter({"access_token": token}, base_url=fake.url, timeout=0.5)


def req(text: str = TEXT, media: tuple[MediaFile, ...] = ()) -> PublishRequest:
    return PublishRequest(text=text, idempotency_key="t-1", handle=f"@{USERNAME}", media=media)


def test_publish_returns_the_post_id_and_url(fake: FakeX) -> None:
    published = adapter(fake).publish(req())
    [post] = fake.posts
    assert published.platform_post_id == post["id"]
    assert published.url == f"https://x.com/{USERNAME}/status/{post['id']}"
    [sent] = fake.received("POST", "/2/tweets")
    assert sent.json() == {"text": TEXT}
    assert sent.header("authorization") == f"Bearer {TOKEN}"


def test_media_is_uploaded_with_alt_text_and_attached(fake: FakeX) -> None:
    jpeg = b"\xff\xd8\xff\xe0 fake jpeg"
    adapter(fake).publish(req(media=(MediaFile(jpeg, "image/jpeg", alt_text="避難所の地図"),)))
    [upload] = fake.received("POST", "/2/media/upload")
    assert base64.b64decode(upload.json()["media"]) == jpeg
    assert upload.json()["media_category"] == "tweet_image"
    [(media_id, media)] = fake.media.items()
    assert media["alt"] == "避難所の地図"
    [sent] = fake.received("POST", "/2/tweets")
    assert sent.json()["media"] == {"media_ids": [media_id]}


def test_find_existing_matches_despite_t_co_links_and_escaping(fake: FakeX) -> None:
    fake.add_post("別の投稿")
    earlier = fake.add_post(TEXT)
    assert "t.co" in earlier["text"]
    assert "&amp;" in earlier["text"]
    found = adapter(fake).find_existing(req())
    assert found is not None
    assert found.platform_post_id == earlier["id"]
    assert found.url == f"https://x.com/{USERNAME}/status/{earlier['id']}"


def test_find_existing_returns_none_otherwise(fake: FakeX) -> None:
    assert adapter(fake).find_existing(req()) is None
    fake.add_post("鏡野町からのお知らせ & 避難訓練 https://www.town.kagamino.example/bousai")
    assert adapter(fake).find_existing(req()) is None


def test_rate_limit_is_retryable_at_x_rate_limit_reset(fake: FakeX) -> None:
    reset = int(time.time()) + 600
    fake.fail_next("POST", "/2/tweets", FakeX.rate_limited(reset))
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert not caught.value.permanent
    assert caught.value.retry_after == datetime.fromtimestamp(reset, UTC)
    assert "Too Many Requests" in caught.value.message


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retryable(fake: FakeX, status: int) -> None:
    fake.fail_next(
        "POST", "/2/tweets", FakeX.error(status, "Service Unavailable", "Service Unavailable")
    )
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert not caught.value.permanent


@pytest.mark.parametrize("answer", [CLOSE, HANG])
def test_a_dropped_connection_or_a_timeout_is_retryable(fake: FakeX, answer: object) -> None:
    fake.fail_next("POST", "/2/tweets", answer)  # type: ignore[arg-type]
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert not caught.value.permanent


def test_a_bad_token_is_a_credentials_problem(fake: FakeX) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake, token="expired").publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert caught.value.permanent
    assert caught.value.credentials_problem
    assert "Unauthorized" in caught.value.message


def test_a_suspended_account_is_a_credentials_problem(fake: FakeX) -> None:
    fake.fail_next(
        "POST",
        "/2/tweets",
        FakeX.error(403, "Forbidden", "You are not permitted to perform this action."),
    )
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    # X's words fit a suspended account and a token without the scope alike.
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert caught.value.permanent
    assert caught.value.credentials_problem


def test_refused_content_is_permanent_with_x_message(fake: FakeX) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(text="あ" * 281))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED
    assert caught.value.permanent
    assert not caught.value.credentials_problem
    assert "The text is too long." in caught.value.message


def test_duplicate_content_is_permanent_but_not_a_credentials_problem(fake: FakeX) -> None:
    fake.add_post("同じ文")
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(text="同じ文"))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED
    assert caught.value.permanent
    assert not caught.value.credentials_problem
    assert "duplicate content" in caught.value.message


@pytest.mark.parametrize(
    "garbage",
    [
        FakeResponse(200, b"<html>oops</html>", {"Content-Type": "text/html"}),
        FakeResponse(201, {"data": {"unexpected": 1}}),
        FakeResponse(400, b"<html>Bad Request</html>", {"Content-Type": "text/html"}),
    ],
)
def test_a_garbage_body_is_retryable(fake: FakeX, garbage: FakeResponse) -> None:
    fake.fail_next("POST", "/2/tweets", garbage)
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert not caught.value.permanent


def test_a_repeated_text_with_links_is_refused_as_duplicate_content(fake: FakeX) -> None:
    fake.add_post(TEXT)  # stored as X shows it: a t.co link, &amp;
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert "duplicate content" in caught.value.message


def test_each_access_token_is_its_own_user_with_its_own_timeline(fake: FakeX) -> None:
    other = fake.add_user("x-kanko-token", "kagamino_kanko", "鏡野町観光協会")
    published = adapter(fake, token=other.token).publish(req(text="紅葉まつりのお知らせ"))
    assert [p["text"] for p in other.posts] == ["紅葉まつりのお知らせ"]
    assert fake.posts == []
    assert adapter(fake).find_existing(req(text="紅葉まつりのお知らせ")) is None
    found = adapter(fake, token=other.token).find_existing(req(text="紅葉まつりのお知らせ"))
    assert found is not None
    assert found.platform_post_id == published.platform_post_id
    assert found.url == f"https://x.com/kagamino_kanko/status/{published.platform_post_id}"
