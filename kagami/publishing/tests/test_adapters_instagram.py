"""The Instagram adapter against the loopback fake Graph API: containers kept across attempts,
the publishing quota, the error subcodes of the Instagram error-codes page."""

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from kagami.publishing.adapters import images
from kagami.publishing.adapters.base import (
    DeliveryNotes,
    ErrorKind,
    MediaFile,
    PublishError,
    PublishRequest,
)
from kagami.publishing.adapters.fakes import CLOSE, FakeResponse
from kagami.publishing.adapters.fakes.meta import (
    ERROR,
    EXPIRED,
    FIRST_ID,
    IG_USER_ID,
    TOKEN,
    FakeGraph,
    graph_error,
)
from kagami.publishing.adapters.meta import CONTAINER_NOTE, InstagramAdapter

TEXT = "【鏡野町】紅葉まつりを開催します。詳しくは町のホームページをご覧ください。"
IMAGE = "https://kagami.town.kagamino.lg.jp/publishing/media/token/momiji.jpg"


@pytest.fixture
def fake() -> Iterator[FakeGraph]:
    with FakeGraph() as server:
        yield server


def instagram(fake: FakeGraph, sleeps: list[float] | None = None) -> InstagramAdapter:
    adapter = InstagramAdapter(
        {"ig_user_id": IG_USER_ID, "access_token": TOKEN}, base_url=fake.url, timeout=0.5
    )
    adapter.sleep = (sleeps if sleeps is not None else []).append
    return adapter


def req(
    text: str = TEXT,
    images: int = 1,
    *,
    notes: DeliveryNotes | None = None,
    first: datetime | None = None,
) -> PublishRequest:
    media = tuple(
        MediaFile(b"jpeg", "image/jpeg", alt_text=f"紅葉の写真{n}", url=f"{IMAGE}?n={n}")
        for n in range(images)
    )
    return PublishRequest(
        text=text,
        idempotency_key="k",
        handle="kagamino_town",
        media=media,
        first_attempt_at=first or datetime.now(UTC) - timedelta(minutes=1),
        notes=notes if notes is not None else DeliveryNotes(),
    )


def kept(notes: DeliveryNotes) -> str | None:
    raw = notes.get(CONTAINER_NOTE)
    return None if raw is None else str(json.loads(raw)["id"])


def keep(container: str, created: datetime) -> DeliveryNotes:
    return DeliveryNotes(
        {CONTAINER_NOTE: json.dumps({"id": container, "created": created.isoformat()})}
    )


# -- publishing ------------------------------------------------------------------------------
def test_a_post_needs_an_image_and_says_so_before_calling(fake: FakeGraph) -> None:
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(req(images=0))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED and fake.requests == []


def test_an_image_post_is_a_container_then_publish(fake: FakeGraph) -> None:
    request = req()
    published = instagram(fake).publish(request)
    [container] = fake.containers.values()
    assert container["image_url"] == f"{IMAGE}?n=0" and container["caption"] == TEXT
    assert container["alt_text"] == "紅葉の写真0" and container["state"] == "PUBLISHED"
    [media] = fake.media
    assert published.platform_post_id == media["id"] and published.url == media["permalink"]
    [status] = fake.received("GET", rf"/v24.0/{container['id']}")
    assert status.query["fields"] == ["status_code,status"]
    assert kept(request.notes) == container["id"]


def test_the_quota_is_read_before_anything_is_made(fake: FakeGraph) -> None:
    instagram(fake).publish(req())
    first = fake.requests[0]
    assert first.path == f"/v24.0/{IG_USER_ID}/content_publishing_limit"
    assert first.query["fields"] == ["quota_usage,config"]


def test_the_container_is_noted_before_its_status_is_read(fake: FakeGraph) -> None:
    seen: list[list[str]] = []
    notes = DeliveryNotes(on_change=lambda _values: seen.append([r.path for r in fake.requests]))
    instagram(fake).publish(req(notes=notes))
    [paths] = seen
    assert paths[-1] == f"/v24.0/{IG_USER_ID}/media"  # the creation, and nothing after it


def test_several_images_make_a_carousel_with_alt_texts(fake: FakeGraph) -> None:
    instagram(fake).publish(req(images=3))
    items = [c for c in fake.containers.values() if c.get("is_carousel_item") == "true"]
    assert [c["alt_text"] for c in items] == ["紅葉の写真0", "紅葉の写真1", "紅葉の写真2"]
    assert all("caption" not in c for c in items)
    carousel = fake.container_of("instagram", media_type="CAROUSEL")
    assert carousel["caption"] == TEXT
    assert carousel["children"].split(",") == [c["id"] for c in items]


def test_more_than_ten_images_are_refused_before_any_call(fake: FakeGraph) -> None:
    assert InstagramAdapter.max_images == 10
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(req(images=11))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED and fake.requests == []


# -- the image Instagram fetches ---------------------------------------------------------------
def picture(width: int, height: int, kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 30)).save(out, kind)
    return out.getvalue()


def with_bytes(fake: FakeGraph, content: bytes) -> PublishRequest:
    """A request whose image URL serves `content` to the fake (as Meta would fetch it)."""
    request = req()
    fake.fetch = {request.media[0].url: content}.get
    return request


def test_the_adapter_asks_for_images_prepared_for_instagram() -> None:
    assert InstagramAdapter.image_spec is images.INSTAGRAM


def test_a_wide_png_as_uploaded_would_be_refused(fake: FakeGraph) -> None:
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(with_bytes(fake, picture(1910, 500, "PNG")))
    assert caught.value.kind == ErrorKind.MEDIA_REFUSED
    assert "(#36001/2207005) The image format PNG is not supported" in caught.value.message


def test_a_jpeg_outside_4_5_to_1_91_would_be_refused(fake: FakeGraph) -> None:
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(with_bytes(fake, picture(1910, 500, "JPEG")))
    assert (
        caught.value.kind == ErrorKind.MEDIA_REFUSED and "(#36003/2207009)" in caught.value.message
    )


def test_the_same_image_prepared_with_the_adapters_spec_is_taken(fake: FakeGraph) -> None:
    ready = images.prepare(picture(1910, 500, "PNG"), InstagramAdapter.image_spec)
    instagram(fake).publish(with_bytes(fake, ready.content))
    assert len(fake.media) == 1


def test_an_image_meta_cannot_fetch_is_refused(fake: FakeGraph) -> None:
    fake.fetch = lambda _url: None
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(req())
    assert (
        caught.value.kind == ErrorKind.MEDIA_REFUSED and "(#9004/2207052)" in caught.value.message
    )


# -- containers across attempts ----------------------------------------------------------------
def test_a_container_ready_within_seconds_is_published_in_the_same_attempt(
    fake: FakeGraph,
) -> None:
    fake.polls_in_progress = 2
    sleeps: list[float] = []
    instagram(fake, sleeps).publish(req())
    assert sleeps == [2.0, 3.0] and len(fake.media) == 1


def test_a_container_still_processing_comes_back_in_a_minute_with_the_same_container(
    fake: FakeGraph,
) -> None:
    fake.polls_in_progress = 6
    request, sleeps = req(), list[float]()
    before = datetime.now(UTC)
    with pytest.raises(PublishError) as caught:
        instagram(fake, sleeps).publish(request)
    error = caught.value
    assert error.kind == ErrorKind.UNAVAILABLE and not error.permanent
    assert error.retry_after is not None
    assert timedelta(seconds=55) < error.retry_after - before < timedelta(seconds=65)
    assert sum(sleeps) <= 10 and fake.media == []
    [container] = fake.containers
    assert kept(request.notes) == container

    instagram(fake).publish(req(notes=request.notes))  # the next attempt
    assert list(fake.containers) == [container] and len(fake.media) == 1
    assert len(fake.received("POST", r".*/media")) == 1


def test_a_container_in_progress_five_minutes_after_it_was_made_is_given_up(
    fake: FakeGraph,
) -> None:
    fake.polls_in_progress = 100
    request = req()
    with pytest.raises(PublishError):
        instagram(fake).publish(request)
    [container] = fake.containers
    notes = keep(container, datetime.now(UTC) - timedelta(minutes=6))
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(req(notes=notes))
    assert caught.value.kind == ErrorKind.MEDIA_REFUSED and caught.value.permanent
    assert "5 minutes" in caught.value.message
    assert notes.get(CONTAINER_NOTE) is None and fake.media == []


def test_a_container_in_error_is_a_refused_image(fake: FakeGraph) -> None:
    fake.container_error = "ERROR: The image could not be processed."
    request = req()
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(request)
    assert caught.value.kind == ErrorKind.MEDIA_REFUSED
    assert "The image could not be processed" in caught.value.message
    assert request.notes.get(CONTAINER_NOTE) is None


@pytest.mark.parametrize("state", [EXPIRED, ERROR])
def test_a_kept_container_expired_or_in_error_is_replaced(fake: FakeGraph, state: str) -> None:
    fake.polls_in_progress = 100
    request = req()
    with pytest.raises(PublishError):
        instagram(fake).publish(request)
    [old] = fake.containers
    fake.containers[old]["state"] = state
    fake.polls_in_progress = 0
    instagram(fake).publish(req(notes=request.notes))
    assert len(fake.containers) == 2 and len(fake.media) == 1
    assert kept(request.notes) != old and fake.containers[old]["state"] == state


def test_a_kept_container_past_24_hours_is_expired_and_replaced(fake: FakeGraph) -> None:
    request = req()
    fake.fail_next("POST", r".*/media_publish", graph_error(500, "Service unavailable", 2))
    with pytest.raises(PublishError):
        instagram(fake).publish(request)
    [old] = fake.containers
    fake.containers[old]["created"] -= timedelta(hours=25)
    instagram(fake).publish(req(notes=request.notes))
    assert fake.containers[old]["state"] == EXPIRED and len(fake.media) == 1


def test_a_container_not_ready_at_publish_is_retried_with_the_same_container(
    fake: FakeGraph,
) -> None:
    fake.fail_next(
        "POST",
        r".*/media_publish",
        graph_error(400, "Media ID is not available", 9007, 2207027),
    )
    request = req()
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(request)
    assert caught.value.kind == ErrorKind.UNAVAILABLE and caught.value.retry_after
    [container] = fake.containers
    assert kept(request.notes) == container


def test_a_container_meta_lost_is_made_anew_on_the_next_attempt(fake: FakeGraph) -> None:
    fake.fail_next(
        "POST",
        r".*/media_publish",
        graph_error(
            400,
            "The media builder with creation id = 1 does not exist or has been expired.",
            24,
            2207008,
        ),
    )
    request = req()
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(request)
    assert caught.value.kind == ErrorKind.UNAVAILABLE
    assert request.notes.get(CONTAINER_NOTE) is None
    instagram(fake).publish(req(notes=request.notes))
    assert len(fake.containers) == 2 and len(fake.media) == 1


# -- recovery ----------------------------------------------------------------------------------
def test_a_published_container_whose_answer_was_lost_is_found_not_posted_again(
    fake: FakeGraph,
) -> None:
    request = req()
    made = instagram(fake).publish(request)  # as if its answer never arrived
    again = req(notes=request.notes)
    assert instagram(fake).find_existing(again) == made
    assert instagram(fake).publish(again) == made
    assert len(fake.media) == 1 and len(fake.containers) == 1
    assert len(fake.received("POST", r".*/media_publish")) == 1


def test_a_published_container_not_listed_yet_is_looked_for_again(fake: FakeGraph) -> None:
    request = req()
    instagram(fake).publish(request)
    fake.media.clear()  # the listing lags behind
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(req(notes=request.notes))
    assert caught.value.kind == ErrorKind.BAD_RESPONSE and caught.value.retry_after
    assert len(fake.received("POST", r".*/media_publish")) == 1


def test_a_published_container_never_listed_is_left_to_a_person(fake: FakeGraph) -> None:
    request = req()
    instagram(fake).publish(request)
    fake.media.clear()
    [container] = fake.containers
    notes = keep(container, datetime.now(UTC) - timedelta(minutes=31))
    with pytest.raises(PublishError) as caught:
        instagram(fake).find_existing(req(notes=notes))
    assert caught.value.kind == ErrorKind.UNCONFIRMED and caught.value.permanent


def test_a_kept_container_not_published_means_nothing_went_out(fake: FakeGraph) -> None:
    fake.polls_in_progress = 100
    request = req()
    with pytest.raises(PublishError):
        instagram(fake).publish(request)
    fake.add_media("instagram", TEXT, datetime.now(UTC))  # posted by hand in the app meanwhile
    assert instagram(fake).find_existing(req(notes=request.notes)) is None
    assert fake.received("GET", rf".*/{IG_USER_ID}/media") == []


def test_without_a_note_a_post_made_after_the_first_attempt_is_found(fake: FakeGraph) -> None:
    made = instagram(fake).publish(req())
    found = instagram(fake).find_existing(req())  # no notes: a crash before they were written
    assert found == made
    [listing] = fake.received("GET", rf"/v24.0/{IG_USER_ID}/media")
    assert listing.query["fields"] == ["id,caption,permalink,timestamp"]
    assert "since" in listing.query
    assert instagram(fake).find_existing(req(text="別の投稿")) is None


def test_last_weeks_identical_post_is_not_adopted(fake: FakeGraph) -> None:
    fake.add_media("instagram", TEXT, datetime.now(UTC) - timedelta(days=7))
    assert instagram(fake).find_existing(req()) is None


# -- the publishing quota ----------------------------------------------------------------------
def test_a_used_up_quota_waits_until_the_oldest_post_leaves_the_24_hour_window(
    fake: FakeGraph,
) -> None:
    now = datetime.now(UTC)
    fake.api_published = [now - timedelta(hours=20)] + [now - timedelta(hours=1)] * 99
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(req())
    error = caught.value
    assert error.kind == ErrorKind.RATE_LIMITED and error.retry_after is not None
    frees = now + timedelta(hours=4)
    assert frees <= error.retry_after <= frees + timedelta(minutes=12)
    assert fake.containers == {} and "100 of the 100 posts" in error.message


def test_the_quota_refusal_at_publish_also_waits_for_the_window(fake: FakeGraph) -> None:
    now = datetime.now(UTC)
    fake.api_published = [now - timedelta(hours=20)] + [now - timedelta(hours=1)] * 99
    # The check before publishing saw room (another app published meanwhile, say).
    fake.fail_next(
        "GET",
        r".*/content_publishing_limit",
        FakeResponse(
            200,
            {
                "data": [
                    {"quota_usage": 99, "config": {"quota_total": 100, "quota_duration": 86400}}
                ]
            },
        ),
    )
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(req())
    error = caught.value
    assert error.kind == ErrorKind.RATE_LIMITED and "(#9/2207042)" in error.message
    assert error.retry_after is not None
    assert now + timedelta(hours=4) <= error.retry_after <= now + timedelta(hours=4, minutes=12)


def test_room_in_the_quota_publishes(fake: FakeGraph) -> None:
    fake.api_published = [datetime.now(UTC) - timedelta(hours=1)] * 99
    instagram(fake).publish(req())
    assert len(fake.media) == 1


# -- the error-codes page ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "subcode"),
    [(-1, 2207001), (-2, 2207003), (-1, 2207032)],
    ids=["server-error", "download-timeout", "re-create"],
)
def test_try_again_subcodes_are_retried(fake: FakeGraph, code: int, subcode: int) -> None:
    fake.fail_next("POST", rf".*/{IG_USER_ID}/media", graph_error(400, "Try again", code, subcode))
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(req())
    assert caught.value.kind == ErrorKind.UNAVAILABLE and not caught.value.permanent


def test_a_spam_restriction_is_final_and_not_a_rate_limit(fake: FakeGraph) -> None:
    fake.fail_next(
        "POST",
        r".*/media_publish",
        graph_error(
            400,
            "Action is blocked",
            4,
            2207051,
            user_msg="We restrict certain activity to protect our community.",
        ),
    )
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(req())
    error = caught.value
    assert error.kind == ErrorKind.REFUSED and error.permanent and error.retry_after is None
    assert "suspected spam (not a rate limit)" in error.message


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (
            graph_error(400, "The Instagram account is restricted.", 25, 2207050),
            ErrorKind.ACCOUNT_GONE,
        ),
        (graph_error(400, "The image is too large", 36000, 2207004), ErrorKind.MEDIA_REFUSED),
        (graph_error(400, "Caption too long", 36004, 2207010), ErrorKind.CONTENT_REFUSED),
        (graph_error(400, "Carousel", 100, 2207028), ErrorKind.CONTENT_REFUSED),
    ],
    ids=["restricted", "too-large", "caption", "carousel"],
)
def test_final_refusals(fake: FakeGraph, answer: FakeResponse, kind: ErrorKind) -> None:
    fake.fail_next("POST", rf".*/{IG_USER_ID}/media", answer)
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(req())
    assert caught.value.kind == kind and caught.value.permanent


def test_a_failure_reading_the_address_after_publishing_is_recovered_not_failed(
    fake: FakeGraph,
) -> None:
    request = req()
    # The fake numbers from FIRST_ID: the container, then the media.
    fake.fail_next(
        "GET", rf"/v24\.0/{FIRST_ID + 1}", graph_error(400, "Invalid OAuth access token.", 190)
    )
    with pytest.raises(PublishError) as caught:
        instagram(fake).publish(request)
    assert caught.value.kind == ErrorKind.BAD_RESPONSE and not caught.value.permanent
    assert f"published as {FIRST_ID + 1}" in caught.value.message
    found = instagram(fake).find_existing(req(notes=request.notes))
    assert found is not None and found.platform_post_id == str(FIRST_ID + 1)


def test_a_kept_container_meta_no_longer_knows_is_looked_for_then_replaced(
    fake: FakeGraph,
) -> None:
    notes = keep("179999999999999", datetime.now(UTC) - timedelta(hours=30))
    instagram(fake).publish(req(notes=notes))
    assert len(fake.media) == 1 and kept(notes) == next(iter(fake.containers))
    assert fake.received("GET", rf".*/{IG_USER_ID}/media")  # looked before making a new one


def test_a_kept_container_meta_no_longer_knows_whose_post_exists_is_adopted(
    fake: FakeGraph,
) -> None:
    made = fake.add_media("instagram", TEXT, datetime.now(UTC))
    notes = keep("179999999999999", datetime.now(UTC) - timedelta(minutes=3))
    published = instagram(fake).publish(req(notes=notes))
    assert published.platform_post_id == made["id"] and fake.containers == {}


def test_an_unreadable_note_is_dropped(fake: FakeGraph) -> None:
    notes = DeliveryNotes({CONTAINER_NOTE: "not json"})
    instagram(fake).publish(req(notes=notes))
    assert kept(notes) == next(iter(fake.containers)) and len(fake.media) == 1


@pytest.mark.parametrize(
    "credentials",
    [
        {"access_token": TOKEN},
        {"ig_user_id": IG_USER_ID},
        {"ig_user_id": IG_USER_ID, "access_token": ""},
    ],
)
def test_a_missing_account_or_token_is_a_credentials_problem(credentials: dict[str, str]) -> None:
    with pytest.raises(PublishError) as caught:
        InstagramAdapter(credentials)
    assert caught.value.kind == ErrorKind.CREDENTIALS


# -- corrections: deleting the account's own media (G-6-1) ---------------------------------
NODE = r"/v[0-9.]+/\d+"


def test_instagram_deletes_since_december_2025_but_edits_no_caption() -> None:
    assert InstagramAdapter.can_delete
    assert not InstagramAdapter.can_edit and not InstagramAdapter.can_lookup_users


def test_delete_removes_the_media(fake: FakeGraph) -> None:
    media_id = instagram(fake).publish(req()).platform_post_id
    instagram(fake).delete(media_id)
    assert fake.media == []
    [sent] = fake.received("DELETE", NODE)
    assert sent.path.endswith(f"/{media_id}")
    assert sent.header("authorization") == f"Bearer {TOKEN}"


def test_a_carousel_is_deleted_whole(fake: FakeGraph) -> None:
    media_id = instagram(fake).publish(req(images=3)).platform_post_id
    instagram(fake).delete(media_id)
    assert fake.media == []


def test_deleting_media_already_gone_is_success(fake: FakeGraph) -> None:
    media_id = instagram(fake).publish(req()).platform_post_id
    instagram(fake).delete(media_id)
    instagram(fake).delete(media_id)
    assert len(fake.received("DELETE", NODE)) == 2


def test_media_instagram_will_not_delete_is_refused_with_metas_words(fake: FakeGraph) -> None:
    media_id = instagram(fake).publish(req()).platform_post_id
    # reference/instagram-media "Deleting": "Example response (Failure, Media Type Not
    # Supported)".
    fake.fail_next(
        "DELETE",
        NODE,
        graph_error(
            400,
            "Fatal",
            -1,
            2207073,
            user_msg="The media type is not supported for this endpoint",
            transient=False,
        ),
    )
    with pytest.raises(PublishError) as caught:
        instagram(fake).delete(media_id)
    assert caught.value.kind == ErrorKind.REFUSED
    assert "The media type is not supported" in caught.value.message


def test_a_token_without_instagram_manage_contents_is_refused_by_name(fake: FakeGraph) -> None:
    media_id = instagram(fake).publish(req()).platform_post_id
    fake.fail_next(
        "DELETE",
        NODE,
        graph_error(400, "Unsupported delete request.", 100, 33, kind="GraphMethodException"),
    )
    with pytest.raises(PublishError) as caught:
        instagram(fake).delete(media_id)
    assert caught.value.kind == ErrorKind.REFUSED
    assert "instagram_manage_contents" in caught.value.message
    assert [m["id"] for m in fake.media] == [media_id]


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (
            graph_error(400, "Error validating access token: Session has expired.", 190, 463),
            ErrorKind.CREDENTIALS,
        ),
        (graph_error(400, "(#4) Application request limit reached", 4), ErrorKind.RATE_LIMITED),
        (graph_error(500, "An unknown error has occurred.", 1), ErrorKind.UNAVAILABLE),
        (CLOSE, ErrorKind.NETWORK),
    ],
    ids=["expired-token", "rate-limit", "500", "closed"],
)
def test_delete_errors_map_to_their_kind(fake: FakeGraph, answer: object, kind: ErrorKind) -> None:
    media_id = instagram(fake).publish(req()).platform_post_id
    fake.fail_next("DELETE", NODE, answer)  # type: ignore[arg-type]
    with pytest.raises(PublishError) as caught:
        instagram(fake).delete(media_id)
    assert caught.value.kind == kind
