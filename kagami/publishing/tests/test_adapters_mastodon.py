"""The Mastodon adapter against a loopback fake Mastodon instance."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from kagami.publishing.adapters.base import ErrorKind, MediaFile, PublishError, PublishRequest
from kagami.publishing.adapters.fakes import CLOSE, HANG, FakeResponse
from kagami.publishing.adapters.fakes.mastodon import TOKEN, FakeMastodon
from kagami.publishing.adapters.mastodon import MastodonAdapter, content_text

TEXT = "鏡野町からのお知らせです。\n詳しくは https://www.town.kagamino.example/news/2025/04/01.html をご覧ください。"


@pytest.fixture
def fake() -> Iterator[FakeMastodon]:
    with FakeMastodon() as server:
        yield server


def adapter(fake: FakeMastodon, token: str = TOKEN) -> MastodonAdapter:
    return MastodonAdapter({"access_token": token}, base_url=fake.url, timeout=0.5)


def req(
    text: str = TEXT, key: str = "target-1", media: tuple[MediaFile, ...] = ()
) -> PublishRequest:
    return PublishRequest(text=text, idempotency_key=key, handle="@kagami_town", media=media)


def test_publish_returns_the_status_id_and_url(fake: FakeMastodon) -> None:
    published = adapter(fake).publish(req())
    [status] = fake.statuses
    assert published.platform_post_id == status["id"]
    assert published.url == f"{fake.url}/@kagami_town/{status['id']}"
    [sent] = fake.received("POST", "/api/v1/statuses")
    assert sent.field("status") == TEXT


def test_publish_sends_the_idempotency_key_and_a_retry_gets_the_same_status(
    fake: FakeMastodon,
) -> None:
    first = adapter(fake).publish(req(key="target-42"))
    again = adapter(fake).publish(req(key="target-42"))
    assert [r.header("idempotency-key") for r in fake.received("POST", "/api/v1/statuses")] == [
        "target-42",
        "target-42",
    ]
    assert again == first
    assert len(fake.statuses) == 1


def test_media_is_uploaded_with_its_alt_text(fake: FakeMastodon) -> None:
    png = b"\x89PNG\r\n\x1a\n fake image"
    adapter(fake).publish(
        req(
            media=(MediaFile(png, "image/png", alt_text="桜まつりの会場の写真", name="sakura.png"),)
        )
    )
    [upload] = fake.received("POST", "/api/v2/media")
    parts = upload.multipart()
    assert parts["file"] == (png, "image/png")
    assert parts["description"][0].decode() == "桜まつりの会場の写真"
    [status] = fake.statuses
    assert [m["description"] for m in status["media_attachments"]] == ["桜まつりの会場の写真"]


def test_find_existing_finds_a_status_posted_earlier(fake: FakeMastodon) -> None:
    fake.add_status("別の投稿")
    earlier = fake.add_status(TEXT)
    fake.add_status("その後の投稿")
    found = adapter(fake).find_existing(req())
    assert found is not None
    assert found.platform_post_id == earlier["id"]
    assert found.url == earlier["url"]


def test_find_existing_returns_none_when_the_text_is_not_there(fake: FakeMastodon) -> None:
    fake.add_status("別の投稿")
    fake.add_status(TEXT + "（訂正）")
    assert adapter(fake).find_existing(req()) is None


def test_content_text_undoes_mastodon_html() -> None:
    html = '<p>a &amp; b<br />c <a href="https://x.example/p"><span class="invisible">https://</span><span class="ellipsis">x.example</span><span class="invisible">/p</span></a></p><p>d</p>'
    assert content_text(html) == "a & b\nc https://x.example/p\nd"


def test_rate_limit_is_retryable_at_the_reset_time(fake: FakeMastodon) -> None:
    reset = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=4)
    fake.fail_next("POST", "/api/v1/statuses", FakeMastodon.rate_limited(reset))
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    error = caught.value
    assert not error.permanent
    assert error.retry_after is not None
    # Mastodon.py corrects the reset for the server's clock skew (Date header, whole seconds).
    assert abs((error.retry_after - reset).total_seconds()) < 2
    assert "rate limit" in error.message.lower()


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retryable(fake: FakeMastodon, status: int) -> None:
    fake.fail_next("POST", "/api/v1/statuses", FakeMastodon.error(status, "Something went wrong"))
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert not caught.value.permanent
    assert not caught.value.credentials_problem


@pytest.mark.parametrize("answer", [CLOSE, HANG])
def test_a_dropped_connection_or_a_timeout_is_retryable(fake: FakeMastodon, answer: object) -> None:
    fake.fail_next("POST", "/api/v1/statuses", answer)  # type: ignore[arg-type]
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert not caught.value.permanent


def test_a_bad_token_is_permanent_and_a_credentials_problem(fake: FakeMastodon) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake, token="revoked").publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert caught.value.permanent
    assert caught.value.credentials_problem
    assert "The access token is invalid" in caught.value.message


def test_a_suspended_account_is_permanent(fake: FakeMastodon) -> None:
    fake.fail_next(
        "POST", "/api/v1/statuses", FakeMastodon.error(403, "Your login is currently disabled")
    )
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert caught.value.permanent
    assert caught.value.credentials_problem
    assert "Your login is currently disabled" in caught.value.message


def test_refused_content_is_permanent_with_the_instance_message(fake: FakeMastodon) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(text="あ" * 501))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED
    assert caught.value.permanent
    assert not caught.value.credentials_problem
    assert "Text character limit of 500 exceeded" in caught.value.message


def test_a_deleted_account_is_permanent(fake: FakeMastodon) -> None:
    fake.fail_next(
        "GET", r"/api/v1/accounts/\d+/statuses", FakeMastodon.error(404, "Record not found")
    )
    with pytest.raises(PublishError) as caught:
        adapter(fake).find_existing(req())
    assert caught.value.kind == ErrorKind.ACCOUNT_GONE
    assert caught.value.permanent
    assert "Record not found" in caught.value.message


@pytest.mark.parametrize(
    "garbage",
    [
        FakeResponse(200, b"<html>502 Bad Gateway</html>", {"Content-Type": "text/html"}),
        FakeResponse(400, b"<html>Bad Request</html>", {"Content-Type": "text/html"}),
    ],
)
def test_a_garbage_body_is_retryable(fake: FakeMastodon, garbage: FakeResponse) -> None:
    fake.fail_next("POST", "/api/v1/statuses", garbage)
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert not caught.value.permanent
