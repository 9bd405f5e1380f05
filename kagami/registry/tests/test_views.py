"""The registry screens, driven over HTTP as a head and the policy division use them."""

import pytest
from django.test import Client
from django.urls import reverse

from kagami.registry.models import AccountState, OfficialAccount, Platform, Report, ReportStatus


def _plan_over_http(client: Client, cast: object) -> OfficialAccount:
    response = client.post(
        reverse("registry:account_plan"),
        {
            "platform": Platform.objects.get(code="instagram").pk,
            "name": "鏡野町総務課",
            "handle": "kagamino_somu",
            "url": "https://www.instagram.com/kagamino_somu/",
            "lead_department": cast.somu.pk,  # type: ignore[attr-defined]
        },
    )
    assert response.status_code == 302, response.content.decode()
    return OfficialAccount.objects.get(handle="kagamino_somu")


def _formset_data(prefix: str, rows: list[dict[str, str]]) -> dict[str, str]:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def test_the_planning_screen_shows_each_platforms_risk(
    client: Client, cast: object, login: object
) -> None:
    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    page = client.get(reverse("registry:account_plan")).content.decode()
    assert "批判や苦情が投稿されやすい" in page and "Bluesky" in page


def test_a_head_documents_reports_and_the_policy_division_accepts(
    client: Client, cast: object, login: object
) -> None:
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    account = _plan_over_http(client, cast)
    policy_url = reverse("registry:policy_edit", args=[account.pk])

    template = client.post(policy_url, {"action": "template"}).content.decode()
    assert "を利用します。" in template  # the model wording fills the form
    incomplete = client.post(
        policy_url, {"action": "file", "platform_text": "Instagram", "purpose": "未定"}
    )
    assert "運用方針に足りない項目があります" in incomplete.content.decode()
    assert account.current_policy() is None

    from kagami.registry.wording import policy_draft, terms_draft

    response = client.post(policy_url, {"action": "file", **policy_draft(account)})
    assert response.status_code == 302 and account.current_policy() is not None

    wording, template_clauses = terms_draft(account)
    clauses = [{"category": c, "text": t} for c, t in template_clauses]
    response = client.post(
        reverse("registry:terms_edit", args=[account.pk]),
        {"action": "file", **wording, **_formset_data("clauses", clauses)},
    )
    assert response.status_code == 302
    assert account.current_terms().clauses.count() == len(clauses)  # type: ignore[union-attr]

    response = client.post(
        reverse("registry:start_report_new", args=[account.pk]),
        {"start_date": "2026-12-01", "contact": "内線 2101", "check_two_factor": "on"},
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.checklist["two_factor"] is True and report.checklist["profile_link"] is False

    client.logout()
    login(client, cast.takahashi)  # type: ignore[operator, attr-defined]
    inbox = client.get(reverse("registry:report_inbox")).content.decode()
    assert report.document_number in inbox
    response = client.post(
        reverse("registry:report_detail", args=[report.pk]), {"action": "accept", "comment": ""}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    account.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and account.state == AccountState.START_REPORTED


def test_an_outsider_gets_404_for_another_departments_account(
    client: Client, cast: object, login: object
) -> None:
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    account = _plan_over_http(client, cast)
    client.logout()
    login(client, cast.sato)  # type: ignore[operator, attr-defined]
    for name in ("account_detail", "policy_edit", "terms_edit", "start_report_new"):
        assert client.get(reverse(f"registry:{name}", args=[account.pk])).status_code == 404
    assert client.get(reverse("registry:report_inbox")).status_code == 404


def test_staff_cannot_file_a_start_report_and_see_why(
    client: Client, cast: object, login: object
) -> None:
    login(client, cast.tanaka)  # type: ignore[operator, attr-defined]
    account = _plan_over_http(client, cast)
    response = client.post(
        reverse("registry:start_report_new", args=[account.pk]), {"start_date": "2026-12-01"}
    )
    assert response.status_code == 200
    assert "所属長だけです" in response.content.decode()
    assert not Report.objects.exists()


def test_bad_operation_hours_are_refused_with_a_message(
    client: Client, cast: object, login: object
) -> None:
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    account = _plan_over_http(client, cast)
    response = client.post(
        reverse("registry:account_settings", args=[account.pk]),
        {
            "name": account.name,
            "url": account.url,
            "reply_policy": "no_reply",
            "hours_mon": "17:15-08:30",
        },
    )
    assert "終わりの時刻は始まりより後" in response.content.decode()
    response = client.post(
        reverse("registry:account_settings", args=[account.pk]),
        {
            "name": account.name,
            "url": account.url,
            "reply_policy": "redirect",
            "hours_mon": "9:00-12:00, 13:00-17:00",
        },
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.operation_hours["mon"] == [["09:00", "12:00"], ["13:00", "17:00"]]
    assert account.operation_hours["tue"] == []


def test_the_report_opens_as_a_pdf_for_those_who_may_see_it(
    client: Client, cast: object, login: object
) -> None:
    from datetime import date

    from kagami.registry import documents, reports
    from kagami.registry.wording import policy_draft, terms_draft

    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    account = _plan_over_http(client, cast)
    head = cast.suzuki  # type: ignore[attr-defined]
    documents.file_policy(
        actor=head,
        policy=documents.save_policy_draft(
            actor=head, account=account, items=policy_draft(account)
        ),
    )
    items, clauses = terms_draft(account)
    documents.file_terms(
        actor=head,
        terms=documents.save_terms_draft(actor=head, account=account, items=items, clauses=clauses),
    )
    report = reports.file_start_report(actor=head, account=account, start_date=date(2026, 12, 1))
    response = client.get(reverse("registry:report_pdf", args=[report.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    client.logout()
    login(client, cast.sato)  # type: ignore[operator, attr-defined]
    assert client.get(reverse("registry:report_pdf", args=[report.pk])).status_code == 404


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "", "handle": "", "url": ""},
        {"name": "あ" * 10_000, "handle": "あ" * 10_000, "url": "https://x.com/" + "a" * 10_000},
        {"url": "javascript:alert(1)"},
        {"url": "https://evil.example\\@x.com/kagamino_somu"},
        {"url": "https://kagamino_somu@x.com/kagamino_somu"},
        {"url": "https://x.com/kagamino_other"},
        {"platform": "9" * 30},
        {"platform": "x"},
        {"lead_department": "9" * 10_000},
        {"departments": ["9" * 30]},
    ],
)
def test_a_plan_with_bad_input_is_refused_on_the_form_and_registers_nothing(
    client: Client, cast: object, login: object, changes: dict[str, object]
) -> None:
    """G-4-6: the registry only records an identity the directory can vouch for."""
    login(client, cast.suzuki)  # type: ignore[operator, attr-defined]
    data = {
        "platform": Platform.objects.get(code="x").pk,
        "name": "鏡野町総務課",
        "handle": "@kagamino_somu",
        "url": "https://x.com/kagamino_somu",
        "lead_department": cast.somu.pk,  # type: ignore[attr-defined]
    } | changes
    response = client.post(reverse("registry:account_plan"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "入力内容を確認してください" in page or "エラー: " in page
    assert not OfficialAccount.objects.exists()
