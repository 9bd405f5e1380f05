"""The posts screens over HTTP: compose with live checks, submit, approve."""

from datetime import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from kagami.lib.workcalendar import JST
from kagami.posts.models import Post, PostState

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=JST)


@pytest.fixture(autouse=True)
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _compose(client: Client, cast: object, account: object, text: str) -> object:
    return client.post(
        reverse("posts:post_new"),
        {
            "department": cast.somu.pk,  # type: ignore[attr-defined]
            "accounts": [account.pk],  # type: ignore[attr-defined]
            "text": text,
            "publish_at": "2026-11-25T10:00",
        },
    )


def test_the_live_check_marks_findings_in_place(
    client: Client, cast: object, account: object, login: object
) -> None:
    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    response = client.post(
        reverse("posts:post_check"),
        {
            "department": cast.somu.pk,
            "accounts": [account.pk],
            "text": "①の会場で<b>開催</b>",
            "publish_at": "2026-11-25T10:00",
        },  # type: ignore[attr-defined]
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert '<mark class="finding finding--error">①<sup>[1]</sup></mark>' in page
    assert "&lt;b&gt;開催&lt;/b&gt;" in page  # what the author typed is never markup
    assert "直し方: (1)" in page and "G-5-1-b" in page
    assert not Post.objects.exists()  # checking saves nothing


def test_staff_compose_submit_and_the_head_approves(
    client: Client, cast: object, account: object, login: object
) -> None:
    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    assert "新しい投稿" in client.get(reverse("posts:post_new")).content.decode()
    response = _compose(
        client,
        cast,
        account,
        "健康まつりのお知らせです。詳しくは https://www.town.kagamino.lg.jp/ をご覧ください。",
    )
    assert response.status_code == 302, response.content.decode()
    post = Post.objects.get()
    response = client.post(reverse("posts:post_action", args=[post.pk, "submit"]), follow=True)
    assert "承認を依頼しました" in response.content.decode()
    client.logout()
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    listing = client.get(reverse("posts:post_list")).content.decode()
    assert "あなたの承認を待っている投稿" in listing
    client.post(reverse("posts:post_action", args=[post.pk, "approve"]), {"comment": ""})
    post.refresh_from_db()
    assert post.state == PostState.APPROVED


def test_an_outsider_gets_404_for_a_post(
    client: Client, cast: object, account: object, login: object
) -> None:
    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    _compose(client, cast, account, "お知らせです。https://www.town.kagamino.lg.jp/")
    post = Post.objects.get()
    client.logout()
    login(client, cast.sato)  # type: ignore[operator, attr-defined]
    assert client.get(reverse("posts:post_detail", args=[post.pk])).status_code == 404
    assert client.post(reverse("posts:post_action", args=[post.pk, "approve"])).status_code == 404


def test_a_refused_submission_keeps_the_draft_and_says_why(
    client: Client, cast: object, account: object, login: object
) -> None:
    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    _compose(client, cast, account, "11月25日（火）に①の会場で")
    post = Post.objects.get()
    page = client.post(
        reverse("posts:post_action", args=[post.pk, "submit"]), follow=True
    ).content.decode()
    assert "直す必要がある項目" in page
    post.refresh_from_db()
    assert post.state == PostState.DRAFT and post.text == "11月25日（火）に①の会場で"


def test_an_image_is_validated_and_stored(
    client: Client, cast: object, account: object, login: object
) -> None:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    _compose(client, cast, account, "お知らせです。https://www.town.kagamino.lg.jp/")
    post = Post.objects.get()
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "white").save(buffer, format="PNG")
    good = SimpleUploadedFile("poster.png", buffer.getvalue(), content_type="image/png")
    client.post(
        reverse("posts:post_action", args=[post.pk, "image"]),
        {"image": good, "alt_text": "健康まつりのポスター", "source": "総務課作成"},
    )
    image = post.images.get()
    assert (image.width, image.height, image.alt_text) == (640, 480, "健康まつりのポスター")
    bad = SimpleUploadedFile("virus.png", b"not an image", content_type="image/png")
    page = client.post(
        reverse("posts:post_action", args=[post.pk, "image"]), {"image": bad}, follow=True
    ).content.decode()
    assert "画像" in page and post.images.count() == 1


def test_the_head_supervises_and_staff_cannot(
    client: Client, cast: object, account: object, login: object
) -> None:
    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    _compose(client, cast, account, "詳しくは https://bit.ly/kagamino をご覧ください。")
    post = Post.objects.get()
    client.post(
        reverse("posts:post_action", args=[post.pk, "submit"]),
        {"ack_link.shortener": "県の短縮URLのため"},
    )
    assert client.get(reverse("dashboard:supervision")).status_code == 404
    client.logout()
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    page = client.get(reverse("dashboard:supervision")).content.decode()
    assert "県の短縮URLのため" in page and "承認待ちの投稿" in page


def test_the_calendar_marks_closed_days_and_shows_posts(
    client: Client, cast: object, account: object, login: object
) -> None:
    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    _compose(client, cast, account, "お知らせです。https://www.town.kagamino.lg.jp/")
    page = client.get(reverse("posts:calendar"), {"year": 2026, "month": 11}).content.decode()
    assert "閉庁: 勤労感謝の日" in page and "10:00 お知らせです" in page
    assert client.get(reverse("posts:calendar"), {"year": "x"}).status_code == 404


def test_the_head_is_notified_in_the_app_and_by_mail(
    client: Client,
    cast: object,
    account: object,
    login: object,
    django_capture_on_commit_callbacks: object,
) -> None:
    from django.core import mail

    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    _compose(client, cast, account, "お知らせです。https://www.town.kagamino.lg.jp/")
    post = Post.objects.get()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        client.post(reverse("posts:post_action", args=[post.pk, "submit"]))
    assert mail.outbox[0].to == ["suzuki@town.example.lg.jp"]
    assert f"/posts/{post.pk}/" in mail.outbox[0].body
    client.logout()
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    assert "未読 1 件" in client.get(reverse("dashboard:home")).content.decode()
    page = client.get(reverse("orgs:notifications")).content.decode()
    assert "承認の依頼" in page and "新着" in page
    assert "未読" not in client.get(reverse("dashboard:home")).content.decode()


def test_the_week_view_lists_each_day(
    client: Client, cast: object, account: object, login: object
) -> None:
    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    _compose(client, cast, account, "お知らせです。https://www.town.kagamino.lg.jp/")
    page = client.get(reverse("posts:calendar_week"), {"start": "2026-11-25"}).content.decode()
    assert "11月22日" in page and "11月28日" in page  # Sunday to Saturday
    assert "閉庁: 勤労感謝の日" in page and "10:00" in page


def test_a_post_outside_hours_moves_to_the_next_allowed_slot(
    client: Client, cast: object, account: object, login: object
) -> None:
    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    client.post(
        reverse("posts:post_new"),
        {
            "department": cast.somu.pk,
            "accounts": [account.pk],
            "text": "お知らせです。https://www.town.kagamino.lg.jp/",
            "publish_at": "2026-11-28T10:00",
        },  # type: ignore[attr-defined]
    )
    post = Post.objects.get()
    assert (
        "閉庁日（土曜日）"
        in client.get(reverse("posts:post_detail", args=[post.pk])).content.decode()
    )
    client.post(reverse("posts:post_action", args=[post.pk, "next-slot"]))
    post.refresh_from_db()
    assert post.publish_at == datetime(2026, 11, 30, 8, 30, tzinfo=JST)  # Monday morning


def test_an_administrator_closes_a_day_and_posts_respect_it(
    client: Client, cast: object, account: object, login: object
) -> None:
    from kagami.audit.models import AuditEvent
    from kagami.orgs.models import User
    from kagami.posts.models import working_calendar

    admin = User.objects.create_user(
        email="admin@town.example.lg.jp",
        display_name="管理者",
        is_staff=True,
        is_superuser=True,
        is_administrator=True,
    )
    login(client, admin)  # type: ignore[operator]
    client.post(
        reverse("admin:posts_calendarday_add"),
        {"day": "2026-11-26", "reason": "庁舎停電", "is_open": ""},
    )
    assert working_calendar().closure_reason(datetime(2026, 11, 26).date()) == "庁舎停電"
    assert AuditEvent.objects.filter(action="admin.added").exists()
