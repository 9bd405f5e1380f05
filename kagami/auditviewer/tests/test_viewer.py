"""The audit viewer: the policy division and auditors filter and export; others see nothing."""

import csv
import io

from django.test import Client
from django.urls import reverse

from kagami.audit import log as audit


def test_staff_get_404_from_the_viewer(client: Client, cast: object, login: object) -> None:
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    assert client.get(reverse("audit:event_list")).status_code == 404
    assert client.get(reverse("audit:event_export")).status_code == 404


def test_an_auditor_filters_by_action_and_department(
    client: Client, cast: object, login: object
) -> None:
    audit.record(
        "orgs.membership_started", actor=cast.takahashi, target=cast.tanaka, department=cast.somu
    )  # type: ignore[attr-defined]
    audit.record(
        "orgs.membership_started", actor=cast.takahashi, target=cast.sato, department=cast.sangyo
    )  # type: ignore[attr-defined]
    audit.record("test.other", actor=cast.takahashi)  # type: ignore[attr-defined]
    login(client, cast.ito)  # type: ignore[operator, attr-defined]
    response = client.get(
        reverse("audit:event_list"),
        {"action": "orgs.membership", "department": cast.somu.pk},  # type: ignore[attr-defined]
    )
    assert response.status_code == 200
    page = list(response.context["page"])
    assert [e.target_label for e in page] == ["田中 一郎"]


def test_the_export_is_csv_for_excel_and_defuses_formulas(
    client: Client, cast: object, login: object
) -> None:
    audit.record("auth.login_failed", target_label='=HYPERLINK("http://x")', data={"login": "=1+1"})
    login(client, cast.takahashi)  # type: ignore[operator, attr-defined]
    response = client.get(reverse("audit:event_export"), {"action": "auth.login_failed"})
    body = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert body.startswith("\ufeff通番,日時,操作者")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 2
    assert rows[1][6] == '\'=HYPERLINK("http://x")'
