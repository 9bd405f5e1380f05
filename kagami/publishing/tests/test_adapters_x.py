"""The X adapter against a loopback fake X API v2. Tokens and their refresh: test_x_tokens."""

import base64
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from kagami.publishing.adapters.base import (
    CLOCK_SKEW,
    ErrorKind,
    MediaFile,
    PublishError,
    PublishRequest,
)
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


def req(
    text: str = TEXT, media: tuple[MediaFile, ...] = (), first_attempt_at: datetime | None = None
) -> PublishRequest:
    return PublishRequest(
        text=text,
        idempotency_key="t-1",
        handle=f"@{USERNAME}",
        media=media,
        first_attempt_at=first_attempt_at,
    )


def jpeg(n: int) -> MediaFile:
    return MediaFile(b"\xff\xd8\xff\xe0 jpeg %d" % n, "image/jpeg", alt_text=f"避難所の地図{n}")


def test_publish_returns_the_post_id_and_url(fake: FakeX) -> None:
    published = adapter(fake).publish(req())
    [post] = fake.posts
    assert published.platform_post_id == post["id"]
    assert published.url == f"https://x.com/{USERNAME}/status/{post['id']}"
    [sent] = fake.received("POST", "/2/tweets")
    assert sent.json() == {"text": TEXT}
    assert sent.header("authorization") == f"Bearer {TOKEN}"


def test_four_images_each_with_its_alt_text(fake: FakeX) -> None:
    published = adapter(fake).publish(req(media=tuple(jpeg(n) for n in range(4))))
    [sent] = fake.received("POST", "/2/tweets")
    media_ids = sent.json()["media"]["media_ids"]
    assert [fake.media[i]["alt"] for i in media_ids] == [f"避難所の地図{n}" for n in range(4)]
    assert [fake.media[i]["content"] for i in media_ids] == [jpeg(n).content for n in range(4)]
    assert {fake.media[i]["post"] for i in media_ids} == {published.platform_post_id}


def test_more_than_four_images_are_refused_before_any_upload(fake: FakeX) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(media=tuple(jpeg(n) for n in range(5))))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED
    assert "at most 4 images" in caught.value.message
    assert fake.requests == []


def test_the_fake_refuses_more_than_four_media_ids_as_x_does(fake: FakeX) -> None:
    answer = requests.post(
        f"{fake.url}/2/tweets",
        json={"text": "五枚", "media": {"media_ids": [str(n) for n in range(5)]}},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=2,
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["message"] == (
        "$.media.media_ids: there must be a maximum of 4 items in the array"
    )
    assert fake.posts == []


@pytest.mark.parametrize("token", ["", "   "])
def test_an_empty_access_token_is_a_credentials_problem_at_once(fake: FakeX, token: str) -> None:
    for call in (adapter(fake, token).publish, adapter(fake, token).find_existing):
        with pytest.raises(PublishError) as caught:
            call(req())
        assert caught.value.kind == ErrorKind.CREDENTIALS
        assert caught.value.permanent
    assert fake.requests == []


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
    first_attempt = datetime.now(UTC)
    fake.add_post("別の投稿")
    earlier = fake.add_post(TEXT)
    assert "t.co" in earlier["text"]
    assert "&amp;" in earlier["text"]
    found = adapter(fake).find_existing(req(first_attempt_at=first_attempt))
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


def test_duplicate_content_is_refused_and_marked_as_a_duplicate(fake: FakeX) -> None:
    fake.add_post("同じ文")
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(text="同じ文"))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED
    assert caught.value.permanent
    assert not caught.value.credentials_problem
    # After an unclear attempt the worker then looks for the post again instead of failing.
    assert caught.value.duplicate
    assert "duplicate content" in caught.value.message


def test_other_refused_content_is_not_marked_as_a_duplicate(fake: FakeX) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(text="あ" * 281))
    assert not caught.value.duplicate


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


# -- recovery: only a post X made after the first attempt is ours --------------------------
def test_find_existing_asks_x_for_posts_since_the_first_attempt_with_their_dates(
    fake: FakeX,
) -> None:
    first_attempt = datetime(2026, 11, 24, 1, 0, 30, 250000, tzinfo=UTC)
    adapter(fake).find_existing(req(first_attempt_at=first_attempt))
    [timeline] = fake.received("GET", r"/2/users/\d+/tweets")
    assert timeline.query["tweet.fields"] == ["created_at"]
    assert timeline.query["start_time"] == ["2026-11-24T00:58:30Z"]  # less CLOCK_SKEW


def test_last_weeks_identical_post_is_not_adopted(fake: FakeX) -> None:
    first_attempt = datetime.now(UTC)
    fake.add_post(TEXT, at=first_attempt - timedelta(days=7))  # the same weekly notice
    assert adapter(fake).find_existing(req(first_attempt_at=first_attempt)) is None


def test_an_identical_post_made_after_the_first_attempt_is_adopted(fake: FakeX) -> None:
    first_attempt = datetime.now(UTC) - timedelta(minutes=10)
    fake.add_post(TEXT, at=first_attempt - timedelta(days=7))
    ours = fake.add_post(TEXT, at=first_attempt + timedelta(seconds=3))
    found = adapter(fake).find_existing(req(first_attempt_at=first_attempt))
    assert found is not None
    assert found.platform_post_id == ours["id"]


def test_a_post_dated_within_the_clock_skew_before_the_first_attempt_is_adopted(
    fake: FakeX,
) -> None:
    first_attempt = datetime.now(UTC)
    ours = fake.add_post(TEXT, at=first_attempt - CLOCK_SKEW + timedelta(seconds=5))
    found = adapter(fake).find_existing(req(first_attempt_at=first_attempt))
    assert found is not None
    assert found.platform_post_id == ours["id"]


def test_a_post_without_a_date_is_not_adopted(fake: FakeX) -> None:
    post = fake.add_post(TEXT)
    undated = {k: v for k, v in post.items() if k != "created_at"}
    fake.fail_next(
        "GET",
        r"/2/users/\d+/tweets",
        FakeResponse(200, {"data": [undated], "meta": {"result_count": 1}}),
    )
    assert adapter(fake).find_existing(req(first_attempt_at=datetime.now(UTC))) is None


def test_find_existing_reads_further_pages(fake: FakeX) -> None:
    first_attempt = datetime.now(UTC) - timedelta(hours=1)
    ours = fake.add_post(TEXT, at=first_attempt + timedelta(seconds=1))
    for n in range(120):
        fake.add_post(f"その後の投稿 {n}", at=first_attempt + timedelta(minutes=1, seconds=n))
    found = adapter(fake).find_existing(req(first_attempt_at=first_attempt))
    assert found is not None
    assert found.platform_post_id == ours["id"]
    assert len(fake.received("GET", r"/2/users/\d+/tweets")) == 2


def test_find_existing_errors_are_publish_errors(fake: FakeX) -> None:
    fake.fail_next(
        "GET", r"/2/users/\d+/tweets", FakeX.error(503, "Service Unavailable", "Over capacity")
    )
    with pytest.raises(PublishError) as caught:
        adapter(fake).find_existing(req(first_attempt_at=datetime.now(UTC)))
    assert caught.value.kind == ErrorKind.UNAVAILABLE


# -- the 24-hour limits ---------------------------------------------------------------------
def test_a_used_up_24_hour_user_limit_waits_for_its_own_reset(fake: FakeX) -> None:
    fake.user_daily_post_limit = 1
    began = time.time()
    adapter(fake).publish(req(text="今日の一件目"))
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(text="今日の二件目"))
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert not caught.value.permanent
    assert caught.value.retry_after is not None
    # The 24-hour window's reset, not the 15-minute one's: that would meet a refusal all day.
    assert caught.value.retry_after.timestamp() == pytest.approx(began + 86400, abs=5)
    assert [p["text"] for p in fake.posts] == ["今日の一件目"]


def test_a_used_up_24_hour_app_limit_waits_for_its_reset(fake: FakeX) -> None:
    fake.app_daily_post_limit = 1
    adapter(fake).publish(req(text="今日の一件目"))
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req(text="今日の二件目"))
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after is not None
    assert caught.value.retry_after >= datetime.now(UTC) + timedelta(hours=23)


def test_the_later_24_hour_reset_counts_when_both_are_used_up(fake: FakeX) -> None:
    window, user_day, app_day = (int(time.time()) + s for s in (300, 40000, 60000))
    fake.fail_next(
        "POST",
        "/2/tweets",
        FakeX.rate_limited(
            window,
            {
                "x-user-limit-24hour-remaining": "0",
                "x-user-limit-24hour-reset": str(user_day),
                "x-app-limit-24hour-remaining": "0",
                "x-app-limit-24hour-reset": str(app_day),
            },
        ),
    )
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert caught.value.retry_after == datetime.fromtimestamp(app_day, UTC)


def test_a_15_minute_limit_with_24_hours_to_spare_waits_for_the_window(fake: FakeX) -> None:
    window = int(time.time()) + 300
    fake.fail_next(
        "POST",
        "/2/tweets",
        FakeX.rate_limited(
            window,
            {
                "x-user-limit-24hour-remaining": "40",
                "x-user-limit-24hour-reset": str(window + 50000),
            },
        ),
    )
    with pytest.raises(PublishError) as caught:
        adapter(fake).publish(req())
    assert caught.value.retry_after == datetime.fromtimestamp(window, UTC)


def test_the_fake_timeline_dates_posts_only_when_asked_and_checks_start_time(fake: FakeX) -> None:
    fake.add_post(TEXT)
    url = f"{fake.url}/2/users/{fake.user.id}/tweets"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    [plain] = requests.get(url, headers=auth, timeout=2).json()["data"]
    assert "created_at" not in plain
    dated = requests.get(url, params={"tweet.fields": "created_at"}, headers=auth, timeout=2)
    assert datetime.fromisoformat(dated.json()["data"][0]["created_at"]) <= datetime.now(UTC)
    wrong = requests.get(url, params={"start_time": "2026-11-24 09:00"}, headers=auth, timeout=2)
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["parameters"] == {"start_time": ["2026-11-24 09:00"]}


# -- corrections: deleting the account's own post (G-6-1) ----------------------------------
POST = r"/2/tweets/\d+"


def test_delete_removes_the_post(fake: FakeX) -> None:
    post = fake.add_post(TEXT)
    adapter(fake).delete(post["id"])
    assert fake.posts == []
    [sent] = fake.received("DELETE", POST)
    assert sent.path == f"/2/tweets/{post['id']}"
    assert sent.header("authorization") == f"Bearer {TOKEN}"
    assert fake.received("GET", POST) == []  # {"deleted": true} needs no second look


def test_deleting_a_post_already_gone_is_success(fake: FakeX) -> None:
    post = fake.add_post(TEXT)
    adapter(fake).delete(post["id"])
    adapter(fake).delete(post["id"])
    [looked] = fake.received("GET", POST)
    assert looked.path == f"/2/tweets/{post['id']}"


@pytest.mark.parametrize(
    "answer",
    [
        FakeResponse(200, {"data": {"deleted": False}}),
        FakeResponse(
            404,
            {
                "title": "Not Found Error",
                "detail": "Could not find tweet with id: [1].",
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            },
        ),
    ],
    ids=["deleted-false", "404-problem"],
)
def test_any_other_answer_for_a_post_that_is_gone_is_success(
    fake: FakeX, answer: FakeResponse
) -> None:
    fake.fail_next("DELETE", POST, answer)
    adapter(fake).delete("1900000000000000999")
    assert len(fake.received("GET", POST)) == 1


def test_a_post_x_did_not_delete_is_refused(fake: FakeX) -> None:
    post = fake.add_post(TEXT)
    fake.fail_next("DELETE", POST, FakeResponse(200, {"data": {"deleted": False}}))
    with pytest.raises(PublishError) as caught:
        adapter(fake).delete(post["id"])
    assert caught.value.kind == ErrorKind.REFUSED
    assert f"did not delete post {post['id']}" in caught.value.message
    assert fake.posts == [post]


def test_delete_with_a_rejected_token_is_a_credentials_problem(fake: FakeX) -> None:
    post = fake.add_post(TEXT)
    with pytest.raises(PublishError) as caught:
        adapter(fake, token="revoked").delete(post["id"])
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert fake.posts == [post]


def test_delete_waits_for_the_rate_limit_reset(fake: FakeX) -> None:
    reset = int(time.time()) + 600
    fake.fail_next("DELETE", POST, FakeX.rate_limited(reset))
    with pytest.raises(PublishError) as caught:
        adapter(fake).delete(fake.add_post(TEXT)["id"])
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after == datetime.fromtimestamp(reset, UTC)


def test_the_fake_allows_fifty_deletes_per_fifteen_minutes(fake: FakeX) -> None:
    posts = [fake.add_post(f"{TEXT} {n}") for n in range(51)]
    for post in posts[:50]:
        adapter(fake).delete(post["id"])
    with pytest.raises(PublishError) as caught:
        adapter(fake).delete(posts[50]["id"])
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert fake.posts == [posts[50]]


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (FakeX.error(503, "Service Unavailable", "Service Unavailable"), ErrorKind.UNAVAILABLE),
        (CLOSE, ErrorKind.NETWORK),
    ],
)
def test_delete_failures_are_retryable(fake: FakeX, answer: object, kind: ErrorKind) -> None:
    fake.fail_next("DELETE", POST, answer)  # type: ignore[arg-type]
    with pytest.raises(PublishError) as caught:
        adapter(fake).delete(fake.add_post(TEXT)["id"])
    assert caught.value.kind == kind


def test_delete_refuses_what_is_not_a_post_id(fake: FakeX) -> None:
    with pytest.raises(PublishError) as caught:
        adapter(fake).delete("https://x.com/kagami_town/status/1")
    assert caught.value.kind == ErrorKind.REFUSED
    assert fake.requests == []


# -- the look-alike watch: who holds a handle (G-6-3) -------------------------------------
BY_USERNAME = r"/2/users/by/username/[^/]+"


def test_lookup_finds_the_account_with_its_name_and_creation_date(fake: FakeX) -> None:
    made = datetime(2026, 11, 20, 3, 4, 5, tzinfo=UTC)
    other = fake.add_account("kagamino_town_", "鏡野町（公式）", created_at=made)
    found = adapter(fake).lookup_user("@kagamino_town_")
    assert found is not None
    assert found.handle == "@kagamino_town_"
    assert found.display_name == "鏡野町（公式）"
    assert found.url == "https://x.com/kagamino_town_"
    assert found.platform_user_id == other.id
    assert found.created_at == made
    [sent] = fake.received("GET", BY_USERNAME)
    assert sent.path == "/2/users/by/username/kagamino_town_"
    assert "created_at" in sent.query["user.fields"][0].split(",")


def test_lookup_ignores_case_and_answers_with_the_accounts_own_spelling(fake: FakeX) -> None:
    fake.add_account("KagaminoTown", "鏡野町")
    found = adapter(fake).lookup_user("kagaminotown")
    assert found is not None and found.handle == "@KagaminoTown"


def test_lookup_of_an_unknown_handle_is_none(fake: FakeX) -> None:
    assert adapter(fake).lookup_user("@kagamino_nise") is None


def test_lookup_of_a_suspended_account_is_none(fake: FakeX) -> None:
    fake.add_account("kagamino_nise", "鏡野町", suspended=True)
    assert adapter(fake).lookup_user("@kagamino_nise") is None


def test_lookup_takes_a_404_not_found_as_the_integrate_guide_describes_it(fake: FakeX) -> None:
    fake.fail_next(
        "GET",
        BY_USERNAME,
        FakeResponse(
            404,
            {
                "title": "Not Found Error",
                "detail": "Could not find user with username: [kagamino_nise].",
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            },
        ),
    )
    assert adapter(fake).lookup_user("@kagamino_nise") is None


def test_a_handle_x_cannot_have_is_none_without_asking(fake: FakeX) -> None:
    assert adapter(fake).lookup_user("@kagamino-town.bsky.social") is None
    assert adapter(fake).lookup_user("@a_handle_much_too_long") is None
    assert fake.requests == []


def test_the_fake_refuses_a_malformed_username_as_x_does(fake: FakeX) -> None:
    answer = requests.get(
        f"{fake.url}/2/users/by/username/kagami-town",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=2,
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["parameters"] == {"username": ["kagami-town"]}


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (FakeX.error(401, "Unauthorized", "Unauthorized"), ErrorKind.CREDENTIALS),
        (FakeX.rate_limited(int(time.time()) + 60), ErrorKind.RATE_LIMITED),
        (FakeX.error(503, "Service Unavailable", "Service Unavailable"), ErrorKind.UNAVAILABLE),
        (FakeResponse(200, {"data": "kagamino_town"}), ErrorKind.BAD_RESPONSE),
        (HANG, ErrorKind.NETWORK),
    ],
    ids=["401", "429", "503", "not-x-shape", "timeout"],
)
def test_lookup_failures_are_publish_errors(fake: FakeX, answer: object, kind: ErrorKind) -> None:
    fake.fail_next("GET", BY_USERNAME, answer)  # type: ignore[arg-type]
    with pytest.raises(PublishError) as caught:
        adapter(fake).lookup_user("@kagamino_town_")
    assert caught.value.kind == kind


def test_an_account_answered_with_partial_errors_beside_it_is_found(fake: FakeX) -> None:
    # x-api/fundamentals/response-codes-and-errors: partial errors come in `errors` beside `data`.
    fake.fail_next(
        "GET",
        BY_USERNAME,
        FakeResponse(
            200,
            {
                "data": {"id": "42", "name": "鏡野町", "username": "kagamino_town_"},
                "errors": [
                    {
                        "title": "Not Found Error",
                        "detail": "Could not find tweet with pinned_tweet_id: [1].",
                        "type": "https://api.twitter.com/2/problems/resource-not-found",
                    }
                ],
            },
        ),
    )
    found = adapter(fake).lookup_user("@kagamino_town_")
    assert found is not None and found.platform_user_id == "42" and found.created_at is None
