"""The sandbox deletes as the real platforms do, so corrections can be practised (G-6-1)."""

from typing import Any

import pytest
from django.urls import reverse

from kagami.publishing.adapters.base import ErrorKind, PublishError, PublishRequest
from kagami.publishing.adapters.sandbox import SandboxAdapter
from kagami.publishing.models import SandboxPost
from kagami.registry.models import OfficialAccount
from kagami.registry.testing import publishing_account

TEXT = "鏡野町からのお知らせ（練習）: 明日の防災訓練は中止です。"


@pytest.fixture
def account(cast: Any) -> OfficialAccount:
    return publishing_account(head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu)


def published(account: OfficialAccount, key: str = "k-1") -> str:
    adapter = SandboxAdapter({}, account=account)
    return adapter.publish(
        PublishRequest(text=TEXT, idempotency_key=key, handle="")
    ).platform_post_id


def test_the_sandbox_deletes_but_neither_edits_nor_looks_users_up() -> None:
    assert SandboxAdapter.can_delete
    assert not SandboxAdapter.can_edit and not SandboxAdapter.can_lookup_users


def test_delete_marks_the_post_deleted_once(account: OfficialAccount) -> None:
    post_id = published(account)
    SandboxAdapter({}, account=account).delete(post_id)
    post = SandboxPost.objects.get(pk=post_id)
    assert post.deleted_at is not None
    first = post.deleted_at
    SandboxAdapter({}, account=account).delete(post_id)  # already deleted: success
    post.refresh_from_db()
    assert post.deleted_at == first


def test_deleting_a_post_that_is_not_there_is_success(account: OfficialAccount) -> None:
    SandboxAdapter({}, account=account).delete("987654")
    assert not SandboxPost.objects.exists()


def test_another_accounts_post_is_refused(cast: Any, account: OfficialAccount) -> None:
    post_id = published(account)
    other = publishing_account(
        head=cast.suzuki,
        policy_officer=cast.takahashi,
        department=cast.somu,
        handle="@kanko",
        url="https://x.com/kanko",
    )
    for adapter, target in (
        (SandboxAdapter({}, account=other), post_id),
        (SandboxAdapter({}, account=account), "../1"),
        (SandboxAdapter({}), post_id),
    ):
        with pytest.raises(PublishError) as caught:
            adapter.delete(target)
        assert caught.value.kind == ErrorKind.REFUSED
    assert SandboxPost.objects.get(pk=post_id).deleted_at is None


def test_the_sandbox_cannot_look_accounts_up(account: OfficialAccount) -> None:
    with pytest.raises(PublishError) as caught:
        SandboxAdapter({}, account=account).lookup_user("@kagamino_town")
    assert caught.value.kind == ErrorKind.REFUSED


def test_the_training_page_shows_a_deleted_post_as_deleted(
    cast: Any, account: OfficialAccount, client: Any, login: Any
) -> None:
    kept, deleted = published(account, "k-1"), published(account, "k-2")
    SandboxPost.objects.filter(pk=kept).update(text="残る投稿です。")
    SandboxAdapter({}, account=account).delete(deleted)
    login(client, cast.tanaka)
    page = client.get(reverse("publishing:sandbox")).text
    assert page.count("削除済み") == 1
    assert f"<del>{TEXT}</del>" in page
    assert "残る投稿です。" in page and "<del>残る投稿です。</del>" not in page
    single = client.get(reverse("publishing:sandbox_post", args=[deleted])).text
    assert "削除済み" in single
