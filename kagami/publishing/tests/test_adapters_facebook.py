"""The Facebook Page adapter against the loopback fake Graph API."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
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
from kagami.publishing.adapters.fakes.meta import (
    PAGE_ID,
    TOKEN,
    VISITOR_ID,
    FakeGraph,
    graph_error,
    graph_time,
)
from kagami.publishing.adapters.meta import FacebookAdapter

TEXT = "【鏡野町】毎週月曜日は資源ごみの日です。朝8時までに出してください。"
IMAGE = "https://kagami.town.kagamino.lg.jp/publishing/media/token/momiji.jpg"


@pytest.fixture
def fake() -> Iterator[FakeGraph]:
    with FakeGraph() as server:
        yield server


def facebook(fake: FakeGraph, token: str = TOKEN) -> FacebookAdapter:
    return FacebookAdapter(
        {"page_id": PAGE_ID, "page_access_token": token}, base_url=fake.url, timeout=0.5
    )


def req(
    text: str = TEXT, images: int = 0, *, alt: bool = True, first: datetime | None = None
) -> PublishRequest:
    media = tuple(
        MediaFile(
            b"jpeg",
            "image/jpeg",
            alt_text=f"回収場所の地図{n}" if alt else "",
            url=f"{IMAGE}?n={n}",
        )
        for n in range(images)
    )
    return PublishRequest(
        text=text,
        idempotency_key="k",
        handle="kagamino_town",
        media=media,
        first_attempt_at=first or datetime.now(UTC) - timedelta(minutes=1),
        notes=DeliveryNotes(),
    )


def test_a_text_post_goes_to_the_page_feed(fake: FakeGraph) -> None:
    published = facebook(fake).publish(req())
    [post] = fake.page_posts
    assert post["message"] == TEXT and published.platform_post_id == post["id"]
    assert published.url == f"https://www.facebook.com/{post['id']}"
    [sent] = fake.received("POST", rf"/v24.0/{PAGE_ID}/feed")
    assert sent.header("authorization") == f"Bearer {TOKEN}"


def test_images_are_unpublished_photos_with_their_alt_text(fake: FakeGraph) -> None:
    facebook(fake).publish(req(images=2))
    assert sorted(
        (p["url"], p["alt_text_custom"], p["published"]) for p in fake.photos.values()
    ) == [
        (f"{IMAGE}?n=0", "回収場所の地図0", "false"),
        (f"{IMAGE}?n=1", "回収場所の地図1", "false"),
    ]
    [post] = fake.page_posts
    assert post["attached_media"] == list(fake.photos)


def test_an_image_without_alt_text_sends_none(fake: FakeGraph) -> None:
    facebook(fake).publish(req(images=1, alt=False))
    [sent] = fake.received("POST", r".*/photos")
    assert sent.field("alt_text_custom") is None


def test_the_adapter_asks_for_prepared_facebook_images_and_at_most_ten() -> None:
    assert FacebookAdapter.image_spec is images.FACEBOOK
    assert FacebookAdapter.max_images == 10


def test_more_images_than_it_takes_are_refused_before_any_call(fake: FakeGraph) -> None:
    with pytest.raises(PublishError) as caught:
        facebook(fake).publish(req(images=11))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED and fake.requests == []


# -- recovery ------------------------------------------------------------------------------
def test_a_post_made_after_the_first_attempt_is_found(fake: FakeGraph) -> None:
    made = facebook(fake).publish(req())
    found = facebook(fake).find_existing(req())
    assert found is not None and found.platform_post_id == made.platform_post_id
    assert found.url == fake.page_posts[0]["permalink_url"]
    assert facebook(fake).find_existing(req(text="別の投稿")) is None


def test_recovery_reads_the_pages_own_posts_since_the_first_attempt(fake: FakeGraph) -> None:
    first = datetime.now(UTC) - timedelta(minutes=10)
    facebook(fake).find_existing(req(first=first))
    [listing] = fake.received("GET", rf"/v24.0/{PAGE_ID}/published_posts")
    assert listing.query["fields"] == ["id,message,created_time,permalink_url"]
    assert int(listing.query["since"][0]) == int((first - timedelta(minutes=2)).timestamp())
    assert fake.received("GET", r".*/feed") == []


def test_last_weeks_identical_notice_is_not_adopted(fake: FakeGraph) -> None:
    fake.add_page_post(TEXT, datetime.now(UTC) - timedelta(days=7))
    assert facebook(fake).find_existing(req()) is None


def test_last_weeks_notice_is_not_adopted_even_if_the_page_lists_it(fake: FakeGraph) -> None:
    # A Page that ignored `since` would still list it: the adapter checks created_time too.
    old = datetime.now(UTC) - timedelta(days=7)
    fake.fail_next(
        "GET",
        r".*/published_posts",
        FakeResponse(
            200,
            {"data": [{"id": f"{PAGE_ID}_1", "message": TEXT, "created_time": graph_time(old)}]},
        ),
    )
    assert facebook(fake).find_existing(req()) is None


def test_a_post_of_unknown_date_is_never_adopted(fake: FakeGraph) -> None:
    fake.fail_next(
        "GET",
        r".*/published_posts",
        FakeResponse(200, {"data": [{"id": f"{PAGE_ID}_1", "message": TEXT}]}),
    )
    assert facebook(fake).find_existing(req()) is None


def test_a_visitors_post_with_the_same_text_is_not_adopted(fake: FakeGraph) -> None:
    fake.add_visitor_post(TEXT, datetime.now(UTC))
    assert facebook(fake).find_existing(req()) is None
    # ... although the Page's feed lists it (graph-api/reference/page/feed).
    feed = httpx.get(
        f"{fake.url}/v24.0/{PAGE_ID}/feed",
        params={"fields": "id,message,from"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    ).json()
    assert [(p["message"], p["from"]["id"]) for p in feed["data"]] == [(TEXT, VISITOR_ID)]


def test_a_duplicate_refusal_is_marked_as_such(fake: FakeGraph) -> None:
    fake.add_page_post(TEXT, datetime.now(UTC) - timedelta(minutes=1))
    with pytest.raises(PublishError) as caught:
        facebook(fake).publish(req())
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED and caught.value.duplicate
    assert "(#506) Duplicate status message" in caught.value.message
    assert caught.value.permanent


# -- errors --------------------------------------------------------------------------------
def test_an_expired_token_is_a_credentials_problem(fake: FakeGraph) -> None:
    with pytest.raises(PublishError) as caught:
        facebook(fake, token="old").publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS and caught.value.credentials_problem
    assert "(#190/463) Error validating access token" in caught.value.message


@pytest.mark.parametrize(
    "credentials",
    [
        {"page_id": PAGE_ID},
        {"page_id": PAGE_ID, "page_access_token": ""},
        {"page_access_token": TOKEN},
    ],
)
def test_a_missing_token_or_page_is_a_credentials_problem(credentials: dict[str, str]) -> None:
    with pytest.raises(PublishError) as caught:
        FacebookAdapter(credentials)
    assert caught.value.kind == ErrorKind.CREDENTIALS


def test_a_rate_limit_waits_for_metas_estimate(fake: FakeGraph) -> None:
    usage = '{"104000000000001": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 42}]}'
    fake.fail_next(
        "POST",
        r".*/feed",
        FakeResponse(
            400,
            {"error": {"message": "(#32) Page request limit reached", "code": 32}},
            {"X-Business-Use-Case-Usage": usage},
        ),
    )
    before = datetime.now(UTC)
    with pytest.raises(PublishError) as caught:
        facebook(fake).publish(req())
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after is not None
    assert timedelta(minutes=41) < caught.value.retry_after - before < timedelta(minutes=43)


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (graph_error(500, "An unknown error has occurred.", 1), ErrorKind.UNAVAILABLE),
        (graph_error(503, "Service temporarily unavailable", 2), ErrorKind.UNAVAILABLE),
        (graph_error(400, "Some error", 12345, transient=True), ErrorKind.UNAVAILABLE),
        (FakeResponse(502, "<html>Bad Gateway</html>"), ErrorKind.UNAVAILABLE),
        (FakeResponse(200, "not json"), ErrorKind.BAD_RESPONSE),
        (FakeResponse(200, {"success": True}), ErrorKind.BAD_RESPONSE),
        (graph_error(400, "(#4) Application request limit reached", 4), ErrorKind.RATE_LIMITED),
        (graph_error(400, "(#341) Application limit reached", 341), ErrorKind.RATE_LIMITED),
        (
            graph_error(403, "(#200) Requires pages_manage_posts permission", 200),
            ErrorKind.CREDENTIALS,
        ),
        (graph_error(400, "(#3) Capability", 3), ErrorKind.CREDENTIALS),
        (graph_error(400, "Object does not exist", 100, 33), ErrorKind.ACCOUNT_GONE),
        (graph_error(400, "You're temporarily blocked", 368), ErrorKind.CONTENT_REFUSED),
        (CLOSE, ErrorKind.NETWORK),
        (HANG, ErrorKind.NETWORK),
    ],
    ids=[
        "1",
        "2",
        "transient",
        "502-html",
        "not-json",
        "no-id",
        "4",
        "341",
        "200",
        "3",
        "gone",
        "368",
        "closed",
        "timeout",
    ],
)
def test_errors_map_to_their_kind(fake: FakeGraph, answer: FakeResponse, kind: ErrorKind) -> None:
    fake.fail_next("POST", r".*/feed", answer)
    with pytest.raises(PublishError) as caught:
        facebook(fake).publish(req())
    assert caught.value.kind == kind and caught.value.message.startswith("facebook: ")


def test_the_users_message_is_kept_with_the_error(fake: FakeGraph) -> None:
    fake.fail_next(
        "POST",
        r".*/feed",
        graph_error(400, "Invalid parameter", 100, 1349125, user_msg="投稿が長すぎます。"),
    )
    with pytest.raises(PublishError) as caught:
        facebook(fake).publish(req())
    assert (
        caught.value.message
        == "facebook: 400 (#100/1349125) Invalid parameter (投稿が長すぎます。)"
    )


# -- corrections: deleting the Page's own post (G-6-1) -------------------------------------
NODE = r"/v[0-9.]+/\d+(_\d+)?"


def test_the_page_can_delete_and_edit_its_posts_but_not_look_users_up() -> None:
    assert FacebookAdapter.can_delete and FacebookAdapter.can_edit
    assert not FacebookAdapter.can_lookup_users


def test_delete_removes_the_pages_post(fake: FakeGraph) -> None:
    post_id = facebook(fake).publish(req()).platform_post_id
    facebook(fake).delete(post_id)
    assert fake.page_posts == []
    [sent] = fake.received("DELETE", NODE)
    assert sent.path.endswith(f"/{post_id}")
    assert sent.header("authorization") == f"Bearer {TOKEN}"
    assert fake.received("GET", NODE) == []


def test_deleting_a_post_already_gone_is_success(fake: FakeGraph) -> None:
    post_id = facebook(fake).publish(req()).platform_post_id
    facebook(fake).delete(post_id)
    facebook(fake).delete(post_id)
    [looked] = fake.received("GET", NODE)  # 100/33 also means "no permission": looked up
    assert looked.path.endswith(f"/{post_id}")


def test_a_post_graph_will_not_delete_but_still_shows_is_refused(fake: FakeGraph) -> None:
    post = fake.add_page_post(TEXT, datetime.now(UTC))
    fake.fail_next(
        "DELETE",
        NODE,
        graph_error(400, "Unsupported delete request.", 100, 33, kind="GraphMethodException"),
    )
    with pytest.raises(PublishError) as caught:
        facebook(fake).delete(post["id"])
    assert caught.value.kind == ErrorKind.REFUSED
    assert "pages_manage_posts" in caught.value.message
    assert fake.page_posts == [post]


def test_delete_with_an_expired_token_is_a_credentials_problem(fake: FakeGraph) -> None:
    post = fake.add_page_post(TEXT, datetime.now(UTC))
    with pytest.raises(PublishError) as caught:
        facebook(fake, token="expired").delete(post["id"])
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert fake.page_posts == [post]


def test_delete_without_the_permission_is_a_credentials_problem(fake: FakeGraph) -> None:
    fake.fail_next(
        "DELETE", NODE, graph_error(403, "(#200) Requires pages_manage_posts permission", 200)
    )
    with pytest.raises(PublishError) as caught:
        facebook(fake).delete(fake.add_page_post(TEXT, datetime.now(UTC))["id"])
    assert caught.value.kind == ErrorKind.CREDENTIALS


def test_delete_waits_for_metas_estimate_when_rate_limited(fake: FakeGraph) -> None:
    usage = '{"call_count": 100, "total_time": 20, "total_cputime": 20, "estimated_time_to_regain_access": 7}'
    fake.fail_next(
        "DELETE",
        NODE,
        FakeResponse(
            400,
            {"error": {"message": "(#4) Application request limit reached", "code": 4}},
            {"X-App-Usage": usage},
        ),
    )
    before = datetime.now(UTC)
    with pytest.raises(PublishError) as caught:
        facebook(fake).delete(fake.add_page_post(TEXT, datetime.now(UTC))["id"])
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after is not None
    assert timedelta(minutes=6) < caught.value.retry_after - before < timedelta(minutes=8)


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (graph_error(500, "An unknown error has occurred.", 1), ErrorKind.UNAVAILABLE),
        (FakeResponse(200, {"success": False}), ErrorKind.BAD_RESPONSE),
        (CLOSE, ErrorKind.NETWORK),
        (HANG, ErrorKind.NETWORK),
    ],
    ids=["500", "not-success", "closed", "timeout"],
)
def test_delete_failures_are_retryable(fake: FakeGraph, answer: object, kind: ErrorKind) -> None:
    fake.fail_next("DELETE", NODE, answer)  # type: ignore[arg-type]
    with pytest.raises(PublishError) as caught:
        facebook(fake).delete(fake.add_page_post(TEXT, datetime.now(UTC))["id"])
    assert caught.value.kind == kind
    assert not caught.value.permanent


def test_delete_refuses_what_is_not_a_post_id(fake: FakeGraph) -> None:
    with pytest.raises(PublishError) as caught:
        facebook(fake).delete("https://www.facebook.com/104000000000001/posts/1")
    assert caught.value.kind == ErrorKind.REFUSED
    assert fake.requests == []


def test_the_page_cannot_look_users_up(fake: FakeGraph) -> None:
    with pytest.raises(PublishError) as caught:
        facebook(fake).lookup_user("kagamino.town")
    assert caught.value.kind == ErrorKind.REFUSED
    assert fake.requests == []
