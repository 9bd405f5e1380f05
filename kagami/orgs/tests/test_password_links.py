"""Someone without a password (a new member from a transfer file) or who forgot theirs sets
their own through a one-time link the system administrator sends with a reason (G-4-7)."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from kagami.audit.models import AuditEvent
from kagami.lib.errors import DomainError
from kagami.orgs import password_links
from kagami.orgs.models import User

NEW_PASSWORD = "marigold-anvil-tundra-58"


@pytest.fixture
def admin_user(cast: object) -> User:
    return User.objects.create_user(
        email="watanabe@town.example.lg.jp",
        password="correct horse battery staple",
        staff_number="9002",
        display_name="渡辺 聡",
        is_administrator=True,
    )


def _link(body: str) -> str:
    match = re.search(r"https?://\S+|/accounts/password/set/\S+", body)
    assert match, body
    return match[0].split("testserver", 1)[-1]


def test_a_new_member_sets_their_own_password_through_the_link_once(
    client: Client,
    cast: object,
    admin_user: User,
    login: object,
    django_capture_on_commit_callbacks: object,
) -> None:
    newcomer = User.objects.create_user(
        email="kimura@town.example.lg.jp", staff_number="1010", display_name="木村 涼"
    )
    newcomer.set_unusable_password()
    newcomer.save()
    login(client, admin_user)  # type: ignore[operator]
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        client.post(
            reverse("orgs:password_link", args=[newcomer.pk]),
            {"reason": "人事異動で新しく登録された職員のため"},
        )
    [sent] = mail.outbox
    assert sent.to == ["kimura@town.example.lg.jp"] and "24時間" in sent.body
    event = AuditEvent.objects.get(action="auth.password_link_sent")
    assert event.data == {"reason": "人事異動で新しく登録された職員のため"}
    assert "/accounts/password/set/" not in str(AuditEvent.objects.values_list("data"))
    link = _link(sent.body)
    client.logout()
    page = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert page.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="auth.password_set_by_link").exists()
    again = client.post(link, {"new_password1": "x" * 20, "new_password2": "x" * 20})
    assert again.status_code == 400 and "このリンクは使えません" in again.content.decode()


@pytest.mark.parametrize(
    ("uid", "token"),
    [("MQ", "bad-token"), ("!!", "x"), ("OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "x"), ("MQ", "x" * 5000)],
)
def test_a_malformed_or_forged_link_changes_nothing(
    client: Client, cast: object, uid: str, token: str
) -> None:
    response = client.post(
        reverse("orgs:password_set", args=[uid, token]),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="auth.password_set_by_link").exists()


def test_a_weak_password_is_refused_on_the_form(client: Client, cast: object) -> None:
    path = password_links.link_path(cast.tanaka)  # type: ignore[attr-defined]
    page = client.post(path, {"new_password1": "kagamino123", "new_password2": "kagamino123"})
    assert page.status_code == 200 and 'name="new_password1"' in page.content.decode()
    assert not AuditEvent.objects.filter(action="auth.password_set_by_link").exists()
    cast.tanaka.refresh_from_db()  # type: ignore[attr-defined]
    assert not cast.tanaka.check_password("kagamino123")  # type: ignore[attr-defined]


def test_only_an_administrator_sends_a_link_and_always_with_a_reason(
    client: Client, cast: object, admin_user: User, login: object
) -> None:
    with pytest.raises(DomainError):
        password_links.send_password_link(
            administrator=cast.suzuki,  # type: ignore[attr-defined]
            user=cast.tanaka,  # type: ignore[attr-defined]
            reason="依頼があったため",
        )
    with pytest.raises(DomainError, match="理由"):
        password_links.send_password_link(administrator=admin_user, user=cast.tanaka, reason="  ")  # type: ignore[attr-defined]
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    assert client.get(reverse("orgs:password_link", args=[cast.tanaka.pk])).status_code == 404  # type: ignore[attr-defined]
    login(client, admin_user)  # type: ignore[operator]
    page = client.post(
        reverse("orgs:password_link", args=[cast.tanaka.pk]), {"reason": "x" * 10_000}
    )  # type: ignore[attr-defined]
    assert page.status_code == 200 and "500文字" in page.content.decode()
    assert not mail.outbox
