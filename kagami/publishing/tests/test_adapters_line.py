"""The LINE adapter against a loopback fake Messaging API."""

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kagami.publishing.adapters import images
from kagami.publishing.adapters.base import (
    DeliveryNotes,
    ErrorKind,
    MediaFile,
    PublishError,
    PublishRequest,
)
from kagami.publishing.adapters.fakes import CLOSE, HANG, FakeResponse
from kagami.publishing.adapters.fakes.line import TOKEN, FakeLine
from kagami.publishing.adapters.line import (
    NOTE_REQUEST_ID,
    NOTE_UNCLEAR_SINCE,
    LineAdapter,
    retry_key,
)

TEXT = "【鏡野町】本日の防災無線の内容をお知らせします。🍎"
BROADCAST = "/v2/bot/message/broadcast"
MEDIA_BASE = "https://kagami.town.kagamino.lg.jp/publishing/media"


@pytest.fixture
def fake() -> Iterator[FakeLine]:
    with FakeLine() as server:
        yield server


def adapter(fake: FakeLine, token: str = TOKEN) -> LineAdapter:
    return LineAdapter({"channel_access_token": token}, base_url=fake.url, timeout=0.5)


def req(
    text: str = TEXT,
    key: str = "target-7",
    *,
    media: tuple[MediaFile, ...] = (),
    first_attempt_at: datetime | None = None,
    notes: DeliveryNotes | None = None,
) -> PublishRequest:
    return PublishRequest(
        text=text,
        idempotency_key=key,
        handle="@kagamino",
        media=media,
        first_attempt_at=first_attempt_at or datetime.now(UTC),
        notes=notes if notes is not None else DeliveryNotes(),
    )


def image(n: int, *, signed: str = "a", preview: bool = True) -> MediaFile:
    return MediaFile(
        b"\x89PNG",
        "image/png",
        alt_text="桜まつりの会場の写真",
        name=f"p{n}.png",
        url=f"{MEDIA_BASE}/{signed}{n}/p{n}.png",
        preview_url=f"{MEDIA_BASE}/{signed}{n}-preview/p{n}.jpg" if preview else "",
    )


# -- the adapter's declared needs -----------------------------------------------------------


def test_images_are_prepared_as_line_takes_them() -> None:
    assert LineAdapter.image_spec is images.LINE_ORIGINAL
    assert LineAdapter.preview_spec is images.LINE_PREVIEW
    assert LineAdapter.max_images == 4
    assert LineAdapter.media_url_lifetime is not None
    assert LineAdapter.media_url_lifetime.days >= 14  # members open broadcasts days later


@pytest.mark.parametrize("token", ["", "   "])
def test_an_empty_token_is_a_credentials_problem(fake: FakeLine, token: str) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake, token=token)
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert fake.requests == []


# -- sending ---------------------------------------------------------------------------------


def test_broadcast_returns_the_request_id_and_notes_it(fake: FakeLine) -> None:
    request = req()
    published = adapter(fake).publish(request)
    [sent] = fake.broadcasts
    assert published.platform_post_id == sent["request_id"]
    assert published.url == "https://line.me/R/ti/p/@kagamino"
    assert sent["messages"] == [{"type": "text", "text": TEXT}]
    assert request.notes.get(NOTE_REQUEST_ID) == sent["request_id"]


def test_the_retry_key_is_a_stable_uuid(fake: FakeLine) -> None:
    adapter(fake).publish(req(key="target-7"))
    [sent] = fake.received("POST", BROADCAST)
    assert sent.header("x-line-retry-key") == retry_key("target-7")
    assert uuid.UUID(retry_key("target-7")) != uuid.UUID(retry_key("target-8"))
    given = str(uuid.uuid4())
    assert retry_key(given) == given


def test_images_follow_the_text_with_their_own_previews(fake: FakeLine) -> None:
    media = (image(0), image(1))
    adapter(fake).publish(req(media=media))
    [sent] = fake.broadcasts
    assert sent["messages"] == [
        {"type": "text", "text": TEXT},
        *(
            {"type": "image", "originalContentUrl": m.url, "previewImageUrl": m.preview_url}
            for m in media
        ),
    ]


def test_an_image_without_a_preview_is_refused_before_sending(fake: FakeLine) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(media=(image(0), image(1, preview=False))))
    assert caught.value.kind == ErrorKind.MEDIA_REFUSED
    assert "preview" in caught.value.message
    assert fake.requests == []


def test_more_than_four_images_are_refused_before_sending(fake: FakeLine) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(media=tuple(image(n) for n in range(5))))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED
    assert fake.requests == []


def test_four_images_and_the_text_fill_a_broadcast(fake: FakeLine) -> None:
    adapter(fake).publish(req(media=tuple(image(n) for n in range(4))))
    [sent] = fake.broadcasts
    assert len(sent["messages"]) == 5


@pytest.mark.parametrize(
    "url",
    ["http://intranet.local/p.png", "https://kagami.example/" + "x" * 2000 + ".png"],
)
def test_an_image_address_line_refuses_is_a_refused_image(fake: FakeLine, url: str) -> None:
    bad = MediaFile(b"png", "image/png", url=url, preview_url=image(0).preview_url)
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(media=(bad,)))
    assert caught.value.kind == ErrorKind.MEDIA_REFUSED
    assert "originalContentUrl" in caught.value.message
    assert fake.broadcasts == []


def test_refused_content_is_permanent_with_line_message(fake: FakeLine) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(text="🍎" * 2501))  # 5002 UTF-16 code units
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED
    assert "Length must be between 0 and 5000" in caught.value.message


def test_5000_utf16_code_units_are_accepted(fake: FakeLine) -> None:
    adapter(fake).publish(req(text="🍎" * 2500))
    assert len(fake.broadcasts) == 1


# -- the retry key ----------------------------------------------------------------------------


def test_a_repeat_is_answered_409_with_the_accepted_request_id(fake: FakeLine) -> None:
    first = adapter(fake).publish(req())
    again = adapter(fake).publish(req())  # fresh notes: only LINE remembers
    assert again.platform_post_id == first.platform_post_id
    assert len(fake.broadcasts) == 1
    [_, repeat] = fake.received("POST", BROADCAST)
    assert repeat.header("x-line-retry-key") == retry_key("target-7")


def test_a_409_without_the_accepted_request_header_still_means_published() -> None:
    with FakeLine(accepted_header=False) as fake:
        adapter(fake).publish(req())
        again = adapter(fake).publish(req())
    assert again.platform_post_id == retry_key("target-7")
    assert len(fake.broadcasts) == 1


def test_an_answer_lost_after_line_accepted_is_recovered_by_the_retry_key(
    fake: FakeLine,
) -> None:
    notes = DeliveryNotes()
    fake.lose_answers = 1
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(notes=notes))
    assert caught.value.kind == ErrorKind.NETWORK
    assert notes.get(NOTE_UNCLEAR_SINCE) is not None
    # The worker asks first: LINE cannot tell without a send, so find_existing says "ask by
    # sending", and the repeat with the same key is answered 409.
    assert adapter(fake).find_existing(req(notes=notes)) is None
    published = adapter(fake).publish(req(notes=notes))
    [sent] = fake.broadcasts
    assert published.platform_post_id == sent["request_id"]


def test_a_retry_sends_the_identical_request_even_with_newly_signed_addresses(
    fake: FakeLine,
) -> None:
    notes = DeliveryNotes()
    fake.fail_next("POST", BROADCAST, FakeLine.error(500, "Internal Server Error"))
    with pytest.raises(PublishError):
        adapter(fake).publish(req(media=(image(0, signed="first"),), notes=notes))
    adapter(fake).publish(req(media=(image(0, signed="second"),), notes=notes))
    first, second = fake.received("POST", BROADCAST)
    assert first.json() == second.json()
    assert "first0" in json.dumps(second.json())


def test_find_existing_never_sends(fake: FakeLine) -> None:
    adapter(fake).publish(req())
    assert adapter(fake).find_existing(req()) is None
    assert len(fake.received("POST", BROADCAST)) == 1


def test_find_existing_returns_a_broadcast_line_accepted_before_a_crash(fake: FakeLine) -> None:
    notes = DeliveryNotes()
    first = adapter(fake).publish(req(notes=notes))  # the worker died before recording it
    found = adapter(fake).find_existing(
        req(notes=notes, first_attempt_at=datetime.now(UTC) - timedelta(days=3))
    )
    assert found == first
    assert len(fake.received("POST", BROADCAST)) == 1


def test_an_unclear_attempt_older_than_the_retry_key_needs_a_person(fake: FakeLine) -> None:
    notes = DeliveryNotes()
    fake.lose_answers = 1
    started = datetime.now(UTC)
    with pytest.raises(PublishError):
        adapter(fake).publish(req(notes=notes, first_attempt_at=started))
    # A day later LINE has forgotten the key: a repeat would reach every member twice.
    fake.advance(timedelta(hours=24, minutes=5))
    later = req(notes=notes, first_attempt_at=started - timedelta(hours=24, minutes=5))
    with pytest.raises(PublishError) as caught:
        adapter(fake).find_existing(later)
    assert caught.value.kind == ErrorKind.UNCONFIRMED
    assert caught.value.permanent
    with pytest.raises(PublishError) as again:
        adapter(fake).publish(later)  # also when the worker goes straight to publish
    assert again.value.kind == ErrorKind.UNCONFIRMED
    assert len(fake.received("POST", BROADCAST)) == 1
    assert len(fake.broadcasts) == 1


def test_the_retry_key_is_trusted_up_to_its_safety_margin(fake: FakeLine) -> None:
    request = req(first_attempt_at=datetime.now(UTC) - timedelta(hours=22, minutes=50))
    assert adapter(fake).find_existing(request) is None
    too_late = req(first_attempt_at=datetime.now(UTC) - timedelta(hours=23, minutes=10))
    with pytest.raises(PublishError) as caught:
        adapter(fake).find_existing(too_late)
    assert caught.value.kind == ErrorKind.UNCONFIRMED
    assert fake.requests == []


def test_a_refusal_leaves_nothing_in_doubt_so_a_late_retry_may_send(fake: FakeLine) -> None:
    notes = DeliveryNotes()
    fake.fail_next("POST", BROADCAST, FakeLine.error(429, "You have reached your monthly limit."))
    with pytest.raises(PublishError):
        adapter(fake).publish(req(notes=notes))
    assert notes.get(NOTE_UNCLEAR_SINCE) is None
    # Next month: LINE refused the first call outright, so the old key is no risk.
    next_month = req(notes=notes, first_attempt_at=datetime.now(UTC) - timedelta(days=20))
    adapter(fake).publish(next_month)
    assert len(fake.broadcasts) == 1


def test_the_fake_forgets_a_retry_key_after_24_hours(fake: FakeLine) -> None:
    # Why the adapter stops: with the same key a day later, LINE sends again.
    adapter(fake).publish(req())
    fake.advance(timedelta(hours=24))
    adapter(fake).publish(req())
    assert len(fake.broadcasts) == 2


# -- errors -----------------------------------------------------------------------------------


def test_monthly_quota_is_retryable_next_month(fake: FakeLine) -> None:
    fake.fail_next("POST", BROADCAST, FakeLine.error(429, "You have reached your monthly limit."))
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > datetime.now(UTC)
    assert caught.value.retry_after.astimezone(ZoneInfo("Asia/Tokyo")).day == 1
    assert "monthly limit" in caught.value.message


def test_rate_limit_is_retryable_soon(fake: FakeLine) -> None:
    fake.fail_next(
        "POST",
        BROADCAST,
        FakeLine.error(429, "The API rate limit has been exceeded. Try again later."),
    )
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after is not None
    assert (caught.value.retry_after - datetime.now(UTC)).total_seconds() < 120


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retryable_and_leave_the_attempt_unclear(
    fake: FakeLine, status: int
) -> None:
    notes = DeliveryNotes()
    fake.fail_next("POST", BROADCAST, FakeLine.error(status, "Internal Server Error"))
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(notes=notes))
    assert caught.value.kind == ErrorKind.UNAVAILABLE
    assert notes.get(NOTE_UNCLEAR_SINCE) is not None


@pytest.mark.parametrize("answer", [CLOSE, HANG])
def test_a_dropped_connection_or_a_timeout_is_retryable(fake: FakeLine, answer: object) -> None:
    fake.fail_next("POST", BROADCAST, answer)  # type: ignore[arg-type]
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert caught.value.kind == ErrorKind.NETWORK


def test_a_bad_token_is_a_credentials_problem(fake: FakeLine) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake, token="revoked").publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert caught.value.credentials_problem
    assert "Authentication failed" in caught.value.message


def test_a_garbage_body_is_retryable(fake: FakeLine) -> None:
    fake.fail_next(
        "POST",
        BROADCAST,
        FakeResponse(400, b"<html>Bad Request</html>", {"Content-Type": "text/html"}),
    )
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert caught.value.kind == ErrorKind.BAD_RESPONSE


# -- trouble handling: what LINE's API cannot do (G-6-1, G-6-3) ----------------------------
def test_a_broadcast_cannot_be_unsent_nor_an_account_looked_up(fake: FakeLine) -> None:
    assert not (LineAdapter.can_delete or LineAdapter.can_edit or LineAdapter.can_lookup_users)
    line = adapter(fake)
    for call in (lambda: line.delete("request-id"), lambda: line.lookup_user("@kagamino")):
        with pytest.raises(PublishError) as caught:
            call()
        assert caught.value.kind == ErrorKind.REFUSED
        assert caught.value.permanent
    assert fake.requests == []
