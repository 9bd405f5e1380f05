"""The Mastodon adapter against a loopback fake Mastodon instance."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from kagami.publishing.adapters import images
from kagami.publishing.adapters.base import ErrorKind, MediaFile, PublishError, PublishRequest
from kagami.publishing.adapters.fakes import CLOSE, HANG, FakeResponse
from kagami.publishing.adapters.fakes.mastodon import NOT_READY, TOKEN, FakeMastodon
from kagami.publishing.adapters.mastodon import MEDIA_WAITS, MastodonAdapter, content_text

TEXT = "鏡野町からのお知らせです。\n詳しくは https://www.town.kagamino.example/news/2025/04/01.html をご覧ください。"
STATUSES = "/api/v1/statuses"
MEDIA = r"/api/v1/media/\d+"
PNG = b"\x89PNG\r\n\x1a\n fake image"


@pytest.fixture
def fake() -> Iterator[FakeMastodon]:
    with FakeMastodon() as server:
        yield server


def adapter(
    fake: FakeMastodon, token: str = TOKEN, slept: list[float] | None = None
) -> MastodonAdapter:
    """The adapter, its waits recorded in `slept` instead of slept."""
    a = MastodonAdapter({"access_token": token}, base_url=fake.url, timeout=0.5)
    a.sleep = (slept if slept is not None else []).append
    return a


def req(
    text: str = TEXT,
    key: str = "target-1",
    media: tuple[MediaFile, ...] = (),
    first_attempt_at: datetime | None = None,
) -> PublishRequest:
    return PublishRequest(
        text=text,
        idempotency_key=key,
        handle="@kagami_town",
        media=media,
        first_attempt_at=first_attempt_at or datetime.now(UTC),
    )


def photo(alt: str = "桜まつりの会場の写真", content: bytes = PNG) -> MediaFile:
    return MediaFile(content, "image/png", alt_text=alt, name="sakura.png")


# -- the adapter's declared needs -----------------------------------------------------------


def test_images_are_prepared_as_mastodon_takes_them() -> None:
    assert MastodonAdapter.image_spec is images.MASTODON
    assert MastodonAdapter.max_images == 4


@pytest.mark.parametrize("token", ["", "  "])
def test_an_empty_token_is_a_credentials_problem(fake: FakeMastodon, token: str) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake, token=token)
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert fake.requests == []


def test_no_instance_url_is_a_credentials_problem() -> None:
    with pytest.raises(PublishError) as caught:
        MastodonAdapter({"access_token": TOKEN})
    assert caught.value.kind == ErrorKind.CREDENTIALS


# -- posting ---------------------------------------------------------------------------------


def test_publish_returns_the_status_id_and_url(fake: FakeMastodon) -> None:
    published = adapter(fake).publish(req())
    [status] = fake.statuses
    assert published.platform_post_id == status["id"]
    assert published.url == f"{fake.url}/@kagami_town/{status['id']}"
    [sent] = fake.received("POST", STATUSES)
    assert sent.field("status") == TEXT


def test_media_is_uploaded_with_its_alt_text(fake: FakeMastodon) -> None:
    adapter(fake).publish(req(media=(photo(), photo("二枚目"))))
    first, second = fake.received("POST", "/api/v2/media")
    parts = first.multipart()
    assert parts["file"] == (PNG, "image/png")
    assert parts["description"][0].decode() == "桜まつりの会場の写真"
    assert second.multipart()["description"][0].decode() == "二枚目"
    [status] = fake.statuses
    assert [m["description"] for m in status["media_attachments"]] == [
        "桜まつりの会場の写真",
        "二枚目",
    ]
    assert fake.received("GET", MEDIA) == []  # processed at once (200): nothing to wait for


def test_more_than_four_images_are_refused_before_any_upload(fake: FakeMastodon) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(media=tuple(photo() for _ in range(5))))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED
    assert fake.requests == []


def test_media_processed_in_the_background_is_awaited_before_posting() -> None:
    with FakeMastodon(background_from_bytes=0, processing_polls=2) as fake:
        slept: list[float] = []
        adapter(fake, slept=slept).publish(req(media=(photo(),)))
        assert len(fake.received("POST", "/api/v2/media")) == 1
        assert len(fake.received("GET", MEDIA)) == 3  # 206, 206, 200
        [status] = fake.statuses
        assert status["media_attachments"][0]["url"]
    assert slept == list(MEDIA_WAITS[:3])


def test_media_still_processing_after_the_waits_is_retried_later() -> None:
    with FakeMastodon(background_from_bytes=0, processing_polls=100) as fake:
        slept: list[float] = []
        with pytest.raises(PublishError) as caught:
            adapter(fake, slept=slept).publish(req(media=(photo(),)))
        assert fake.received("POST", STATUSES) == []
    assert caught.value.kind == ErrorKind.UNAVAILABLE
    assert caught.value.retry_after is not None
    assert caught.value.retry_after - datetime.now(UTC) < timedelta(minutes=5)
    assert slept == list(MEDIA_WAITS)


def test_the_not_finished_processing_refusal_is_retryable_soon() -> None:
    with FakeMastodon(background_from_bytes=0, processing_polls=2) as fake:
        # The instance still answers 422 although the attachment looked done to us.
        fake.fail_next("POST", STATUSES, FakeMastodon.error(422, NOT_READY))
        with pytest.raises(PublishError) as caught:
            adapter(fake).publish(req(media=(photo(),)))
    assert caught.value.kind == ErrorKind.UNAVAILABLE
    assert not caught.value.permanent
    assert caught.value.retry_after is not None
    assert caught.value.retry_after - datetime.now(UTC) < timedelta(minutes=5)
    assert NOT_READY in caught.value.message


def test_the_not_finished_refusal_in_another_language_is_retryable_too(
    fake: FakeMastodon,
) -> None:
    # Instances answer in their default locale; the attachment's state tells instead.
    fake.fail_next("POST", STATUSES, FakeMastodon.error(422, "処理が完了していないファイルです"))
    fake.fail_next("GET", MEDIA, FakeResponse(206, {"id": "1", "type": "image", "url": None}, {}))
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(media=(photo(),)))
    assert caught.value.kind == ErrorKind.UNAVAILABLE


def test_another_422_with_processed_media_stays_final(fake: FakeMastodon) -> None:
    fake.fail_next("POST", STATUSES, FakeMastodon.error(422, "Validation failed: 不適切な内容"))
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(media=(photo(),)))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED
    assert caught.value.permanent
    assert len(fake.received("GET", MEDIA)) == 1  # it looked, and the image was done


def test_media_the_instance_fails_to_process_is_refused() -> None:
    with FakeMastodon(background_from_bytes=0) as fake:
        fake.fail_next(
            "GET",
            MEDIA,
            FakeMastodon.error(
                422, "Validation failed: File content type is invalid, File is invalid"
            ),
        )
        with pytest.raises(PublishError) as caught:
            adapter(fake).publish(req(media=(photo(),)))
        assert fake.received("POST", STATUSES) == []
    assert caught.value.kind == ErrorKind.MEDIA_REFUSED


def test_a_media_refusal_is_final(fake: FakeMastodon) -> None:
    fake.fail_next(
        "POST",
        "/api/v2/media",
        FakeMastodon.error(422, "Validation failed: File content type is invalid, File is invalid"),
    )
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(media=(photo(),)))
    assert caught.value.kind == ErrorKind.MEDIA_REFUSED
    assert "File content type is invalid" in caught.value.message


# -- the idempotency key ---------------------------------------------------------------------


def test_a_retry_within_the_hour_gets_the_same_status_by_its_idempotency_key(
    fake: FakeMastodon,
) -> None:
    first = adapter(fake).publish(req(key="target-42"))
    fake.advance(timedelta(minutes=50))
    again = adapter(fake).publish(req(key="target-42"))
    assert [r.header("idempotency-key") for r in fake.received("POST", STATUSES)] == [
        "target-42",
        "target-42",
    ]
    assert again == first
    assert len(fake.statuses) == 1


def test_the_instance_forgets_the_idempotency_key_after_an_hour(fake: FakeMastodon) -> None:
    # Why find_existing matters: an hour later the key no longer protects.
    adapter(fake).publish(req(key="target-42"))
    fake.advance(timedelta(minutes=61))
    adapter(fake).publish(req(key="target-42"))
    assert len(fake.statuses) == 2


# -- recovery after an unclear attempt -------------------------------------------------------


def test_find_existing_finds_a_status_posted_by_an_earlier_attempt(fake: FakeMastodon) -> None:
    started = datetime.now(UTC)
    fake.add_status("別の投稿")
    earlier = fake.add_status(TEXT)
    fake.add_status("その後の投稿")
    fake.advance(timedelta(hours=2))  # the idempotency key is gone by now
    found = adapter(fake).find_existing(req(first_attempt_at=started))
    assert found is not None
    assert found.platform_post_id == earlier["id"]
    assert found.url == earlier["url"]


def test_last_weeks_identical_post_is_not_adopted(fake: FakeMastodon) -> None:
    fake.add_status(TEXT, created_at=datetime.now(UTC) - timedelta(days=7))
    fake.add_status("今週の別の投稿")
    assert adapter(fake).find_existing(req(first_attempt_at=datetime.now(UTC))) is None


def test_a_post_within_the_clock_skew_counts_as_ours(fake: FakeMastodon) -> None:
    started = datetime.now(UTC)
    ours = fake.add_status(TEXT, created_at=started - timedelta(seconds=30))
    found = adapter(fake).find_existing(req(first_attempt_at=started))
    assert found is not None and found.platform_post_id == ours["id"]


def test_find_existing_pages_back_to_the_first_attempt(fake: FakeMastodon) -> None:
    started = datetime.now(UTC) - timedelta(hours=3)
    ours = fake.add_status(TEXT, created_at=started + timedelta(minutes=1))
    for n in range(45):  # a busy account posted more than a page since
        fake.add_status(f"お知らせ {n}", created_at=started + timedelta(minutes=2 + n))
    found = adapter(fake).find_existing(req(first_attempt_at=started))
    assert found is not None and found.platform_post_id == ours["id"]
    pages = fake.received("GET", r"/api/v1/accounts/\d+/statuses")
    assert len(pages) == 2
    assert pages[1].query["max_id"] == [fake.statuses[39]["id"]]
    assert all(p.query["exclude_reblogs"] == ["1"] for p in pages)


def test_find_existing_stops_at_posts_older_than_the_first_attempt(fake: FakeMastodon) -> None:
    old = datetime.now(UTC) - timedelta(days=30)
    for n in range(45):
        fake.add_status(f"古いお知らせ {n}", created_at=old + timedelta(minutes=n))
    fake.add_status("新しい投稿")
    assert adapter(fake).find_existing(req(first_attempt_at=datetime.now(UTC))) is None
    assert len(fake.received("GET", r"/api/v1/accounts/\d+/statuses")) == 1


def test_find_existing_returns_none_when_the_text_is_not_there(fake: FakeMastodon) -> None:
    fake.add_status("別の投稿")
    fake.add_status(TEXT + "（訂正）")
    assert adapter(fake).find_existing(req(first_attempt_at=datetime.now(UTC))) is None


def test_content_text_undoes_mastodon_html() -> None:
    html = '<p>a &amp; b<br />c <a href="https://x.example/p"><span class="invisible">https://</span><span class="ellipsis">x.example</span><span class="invisible">/p</span></a></p><p>d</p>'
    assert content_text(html) == "a & b\nc https://x.example/p\nd"


# -- errors -----------------------------------------------------------------------------------


def test_rate_limit_is_retryable_at_the_reset_time(fake: FakeMastodon) -> None:
    reset = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=4)
    fake.fail_next("POST", STATUSES, FakeMastodon.rate_limited(reset))
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    error = caught.value
    assert error.kind == ErrorKind.RATE_LIMITED
    assert error.retry_after is not None
    # Mastodon.py corrects the reset for the server's clock skew (Date header, whole seconds).
    assert abs((error.retry_after - reset).total_seconds()) < 2
    assert "rate limit" in error.message.lower()


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retryable(fake: FakeMastodon, status: int) -> None:
    fake.fail_next("POST", STATUSES, FakeMastodon.error(status, "Something went wrong"))
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert caught.value.kind == ErrorKind.UNAVAILABLE


@pytest.mark.parametrize("answer", [CLOSE, HANG])
def test_a_dropped_connection_or_a_timeout_is_retryable(fake: FakeMastodon, answer: object) -> None:
    fake.fail_next("POST", STATUSES, answer)  # type: ignore[arg-type]
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert caught.value.kind == ErrorKind.NETWORK


def test_a_bad_token_is_permanent_and_a_credentials_problem(fake: FakeMastodon) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake, token="revoked").publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert caught.value.credentials_problem
    assert "The access token is invalid" in caught.value.message


def test_a_suspended_account_is_permanent(fake: FakeMastodon) -> None:
    fake.fail_next("POST", STATUSES, FakeMastodon.error(403, "Your login is currently disabled"))
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert "Your login is currently disabled" in caught.value.message


def test_refused_content_is_permanent_with_the_instance_message(fake: FakeMastodon) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(text="あ" * 501))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED
    assert "Text character limit of 500 exceeded" in caught.value.message


def test_a_deleted_account_is_permanent(fake: FakeMastodon) -> None:
    fake.fail_next(
        "GET", r"/api/v1/accounts/\d+/statuses", FakeMastodon.error(404, "Record not found")
    )
    with pytest.raises(PublishError) as caught:
        adapter(fake).find_existing(req())
    assert caught.value.kind == ErrorKind.ACCOUNT_GONE
    assert "Record not found" in caught.value.message


@pytest.mark.parametrize(
    "garbage",
    [
        FakeResponse(200, b"<html>502 Bad Gateway</html>", {"Content-Type": "text/html"}),
        FakeResponse(400, b"<html>Bad Request</html>", {"Content-Type": "text/html"}),
    ],
)
def test_a_garbage_body_is_retryable(fake: FakeMastodon, garbage: FakeResponse) -> None:
    fake.fail_next("POST", STATUSES, garbage)
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert caught.value.kind == ErrorKind.BAD_RESPONSE


# -- corrections: deleting the account's own status (G-6-1) --------------------------------
STATUS = r"/api/v1/statuses/\d+"
LOOKUP = "/api/v1/accounts/lookup"


def test_delete_removes_the_status(fake: FakeMastodon) -> None:
    status = fake.add_status(TEXT)
    adapter(fake).delete(status["id"])
    assert fake.statuses == []
    [sent] = fake.received("DELETE", STATUS)
    assert sent.path == f"/api/v1/statuses/{status['id']}"
    assert sent.header("authorization") == f"Bearer {TOKEN}"


def test_deleting_a_status_already_gone_is_success(fake: FakeMastodon) -> None:
    status = fake.add_status(TEXT)
    adapter(fake).delete(status["id"])
    adapter(fake).delete(status["id"])
    assert len(fake.received("DELETE", STATUS)) == 2


def test_a_404_without_mastodons_error_body_is_not_taken_for_gone(fake: FakeMastodon) -> None:
    fake.fail_next("DELETE", STATUS, FakeResponse(404, "<html>Not Found</html>"))
    with pytest.raises(PublishError) as caught:
        adapter(fake).delete(fake.add_status(TEXT)["id"])
    assert caught.value.kind == ErrorKind.BAD_RESPONSE


def test_delete_with_a_rejected_token_is_a_credentials_problem(fake: FakeMastodon) -> None:
    status = fake.add_status(TEXT)
    with pytest.raises(PublishError) as caught:
        adapter(fake, token="revoked").delete(status["id"])
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert fake.statuses == [status]


def test_the_thirty_first_delete_in_thirty_minutes_waits_for_the_reset(
    fake: FakeMastodon,
) -> None:
    statuses = [fake.add_status(f"{TEXT} {n}") for n in range(31)]
    for status in statuses[:30]:
        adapter(fake).delete(status["id"])
    with pytest.raises(PublishError) as caught:
        adapter(fake).delete(statuses[30]["id"])
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > datetime.now(UTC) + timedelta(minutes=29)
    assert fake.statuses == [statuses[30]]


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (FakeMastodon.error(503, "Service Unavailable"), ErrorKind.UNAVAILABLE),
        (CLOSE, ErrorKind.NETWORK),
    ],
)
def test_delete_failures_are_retryable(fake: FakeMastodon, answer: object, kind: ErrorKind) -> None:
    fake.fail_next("DELETE", STATUS, answer)  # type: ignore[arg-type]
    with pytest.raises(PublishError) as caught:
        adapter(fake).delete(fake.add_status(TEXT)["id"])
    assert caught.value.kind == kind


def test_delete_refuses_what_is_not_a_status_id(fake: FakeMastodon) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake).delete("../accounts/1")
    assert caught.value.kind == ErrorKind.REFUSED
    assert fake.requests == []


# -- the look-alike watch: who holds a handle (G-6-3) -------------------------------------
def test_lookup_finds_a_local_account_with_its_full_handle(fake: FakeMastodon) -> None:
    other = fake.add_account(
        "kagamino_town_", "鏡野町（公式）", created_at=datetime(2026, 11, 20, 15, tzinfo=UTC)
    )
    found = adapter(fake).lookup_user("@kagamino_town_")
    assert found is not None
    assert found.handle == f"@kagamino_town_@{fake.domain}"
    assert found.display_name == "鏡野町（公式）"
    assert found.url == f"{fake.url}/@kagamino_town_"
    assert found.platform_user_id == other["id"]
    assert found.created_at == datetime(2026, 11, 20, tzinfo=UTC)  # midnight since 3.4.0
    [sent] = fake.received("GET", LOOKUP)
    assert sent.query["acct"] == ["kagamino_town_"]


def test_lookup_finds_a_remote_account_the_instance_knows(fake: FakeMastodon) -> None:
    fake.add_account("kagamino", "鏡野町", domain="example.social")
    found = adapter(fake).lookup_user("@Kagamino@example.social")
    assert found is not None
    assert found.handle == "@kagamino@example.social"
    assert found.url == "https://example.social/@kagamino"


def test_lookup_of_an_unknown_handle_is_none(fake: FakeMastodon) -> None:
    assert adapter(fake).lookup_user("@kagamino_nise@example.social") is None


def test_lookup_of_a_suspended_account_is_none(fake: FakeMastodon) -> None:
    fake.add_account("kagamino_nise", "鏡野町", suspended=True)
    assert adapter(fake).lookup_user("@kagamino_nise") is None


def test_a_handle_no_account_can_have_is_none_without_asking(fake: FakeMastodon) -> None:
    assert adapter(fake).lookup_user("@鏡野町") is None
    assert adapter(fake).lookup_user("@a@b@c") is None
    assert fake.requests == []


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (FakeMastodon.error(401, "The access token is invalid"), ErrorKind.CREDENTIALS),
        (
            FakeMastodon.rate_limited(datetime.now(UTC) + timedelta(minutes=3)),
            ErrorKind.RATE_LIMITED,
        ),
        (FakeMastodon.error(503, "Service Unavailable"), ErrorKind.UNAVAILABLE),
        (FakeResponse(404, "<html>Not Found</html>"), ErrorKind.BAD_RESPONSE),
        (HANG, ErrorKind.NETWORK),
    ],
    ids=["401", "429", "503", "proxy-404", "timeout"],
)
def test_lookup_failures_are_publish_errors(
    fake: FakeMastodon, answer: object, kind: ErrorKind
) -> None:
    fake.fail_next("GET", LOOKUP, answer)  # type: ignore[arg-type]
    with pytest.raises(PublishError) as caught:
        adapter(fake).lookup_user("@kagamino_town_")
    assert caught.value.kind == kind
