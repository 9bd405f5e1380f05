"""The Facebook Page, Instagram and Threads adapters against a loopback fake Graph API."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from kagami.publishing.adapters.base import ErrorKind, MediaFile, PublishError, PublishRequest
from kagami.publishing.adapters.fakes import CLOSE, HANG, FakeResponse
from kagami.publishing.adapters.fakes.meta import (
    IG_USER_ID,
    PAGE_ID,
    THREADS_USER_ID,
    TOKEN,
    FakeGraph,
    graph_error,
)
from kagami.publishing.adapters.meta import FacebookAdapter, InstagramAdapter, ThreadsAdapter

TEXT = (
    "【鏡野町】紅葉まつりを開催します。詳しくは https://www.town.kagamino.lg.jp/ をご覧ください。"
)
IMAGE = "https://kagami.town.kagamino.lg.jp/publishing/media/token/momiji.png"


@pytest.fixture
def fake() -> Iterator[FakeGraph]:
    with FakeGraph() as server:
        yield server


def facebook(fake: FakeGraph, token: str = TOKEN) -> FacebookAdapter:
    return FacebookAdapter(
        {"page_id": PAGE_ID, "page_access_token": token}, base_url=fake.url, timeout=0.5
    )


def instagram(fake: FakeGraph) -> InstagramAdapter:
    adapter = InstagramAdapter(
        {"ig_user_id": IG_USER_ID, "access_token": TOKEN}, base_url=fake.url, timeout=0.5
    )
    adapter.sleep = lambda seconds: None
    return adapter


def threads(fake: FakeGraph) -> ThreadsAdapter:
    return ThreadsAdapter(
        {"threads_user_id": THREADS_USER_ID, "access_token": TOKEN}, base_url=fake.url, timeout=0.5
    )


def req(text: str = TEXT, images: int = 0) -> PublishRequest:
    media = tuple(
        MediaFile(b"png", "image/png", alt_text=f"紅葉の写真{n}", url=f"{IMAGE}?n={n}")
        for n in range(images)
    )
    return PublishRequest(text=text, idempotency_key="k", handle="kagamino_town", media=media)


# -- Facebook Page ------------------------------------------------------------------------
def test_facebook_posts_to_the_page_feed(fake: FakeGraph) -> None:
    published = facebook(fake).publish(req())
    [post] = fake.feed
    assert post["message"] == TEXT and published.platform_post_id == post["id"]
    assert published.url == f"https://www.facebook.com/{post['id']}"
    [sent] = fake.received("POST", rf"/v24.0/{PAGE_ID}/feed")
    assert sent.header("authorization") == f"Bearer {TOKEN}"


def test_facebook_images_are_unpublished_photos_attached_to_the_post(fake: FakeGraph) -> None:
    facebook(fake).publish(req(images=2))
    assert sorted(fake.photos.values()) == [f"{IMAGE}?n=0", f"{IMAGE}?n=1"]
    [post] = fake.feed
    assert len(post["attached_media"]) == 2
    assert all(r.field("published") == "false" for r in fake.received("POST", r".*/photos"))


def test_facebook_finds_a_post_made_before_a_crash(fake: FakeGraph) -> None:
    made = facebook(fake).publish(req())
    found = facebook(fake).find_existing(req())
    assert found is not None and found.platform_post_id == made.platform_post_id
    assert facebook(fake).find_existing(req(text="別の投稿")) is None


def test_facebook_duplicate_is_refused_content(fake: FakeGraph) -> None:
    facebook(fake).publish(req())
    with pytest.raises(PublishError) as caught:
        facebook(fake).publish(req())
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED
    assert "(#506) Duplicate status message" in caught.value.message


def test_an_expired_token_is_a_credentials_problem(fake: FakeGraph) -> None:
    with pytest.raises(PublishError) as caught:
        facebook(fake, token="old").publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS and caught.value.credentials_problem
    assert "(#190) Error validating access token" in caught.value.message


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
        (FakeResponse(502, "<html>Bad Gateway</html>"), ErrorKind.UNAVAILABLE),
        (FakeResponse(200, "not json"), ErrorKind.BAD_RESPONSE),
        (FakeResponse(200, {"success": True}), ErrorKind.BAD_RESPONSE),
        (
            graph_error(403, "(#200) Requires pages_manage_posts permission", 200),
            ErrorKind.CREDENTIALS,
        ),
        (graph_error(400, "Object does not exist", 100, 33), ErrorKind.ACCOUNT_GONE),
        (graph_error(400, "You're temporarily blocked", 368), ErrorKind.CONTENT_REFUSED),
        (CLOSE, ErrorKind.NETWORK),
        (HANG, ErrorKind.NETWORK),
    ],
    ids=["1", "2", "502-html", "not-json", "no-id", "200", "gone", "368", "closed", "timeout"],
)
def test_facebook_errors_map_to_their_kind(
    fake: FakeGraph, answer: FakeResponse, kind: ErrorKind
) -> None:
    fake.fail_next("POST", r".*/feed", answer)
    with pytest.raises(PublishError) as caught:
        facebook(fake).publish(req())
    assert caught.value.kind == kind and caught.value.message.startswith("facebook: ")


# -- Instagram ----------------------------------------------------------------------------
def test_instagram_needs_an_image_and_says_so_before_calling(fake: FakeGraph) -> None:
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(req())
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED
    assert fake.requests == []


def test_instagram_makes_a_container_then_publishes_it(fake: FakeGraph) -> None:
    published = instagram(fake).publish(req(images=1))
    [container] = fake.containers.values()
    assert container["image_url"] == f"{IMAGE}?n=0" and container["caption"] == TEXT
    assert container["alt_text"] == "紅葉の写真0" and container["status_code"] == "PUBLISHED"
    [media] = fake.media
    assert published.platform_post_id == media["id"] and published.url == media["permalink"]


def test_instagram_several_images_make_a_carousel(fake: FakeGraph) -> None:
    instagram(fake).publish(req(images=3))
    carousel = [c for c in fake.containers.values() if c.get("media_type") == "CAROUSEL"]
    items = [c for c in fake.containers.values() if c.get("is_carousel_item") == "true"]
    assert len(carousel) == 1 and len(items) == 3
    assert carousel[0]["caption"] == TEXT and len(carousel[0]["children"].split(",")) == 3


def test_instagram_more_than_ten_images_are_refused_before_any_call(fake: FakeGraph) -> None:
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(req(images=11))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED and fake.requests == []


def test_threads_carousel_items_are_images(fake: FakeGraph) -> None:
    threads(fake).publish(req(images=2))
    items = [c for c in fake.containers.values() if c.get("is_carousel_item") == "true"]
    assert [c["media_type"] for c in items] == ["IMAGE", "IMAGE"]
    [carousel] = [c for c in fake.containers.values() if c.get("media_type") == "CAROUSEL"]
    assert carousel["text"] == TEXT


def test_instagram_a_container_still_processing_is_retried_later(fake: FakeGraph) -> None:
    fake.container_status = "IN_PROGRESS"
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(req(images=1))
    assert caught.value.kind == ErrorKind.UNAVAILABLE and fake.media == []


def test_instagram_a_container_in_error_is_a_refused_image(fake: FakeGraph) -> None:
    fake.container_status = "ERROR"
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(req(images=1))
    assert caught.value.kind == ErrorKind.MEDIA_REFUSED
    assert "2207026 The image format is not supported" in caught.value.message


def test_instagram_an_image_meta_cannot_fetch_is_refused(fake: FakeGraph) -> None:
    request = PublishRequest(
        text=TEXT,
        idempotency_key="k",
        handle="kagamino_town",
        media=(MediaFile(b"png", "image/png", url="http://intranet.local/x.png"),),
    )
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(request)
    assert caught.value.kind == ErrorKind.MEDIA_REFUSED and "(#9004)" in caught.value.message


def test_instagram_the_daily_publishing_limit_is_a_rate_limit(fake: FakeGraph) -> None:
    fake.fail_next(
        "POST",
        r".*/media_publish",
        graph_error(400, "Application request limit reached", 9, 2207042),
    )
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(req(images=1))
    assert caught.value.kind == ErrorKind.RATE_LIMITED and caught.value.retry_after


def test_instagram_finds_a_post_by_its_caption(fake: FakeGraph) -> None:
    made = instagram(fake).publish(req(images=1))
    found = instagram(fake).find_existing(req(images=1))
    assert found == made
    assert instagram(fake).find_existing(req(text="別の投稿", images=1)) is None


# -- Threads ------------------------------------------------------------------------------
def test_threads_text_post(fake: FakeGraph) -> None:
    published = threads(fake).publish(req())
    [container] = fake.containers.values()
    assert container["media_type"] == "TEXT" and container["text"] == TEXT
    [media] = fake.media
    assert published.platform_post_id == media["id"]
    assert published.url.startswith("https://www.threads.net/")
    assert fake.received("POST", rf"/v1.0/{THREADS_USER_ID}/threads_publish")


def test_threads_image_post_sends_the_signed_url_and_alt_text(fake: FakeGraph) -> None:
    threads(fake).publish(req(images=1))
    [container] = fake.containers.values()
    assert container["media_type"] == "IMAGE" and container["image_url"] == f"{IMAGE}?n=0"
    assert container["alt_text"] == "紅葉の写真0"


def test_threads_finds_a_post_by_its_text(fake: FakeGraph) -> None:
    made = threads(fake).publish(req())
    assert threads(fake).find_existing(req()) == made
    assert threads(fake).find_existing(req(text="別の投稿")) is None


def test_an_adapter_without_its_account_id_is_a_credentials_problem() -> None:
    with pytest.raises(PublishError) as caught:
        InstagramAdapter({"access_token": TOKEN})
    assert caught.value.kind == ErrorKind.CREDENTIALS
