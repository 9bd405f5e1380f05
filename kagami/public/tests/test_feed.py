"""The JSON feed /public/directory.json (FEED.md)."""

from datetime import date, datetime

import pytest

from kagami.public.tests.helpers import listed_account, planned_account
from kagami.registry import workflow
from kagami.registry.models import AccountState, OfficialAccount, Platform

pytestmark = pytest.mark.django_db


def test_the_feed_is_versioned_and_lists_listed_accounts_in_a_stable_order(client, cast):
    x = listed_account(cast)
    insta = listed_account(
        cast,
        platform="instagram",
        name="かがみの観光",
        handle="kagamino_kanko",
        url="https://www.instagram.com/kagamino_kanko/",
    )
    planned_account(
        cast,
        platform="facebook",
        handle="kagamino.town",
        url="https://www.facebook.com/kagamino.town",
    )
    insta.directory_link_verified_on = date(2026, 5, 1)
    insta.save(update_fields=["directory_link_verified_on"])

    response = client.get("/public/directory.json")
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "鏡野町" in response.content.decode()  # not \u escapes
    data = response.json()
    assert data["version"] == 1
    assert data["municipality"] == "鏡野町"
    assert datetime.fromisoformat(data["generated_at"]).utcoffset() is not None
    assert data["directory_url"] == "http://testserver/public/"
    assert data["guideline_url"] == "http://testserver/public/guideline/"
    assert [a["id"] for a in data["accounts"]] == [x.pk, insta.pk]

    first = data["accounts"][0]
    assert first == {
        "id": x.pk,
        "platform": {"code": "x", "name": "X（旧Twitter）"},
        "name": "鏡野町役場 総務課",
        "handle": "@Kagamino_Town",
        "url": "https://x.com/Kagamino_Town",
        "departments": ["総務課"],
        "state": AccountState.START_REPORTED,
        "policy_url": f"http://testserver/public/accounts/{x.pk}/#policy",
        "terms_url": f"http://testserver/public/accounts/{x.pk}/#terms",
        "policy_version": 1,
        "policy_filed_on": first["policy_filed_on"],
        "terms_version": 1,
        "terms_filed_on": first["terms_filed_on"],
        "last_verified": None,
    }
    date.fromisoformat(first["policy_filed_on"])
    date.fromisoformat(first["terms_filed_on"])
    assert data["accounts"][1]["last_verified"] == "2026-05-01"


def test_a_joint_account_lists_the_lead_department_first(client, cast):
    account = workflow.plan_account(
        actor=cast.suzuki,
        platform=Platform.objects.get(code="youtube"),
        name="鏡野町チャンネル",
        handle="@kagamino_ch",
        url="https://www.youtube.com/@kagamino_ch",
        lead_department=cast.somu,
        departments=[cast.sangyo],
        joint_theme="町の魅力の発信",
    )
    # Listed without filed documents, as an account imported from an old register may be.
    OfficialAccount.objects.filter(pk=account.pk).update(state=AccountState.ACTIVE)
    data = client.get("/public/directory.json").json()
    assert data["accounts"][0]["departments"] == ["総務課", "産業観光課"]
    assert data["accounts"][0]["policy_url"] is None
    assert data["accounts"][0]["policy_version"] is None


def test_an_empty_directory_is_still_a_valid_feed(client, db):
    data = client.get("/public/directory.json").json()
    assert data["accounts"] == []
    assert data["version"] == 1
