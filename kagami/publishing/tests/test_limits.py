"""Per-account limits (ARCHITECTURE.md, "Publishing"): a platform's rate limit holds the account's other posts until
its reset time, and a platform's daily limit per account is never exceeded."""

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine

from kagami.lib.workcalendar import JST
from kagami.posts import workflow as posts
from kagami.posts.models import Post
from kagami.publishing import worker
from kagami.publishing.adapters import (
    REGISTRY,
    Adapter,
    ErrorKind,
    Published,
    PublishError,
    PublishRequest,
)
from kagami.publishing.models import Delivery, DeliveryState, RateLimit
from kagami.registry.models import OfficialAccount
from kagami.registry.testing import publishing_account

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=JST)
SLOT = datetime(2026, 11, 24, 10, 0, tzinfo=JST)


class CountingAdapter(Adapter):
    """A platform that answers each account's calls from a script of errors, then posts."""

    code = "counting"
    errors: dict[str, list[PublishError]] = {}
    calls: list[str] = []

    def publish(self, request: PublishRequest) -> Published:
        self.calls.append(request.handle)
        script = self.errors.get(request.handle) or []
        if script:
            raise script.pop(0)
        n = len(self.calls)
        return Published(platform_post_id=str(n), url=f"https://x.com/{request.handle}/status/{n}")

    def find_existing(self, request: PublishRequest) -> Published | None:
        return None


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def live(settings: Any, monkeypatch: pytest.MonkeyPatch) -> type[CountingAdapter]:
    settings.KAGAMI_PUBLISHING = "live"
    monkeypatch.setitem(REGISTRY, "x", CountingAdapter)
    CountingAdapter.errors, CountingAdapter.calls = {}, []
    return CountingAdapter


def _account(cast: Any, handle: str) -> OfficialAccount:
    return publishing_account(
        head=cast.suzuki,
        policy_officer=cast.takahashi,
        department=cast.somu,
        name=f"鏡野町 {handle}",
        handle=f"@{handle}",
        url=f"https://x.com/{handle}",
    )


def _approved(cast: Any, account: OfficialAccount, n: int) -> Post:
    post = posts.save_post(
        actor=cast.tanaka,
        department=cast.somu,
        accounts=[account],
        text=f"お知らせ その{n}",
        publish_at=SLOT,
    )
    posts.submit_post(actor=cast.tanaka, post=post)
    posts.approve_post(actor=cast.suzuki, post=post)
    return post


def test_a_rate_limit_holds_the_accounts_other_posts_until_the_reset(
    cast: Any, frozen: Any, live: type[CountingAdapter]
) -> None:
    busy, other = _account(cast, "kagamino_town"), _account(cast, "kagamino_kanko")
    for n in range(3):
        _approved(cast, busy, n)
    _approved(cast, other, 9)
    reset = SLOT + timedelta(minutes=15)
    live.errors = {
        "@kagamino_town": [
            PublishError("429 Too Many Requests", ErrorKind.RATE_LIMITED, retry_after=reset)
        ]
    }
    frozen.move_to(SLOT)
    worker.run_once()
    # One call to the limited account, none more; the other account is not held up.
    assert live.calls.count("@kagamino_town") == 1 and live.calls.count("@kagamino_kanko") == 1
    waiting = Delivery.objects.filter(account=busy)
    assert {d.state for d in waiting} == {DeliveryState.WAITING}
    # Only the post that reached the platform has an attempt on its record.
    assert sorted(d.attempts for d in waiting) == [0, 0, 1]
    assert RateLimit.objects.get(account=busy).until == reset
    frozen.move_to(reset - timedelta(seconds=1))
    assert worker.run_once() == 0
    frozen.move_to(Delivery.objects.filter(account=busy).latest("next_attempt_at").next_attempt_at)
    worker.run_once()
    assert {d.state for d in Delivery.objects.all()} == {DeliveryState.PUBLISHED}
    assert live.calls.count("@kagamino_town") == 4


def test_the_platforms_daily_limit_per_account_is_kept(
    cast: Any, frozen: Any, live: type[CountingAdapter]
) -> None:
    account = _account(cast, "kagamino_town")
    account.platform.daily_post_limit = 2
    account.platform.save()
    for n in range(3):
        _approved(cast, account, n)
    frozen.move_to(SLOT)
    assert worker.run_once() == 2
    assert worker.run_once() == 0
    states = sorted(Delivery.objects.values_list("state", flat=True))
    assert states == [DeliveryState.PUBLISHED, DeliveryState.PUBLISHED, DeliveryState.WAITING]
    frozen.move_to(SLOT + timedelta(hours=23, minutes=59))
    assert worker.run_once() == 0
    frozen.move_to(SLOT + timedelta(days=1, seconds=1))
    assert worker.run_once() == 1
    assert len(live.calls) == 3


def test_the_catalogue_knows_instagrams_and_threads_limits(db: None) -> None:
    from kagami.registry.models import Platform

    limits = dict(Platform.objects.values_list("code", "daily_post_limit"))
    assert limits["instagram"] == 50 and limits["threads"] == 250 and limits["x"] is None


def test_the_policy_division_sees_which_accounts_wait_for_a_platform_limit(
    cast: Any, frozen: Any, client: Any, login: Any
) -> None:
    account = _account(cast, "kagamino_town")
    RateLimit.objects.create(
        account=account, until=NOW + timedelta(minutes=15), message="429 Too Many Requests"
    )
    login(client, cast.takahashi)
    page = client.get("/publishing/pauses/")
    assert "プラットフォームの制限で待っているアカウント" in page.text
    assert "2026-11-24 09:15 まで" in page.text and "429 Too Many Requests" in page.text
    frozen.move_to(NOW + timedelta(minutes=16))
    assert "429 Too Many Requests" not in client.get("/publishing/pauses/").text


def test_an_administrator_can_lift_a_rate_limit_and_it_is_audited(
    cast: Any, frozen: Any, live: type[CountingAdapter], client: Any, login: Any
) -> None:
    from django.urls import reverse

    from kagami.audit.models import AuditEvent
    from kagami.orgs.models import User

    account = _account(cast, "kagamino_town")
    _approved(cast, account, 1)
    limit = RateLimit.objects.create(account=account, until=SLOT + timedelta(hours=1))
    frozen.move_to(SLOT)
    assert worker.run_once() == 0
    admin = User.objects.create_user(
        email="admin@town.example.lg.jp",
        display_name="管理者",
        is_staff=True,
        is_superuser=True,
        is_administrator=True,
    )
    login(client, admin)
    delivery = Delivery.objects.get()
    page = client.get(reverse("admin:publishing_delivery_change", args=[delivery.pk]))
    assert page.status_code == 200
    client.post(reverse("admin:publishing_ratelimit_delete", args=[limit.pk]), {"post": "yes"})
    assert not RateLimit.objects.exists()
    assert AuditEvent.objects.filter(action="admin.deleted").exists()
    assert worker.run_once() == 1
