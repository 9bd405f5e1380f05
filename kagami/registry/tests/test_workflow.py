"""The registry's workflow: plan, document, report, accept, end (G-4-1 to G-4-6)."""

from datetime import date

import pytest
from django.utils import timezone

from kagami.audit import log as audit
from kagami.audit.models import AuditEvent
from kagami.lib.errors import DomainError
from kagami.orgs.models import Department
from kagami.registry import documents, reports, workflow
from kagami.registry.models import (
    END_CHECKLIST,
    AccountState,
    ImmutableError,
    OfficialAccount,
    Platform,
    ReportStatus,
)
from kagami.registry.wording import policy_draft, terms_draft


def plan(cast: object, **overrides: object) -> OfficialAccount:
    fields = {
        "actor": cast.suzuki,  # type: ignore[attr-defined]
        "platform": Platform.objects.get(code="x"),
        "name": "鏡野町【公式】",
        "handle": "@kagamino_town",
        "url": "https://x.com/kagamino_town",
        "lead_department": cast.somu,  # type: ignore[attr-defined]
    }
    return workflow.plan_account(**(fields | overrides))  # type: ignore[arg-type]


def document(cast: object, account: OfficialAccount) -> None:
    """File the template policy and terms, as a department does with one click and a review."""
    head = cast.suzuki  # type: ignore[attr-defined]
    documents.file_policy(
        actor=head,
        policy=documents.save_policy_draft(
            actor=head, account=account, items=policy_draft(account)
        ),
    )
    wording, clauses = terms_draft(account)
    terms = documents.save_terms_draft(actor=head, account=account, clauses=clauses, items=wording)
    documents.file_terms(actor=head, terms=terms)


def start(cast: object, account: OfficialAccount) -> None:
    report = reports.file_start_report(
        actor=cast.suzuki, account=account, start_date=date(2026, 12, 1)
    )  # type: ignore[attr-defined]
    reports.accept_report(actor=cast.takahashi, report=report)  # type: ignore[attr-defined]


def test_the_whole_life_of_an_account_is_audited(cast: object) -> None:
    account = plan(cast)
    assert account.state == AccountState.PLANNED and not account.can_publish
    document(cast, account)
    report = reports.file_start_report(
        actor=cast.suzuki,
        account=account,
        start_date=date(2026, 12, 1),
        checklist={"two_factor": True},  # type: ignore[attr-defined]
    )
    assert report.policy == account.current_policy() and report.terms == account.current_terms()
    assert report.addressee == "企画課長"
    account.refresh_from_db()
    assert account.state == AccountState.PLANNED  # filing alone does not let it publish
    reports.accept_report(actor=cast.takahashi, report=report, comment="確認しました")  # type: ignore[attr-defined]
    account.refresh_from_db()
    assert account.state == AccountState.START_REPORTED and account.can_publish
    workflow.begin_operation(actor=cast.suzuki, account=account)  # type: ignore[attr-defined]
    end = reports.file_end_report(
        actor=cast.suzuki,  # type: ignore[attr-defined]
        account=account,
        end_kind="end",
        end_date=timezone.localdate(),  # effective today: applies at once (G-4-3)
        reason="事業の終了のため",
        disposition="lock",
        checklist=dict.fromkeys(END_CHECKLIST, True),
    )
    reports.accept_report(actor=cast.takahashi, report=end)  # type: ignore[attr-defined]
    account.refresh_from_db()
    assert account.state == AccountState.ENDED and not account.can_publish
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions == [
        "registry.account_planned",
        "registry.policy_drafted",
        "registry.policy_filed",
        "registry.terms_drafted",
        "registry.terms_filed",
        "registry.start_report_filed",
        "registry.report_accepted",
        "registry.operation_begun",
        "registry.end_report_filed",
        "registry.report_accepted",
    ]
    assert audit.verify().ok


def test_a_suspended_account_can_be_resumed(cast: object) -> None:
    account = plan(cast)
    document(cast, account)
    start(cast, account)
    report = reports.file_end_report(
        actor=cast.suzuki,  # type: ignore[attr-defined]
        account=account,
        end_kind="suspend",
        end_date=timezone.localdate(),
        reason="担当者不在のため一時休止",
        disposition="lock",
        checklist=dict.fromkeys(END_CHECKLIST, True),
    )
    reports.accept_report(actor=cast.takahashi, report=report)  # type: ignore[attr-defined]
    account.refresh_from_db()
    assert account.state == AccountState.SUSPENDED and not account.can_publish
    workflow.resume_account(actor=cast.suzuki, account=account)  # type: ignore[attr-defined]
    assert account.state == AccountState.ACTIVE


def test_a_returned_report_leaves_the_account_as_it_was(cast: object) -> None:
    account = plan(cast)
    document(cast, account)
    report = reports.file_start_report(
        actor=cast.suzuki, account=account, start_date=date(2026, 12, 1)
    )  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="差し戻す理由"):
        reports.return_report(actor=cast.takahashi, report=report, comment=" ")  # type: ignore[attr-defined]
    reports.return_report(actor=cast.takahashi, report=report, comment="運用時間を見直してください")  # type: ignore[attr-defined]
    account.refresh_from_db()
    report.refresh_from_db()
    assert account.state == AccountState.PLANNED and report.status == ReportStatus.RETURNED
    again = reports.file_start_report(
        actor=cast.suzuki, account=account, start_date=date(2026, 12, 1)
    )  # type: ignore[attr-defined]
    assert again.number == report.number + 1


def test_an_incomplete_policy_is_refused_and_names_what_is_missing(cast: object) -> None:
    account = plan(cast)
    draft = documents.save_policy_draft(
        actor=cast.suzuki,  # type: ignore[attr-defined]
        account=account,
        items={"platform_text": "X", "purpose": "未定", "content": "町の情報"},
    )
    labels = [label for _clause, label, _problem in draft.missing_items()]
    assert labels == [
        "(b) アカウント名・URL・運用者",
        "(c) 運用の目的",
        "(d) 発信する内容",
        "(e) 運用の方法（運用時間、ご意見・ご質問への対応）",
        "(f) 個人情報の取扱い",
    ]
    with pytest.raises(DomainError, match="運用方針に足りない項目があります"):
        documents.file_policy(actor=cast.suzuki, policy=draft)  # type: ignore[attr-defined]
    draft.refresh_from_db()
    assert not draft.is_filed
    assert AuditEvent.objects.filter(action="registry.policy_filed_refused").exists()


def test_terms_need_rules_ownership_and_disclaimer(cast: object) -> None:
    account = plan(cast)
    terms = documents.save_terms_draft(
        actor=cast.suzuki,  # type: ignore[attr-defined]
        account=account,
        clauses=[],
        items={"disclaimer": "責任を負いません。"},
    )
    assert [clause for clause, _l, _p in terms.missing_items()] == ["G-4-5-a", "G-4-5-b", "G-4-5-c"]
    with pytest.raises(DomainError):
        documents.file_terms(actor=cast.suzuki, terms=terms)  # type: ignore[attr-defined]


def test_filed_documents_cannot_change(cast: object) -> None:
    account = plan(cast)
    document(cast, account)
    policy = account.current_policy()
    assert policy is not None
    policy.purpose = "書き換え"
    with pytest.raises(ImmutableError):
        policy.save()
    terms = account.current_terms()
    assert terms is not None
    clause = terms.clauses.first()
    assert clause is not None
    clause.text = "書き換え"
    with pytest.raises(ImmutableError):
        clause.save()
    revised = documents.save_policy_draft(
        actor=cast.suzuki, account=account, items=policy_draft(account)
    )  # type: ignore[attr-defined]
    assert revised.version == 2 and not revised.is_filed


def test_terms_clauses_are_numbered_for_moderation(cast: object) -> None:
    account = plan(cast)
    document(cast, account)
    terms = account.current_terms()
    assert terms is not None
    numbers = list(terms.clauses.values_list("number", "category"))
    assert numbers[:3] == [(1, "law"), (2, "defamation"), (3, "discrimination")]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"url": "https://www.instagram.com/kagamino_town/"},
            "X（旧Twitter） のアドレスではありません",
        ),
        ({"url": "https://x.com.evil.example/kagamino"}, "のアドレスではありません"),
        ({"handle": "  "}, "ユーザーIDを入力してください"),
        ({"departments": ["sangyo"]}, "共通のテーマ"),
    ],
)
def test_bad_account_details_are_refused_and_audited(
    cast: object, overrides: dict, message: str
) -> None:
    if "departments" in overrides:
        overrides = {
            "departments": list(Department.objects.filter(code__in=overrides["departments"]))
        }
    with pytest.raises(DomainError, match=message):
        plan(cast, **overrides)
    assert not OfficialAccount.objects.exists()
    assert AuditEvent.objects.get().action == "registry.account_planned_refused"


def test_a_duplicate_handle_is_refused_whatever_its_spelling(cast: object) -> None:
    plan(cast)
    with pytest.raises(DomainError, match="既に台帳に登録されています"):
        plan(cast, handle="＠KAGAMINO_TOWN", url="https://twitter.com/Kagamino_Town")
    assert OfficialAccount.objects.count() == 1


def test_a_joint_account_has_a_lead_and_a_theme(cast: object) -> None:
    account = plan(cast, departments=[cast.sangyo], joint_theme="観光と移住の促進")  # type: ignore[attr-defined]
    assert account.is_joint
    assert set(account.departments.all()) == {cast.somu, cast.sangyo}  # type: ignore[attr-defined]
    assert OfficialAccount.objects.visible_to(cast.sato).get() == account  # type: ignore[attr-defined]


def test_only_the_head_files_reports(cast: object) -> None:
    account = plan(cast)
    document(cast, account)
    with pytest.raises(DomainError, match="所属長だけ"):
        reports.file_start_report(actor=cast.tanaka, account=account, start_date=date(2026, 12, 1))  # type: ignore[attr-defined]
    assert not account.reports.exists()
    assert AuditEvent.objects.filter(
        action="registry.start_report_filed_refused", actor=cast.tanaka
    ).exists()  # type: ignore[attr-defined]


def test_a_start_report_needs_filed_policy_and_terms(cast: object) -> None:
    account = plan(cast)
    with pytest.raises(DomainError, match="運用方針と利用規約を確定してから"):
        reports.file_start_report(actor=cast.suzuki, account=account, start_date=date(2026, 12, 1))  # type: ignore[attr-defined]


def test_an_end_report_for_an_account_that_is_not_active_is_refused(cast: object) -> None:
    account = plan(cast)
    with pytest.raises(DomainError, match="「計画中」のため、終了の報告はできません"):
        reports.file_end_report(
            actor=cast.suzuki,  # type: ignore[attr-defined]
            account=account,
            end_kind="end",
            end_date=date(2027, 3, 31),
            reason="不要になったため",
            disposition="delete",
            checklist=dict.fromkeys(END_CHECKLIST, True),
        )


def test_an_end_report_needs_the_whole_checklist(cast: object) -> None:
    account = plan(cast)
    document(cast, account)
    start(cast, account)
    checklist = dict.fromkeys(END_CHECKLIST, True) | {"credentials_revoked": False}
    with pytest.raises(DomainError, match="ログイン情報を変更・回収"):
        reports.file_end_report(
            actor=cast.suzuki,  # type: ignore[attr-defined]
            account=account,
            end_kind="end",
            end_date=date(2027, 3, 31),
            reason="不要になったため",
            disposition="delete",
            checklist=checklist,
        )


def test_only_the_policy_division_decides(cast: object) -> None:
    account = plan(cast)
    document(cast, account)
    report = reports.file_start_report(
        actor=cast.suzuki, account=account, start_date=date(2026, 12, 1)
    )  # type: ignore[attr-defined]
    with pytest.raises(DomainError, match="情報政策担当課だけ"):
        reports.accept_report(actor=cast.suzuki, report=report)  # type: ignore[attr-defined]
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_outsiders_do_not_see_other_departments_accounts(cast: object) -> None:
    plan(cast)
    assert not OfficialAccount.objects.visible_to(cast.sato).exists()  # type: ignore[attr-defined]
    assert OfficialAccount.objects.visible_to(cast.ito).count() == 1  # type: ignore[attr-defined]


def test_an_account_never_reviewed_is_flagged_dormant(cast: object) -> None:
    account = plan(cast)
    document(cast, account)
    start(cast, account)
    account.refresh_from_db()
    assert account.dormancy_reasons() == ["12か月以上見直しがされていません。"]
    workflow.review_account(actor=cast.tanaka, account=account, profile_shows_directory=True)  # type: ignore[attr-defined]
    assert account.dormancy_reasons() == []
    assert account.dormancy_reasons(today=date.today().replace(year=date.today().year + 2)) != []


def test_operation_hours_read_naturally_including_midnight_and_survive_bad_stored_values() -> None:
    from kagami.registry.wording import describe_hours

    week = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    assert "0:00〜24:00" in describe_hours(week)
    assert "8:30〜17:15" in describe_hours({"mon": [["08:30", "17:15"]]})
    assert describe_hours({"mon": [["08:30"]], "tue": "x"}) == describe_hours({})  # type: ignore[dict-item]
    assert describe_hours("not a schedule")  # type: ignore[arg-type]
