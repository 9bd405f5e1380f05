"""Staff write, the head reviews exactly what will be published and approves, in a real
browser; the head cannot approve a version they edited themselves; the review and
supervision screens pass axe-core (G-5-2, G-5-4)."""

from datetime import datetime
from typing import Any

import pytest
import time_machine

from kagami.lib.workcalendar import JST
from kagami.posts import workflow as posts
from kagami.posts.models import Post, PostState
from kagami.registry.testing import publishing_account
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_registry import _sign_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TEXT = "【お知らせ】12月12日（土）に健康まつりを開催します。\n会場は鏡野町文化センターです。"
SLOT = datetime(2026, 12, 8, 10, 0, tzinfo=JST)


def _draft(cast: Any) -> Post:
    """田中's draft of 総務課 for its X account."""
    account = publishing_account(
        head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu
    )
    return posts.save_post(
        actor=cast.tanaka, department=cast.somu, accounts=[account], text=TEXT, publish_at=SLOT
    )


def test_the_head_reviews_the_whole_text_and_approves(
    page: object, live_server: object, cast: object
) -> None:
    with time_machine.travel(datetime(2026, 12, 7, 9, 0, tzinfo=JST), tick=True):
        post = _draft(cast)
        posts.submit_post(actor=cast.tanaka, post=post)  # type: ignore[attr-defined]
        _sign_in(page, live_server, cast.suzuki)  # type: ignore[attr-defined]
        page.goto(f"{live_server.url}/posts/{post.pk}/")  # type: ignore[attr-defined]
        content = page.locator("section", has=page.get_by_role("heading", name="投稿する内容"))  # type: ignore[attr-defined]
        assert "会場は鏡野町文化センターです。" in content.inner_text()
        assert "文字数" in content.inner_text() and "/ 280" in content.inner_text()
        assert_accessible(page)
        page.get_by_role("button", name="承認する").click()  # type: ignore[attr-defined]
        page.wait_for_load_state()  # type: ignore[attr-defined]
        assert "承認しました" in page.locator("body").inner_text()  # type: ignore[attr-defined]
        post.refresh_from_db()
        assert post.state == PostState.APPROVED
        page.goto(f"{live_server.url}/supervision/")  # type: ignore[attr-defined]
        assert "送信できていない投稿" in page.locator("body").inner_text()  # type: ignore[attr-defined]
        assert_accessible(page)


def test_a_head_who_edited_the_post_is_not_offered_the_approval(
    page: object, live_server: object, cast: object
) -> None:
    with time_machine.travel(datetime(2026, 12, 7, 9, 0, tzinfo=JST), tick=True):
        post = _draft(cast)
        posts.save_post(
            actor=cast.suzuki,  # type: ignore[attr-defined]
            department=cast.somu,  # type: ignore[attr-defined]
            accounts=[post.targets.get().account],
            text=TEXT + "\n駐車場があります。",
            publish_at=post.publish_at,
            post=post,
        )
        posts.submit_post(actor=cast.tanaka, post=Post.objects.get(pk=post.pk))  # type: ignore[attr-defined]
        _sign_in(page, live_server, cast.suzuki)  # type: ignore[attr-defined]
        page.goto(f"{live_server.url}/posts/{post.pk}/")  # type: ignore[attr-defined]
        assert page.get_by_role("button", name="承認する").count() == 0  # type: ignore[attr-defined]
        assert "あなたは承認できません" in page.locator("body").inner_text()  # type: ignore[attr-defined]
        assert "駐車場があります。" in page.locator("body").inner_text()  # type: ignore[attr-defined]
