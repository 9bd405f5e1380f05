"""The approver sees exactly what will be published (G-5-2): every account's full text with
its length as the platform counts it, the images with their alternative text, the
acknowledged warnings, and what changed since the last approved version."""

from datetime import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from kagami.lib.workcalendar import JST
from kagami.posts import workflow
from kagami.posts.review import platform_length

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=JST)
SLOT = datetime(2026, 11, 25, 10, 0, tzinfo=JST)
LONG = (
    "【お知らせ】"
    + "町の図書館は年末年始の間、休館します。" * 5
    + "\n二行目もそのまま表示されます。"
)


@pytest.fixture(autouse=True)
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_the_head_sees_the_whole_text_and_its_length_when_the_checks_find_nothing(
    client: Client, cast: object, account: object, login: object
) -> None:
    post = workflow.save_post(
        actor=cast.tanaka,  # type: ignore[attr-defined]
        department=cast.somu,  # type: ignore[attr-defined]
        accounts=[account],
        text=LONG,
        publish_at=SLOT,
    )
    workflow.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    page = client.get(reverse("posts:post_detail", args=[post.pk])).content.decode()
    assert "二行目もそのまま表示されます。" in page  # not only the 40-character title
    count = platform_length(LONG, "x")
    assert count is not None and f"文字数 {count.count} / 280" in page
    assert "承認する" in page


def test_x_counts_japanese_as_two() -> None:
    length = platform_length("町のお知らせ", "x")
    assert length is not None and (length.count, length.limit) == (12, 280)
    assert platform_length("町のお知らせ", "unknown-platform") is None


def test_after_an_edit_the_head_sees_what_changed_since_the_approved_version(
    client: Client, cast: object, account: object, login: object
) -> None:
    post = workflow.save_post(
        actor=cast.tanaka,  # type: ignore[attr-defined]
        department=cast.somu,  # type: ignore[attr-defined]
        accounts=[account],
        text="健康まつりを開催します。\n会場は文化センターです。",
        publish_at=SLOT,
    )
    workflow.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    workflow.approve_post(actor=cast.suzuki, post=post)  # type: ignore[attr-defined]
    workflow.save_post(
        actor=cast.tanaka,  # type: ignore[attr-defined]
        department=cast.somu,  # type: ignore[attr-defined]
        accounts=[account],
        text="健康まつりを開催します。\n会場は町民体育館です。",
        publish_at=SLOT,
        post=post,
    )
    workflow.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    page = client.get(reverse("posts:post_detail", args=[post.pk])).content.decode()
    assert "第1版が承認された後に変更されています" in page
    assert "削除: </span>会場は文化センターです。" in page
    assert "追加: </span>会場は町民体育館です。" in page
