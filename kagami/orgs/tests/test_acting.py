"""Acting approver (代決, G-5-2): appointed by a head for a period, ending by itself."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kagami.audit.models import AuditEvent
from kagami.lib.errors import DomainError
from kagami.orgs import workflow
from kagami.orgs.models import ActingAppointment


def _appoint(cast: object, hours: int = 8) -> ActingAppointment:
    now = timezone.now()
    return workflow.appoint_acting_approver(
        head=cast.suzuki,  # type: ignore[attr-defined]
        department=cast.somu,  # type: ignore[attr-defined]
        deputy=cast.tanaka,  # type: ignore[attr-defined]
        starts_at=now,
        ends_at=now + timedelta(hours=hours),
        reason="出張のため",
    )


def test_a_head_appoints_a_deputy_who_may_then_approve(cast: object) -> None:
    assert not cast.tanaka.can_approve_for(cast.somu)  # type: ignore[attr-defined]
    appointment = _appoint(cast)
    assert cast.tanaka.can_approve_for(cast.somu)  # type: ignore[attr-defined]
    assert not cast.tanaka.can_approve_for(cast.sangyo)  # type: ignore[attr-defined]
    event = AuditEvent.objects.get(action="orgs.acting_approver_appointed")
    assert event.target_id == str(appointment.pk) and event.actor == cast.suzuki  # type: ignore[attr-defined]


def test_the_appointment_expires_by_itself(cast: object) -> None:
    _appoint(cast, hours=2)
    with time_machine.travel(timezone.now() + timedelta(hours=2, seconds=1), tick=False):
        assert not cast.tanaka.can_approve_for(cast.somu)  # type: ignore[attr-defined]
        assert not ActingAppointment.objects.on_duty().exists()


def test_a_revoked_appointment_stops_at_once(cast: object) -> None:
    appointment = _appoint(cast)
    workflow.revoke_acting_appointment(actor=cast.suzuki, appointment=appointment)  # type: ignore[attr-defined]
    assert not cast.tanaka.can_approve_for(cast.somu)  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="orgs.acting_approver_revoked").exists()


def test_only_the_head_may_appoint(cast: object) -> None:
    now = timezone.now()
    with pytest.raises(DomainError, match="所属長だけ"):
        workflow.appoint_acting_approver(
            head=cast.tanaka,  # type: ignore[attr-defined]
            department=cast.somu,  # type: ignore[attr-defined]
            deputy=cast.suzuki,  # type: ignore[attr-defined]
            starts_at=now,
            ends_at=now + timedelta(hours=1),
            reason="x",
        )
    assert not ActingAppointment.objects.exists()


def test_the_deputy_must_belong_to_the_department(cast: object) -> None:
    now = timezone.now()
    with pytest.raises(DomainError, match="この所属の職員"):
        workflow.appoint_acting_approver(
            head=cast.suzuki,  # type: ignore[attr-defined]
            department=cast.somu,  # type: ignore[attr-defined]
            deputy=cast.sato,  # type: ignore[attr-defined]
            starts_at=now,
            ends_at=now + timedelta(hours=1),
            reason="休暇",
        )
    assert not AuditEvent.objects.exists()


def test_the_head_appoints_through_the_department_page(
    client: Client, cast: object, login: object
) -> None:
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    url = reverse("orgs:acting_appoint", args=[cast.somu.pk])  # type: ignore[attr-defined]
    start = timezone.localtime().replace(second=0, microsecond=0)
    response = client.post(
        url,
        {
            "deputy": cast.tanaka.pk,  # type: ignore[attr-defined]
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "研修のため",
        },
    )
    assert response.status_code == 302
    assert ActingAppointment.objects.get().deputy == cast.tanaka  # type: ignore[attr-defined]


def test_a_reversed_period_is_refused_with_a_message(
    client: Client, cast: object, login: object
) -> None:
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    url = reverse("orgs:acting_appoint", args=[cast.somu.pk])  # type: ignore[attr-defined]
    response = client.post(
        url,
        {
            "deputy": cast.tanaka.pk,
            "starts_at": "2030-01-02T09:00",
            "ends_at": "2030-01-01T09:00",
            "reason": "x",
        },  # type: ignore[attr-defined]
    )
    assert response.status_code == 400
    assert "終了日時は開始日時より後" in response.text
    assert not ActingAppointment.objects.exists()
