"""Signed, expiring public addresses for post images (ARCHITECTURE.md, "Publishing"): what Instagram, Threads,
Facebook and LINE fetch."""

import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.checks import run_checks
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kagami.lib.workcalendar import JST
from kagami.posts import workflow as posts
from kagami.posts.models import Post, PostImage
from kagami.publishing import media, worker
from kagami.publishing.adapters import REGISTRY, Adapter, Published, PublishRequest, images
from kagami.publishing.models import Delivery, DeliveryState, ImageRendition
from kagami.registry.testing import publishing_account

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=JST)
SLOT = datetime(2026, 11, 24, 10, 0, tzinfo=JST)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _post(cast: Any, *, approve: bool, account: Any = None) -> tuple[Post, PostImage]:
    account = account or publishing_account(
        head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu
    )
    post = posts.save_post(
        actor=cast.tanaka,
        department=cast.somu,
        accounts=[account],
        text="紅葉まつりの写真です。",
        publish_at=SLOT,
    )
    image = posts.add_image(
        actor=cast.tanaka,
        post=post,
        upload=SimpleUploadedFile("momiji.png", png(), content_type="image/png"),
        alt_text="赤く色づいた紅葉",
        source="総務課撮影",
    )
    if approve:
        posts.submit_post(actor=cast.tanaka, post=post)
        posts.approve_post(actor=cast.suzuki, post=post)
    return post, image


def test_an_approved_posts_image_is_served_without_login(
    cast: Any, frozen: Any, client: Any, settings: Any
) -> None:
    settings.KAGAMI_MEDIA_BASE_URL = "https://kagami.town.kagamino.lg.jp"
    _, image = _post(cast, approve=True)
    url = media.signed_url(image, timedelta(hours=1))
    assert url.startswith("https://kagami.town.kagamino.lg.jp/publishing/media/")
    assert url.endswith(".png")
    response = client.get(url.removeprefix(settings.KAGAMI_MEDIA_BASE_URL))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png()
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_address_stops_working_when_its_time_is_over(
    cast: Any, frozen: Any, client: Any
) -> None:
    _, image = _post(cast, approve=True)
    path = media.signed_url(image, timedelta(hours=1)).split("/publishing", 1)[1]
    assert client.get("/publishing" + path).status_code == 200
    frozen.move_to(NOW + timedelta(hours=1))
    assert client.get("/publishing" + path).status_code == 404


def test_a_changed_token_or_a_draft_is_not_served(cast: Any, frozen: Any, client: Any) -> None:
    approved, image = _post(cast, approve=True)
    path = "/publishing" + media.signed_url(image, timedelta(hours=1)).split("/publishing", 1)[1]
    token = path.split("/")[3]
    forged = path.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert client.get(forged).status_code == 404
    _draft, draft_image = _post(cast, approve=False, account=approved.targets.get().account)
    draft_path = media.signed_url(draft_image, timedelta(hours=1)).split("/publishing", 1)[1]
    assert client.get("/publishing" + draft_path).status_code == 404


class ExpiringStorage(FileSystemStorage):
    """A local stand-in with the S3 storage's signature: `url(name, expire=seconds)`."""

    def url(self, name: str | None, expire: int | None = None) -> str:
        return f"https://bucket.example.jp/{name}?X-Amz-Expires={expire}"


def test_with_public_storage_the_image_is_copied_and_its_presigned_url_used(
    cast: Any, frozen: Any, settings: Any, tmp_path: Path
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        media.PUBLIC_STORAGE: {
            "BACKEND": f"{__name__}.ExpiringStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    _, image = _post(cast, approve=True)
    url = media.signed_url(image, timedelta(days=2))
    assert url.startswith("https://bucket.example.jp/") and url.endswith("?X-Amz-Expires=172800")
    [copy] = list(tmp_path.glob("*/*"))
    assert copy.read_bytes() == png() and copy.name.endswith(".png")
    assert len(copy.parent.name) >= 32  # an unguessable directory per copy


def test_a_public_storage_without_expiring_addresses_is_refused(
    settings: Any, tmp_path: Path
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        media.PUBLIC_STORAGE: {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    ids = {m.id for m in run_checks(tags=["kagami"])}
    assert "kagami.E020" in ids


def test_live_publishing_warns_about_an_address_the_platforms_cannot_reach(
    settings: Any,
) -> None:
    settings.KAGAMI_PUBLISHING = "live"
    settings.KAGAMI_MEDIA_BASE_URL = "http://127.0.0.1:8000"
    assert "kagami.W023" in {m.id for m in run_checks(tags=["kagami"])}
    settings.KAGAMI_MEDIA_BASE_URL = "https://kagami.town.kagamino.lg.jp"
    assert "kagami.W023" not in {m.id for m in run_checks(tags=["kagami"])}


class FetchingAdapter(Adapter):
    """Records what the worker hands a platform that fetches images by URL."""

    code = "fetching"
    media_url_lifetime = timedelta(hours=24)
    seen: list[PublishRequest] = []

    def publish(self, request: PublishRequest) -> Published:
        self.seen.append(request)
        return Published(platform_post_id="1", url="https://example.jp/p/1")

    def find_existing(self, request: PublishRequest) -> Published | None:
        return None


def test_the_worker_hands_fetching_platforms_a_signed_url_per_image(
    cast: Any, frozen: Any, settings: Any, monkeypatch: pytest.MonkeyPatch, client: Any
) -> None:
    settings.KAGAMI_PUBLISHING = "live"
    monkeypatch.setitem(REGISTRY, "x", FetchingAdapter)
    FetchingAdapter.seen = []
    _post(cast, approve=True)
    frozen.move_to(SLOT)
    worker.run_once()
    assert Delivery.objects.get().state == DeliveryState.PUBLISHED
    [request] = FetchingAdapter.seen
    [image] = request.media
    assert image.alt_text == "赤く色づいた紅葉" and image.content == png()
    path = "/publishing" + image.url.split("/publishing", 1)[1]
    assert client.get(path).status_code == 200
    frozen.move_to(SLOT + timedelta(hours=24, seconds=1))
    assert client.get(path).status_code == 404


class PreparingAdapter(FetchingAdapter):
    """A platform that takes JPEG only (as Instagram) and wants a small preview (as LINE)."""

    code = "preparing"
    image_spec = images.INSTAGRAM
    preview_spec = images.LINE_PREVIEW


def test_fetching_platforms_get_the_image_prepared_for_them_at_its_own_address(
    cast: Any, frozen: Any, settings: Any, monkeypatch: pytest.MonkeyPatch, client: Any
) -> None:
    settings.KAGAMI_PUBLISHING = "live"
    monkeypatch.setitem(REGISTRY, "x", PreparingAdapter)
    FetchingAdapter.seen = []
    _post(cast, approve=True)  # a PNG: Instagram would refuse it
    frozen.move_to(SLOT)
    worker.run_once()
    worker.run_once()
    [request] = FetchingAdapter.seen
    [image] = request.media
    assert image.content_type == "image/jpeg" and image.content.startswith(b"\xff\xd8")
    served = client.get("/publishing" + image.url.split("/publishing", 1)[1])
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == image.content
    assert image.preview_url and image.preview_url != image.url
    preview = client.get("/publishing" + image.preview_url.split("/publishing", 1)[1])
    assert preview.status_code == 200
    assert len(b"".join(preview.streaming_content)) <= images.LINE_PREVIEW.max_bytes
    # Made once and kept: the same rendition serves every later fetch.
    assert ImageRendition.objects.filter(spec="instagram").count() == 1


def test_addresses_handed_out_before_renditions_still_serve_the_original(
    cast: Any, frozen: Any, client: Any
) -> None:
    from django.core import signing
    from django.urls import reverse

    _, image = _post(cast, approve=True)
    expires = int((NOW + timedelta(days=30)).timestamp())
    token = signing.dumps([image.pk, expires], salt="kagami.publishing.media")
    response = client.get(reverse("publishing:public_media", args=[token, "momiji.png"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png()


def test_a_storage_that_cannot_sign_long_enough_fails_the_image_clearly(
    cast: Any, frozen: Any, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.KAGAMI_PUBLISHING = "live"
    settings.STORAGES = {
        **settings.STORAGES,
        media.PUBLIC_STORAGE: {
            "BACKEND": f"{__name__}.ExpiringStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    assert "kagami.W024" in {m.id for m in run_checks(tags=["kagami"])}  # LINE needs 30 days

    class Monthly(FetchingAdapter):
        media_url_lifetime = timedelta(days=30)

    monkeypatch.setitem(REGISTRY, "x", Monthly)
    FetchingAdapter.seen = []
    _post(cast, approve=True)
    frozen.move_to(SLOT)
    worker.run_once()
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED and delivery.last_error_kind == "media_refused"
    assert "30 days" in delivery.last_error and "at most 7" in delivery.last_error
    assert FetchingAdapter.seen == [] and not list(tmp_path.glob("*/*"))
    settings.KAGAMI_PUBLIC_MEDIA_MAX_LIFETIME_DAYS = 30
    assert "kagami.W024" not in {m.id for m in run_checks(tags=["kagami"])}
