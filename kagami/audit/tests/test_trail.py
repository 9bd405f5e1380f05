"""The trail of audit events shown on object pages (`audit/_trail.html`, `action_label`)."""

from django.test import Client
from django.urls import reverse

from kagami.audit import log as audit


def test_members_see_the_trail_of_their_department(
    client: Client, cast: object, login: object
) -> None:
    audit.record(
        "orgs.membership_started", actor=cast.takahashi, target=cast.tanaka, department=cast.somu
    )  # type: ignore[attr-defined]
    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    response = client.get(reverse("orgs:department_detail", args=[cast.somu.pk]))  # type: ignore[attr-defined]
    assert "所属への配置" in response.text
