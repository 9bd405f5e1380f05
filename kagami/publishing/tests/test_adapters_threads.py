"""The Threads adapter against the loopback fake Graph API (graph.threads.net)."""

import json
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
from kagami.publishing.adapters.fakes import CLOSE, FakeResponse
from kagami.publishing.adapters.fakes.meta import THREADS_USER_ID, TOKEN, FakeGraph, graph_error
from kagami.publishing.adapters.meta import CONTAINER_NOTE, ThreadsAdapter

TEXT = "【鏡野町】明日は町内一斉清掃の日です。ご協力をお願いします。"
IMAGE = "https://kagami.town.kagamino.lg.jp/publishing/media/token/seisou.png"


@pytest.fixture
def fake() -> Iterator[FakeGraph]:
    with FakeGraph() as server:
        yield server


def threads(fake: FakeGraph, sleeps: list[float] | None = None) -> ThreadsAdapter:
    adapter = ThreadsAdapter(
        {"threads_user_id": THREADS_USER_ID, "access_token": TOKEN}, base_url=fake.url, timeout=0.5
    )
    adapter.sleep = (sleeps if sleeps is not None else []).append
    return adapter


def req(
    text: str = TEXT,
    images: int = 0,
    *,
    notes: DeliveryNotes | None = None,
    first: datetime | None = None,
) -> PublishRequest:
    media = tuple(
        MediaFile(b"png", "image/png", alt_text=f"清掃の案内図{n}", url=f"{IMAGE}?n={n}")
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


def test_a_text_post(fake: FakeGraph) -> None:
    published = threads(fake).publish(req())
    [container] = fake.containers.values()
    assert container["media_type"] == "TEXT" and container["text"] == TEXT
    [media] = fake.media
    assert published.platform_post_id == media["id"] and published.url == media["permalink"]
    assert fake.received("POST", rf"/v1\.0/{THREADS_USER_ID}/threads_publish")


def test_the_container_status_is_read_with_threads_fields(fake: FakeGraph) -> None:
    threads(fake).publish(req())
    [container] = fake.containers
    [status] = fake.received("GET", rf"/v1\.0/{container}")
    assert status.query["fields"] == ["status,error_message"]


def test_the_fake_refuses_instagrams_status_code_field_as_threads_does(fake: FakeGraph) -> None:
    # The bug that failed every post: asking a Threads container for `status_code`.
    threads(fake).publish(req())
    [container] = fake.containers
    answer = httpx.get(
        f"{fake.url}/v1.0/{container}",
        params={"fields": "status_code"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == 100
    assert "nonexisting field (status_code)" in answer.json()["error"]["message"]


def test_an_image_post_sends_the_prepared_images_url_and_its_alt_text(fake: FakeGraph) -> None:
    assert ThreadsAdapter.image_spec is images.THREADS
    threads(fake).publish(req(images=1))
    [container] = fake.containers.values()
    assert container["media_type"] == "IMAGE" and container["image_url"] == f"{IMAGE}?n=0"
    assert container["alt_text"] == "清掃の案内図0" and container["text"] == TEXT


def test_several_images_make_a_carousel_of_image_items(fake: FakeGraph) -> None:
    threads(fake).publish(req(images=3))
    items = [c for c in fake.containers.values() if c.get("is_carousel_item") == "true"]
    assert [(c["media_type"], c["alt_text"]) for c in items] == [
        ("IMAGE", "清掃の案内図0"),
        ("IMAGE", "清掃の案内図1"),
        ("IMAGE", "清掃の案内図2"),
    ]
    carousel = fake.container_of("threads", media_type="CAROUSEL")
    assert carousel["text"] == TEXT and carousel["children"].split(",") == [c["id"] for c in items]


def test_twenty_images_are_taken_and_twenty_one_refused_before_any_call(fake: FakeGraph) -> None:
    assert ThreadsAdapter.max_images == 20
    threads(fake).publish(req(images=20))
    assert len(fake.media) == 1
    fake.requests.clear()
    with pytest.raises(PublishError) as caught:
        threads(fake).publish(req(text="別の投稿", images=21))
    assert caught.value.kind == ErrorKind.CONTENT_REFUSED and fake.requests == []


# -- waiting for the container (threads/posts step 2; threads/troubleshooting) -------------------
def test_an_image_container_is_published_once_its_status_says_finished(fake: FakeGraph) -> None:
    fake.polls_in_progress = 1
    sleeps: list[float] = []
    threads(fake, sleeps).publish(req(images=1))
    assert sleeps == [2.0] and len(fake.media) == 1


def test_a_container_processing_longer_is_kept_for_the_next_attempt(fake: FakeGraph) -> None:
    fake.polls_in_progress = 6
    request = req(images=1)
    with pytest.raises(PublishError) as caught:
        threads(fake).publish(request)
    assert caught.value.kind == ErrorKind.UNAVAILABLE and caught.value.retry_after
    [container] = fake.containers
    assert kept(request.notes) == container
    threads(fake).publish(req(images=1, notes=request.notes))
    assert list(fake.containers) == [container] and len(fake.media) == 1


def test_a_container_in_error_gives_threads_reason(fake: FakeGraph) -> None:
    fake.container_error = "FAILED_DOWNLOADING_IMAGE"
    with pytest.raises(PublishError) as caught:
        threads(fake).publish(req(images=1))
    assert caught.value.kind == ErrorKind.MEDIA_REFUSED
    assert "FAILED_DOWNLOADING_IMAGE" in caught.value.message


def test_a_container_threads_cannot_find_at_publish_is_made_anew_next_time(
    fake: FakeGraph,
) -> None:
    fake.fail_next(
        "POST",
        r".*/threads_publish",
        graph_error(400, "The requested resource does not exist", 24, 4279009, transient=False),
    )
    request = req(images=1)
    with pytest.raises(PublishError) as caught:
        threads(fake).publish(request)
    assert caught.value.kind == ErrorKind.UNAVAILABLE and not caught.value.permanent
    assert request.notes.get(CONTAINER_NOTE) is None
    threads(fake).publish(req(images=1, notes=request.notes))
    assert len(fake.containers) == 2 and len(fake.media) == 1


def test_the_fake_refuses_to_publish_an_unfinished_container(fake: FakeGraph) -> None:
    fake.polls_in_progress = 5
    created = httpx.post(
        f"{fake.url}/v1.0/{THREADS_USER_ID}/threads",
        data={"media_type": "TEXT", "text": TEXT},
        headers={"Authorization": f"Bearer {TOKEN}"},
    ).json()["id"]
    answer = httpx.post(
        f"{fake.url}/v1.0/{THREADS_USER_ID}/threads_publish",
        data={"creation_id": created},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 400
    assert (answer.json()["error"]["code"], answer.json()["error"]["error_subcode"]) == (
        24,
        4279009,
    )


# -- recovery --------------------------------------------------------------------------------
def test_a_published_container_whose_answer_was_lost_is_found(fake: FakeGraph) -> None:
    request = req()
    made = threads(fake).publish(request)
    again = req(notes=request.notes)
    assert threads(fake).find_existing(again) == made
    assert threads(fake).publish(again) == made and len(fake.media) == 1


def test_without_a_note_a_post_made_after_the_first_attempt_is_found(fake: FakeGraph) -> None:
    made = threads(fake).publish(req())
    assert threads(fake).find_existing(req()) == made
    [listing] = fake.received("GET", rf"/v1\.0/{THREADS_USER_ID}/threads")
    assert listing.query["fields"] == ["id,text,permalink,timestamp"] and "since" in listing.query
    assert threads(fake).find_existing(req(text="別の投稿")) is None


def test_last_weeks_identical_post_is_not_adopted(fake: FakeGraph) -> None:
    fake.add_media("threads", TEXT, datetime.now(UTC) - timedelta(days=7))
    assert threads(fake).find_existing(req()) is None


def test_an_instagram_post_with_the_same_text_is_not_a_threads_post(fake: FakeGraph) -> None:
    fake.add_media("instagram", TEXT, datetime.now(UTC))
    assert threads(fake).find_existing(req()) is None


@pytest.mark.parametrize(
    "credentials",
    [
        {"threads_user_id": THREADS_USER_ID},
        {"threads_user_id": THREADS_USER_ID, "access_token": ""},
    ],
)
def test_a_missing_token_is_a_credentials_problem(credentials: dict[str, str]) -> None:
    with pytest.raises(PublishError) as caught:
        ThreadsAdapter(credentials)
    assert caught.value.kind == ErrorKind.CREDENTIALS


# -- corrections: deleting the account's own post (G-6-1) ----------------------------------
NODE = r"/v[0-9.]+/\d+"
LIMIT = rf"/v[0-9.]+/{THREADS_USER_ID}/threads_publishing_limit"


def test_threads_deletes_but_neither_edits_nor_looks_users_up() -> None:
    assert ThreadsAdapter.can_delete
    assert not ThreadsAdapter.can_edit and not ThreadsAdapter.can_lookup_users


def test_delete_removes_the_post_after_reading_the_delete_quota(fake: FakeGraph) -> None:
    post_id = threads(fake).publish(req()).platform_post_id
    threads(fake).delete(post_id)
    assert fake.media == []
    [quota] = fake.received("GET", LIMIT)
    assert set(quota.query["fields"][0].split(",")) == {"delete_quota_usage", "delete_config"}
    [sent] = fake.received("DELETE", NODE)
    assert sent.path.endswith(f"/{post_id}")


def test_deleting_a_post_already_gone_is_success(fake: FakeGraph) -> None:
    post_id = threads(fake).publish(req()).platform_post_id
    threads(fake).delete(post_id)
    fake.fail_next(
        "DELETE",
        NODE,
        graph_error(
            400,
            "The requested resource does not exist",
            24,
            4279009,
            user_msg=f"The media with id {post_id} cannot be found.",
            transient=False,
        ),
    )
    threads(fake).delete(post_id)
    threads(fake).delete(post_id)  # the fake's own answer: 100/33


def test_a_used_up_delete_quota_waits_an_hour_before_looking_again(fake: FakeGraph) -> None:
    fake.threads_delete_quota = 2
    posts = [fake.add_media("threads", f"{TEXT} {n}", datetime.now(UTC)) for n in range(3)]
    threads(fake).delete(posts[0]["id"])
    threads(fake).delete(posts[1]["id"])
    with pytest.raises(PublishError) as caught:
        threads(fake).delete(posts[2]["id"])
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert "deleted 2 of the 2 posts" in caught.value.message
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > datetime.now(UTC) + timedelta(minutes=59)
    assert len(fake.received("DELETE", NODE)) == 2


def test_the_delete_endpoints_own_limit_is_a_rate_limit_too(fake: FakeGraph) -> None:
    fake.fail_next("GET", LIMIT, FakeResponse(200, {"data": []}))  # quota unreadable
    fake.threads_delete_quota = 0
    post = fake.add_media("threads", TEXT, datetime.now(UTC))
    with pytest.raises(PublishError) as caught:
        threads(fake).delete(post["id"])
    assert caught.value.kind == ErrorKind.RATE_LIMITED


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (
            graph_error(400, "Error validating access token: Session has expired.", 190, 463),
            ErrorKind.CREDENTIALS,
        ),
        (
            graph_error(403, "(#10) Application does not have permission for this action", 10),
            ErrorKind.CREDENTIALS,
        ),
        (graph_error(500, "An unknown error has occurred.", 1), ErrorKind.UNAVAILABLE),
        (CLOSE, ErrorKind.NETWORK),
    ],
    ids=["expired-token", "no-threads_delete", "500", "closed"],
)
def test_delete_errors_map_to_their_kind(fake: FakeGraph, answer: object, kind: ErrorKind) -> None:
    post = fake.add_media("threads", TEXT, datetime.now(UTC))
    fake.fail_next("DELETE", NODE, answer)  # type: ignore[arg-type]
    with pytest.raises(PublishError) as caught:
        threads(fake).delete(post["id"])
    assert caught.value.kind == kind
