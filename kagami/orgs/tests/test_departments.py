"""Separation of departments: what an outsider cannot see does not exist for them."""

from django.test import Client
from django.urls import reverse

from kagami.orgs.models import Department


def test_staff_see_only_their_own_departments(cast: object) -> None:
    assert list(Department.objects.visible_to(cast.tanaka)) == [cast.somu]  # type: ignore[attr-defined]


def test_the_policy_division_and_auditors_see_every_department(cast: object) -> None:
    everyone = set(Department.objects.all())
    assert set(Department.objects.visible_to(cast.takahashi)) == everyone  # type: ignore[attr-defined]
    assert set(Department.objects.visible_to(cast.ito)) == everyone  # type: ignore[attr-defined]


def test_an_outsider_gets_404_for_another_department(
    client: Client, cast: object, login: object
) -> None:
    login(client, cast.sato)  # type: ignore[operator, attr-defined]
    url = reverse("orgs:department_detail", args=[cast.somu.pk])  # type: ignore[attr-defined]
    assert client.get(url).status_code == 404
    missing = reverse("orgs:department_detail", args=[999999])
    assert client.get(missing).status_code == 404


def test_a_member_sees_their_department_with_its_people(
    client: Client, cast: object, login: object
) -> None:
    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    response = client.get(reverse("orgs:department_detail", args=[cast.somu.pk]))  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert "鈴木 花子" in response.text and "所属長" in response.text


def test_the_department_list_shows_only_visible_departments(
    client: Client, cast: object, login: object
) -> None:
    login(client, cast.sato)  # type: ignore[operator, attr-defined]
    response = client.get(reverse("orgs:department_list"))
    assert "産業観光課" in response.text and "総務課" not in response.text


def test_a_user_whose_membership_ended_loses_the_department(cast: object) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from kagami.orgs import workflow

    membership = cast.tanaka.memberships.get()  # type: ignore[attr-defined]
    workflow.end_membership(
        actor=cast.takahashi,
        membership=membership,
        last_day=timezone.localdate() - timedelta(days=1),
    )  # type: ignore[attr-defined]
    assert not Department.objects.visible_to(cast.tanaka).exists()  # type: ignore[attr-defined]
    membership.refresh_from_db()
    assert membership.valid_until is not None  # closed, not deleted
