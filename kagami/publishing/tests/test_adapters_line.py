"""The LINE adapter against a loopback fake Messaging API."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from kagami.publishing.adapters.base import ErrorKind, MediaFile, PublishError, PublishRequest
from kagami.publishing.adapters.fakes import CLOSE, HANG, FakeResponse
from kagami.publishing.adapters.fakes.line import TOKEN, FakeLine
from kagami.publishing.adapters.line import LineAdapter, retry_key

TEXT = "【鏡野町】本日の防災無線の内容をお知らせします。🍎"
BROADCAST = "/v2/bot/message/broadcast"


@pytest.fixture
def fake() -> Iterator[FakeLine]:
    with FakeLine() as server:
        yield server


def adapter(fake: FakeLine, token: str = TOKEN) -> LineAdapter:
    return LineAdapter({"channel_access_token": token}, base_url=fake.url, timeout=0.5)


def req(text: str = TEXT, key: str = "target-7") -> PublishRequest:
    return PublishRequest(text=text, idempotency_key=key, handle="@kagamino")


def test_broadcast_returns_the_request_id(fake: FakeLine) -> None:
    published = adapter(fake).publish(req())
    [sent] = fake.broadcasts
    assert published.platform_post_id == sent["request_id"]
    assert published.url == "https://line.me/R/ti/p/@kagamino"
    assert sent["messages"] == [{"type": "text", "text": TEXT}]


def test_the_retry_key_is_a_stable_uuid(fake: FakeLine) -> None:
    adapter(fake).publish(req(key="target-7"))
    [sent] = fake.received("POST", BROADCAST)
    assert sent.header("x-line-retry-key") == retry_key("target-7")
    assert uuid.UUID(retry_key("target-7")) != uuid.UUID(retry_key("target-8"))
    given = str(uuid.uuid4())
    assert retry_key(given) == given


def test_a_repeat_is_answered_409_and_counts_as_published(fake: FakeLine) -> None:
    first = adapter(fake).publish(req())
    again = adapter(fake).publish(req())
    assert again.platform_post_id == first.platform_post_id
    assert len(fake.broadcasts) == 1
    assert len(fake.received("POST", BROADCAST)) == 2


def test_find_existing_never_sends(fake: FakeLine) -> None:
    adapter(fake).publish(req())
    assert adapter(fake).find_existing(req()) is None
    assert len(fake.received("POST", BROADCAST)) == 1


def test_monthly_quota_is_retryable_next_month(fake: FakeLine) -> None:
    fake.fail_next("POST", BROADCAST, FakeLine.error(429, "You have reached your monthly limit."))
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert not caught.value.permanent
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > datetime.now(UTC)
    assert caught.value.retry_after.astimezone(ZoneInfo("Asia/Tokyo")).day == 1
    assert "monthly limit" in caught.value.message


def test_rate_limit_is_retryable_soon(fake: FakeLine) -> None:
    fake.fail_next("POST", BROADCAST, FakeLine.error(429, "Too Many Requests"))
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert not caught.value.permanent
    assert caught.value.retry_after is not None
    assert (caught.value.retry_after - datetime.now(UTC)).total_seconds() < 120


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retryable(fake: FakeLine, status: int) -> None:
    fake.fail_next("POST", BROADCAST, FakeLine.error(status, "Internal Server Error"))
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert not caught.value.permanent


@pytest.mark.parametrize("answer", [CLOSE, HANG])
def test_a_dropped_connection_or_a_timeout_is_retryable(fake: FakeLine, answer: object) -> None:
    fake.fail_next("POST", BROADCAST, answer)  # type: ignore[arg-type]
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert not caught.value.permanent


def test_a_bad_token_is_a_credentials_problem(fake: FakeLine) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake, token="revoked").publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert caught.value.permanent
    assert caught.value.credentials_problem
    assert "Authentication failed" in caught.value.message


def test_refused_content_is_permanent_with_line_message(fake: FakeLine) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(text="🍎" * 2501))  # 5002 UTF-16 code units
    assert caught.value.permanent
    assert not caught.value.credentials_problem
    assert "Length must be between 0 and 5000" in caught.value.message


def test_a_garbage_body_is_retryable(fake: FakeLine) -> None:
    fake.fail_next(
        "POST",
        BROADCAST,
        FakeResponse(400, b"<html>Bad Request</html>", {"Content-Type": "text/html"}),
    )
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert not caught.value.permanent


def _with_images(urls: list[str]) -> PublishRequest:
    media = tuple(MediaFile(b"png", "image/png", alt_text="写真", url=u) for u in urls)
    return PublishRequest(text=TEXT, idempotency_key="target-9", handle="@kagamino", media=media)


def test_images_follow_the_text_as_image_messages(fake: FakeLine) -> None:
    urls = [f"https://kagami.town.kagamino.lg.jp/publishing/media/t{n}/p.png" for n in range(2)]
    adapter(fake).publish(_with_images(urls))
    [sent] = fake.broadcasts
    assert sent["messages"] == [
        {"type": "text", "text": TEXT},
        *({"type": "image", "originalContentUrl": u, "previewImageUrl": u} for u in urls),
    ]
    assert LineAdapter.media_url_lifetime is not None
    assert LineAdapter.media_url_lifetime.days >= 14  # members open broadcasts days later


def test_more_than_four_images_are_refused_before_sending(fake: FakeLine) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(_with_images([f"https://example.jp/{n}.png" for n in range(5)]))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED
    assert fake.received("POST", BROADCAST) == []


def test_an_image_address_line_refuses_is_a_refused_image(fake: FakeLine) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(_with_images(["http://intranet.local/p.png"]))
    assert caught.value.kind == ErrorKind.MEDIA_REFUSED
    assert "originalContentUrl" in caught.value.message
