"""Operators may reveal the password (G-4-7): who appoints them, and who hears of it."""

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from kagami.lib.errors import DomainError
from kagami.orgs.models import Notification
from kagami.registry import workflow as registry
from kagami.vault import access, workflow
from kagami.vault.models import Credential
from kagami.vault.tests.conftest import STRONG


def test_the_custodian_hears_who_was_added_and_who_was_removed(
    cast: Any, credential: Credential, django_capture_on_commit_callbacks: Any
) -> None:
    credential.custodian = cast.tanaka
    credential.save(update_fields=["custodian"])
    with django_capture_on_commit_callbacks(execute=True):
        registry.appoint_operators(
            actor=cast.takahashi, account=credential.account, operators=[cast.suzuki]
        )
    [note] = Notification.objects.all()
    assert note.user == cast.tanaka  # the custodian, not the heads
    assert "運用担当者が変わりました" in note.subject
    assert "追加した人: 鈴木 花子" in note.body and "外した人: 田中 一郎" in note.body
    assert note.link == f"/vault/accounts/{credential.account_id}/"
    assert mail.outbox[0].to == ["tanaka@town.example.lg.jp"]


def test_without_a_credential_the_heads_of_the_lead_department_hear_of_it(
    cast: Any, account: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        registry.appoint_operators(actor=cast.takahashi, account=account, operators=[])
    [note] = Notification.objects.all()
    assert note.user == cast.suzuki and "外した人: 田中 一郎" in note.body


def test_the_person_who_made_the_change_is_not_told_of_it(
    cast: Any, credential: Credential
) -> None:
    assert credential.custodian == cast.suzuki
    registry.appoint_operators(actor=cast.suzuki, account=credential.account, operators=[])
    assert not Notification.objects.exists()


def test_a_refused_appointment_tells_nobody(cast: Any, credential: Credential) -> None:
    with pytest.raises(DomainError):
        registry.appoint_operators(
            actor=cast.tanaka, account=credential.account, operators=[cast.tanaka]
        )
    assert not Notification.objects.exists()


def test_a_member_who_is_not_an_operator_cannot_reveal_the_password(
    cast: Any, account: Any, client: Client, login: Any
) -> None:
    """The gap this closes: staff ticked themselves as operators in the settings form and
    then revealed the password. Now the settings form cannot appoint anyone."""
    registry.appoint_operators(actor=cast.suzuki, account=account, operators=[])
    workflow.store_credential(
        actor=cast.suzuki, account=account, login_id="kagamino_town", password=STRONG
    )
    login(client, cast.tanaka)
    client.post(
        f"/registry/{account.pk}/settings/",
        {"action": "operators", "operators": [cast.tanaka.pk]},
    )
    assert not account.operators.exists()
    assert not access.can_reveal(cast.tanaka, account)
