"""Start reports (様式第1号, G-4-2) and suspension or end reports (様式第2号, G-4-3): filing,
the policy division's decision, the change it brings to the account (at once, or on the
effective date), and recording an existing paper report for an imported account."""

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.lib.errors import DomainError
from kagami.lib.wareki import fiscal_year
from kagami.orgs.models import User
from kagami.registry.models import (
    END_CHECKLIST,
    START_CHECKLIST,
    AccountState,
    EndKind,
    OfficialAccount,
    Report,
    ReportKind,
    ReportStatus,
)
from kagami.registry.workflow import (
    PAPER_NUMBER_MAX_LENGTH,
    policy_division,
    refusal,
)


def _next_number(year: int) -> int:
    return (Report.objects.filter(fiscal_year=year).aggregate(n=Max("number"))["n"] or 0) + 1


def _file_report(
    *, actor: User, account: OfficialAccount, kind: str, request: HttpRequest | None, **fields: Any
) -> Report:
    division = policy_division()
    addressee = f"{division.name}長" if division else _("情報政策担当課長")
    today = timezone.localdate()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    kind=kind,
                    account=account,
                    fiscal_year=fiscal_year(today),
                    number=_next_number(fiscal_year(today)),
                    filed_by=actor,
                    filed_at=timezone.now(),
                    department=account.lead_department,
                    addressee=addressee,
                    operator_names=[u.display_name for u in account.operators.all()],
                    **fields,
                )
                audit.record(
                    f"registry.{kind}_report_filed",
                    actor=actor,
                    target=report,
                    department=account.lead_department,
                    data={"account": account.pk, "number": report.document_number},
                    request=request,
                )
                return report
        except IntegrityError:
            continue  # another report took the number; take the next one
    raise DomainError(_("文書番号を採番できませんでした。もう一度お試しください。"))


def _pending_report(account: OfficialAccount) -> Report | None:
    return account.reports.filter(status=ReportStatus.SUBMITTED).first()


def file_start_report(
    *,
    actor: User,
    account: OfficialAccount,
    start_date: date,
    contact: str = "",
    contractor: str = "",
    checklist: dict[str, bool] | None = None,
    remarks: str = "",
    request: HttpRequest | None = None,
) -> Report:
    """The head of the lead department files the start report (様式第1号, G-4-2) with the
    current policy and terms attached: for a planned account, or for one imported from the old
    register whose documents are missing (accepting it completes them)."""
    # The caller's copy may predate a decision.
    account.refresh_from_db(fields=["state", "documents_missing"])
    policy, terms = account.current_policy(), account.current_terms()
    problem = None
    if not actor.is_head_of(account.lead_department):
        problem = _("運用開始報告書を提出できるのは、所管課の所属長だけです。")
    elif account.state != AccountState.PLANNED and not (
        account.documents_missing and account.state != AccountState.ENDED
    ):
        problem = _("このアカウントは「%(state)s」のため、運用開始報告書は提出できません。") % {
            "state": account.get_state_display()
        }
    elif _pending_report(account):
        problem = _("審査待ちの報告書があります。結果が出るまでお待ちください。")
    elif policy is None or terms is None:
        problem = _("運用方針と利用規約を確定してから提出してください（ガイドライン4(2)）。")
    if problem:
        raise refusal(
            "registry.start_report_filed", problem, actor=actor, target=account, request=request
        )
    checks = {key: bool((checklist or {}).get(key)) for key in START_CHECKLIST}
    return _file_report(
        actor=actor,
        account=account,
        kind=ReportKind.START,
        request=request,
        effective_date=start_date,
        contact=contact,
        contractor=contractor,
        policy=policy,
        terms=terms,
        checklist=checks,
        remarks=remarks,
    )


def file_end_report(
    *,
    actor: User,
    account: OfficialAccount,
    end_kind: str,
    end_date: date,
    reason: str,
    disposition: str,
    checklist: dict[str, bool],
    contact: str = "",
    remarks: str = "",
    request: HttpRequest | None = None,
) -> Report:
    """The head files the suspension or end report (様式第2号) before the account stops
    (G-4-3), confirming every item of the closing checklist."""
    account.refresh_from_db(fields=["state"])
    allowed: dict[str, tuple[str, ...]] = {
        EndKind.SUSPEND: (AccountState.START_REPORTED, AccountState.ACTIVE),
        EndKind.END: (AccountState.START_REPORTED, AccountState.ACTIVE, AccountState.SUSPENDED),
    }
    unchecked = [str(label) for key, label in END_CHECKLIST.items() if not checklist.get(key)]
    problem = None
    if not actor.is_head_of(account.lead_department):
        problem = _("運用終了報告書を提出できるのは、所管課の所属長だけです。")
    elif end_kind not in allowed:
        problem = _("休止か終了かを選んでください。")
    elif account.state not in allowed[end_kind]:
        problem = _("このアカウントは「%(state)s」のため、%(kind)sの報告はできません。") % {
            "state": account.get_state_display(),
            "kind": EndKind(end_kind).label,
        }
    elif _pending_report(account):
        problem = _("審査待ちの報告書があります。結果が出るまでお待ちください。")
    elif not reason.strip():
        problem = _("休止・終了の理由を書いてください。")
    elif unchecked:
        problem = _("確認事項がすべて済んでいません: %(items)s") % {"items": "、".join(unchecked)}
    if problem:
        raise refusal(
            "registry.end_report_filed", problem, actor=actor, target=account, request=request
        )
    return _file_report(
        actor=actor,
        account=account,
        kind=ReportKind.END,
        request=request,
        effective_date=end_date,
        end_kind=end_kind,
        reason=reason.strip(),
        disposition=disposition,
        checklist={key: True for key in END_CHECKLIST},
        contact=contact,
        remarks=remarks,
    )


def _accept(report: Report, account: OfficialAccount, today: date) -> dict[str, Any]:
    """What accepting `report` does to `account` (locked); returns what to audit.

    A start report lets a planned account publish (G-4-2), or completes the documents of an
    imported one that already runs. An end report suspends or ends the account (G-4-3): at
    once when its effective date is today or past, otherwise on that date (the account keeps
    publishing until then, so the closing post can go out); a later acceptance replaces an
    earlier schedule."""
    if report.kind == ReportKind.START and account.state != AccountState.PLANNED:
        if not account.documents_missing:
            raise DomainError(_("このアカウントの今の状態では受理できません。"))
        account.documents_missing = False
        account.save(update_fields=["documents_missing"])
        return {"documents_complete": True}
    if report.kind == ReportKind.START:
        target = AccountState.START_REPORTED
    elif report.end_kind == EndKind.SUSPEND:
        target = AccountState.SUSPENDED
    else:
        target = AccountState.ENDED
    if not account.can_move_to(target):
        raise DomainError(_("このアカウントの今の状態では受理できません。"))
    schedule = ["scheduled_state", "scheduled_on", "scheduled_report"]
    if report.kind == ReportKind.END and report.effective_date > today:
        account.scheduled_state = target
        account.scheduled_on = report.effective_date
        account.scheduled_report = report
        account.save(update_fields=schedule)
        return {"scheduled": {"state": target, "on": report.effective_date.isoformat()}}
    account.state = target
    if report.kind == ReportKind.END:
        account.scheduled_state, account.scheduled_on, account.scheduled_report = "", None, None
    account.save(update_fields=["state", *schedule])
    return {}


def _decide(
    *, actor: User, report: Report, status: str, comment: str, request: HttpRequest | None
) -> Report:
    if not actor.is_policy_division:
        raise refusal(
            f"registry.report_{status}",
            _("報告書を審査できるのは情報政策担当課だけです。"),
            actor=actor,
            target=report.account,
            request=request,
        )
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.status != ReportStatus.SUBMITTED:
            raise DomainError(_("この報告書は既に審査済みです。"))
        report.status = status
        report.decided_by = actor
        report.decided_at = timezone.now()
        report.decision_comment = comment.strip()
        report.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
        account = OfficialAccount.objects.select_for_update().get(pk=report.account_id)
        before = account.state
        outcome: dict[str, Any] = {}
        if status == ReportStatus.ACCEPTED:
            outcome = _accept(report, account, timezone.localdate())
        audit.record(
            f"registry.report_{status}",
            actor=actor,
            target=report,
            department=report.department,
            data={
                "number": report.document_number,
                "comment": report.decision_comment,
                "account_state": [before, account.state],
                **outcome,
            },
            request=request,
        )
    return report


def accept_report(
    *, actor: User, report: Report, comment: str = "", request: HttpRequest | None = None
) -> Report:
    """The policy division accepts a report; the account's state follows (G-4-2, G-4-3):
    a start report lets the account publish, an end report suspends or ends it on its
    effective date (at once when that is today or past; see `_accept`)."""
    return _decide(
        actor=actor, report=report, status=ReportStatus.ACCEPTED, comment=comment, request=request
    )


def return_report(
    *, actor: User, report: Report, comment: str, request: HttpRequest | None = None
) -> Report:
    """The policy division returns a report with what to fix; the account does not change."""
    if not comment.strip():
        raise DomainError(_("差し戻す理由を書いてください。"))
    return _decide(
        actor=actor, report=report, status=ReportStatus.RETURNED, comment=comment, request=request
    )


def record_paper_report(
    *,
    actor: User,
    account: OfficialAccount,
    reported_on: date,
    document_number: str,
    request: HttpRequest | None = None,
) -> OfficialAccount:
    """The policy division records that an imported account's start report (様式第1号) was
    filed and accepted on paper before Kagami (G-4-2): its date and document number. The
    account's documents then count as complete: it may publish and is listed (G-4-6)."""
    number = document_number.strip()
    problem = None
    if not actor.is_policy_division:
        problem = _("紙の運用開始報告書を記録できるのは情報政策担当課だけです。")
    elif not account.documents_missing or account.state == AccountState.ENDED:
        problem = _("このアカウントには、紙の運用開始報告書を記録する必要はありません。")
    elif reported_on > timezone.localdate():
        problem = _("受理日に未来の日付は指定できません。")
    elif not number:
        problem = _("紙の報告書の文書番号を入力してください。")
    elif len(number) > PAPER_NUMBER_MAX_LENGTH or not number.isprintable():
        problem = _("文書番号は%(max)s文字以内で、改行や制御文字を含めずに入力してください。") % {
            "max": PAPER_NUMBER_MAX_LENGTH
        }
    if problem:
        raise refusal(
            "registry.paper_report_recorded", problem, actor=actor, target=account, request=request
        )
    with transaction.atomic():
        account = OfficialAccount.objects.select_for_update().get(pk=account.pk)
        if not account.documents_missing:
            raise DomainError(_("ほかの操作で書類がそろいました。画面を読み込み直してください。"))
        account.paper_report_on = reported_on
        account.paper_report_number = number
        account.documents_missing = False
        account.save(update_fields=["paper_report_on", "paper_report_number", "documents_missing"])
        audit.record(
            "registry.paper_report_recorded",
            actor=actor,
            target=account,
            department=account.lead_department,
            data={"reported_on": reported_on.isoformat(), "document_number": number},
            request=request,
        )
    return account
