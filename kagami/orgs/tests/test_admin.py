"""The administrators' site audits every change and deletes nothing."""

from django.test import Client
from django.urls import reverse

from kagami.audit.models import AuditEvent
from kagami.orgs.models import Department, User


def test_an_administrator_adds_a_department_and_it_is_audited(
    client: Client, cast: object, login: object
) -> None:
    admin = User.objects.create_user(
        email="watanabe@town.example.lg.jp",
        display_name="渡辺 浩",
        is_staff=True,
        is_superuser=True,
        is_administrator=True,
    )
    login(client, admin)  # type: ignore[operator]
    response = client.post(
        reverse("admin:orgs_department_add"),
        {
            "code": "kankyo",
            "name": "環境課",
            "name_kana": "かんきょうか",
            "sort_order": 9,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    department = Department.objects.get(code="kankyo")
    event = AuditEvent.objects.get(action="admin.added")
    assert event.target_id == str(department.pk) and event.actor == admin
    assert "name" in event.data["fields"]
    delete = client.get(reverse("admin:orgs_department_delete", args=[department.pk]))
    assert delete.status_code == 403


def test_staff_cannot_enter_the_admin_site(client: Client, cast: object, login: object) -> None:
    login(client, cast.takahashi)  # type: ignore[operator, attr-defined]
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "login" in response.url
