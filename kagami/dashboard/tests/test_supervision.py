"""The supervision page (G-5-4): heads, acting approvers on duty and the policy division see
what did not go out, and paused accounts; staff do not see the page."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from kagami.lib.workcalendar import JST
from kagami.orgs.models import ActingAppointment
from kagami.posts.testing import approved_post
from kagami.publishing import workflow as publishing
from kagami.publishing.models import Delivery, DeliveryState
from kagami.registry.testing import publishing_account

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=JST)


@pytest.fixture(autouse=True)
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_failed_and_held_deliveries_and_paused_accounts_appear_for_the_acting_approver(
    client: Client, cast: object, login: object
) -> None:
    account = publishing_account(
        head=cast.suzuki,  # type: ignore[attr-defined]
        policy_officer=cast.takahashi,  # type: ignore[attr-defined]
        department=cast.somu,  # type: ignore[attr-defined]
    )
    for text, state, detail in [
        ("失敗したお知らせ", DeliveryState.FAILED, {"last_error": "403 Forbidden"}),
        (
            "保留中のお知らせ",
            DeliveryState.HELD,
            {"reason": "一時停止の間に予定時刻を過ぎました。"},
        ),
    ]:
        post = approved_post(
            department=cast.somu,  # type: ignore[attr-defined]
            author=cast.tanaka,  # type: ignore[attr-defined]
            approver=cast.suzuki,  # type: ignore[attr-defined]
            accounts=[account],
            text=text,
            publish_at=NOW - timedelta(hours=1),
        )
        Delivery.objects.create(
            post=post,
            account=account,
            version=1,
            text=text,
            state=state,
            due_at=post.publish_at,
            next_attempt_at=post.publish_at,
            **detail,
        )
    publishing.pause(actor=cast.takahashi, reason="災害対応中", account=account)  # type: ignore[attr-defined]
    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    assert client.get(reverse("dashboard:supervision")).status_code == 404
    ActingAppointment.objects.create(
        department=cast.somu,  # type: ignore[attr-defined]
        deputy=cast.tanaka,  # type: ignore[attr-defined]
        appointed_by=cast.suzuki,  # type: ignore[attr-defined]
        starts_at=NOW - timedelta(hours=1),
        ends_at=NOW + timedelta(days=1),
    )
    page = client.get(reverse("dashboard:supervision")).content.decode()
    assert "失敗したお知らせ" in page and "保留中のお知らせ" in page
    assert "一時停止の間に予定時刻を過ぎました。" in page
    assert "災害対応中" in page
    login(client, cast.sato)  # type: ignore[operator, attr-defined]
    assert client.get(reverse("dashboard:supervision")).status_code == 404
