"""The X adapter's OAuth 2.0 tokens against the fake X API: an access token lasts two hours;
the refresh token (offline.access) gets a new one, and a new refresh token, from
`POST /2/oauth2/token`, and the old refresh token stops working. The rotated tokens must reach
the vault (`keep_credentials`) before anything uses them."""

import base64
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from kagami.publishing.adapters.base import ErrorKind, PublishError, PublishRequest
from kagami.publishing.adapters.fakes import CLOSE
from kagami.publishing.adapters.fakes.x import (
    CLIENT_ID,
    REFRESH_TOKEN,
    TOKEN,
    USERNAME,
    FakeX,
    oauth_error,
)
from kagami.publishing.adapters.x import XAdapter

TEXT = "鏡野町からのお知らせ: 本日の防災無線の試験放送は正午です。"


@pytest.fixture
def fake() -> Iterator[FakeX]:
    with FakeX() as server:
        yield server


@pytest.fixture
def later() -> Iterator[time_machine.Traveller]:
    """Three hours after the fake issued its tokens: the access tokens have expired."""
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=3)) as traveller:
        yield traveller


class Kept:
    """What the adapter handed to the vault, and what the fake had been asked by then."""

    def __init__(self, fake: FakeX) -> None:
        self.fake = fake
        self.changes: list[dict[str, str]] = []
        self.requests_then: list[int] = []

    def __call__(self, changes: Mapping[str, str]) -> None:
        self.changes.append(dict(changes))
        self.requests_then.append(len(self.fake.requests))


def adapter(fake: FakeX, **credentials: str) -> tuple[XAdapter, Kept]:
    values = {"access_token": TOKEN, "refresh_token": REFRESH_TOKEN, "client_id": CLIENT_ID}
    values.update(credentials)
    x = XAdapter({k: v for k, v in values.items() if v is not None}, base_url=fake.url, timeout=1)
    kept = Kept(fake)
    x.on_credentials_changed = kept
    return x, kept


def req(text: str = TEXT) -> PublishRequest:
    return PublishRequest(
        text=text,
        idempotency_key="t-1",
        handle=f"@{USERNAME}",
        first_attempt_at=datetime.now(UTC),
    )


def bearers(fake: FakeX) -> list[str | None]:
    return [r.header("authorization") for r in fake.requests if r.path != "/2/oauth2/token"]


def test_a_token_stored_three_hours_ago_still_publishes(
    fake: FakeX, later: time_machine.Traveller
) -> None:
    x, kept = adapter(fake)
    published = x.publish(req())
    [post] = fake.posts
    assert published.platform_post_id == post["id"]
    # X said 401 to the expired token; one refresh, then the post with the new token.
    [refresh] = fake.received("POST", "/2/oauth2/token")
    assert refresh.header("content-type") == "application/x-www-form-urlencoded"
    assert refresh.form() == {
        "grant_type": ["refresh_token"],
        "refresh_token": [REFRESH_TOKEN],
        "client_id": [CLIENT_ID],
    }
    assert refresh.header("authorization") is None  # a public client: no Basic, no Bearer
    [changes] = kept.changes
    new_refresh = fake.refresh_token_of(fake.user)
    assert changes["refresh_token"] == new_refresh != REFRESH_TOKEN
    assert fake.user_of(changes["access_token"]) is fake.user
    expires = datetime.fromisoformat(changes["access_token_expires_at"])
    assert expires == pytest.approx(
        datetime.now(UTC) + timedelta(hours=2), abs=timedelta(seconds=5)
    )
    assert bearers(fake) == [f"Bearer {TOKEN}", f"Bearer {changes['access_token']}"]
    # The vault had the new tokens before anything used them.
    assert kept.requests_then == [2]
    assert x.credentials["refresh_token"] == new_refresh


def test_an_expiring_token_is_refreshed_before_the_call(fake: FakeX) -> None:
    soon = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()
    x, kept = adapter(fake, access_token_expires_at=soon)
    x.publish(req())
    assert [r.path for r in fake.requests] == ["/2/oauth2/token", "/2/tweets"]
    [changes] = kept.changes
    assert bearers(fake) == [f"Bearer {changes['access_token']}"]
    assert kept.requests_then == [1]


def test_a_token_with_time_left_is_not_refreshed(fake: FakeX) -> None:
    hour = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    x, kept = adapter(fake, access_token_expires_at=hour)
    x.publish(req())
    assert fake.received("POST", "/2/oauth2/token") == []
    assert kept.changes == []


def test_after_a_refresh_the_same_adapter_keeps_the_new_token(
    fake: FakeX, later: time_machine.Traveller
) -> None:
    x, kept = adapter(fake)
    x.publish(req("一件目"))
    x.publish(req("二件目"))
    x.find_existing(req("二件目"))
    [changes] = kept.changes
    assert len(fake.received("POST", "/2/oauth2/token")) == 1
    assert bearers(fake)[1:] == [f"Bearer {changes['access_token']}"] * 4


def test_find_existing_refreshes_too(fake: FakeX, later: time_machine.Traveller) -> None:
    fake.add_post(TEXT)
    x, kept = adapter(fake)
    assert x.find_existing(req()) is not None
    assert len(kept.changes) == 1


def test_a_spent_refresh_token_is_a_credentials_problem(
    fake: FakeX, later: time_machine.Traveller
) -> None:
    adapter(fake)[0].publish(req("別の作業が先に更新した"))  # spends REFRESH_TOKEN
    x, kept = adapter(fake)  # still holding the spent one
    with pytest.raises(PublishError) as caught:
        x.publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert caught.value.permanent
    assert "invalid_request" in caught.value.message
    assert "Value passed for the token was invalid." in caught.value.message
    assert kept.changes == []
    # Asked once, not in a loop.
    assert len(fake.received("POST", "/2/oauth2/token")) == 2
    assert [p["text"] for p in fake.posts] == ["別の作業が先に更新した"]


def test_the_fake_rotates_refresh_tokens(fake: FakeX, later: time_machine.Traveller) -> None:
    x, kept = adapter(fake)
    x.publish(req("一件目"))
    later.shift(timedelta(hours=3))
    x.publish(req("二件目"))  # the first new token has expired too: a second refresh
    first, second = kept.changes
    refreshes = fake.received("POST", "/2/oauth2/token")
    assert [r.field("refresh_token") for r in refreshes] == [
        REFRESH_TOKEN,
        first["refresh_token"],
    ]
    assert fake.refresh_token_of(fake.user) == second["refresh_token"]
    # The second refresh came before the call, from the expiry the first one stored.
    assert [r.path for r in fake.requests] == [
        "/2/tweets",
        "/2/oauth2/token",
        "/2/tweets",
        "/2/oauth2/token",
        "/2/tweets",
    ]


def test_without_a_refresh_token_an_expired_token_is_a_credentials_problem(
    fake: FakeX, later: time_machine.Traveller
) -> None:
    x, _kept = adapter(fake, refresh_token="")
    with pytest.raises(PublishError) as caught:
        x.publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert "Unauthorized" in caught.value.message
    assert fake.received("POST", "/2/oauth2/token") == []


def test_a_known_expired_token_without_refresh_token_fails_without_a_call(fake: FakeX) -> None:
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    x, _kept = adapter(fake, refresh_token="", access_token_expires_at=past)
    with pytest.raises(PublishError) as caught:
        x.publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert "offline.access" in caught.value.message
    assert fake.requests == []


def test_a_refresh_token_without_client_id_cannot_refresh(
    fake: FakeX, later: time_machine.Traveller
) -> None:
    x, _kept = adapter(fake, client_id="")
    with pytest.raises(PublishError) as caught:
        x.publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert fake.received("POST", "/2/oauth2/token") == []


def test_a_confidential_client_authenticates_with_basic(
    fake: FakeX, later: time_machine.Traveller
) -> None:
    fake.add_client("confidential-app", "s3cret")
    user = fake.add_user(
        "conf-access",
        "kagamino_kanko",
        "観光協会",
        refresh_token="conf-r",
        client_id="confidential-app",
    )
    later.shift(timedelta(hours=3))
    x, kept = adapter(
        fake,
        access_token="conf-access",
        refresh_token="conf-r",
        client_id="confidential-app",
        client_secret="s3cret",
    )
    x.publish(req())
    [refresh] = fake.received("POST", "/2/oauth2/token")
    assert (
        refresh.header("authorization")
        == "Basic " + base64.b64encode(b"confidential-app:s3cret").decode()
    )
    assert [p["text"] for p in user.posts] == [TEXT]
    assert len(kept.changes) == 1


def test_a_confidential_client_without_its_secret_is_a_credentials_problem(
    fake: FakeX, later: time_machine.Traveller
) -> None:
    fake.add_client("confidential-app", "s3cret")
    fake.add_user(
        "conf-access", "kanko", "観光協会", refresh_token="conf-r", client_id="confidential-app"
    )
    later.shift(timedelta(hours=3))
    x, _kept = adapter(
        fake, access_token="conf-access", refresh_token="conf-r", client_id="confidential-app"
    )
    with pytest.raises(PublishError) as caught:
        x.publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert "unauthorized_client" in caught.value.message


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (CLOSE, ErrorKind.NETWORK),
        (FakeX.error(503, "Service Unavailable", "Service Unavailable"), ErrorKind.UNAVAILABLE),
        (oauth_error(500, "server_error", "Internal error"), ErrorKind.UNAVAILABLE),
        (FakeX.rate_limited(2_000_000_000), ErrorKind.RATE_LIMITED),
    ],
    ids=["dropped", "503", "500-oauth", "429"],
)
def test_a_failed_refresh_that_may_be_tried_again_is_retryable(
    fake: FakeX, later: time_machine.Traveller, answer: object, kind: ErrorKind
) -> None:
    fake.fail_next("POST", "/2/oauth2/token", answer)  # type: ignore[arg-type]
    x, kept = adapter(fake)
    with pytest.raises(PublishError) as caught:
        x.publish(req())
    assert caught.value.kind == kind
    assert not caught.value.permanent
    assert kept.changes == []


def test_an_invalid_grant_is_a_credentials_problem(
    fake: FakeX, later: time_machine.Traveller
) -> None:
    fake.fail_next(
        "POST", "/2/oauth2/token", oauth_error(400, "invalid_grant", "Token was revoked.")
    )
    x, _kept = adapter(fake)
    with pytest.raises(PublishError) as caught:
        x.publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert "invalid_grant" in caught.value.message


def test_a_token_still_refused_after_a_refresh_is_a_credentials_problem(
    fake: FakeX, later: time_machine.Traveller
) -> None:
    x, kept = adapter(fake)
    fake.fail_next("POST", "/2/tweets", FakeX.error(401, "Unauthorized", "Unauthorized"))
    fake.fail_next("POST", "/2/tweets", FakeX.error(401, "Unauthorized", "Unauthorized"))
    with pytest.raises(PublishError) as caught:
        x.publish(req())
    assert caught.value.kind == ErrorKind.CREDENTIALS
    assert len(kept.changes) == 1
    assert fake.posts == []
