"""Accounts taken over from the old register (item 7 of "Guarantees at the seams"): they run
already but have no policy, terms or 様式第1号 in Kagami, so they neither publish nor appear in
the public directory (G-4-2, G-4-6) until the documents are in, or the policy division records
the start report accepted on paper."""

import importlib
import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kagami.audit.models import AuditEvent
from kagami.lib.errors import DomainError
from kagami.public import export
from kagami.public.tests.helpers import listed_account
from kagami.registry import documents, reports
from kagami.registry.importer import REGISTER_HEADER, plan_register, read_register_file
from kagami.registry.models import AccountState, OfficialAccount
from kagami.registry.testing import imported_account, publishing_account
from kagami.registry.wording import policy_draft, terms_draft

ALL_MISSING = [
    "運用方針（確定したもの）",
    "利用規約（確定したもの）",
    "受理された運用開始報告書（様式第1号）",
]


@pytest.fixture
def imported(cast: Any) -> OfficialAccount:
    return imported_account(policy_officer=cast.takahashi)


def document(cast: Any, account: OfficialAccount) -> None:
    head = cast.suzuki
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


def test_an_imported_account_is_missing_its_documents_and_may_not_publish(
    imported: OfficialAccount,
) -> None:
    assert imported.state == AccountState.ACTIVE and imported.documents_missing
    assert imported.missing_documents() == ALL_MISSING
    now = timezone.now()
    assert not imported.can_publish and not imported.publishable_at(now)
    assert "運用方針・利用規約・運用開始報告書" in (imported.publishing_blocker(now) or "")
    assert not OfficialAccount.objects.publishable_at(now).exists()


def test_an_imported_account_missing_documents_is_in_no_part_of_the_public_directory(
    client: Client, cast: Any, imported: OfficialAccount, tmp_path: Any
) -> None:
    listed = listed_account(cast, handle="@kagamino_somu", url="https://x.com/kagamino_somu")
    assert "鏡野町【公式】" not in client.get("/public/").content.decode()
    feed = client.get("/public/directory.json").json()
    assert [a["id"] for a in feed["accounts"]] == [listed.pk]
    assert client.get(f"/public/accounts/{imported.pk}/").status_code == 404
    lookup = client.get("/public/check/", {"q": "https://x.com/kagamino_town"}).content.decode()
    assert "なりすましの可能性があります" in lookup
    files = export.build()
    assert f"account-{imported.pk}.html" not in files
    assert [a["id"] for a in json.loads(files["directory.json"])["accounts"]] == [listed.pk]


def test_filed_documents_and_an_accepted_start_report_complete_an_imported_account(
    cast: Any, imported: OfficialAccount
) -> None:
    with pytest.raises(DomainError, match="運用方針と利用規約を確定してから"):
        reports.file_start_report(actor=cast.suzuki, account=imported, start_date=date(2026, 4, 1))
    document(cast, imported)
    assert imported.missing_documents() == ["受理された運用開始報告書（様式第1号）"]
    report = reports.file_start_report(
        actor=cast.suzuki, account=imported, start_date=date(2026, 4, 1)
    )
    imported.refresh_from_db()
    assert imported.documents_missing  # filing alone is not enough
    reports.accept_report(actor=cast.takahashi, report=report)
    imported.refresh_from_db()
    assert not imported.documents_missing and imported.state == AccountState.ACTIVE
    assert imported.can_publish and OfficialAccount.objects.listed().get() == imported
    accepted = AuditEvent.objects.get(action="registry.report_accepted")
    assert accepted.data["documents_complete"] is True


def test_the_policy_division_records_the_paper_start_report(
    cast: Any, imported: OfficialAccount
) -> None:
    reports.record_paper_report(
        actor=cast.takahashi,
        account=imported,
        reported_on=date(2023, 4, 1),
        document_number="令和5年度 第12号",
    )
    imported.refresh_from_db()
    assert not imported.documents_missing and imported.can_publish
    assert (imported.paper_report_on, imported.paper_report_number) == (
        date(2023, 4, 1),
        "令和5年度 第12号",
    )
    event = AuditEvent.objects.get(action="registry.paper_report_recorded")
    assert event.actor == cast.takahashi
    assert event.data == {"reported_on": "2023-04-01", "document_number": "令和5年度 第12号"}
    assert OfficialAccount.objects.listed().get() == imported


def test_only_the_policy_division_records_a_paper_report(
    cast: Any, imported: OfficialAccount
) -> None:
    with pytest.raises(DomainError, match="情報政策担当課だけ"):
        reports.record_paper_report(
            actor=cast.suzuki,
            account=imported,
            reported_on=date(2023, 4, 1),
            document_number="令和5年度 第12号",
        )
    imported.refresh_from_db()
    assert imported.documents_missing
    assert AuditEvent.objects.filter(action="registry.paper_report_recorded_refused").exists()


@pytest.mark.parametrize(
    ("reported_on", "number", "says"),
    [
        (timedelta(days=1), "第1号", "未来の日付"),
        (timedelta(0), "  ", "文書番号を入力"),
        (timedelta(0), "第1号" * 40, "100文字以内"),
        (timedelta(0), "第1号\n第2号", "改行"),
    ],
)
def test_a_paper_report_needs_a_date_not_in_the_future_and_a_number(
    cast: Any, imported: OfficialAccount, reported_on: timedelta, number: str, says: str
) -> None:
    with pytest.raises(DomainError, match=says):
        reports.record_paper_report(
            actor=cast.takahashi,
            account=imported,
            reported_on=timezone.localdate() + reported_on,
            document_number=number,
        )
    imported.refresh_from_db()
    assert imported.documents_missing


def test_an_account_with_its_documents_needs_no_paper_report(cast: Any) -> None:
    account = publishing_account(
        head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu
    )
    with pytest.raises(DomainError, match="記録する必要はありません"):
        reports.record_paper_report(
            actor=cast.takahashi,
            account=account,
            reported_on=date(2023, 4, 1),
            document_number="第1号",
        )


def test_a_register_row_with_an_unsafe_url_is_named_and_nothing_is_applied(cast: Any) -> None:
    rows = read_register_file(
        "台帳.csv",
        (
            REGISTER_HEADER
            + "X,鏡野町【公式】,@kagamino_town,https://evil.example\\@x.com/kagamino_town,総務課,,,運用中,\n"
            + "X,鏡野町広報,@koho,http://x.com/koho,総務課,,,運用中,\n"
            + "X,鏡野町防災,@bousai,https://x.com/kagamino_bousai,総務課,,,運用中,\n"
        ).encode(),
    )
    errors = [plan.errors for plan in plan_register(rows)]
    assert "バックスラッシュ" in errors[0][0]
    assert "「https://」で始まるアドレス" in errors[1][0]
    assert "ユーザーID「@bousai」のアカウントのページではありません" in errors[2][0]


# Screens -----------------------------------------------------------------------------------


def test_the_account_page_tells_staff_what_is_missing(
    client: Client, cast: Any, login: Any, imported: OfficialAccount
) -> None:
    login(client, cast.tanaka)
    page = client.get(reverse("registry:account_detail", args=[imported.pk])).content.decode()
    assert "そろっていない書類" in page
    assert all(item in page for item in ALL_MISSING)
    assert 'name="document_number"' not in page  # the paper record is the policy division's
    client.logout()
    login(client, cast.takahashi)
    page = client.get(reverse("registry:account_detail", args=[imported.pk])).content.decode()
    assert 'name="document_number"' in page


def test_the_policy_division_records_the_paper_report_over_http(
    client: Client, cast: Any, login: Any, imported: OfficialAccount
) -> None:
    login(client, cast.takahashi)
    response = client.post(
        reverse("registry:paper_report", args=[imported.pk]),
        {"reported_on": "2023-04-01", "document_number": "令和5年度 第12号"},
    )
    assert response.status_code == 302
    imported.refresh_from_db()
    assert not imported.documents_missing
    page = client.get(reverse("registry:account_detail", args=[imported.pk])).content.decode()
    assert "紙で受理済み（2023-04-01、令和5年度 第12号）" in page


@pytest.mark.parametrize(
    "data",
    [
        {"reported_on": "", "document_number": ""},
        {"reported_on": "あ" * 10_000, "document_number": "あ" * 10_000},
        {"reported_on": "2023-13-45", "document_number": "第1号"},
        {"reported_on": "9" * 30, "document_number": "第1号"},
        {"reported_on": "2099-01-01", "document_number": "第1号"},
        {"reported_on": "2023-04-01", "document_number": "第1号\x00"},
        {"reported_on": "2023-04-01", "document_number": "第1号\n第2号"},
    ],
)
def test_the_paper_report_form_refuses_bad_input_and_changes_nothing(
    client: Client, cast: Any, login: Any, imported: OfficialAccount, data: dict[str, str]
) -> None:
    login(client, cast.takahashi)
    response = client.post(reverse("registry:paper_report", args=[imported.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "入力内容を確認してください" in page or "エラー: " in page
    imported.refresh_from_db()
    assert imported.documents_missing and imported.paper_report_on is None


def test_only_the_policy_division_opens_the_paper_report_form(
    client: Client, cast: Any, login: Any, imported: OfficialAccount
) -> None:
    login(client, cast.suzuki)
    url = reverse("registry:paper_report", args=[imported.pk])
    assert client.get(url).status_code == 404
    data = {"reported_on": "2023-04-01", "document_number": "第1号"}
    assert client.post(url, data).status_code == 404
    imported.refresh_from_db()
    assert imported.documents_missing


# The data migration ------------------------------------------------------------------------


def test_the_migration_marks_imported_accounts_that_lack_their_documents(cast: Any) -> None:
    migration = importlib.import_module(
        "kagami.registry.migrations.0007_imported_accounts_missing_documents"
    )
    bare = imported_account(policy_officer=cast.takahashi)
    complete = publishing_account(
        head=cast.suzuki,
        policy_officer=cast.takahashi,
        department=cast.somu,
        handle="@kagamino_somu",
        url="https://x.com/kagamino_somu",
    )
    papers_only = imported_account(
        policy_officer=cast.takahashi,
        row="X,鏡野町広報,@kagamino_koho,https://x.com/kagamino_koho,総務課,,,運用中,",
    )
    document(cast, papers_only)  # filed, but no start report accepted
    native = publishing_account(
        head=cast.suzuki,
        policy_officer=cast.takahashi,
        department=cast.somu,
        handle="@kagamino_kanko",
        url="https://x.com/kagamino_kanko",
    )
    # As before the migration: imported, never marked.
    OfficialAccount.objects.filter(pk__in=[bare.pk, complete.pk, papers_only.pk]).update(
        imported=True, documents_missing=False
    )
    migration.mark_imported_accounts(apps, None)
    marked = set(
        OfficialAccount.objects.filter(documents_missing=True).values_list("pk", flat=True)
    )
    assert marked == {bare.pk, papers_only.pk}
    assert native.pk not in marked and complete.pk not in marked
