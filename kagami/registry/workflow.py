"""State changes of the account registry (G-4-1 to G-4-6).

Each function checks the guideline's precondition, changes what changes in one transaction and
writes its audit event. A refused attempt raises DomainError and is audited as `*_refused`.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.lib.errors import DomainError
from kagami.lib.tables import parse_date
from kagami.lib.urls import public_https_url_problem
from kagami.lib.wareki import fiscal_year
from kagami.lib.workcalendar import WEEKDAYS
from kagami.orgs.models import Department, Membership, User
from kagami.registry import signals
from kagami.registry.importer import plan_register, read_register_file
from kagami.registry.models import (
    END_CHECKLIST,
    START_CHECKLIST,
    AccountState,
    EndKind,
    OfficialAccount,
    Platform,
    PolicyDocument,
    RegisterImport,
    ReplyPolicy,
    Report,
    ReportKind,
    ReportStatus,
    TermsClause,
    TermsDocument,
    handle_problem,
    normalise_handle,
)

NAME_MAX_LENGTH = 100  # OfficialAccount.name
URL_MAX_LENGTH = 300  # OfficialAccount.url
THEME_MAX_LENGTH = 200  # OfficialAccount.joint_theme
PAPER_NUMBER_MAX_LENGTH = 100  # OfficialAccount.paper_report_number
HOUR_MINUTE = re.compile(r"^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")


def _refuse(
    action: str,
    message: str,
    *,
    actor: User,
    target: Any = None,
    request: HttpRequest | None = None,
) -> DomainError:
    """Audit a refused attempt (outside the refused change) and return the error to raise."""
    department = getattr(target, "lead_department", None)
    audit.record(
        f"{action}_refused",
        actor=actor,
        target=target,
        department=department,
        data={"reason": message},
        request=request,
    )
    return DomainError(message)


def policy_division() -> Department | None:
    return Department.objects.filter(is_policy_division=True, is_active=True).first()


def can_manage_account(user: User, account: OfficialAccount) -> bool:
    """Members of an owning department, and the policy division, look after an account."""
    if user.is_policy_division:
        return True
    return user.active_memberships().filter(department__in=account.departments.all()).exists()


def can_govern_account(user: User, account: OfficialAccount) -> bool:
    """Who may appoint the operators, who can reveal the platform password (G-4-7), and
    change the name, handle and URL that the public directory vouches for (G-4-6): the head
    of the lead department and the policy division."""
    if not user.is_authenticated or not user.can_sign_in():
        return False
    return user.is_policy_division or user.is_head_of(account.lead_department)


def _members_of(account_departments: Iterable[Department]) -> "set[int]":
    return set(
        Membership.objects.active()
        .filter(department__in=list(account_departments))
        .values_list("user", flat=True)
    )


def _check_identity(
    platform: Platform, handle: str, url: str, *, exclude: OfficialAccount | None = None
) -> str | None:
    """Why `handle` and `url` cannot identify an account on `platform`, or None: the URL must
    be a safe https address on the platform's own host that agrees with the handle, and the
    handle must not already be registered (G-4-6)."""
    problem = handle_problem(handle)
    if problem:
        return problem
    url_problem = public_https_url_problem(url)
    if url_problem:
        return url_problem
    if len(url) > URL_MAX_LENGTH:
        return _("URLは%(max)s文字以内にしてください。") % {"max": URL_MAX_LENGTH}
    if not platform.owns_url(url):
        return _("URL「%(url)s」は %(platform)s のアドレスではありません。") % {
            "url": url,
            "platform": platform,
        }
    mismatch = platform.handle_mismatch(handle, url)
    if mismatch:
        return mismatch
    same = OfficialAccount.objects.filter(
        platform=platform, handle_key=normalise_handle(handle)
    ).exclude(state=AccountState.ENDED)
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
    if same.exists():
        return _("%(platform)s のユーザーID「%(handle)s」は既に台帳に登録されています。") % {
            "platform": platform,
            "handle": handle,
        }
    return None


def plan_account(
    *,
    actor: User,
    platform: Platform,
    name: str,
    handle: str,
    url: str,
    lead_department: Department,
    departments: Iterable[Department] = (),
    joint_theme: str = "",
    operators: Iterable[User] = (),
    request: HttpRequest | None = None,
) -> OfficialAccount:
    """A department plans a new official account (G-4-1): alone, or jointly with other
    departments that share a stated theme, under one lead department. Operators may be named
    at once only by the head of the lead department or the policy division (G-4-7)."""
    name, handle, url = name.strip(), handle.strip(), url.strip()
    owners = {lead_department, *departments}
    operators = list(operators)
    problem = None
    if not (
        actor.is_policy_division
        or actor.active_memberships().filter(department=lead_department).exists()
    ):
        problem = _("アカウントを計画できるのは、所管課の職員か情報政策担当課だけです。")
    elif not platform.is_active:
        problem = _("%(platform)s は現在利用できないSNSです。") % {"platform": platform}
    elif len(owners) > 1 and not joint_theme.strip():
        problem = _(
            "複数の所属で運用するときは、共通のテーマを書いてください（ガイドライン4(1)）。"
        )
    elif len(joint_theme.strip()) > THEME_MAX_LENGTH:
        problem = _("共通のテーマは%(max)s文字以内にしてください。") % {"max": THEME_MAX_LENGTH}
    elif operators and not (actor.is_policy_division or actor.is_head_of(lead_department)):
        problem = _("運用担当者を決められるのは、所管課の所属長か情報政策担当課だけです。")
    elif operators and {u.pk for u in operators} - _members_of(owners):
        problem = _("運用担当者には、このアカウントを運用する所属の職員だけを選べます。")
    elif not name or len(name) > NAME_MAX_LENGTH:
        problem = _("アカウント名を%(max)s文字以内で入力してください。") % {"max": NAME_MAX_LENGTH}
    else:
        problem = _check_identity(platform, handle, url)
    if problem:
        raise _refuse("registry.account_planned", problem, actor=actor, request=request)
    try:
        with transaction.atomic():
            account = OfficialAccount.objects.create(
                platform=platform,
                name=name,
                handle=handle,
                url=url,
                lead_department=lead_department,
                joint_theme=joint_theme.strip(),
            )
            account.departments.set(owners)
            account.operators.set(operators)
            audit.record(
                "registry.account_planned",
                actor=actor,
                target=account,
                department=lead_department,
                data={
                    "platform": platform.code,
                    "handle": account.handle,
                    "url": account.url,
                    "departments": sorted(d.pk for d in owners),
                    "operators": _people(operators),
                },
                request=request,
            )
    except IntegrityError as exc:  # a concurrent registration of the same handle
        raise _refuse(
            "registry.account_planned",
            _("このユーザーIDは既に台帳に登録されています。"),
            actor=actor,
            request=request,
        ) from exc
    return account


def _people(users: Iterable[User]) -> list[dict[str, Any]]:
    """Who, for audit data: ids and names, so the record reads without the user table."""
    return [{"id": u.pk, "name": u.display_name} for u in sorted(users, key=lambda u: u.pk)]


def hours_problem(hours: Any) -> str | None:
    """Why `hours` is not a week of operation hours ({"mon": [["08:30", "17:15"]], ...})."""
    if not isinstance(hours, dict) or set(hours) - set(WEEKDAYS):
        return _("運用時間の形が正しくありません。")
    for spans in hours.values():
        if not isinstance(spans, list):
            return _("運用時間の形が正しくありません。")
        for span in spans:
            if (
                not isinstance(span, list | tuple)
                or len(span) != 2
                or not all(isinstance(t, str) and HOUR_MINUTE.match(t) for t in span)
                or span[0] >= span[1]
            ):
                return _(
                    "運用時間は「08:30-17:15」のように、始まりより後の終わりの時刻で書いてください。"
                )
    return None


def update_account_settings(
    *,
    actor: User,
    account: OfficialAccount,
    operation_hours: dict[str, list[list[str]]],
    reply_policy: str,
    profile_shows_directory: bool,
    request: HttpRequest | None = None,
) -> OfficialAccount:
    """What every member of the account's departments may change: the weekly operation hours
    (G-5-2), how comments are answered, and whether the profile shows the directory's URL
    (G-4-6; recorded as checked today). Operators, name, handle and URL are not here: see
    `appoint_operators` and `change_account_identity`."""
    problem = None
    if not can_manage_account(actor, account) or account.state == AccountState.ENDED:
        problem = _("このアカウントの設定は変更できません。")
    elif reply_policy not in ReplyPolicy.values:
        problem = _("コメントへの対応を選んでください。")
    else:
        problem = hours_problem(operation_hours)
    if problem:
        raise _refuse(
            "registry.account_updated", problem, actor=actor, target=account, request=request
        )
    changes: dict[str, Any] = {
        "operation_hours": operation_hours,
        "reply_policy": reply_policy,
        "profile_shows_directory": profile_shows_directory,
    }
    with transaction.atomic():
        changed = sorted(k for k, v in changes.items() if getattr(account, k) != v)
        for field in changed:
            setattr(account, field, changes[field])
        columns = list(changed)
        if "profile_shows_directory" in changed:
            account.directory_link_verified_on = timezone.localdate()
            columns.append("directory_link_verified_on")
        if columns:
            account.save(update_fields=columns)
        audit.record(
            "registry.account_updated",
            actor=actor,
            target=account,
            department=account.lead_department,
            data={"fields": changed},
            request=request,
        )
    return account


@dataclass(frozen=True)
class OperatorChange:
    """Who `appoint_operators` added and removed."""

    added: tuple[User, ...]
    removed: tuple[User, ...]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def appoint_operators(
    *,
    actor: User,
    account: OfficialAccount,
    operators: Iterable[User],
    request: HttpRequest | None = None,
) -> OperatorChange:
    """The head of the lead department or the policy division appoints the account's
    operators, the people who may reveal its platform password (G-4-7).

    Operators must be members of one of the account's departments. The change is audited
    with who was added and who was removed, and `signals.operators_changed` is sent in this
    transaction: the vault tells the custodian of the account's credential, or the lead
    department's heads when there is none. Nothing changes, and nobody is told, when the list
    is the same."""
    wanted = {u.pk: u for u in operators}
    members = _members_of(account.departments.all())
    outsiders = [u.display_name for pk, u in sorted(wanted.items()) if pk not in members]
    problem = None
    if not can_govern_account(actor, account):
        problem = _("運用担当者を決められるのは、所管課の所属長か情報政策担当課だけです。")
    elif account.state == AccountState.ENDED:
        problem = _("運用を終了したアカウントの運用担当者は変更できません。")
    elif outsiders:
        problem = _(
            "運用担当者には、このアカウントを運用する所属の職員だけを選べます"
            "（%(names)s さんは所属していません）。"
        ) % {"names": "、".join(outsiders)}
    if problem:
        raise _refuse(
            "registry.operators_appointed", problem, actor=actor, target=account, request=request
        )
    with transaction.atomic():
        account = OfficialAccount.objects.select_for_update().get(pk=account.pk)
        current = {u.pk: u for u in account.operators.all()}
        change = OperatorChange(
            added=tuple(u for pk, u in sorted(wanted.items()) if pk not in current),
            removed=tuple(u for pk, u in sorted(current.items()) if pk not in wanted),
        )
        if not change.changed:
            return change
        account.operators.set(list(wanted.values()))
        audit.record(
            "registry.operators_appointed",
            actor=actor,
            target=account,
            department=account.lead_department,
            data={
                "added": _people(change.added),
                "removed": _people(change.removed),
                "operators": _people(wanted.values()),
            },
            request=request,
        )
        signals.operators_changed.send(
            sender=OfficialAccount,
            account=account,
            actor=actor,
            added=list(change.added),
            removed=list(change.removed),
        )
    return change


def change_account_identity(
    *,
    actor: User,
    account: OfficialAccount,
    name: str,
    handle: str,
    url: str,
    request: HttpRequest | None = None,
) -> OfficialAccount:
    """The head of the lead department or the policy division changes the account's name,
    handle or URL, which the public directory and the "is this official?" lookup vouch for
    (G-4-6). The URL must be a safe https address on the platform's own host and agree with
    the handle; the handle must not belong to another live account. Audited with the values
    before and after."""
    name, handle, url = name.strip(), handle.strip(), url.strip()
    problem = None
    if not can_govern_account(actor, account):
        problem = _(
            "アカウント名・ユーザーID・URLを変更できるのは、所管課の所属長か情報政策担当課だけです。"
        )
    elif account.state == AccountState.ENDED:
        problem = _("運用を終了したアカウントは変更できません。")
    elif not name or len(name) > NAME_MAX_LENGTH:
        problem = _("アカウント名を%(max)s文字以内で入力してください。") % {"max": NAME_MAX_LENGTH}
    else:
        problem = _check_identity(account.platform, handle, url, exclude=account)
    if problem:
        raise _refuse(
            "registry.identity_changed", problem, actor=actor, target=account, request=request
        )
    try:
        with transaction.atomic():
            account = OfficialAccount.objects.select_for_update().get(pk=account.pk)
            values = {"name": name, "handle": handle, "url": url}
            changed = sorted(k for k, v in values.items() if getattr(account, k) != v)
            if not changed:
                return account
            before = {k: getattr(account, k) for k in changed}
            for field in changed:
                setattr(account, field, values[field])
            account.save(update_fields=changed)
            audit.record(
                "registry.identity_changed",
                actor=actor,
                target=account,
                department=account.lead_department,
                data={"before": before, "after": {k: values[k] for k in changed}},
                request=request,
            )
    except IntegrityError as exc:  # a concurrent registration of the same handle
        raise _refuse(
            "registry.identity_changed",
            _("このユーザーIDは既に台帳に登録されています。"),
            actor=actor,
            target=account,
            request=request,
        ) from exc
    return account


def _open_draft[D: (PolicyDocument, TermsDocument)](
    model: type[D], account: OfficialAccount, actor: User, items: dict[str, str]
) -> D:
    """The account's unfiled version of `model` (a new version if there is none), with
    `items` written into it. Filed versions are never touched."""
    versions = model._default_manager.filter(account=account)
    draft = versions.filter(filed_at__isnull=True).first()
    if draft is None:
        version = (versions.aggregate(v=Max("version"))["v"] or 0) + 1
        draft = model(account=account, version=version, created_by=actor)
    for field, value in items.items():
        setattr(draft, field, value)
    draft.save()
    return draft


def save_policy_draft(
    *,
    actor: User,
    account: OfficialAccount,
    items: dict[str, str],
    request: HttpRequest | None = None,
) -> PolicyDocument:
    """Create or update the account's draft operation policy (G-4-4). Filed versions stay."""
    if not can_manage_account(actor, account):
        raise _refuse(
            "registry.policy_drafted",
            _("この運用方針は編集できません。"),
            actor=actor,
            target=account,
            request=request,
        )
    with transaction.atomic():
        draft = _open_draft(PolicyDocument, account, actor, items)
        audit.record(
            "registry.policy_drafted",
            actor=actor,
            target=draft,
            department=account.lead_department,
            data={"version": draft.version},
            request=request,
        )
    return draft


def _file_document[D: (PolicyDocument, TermsDocument)](
    *,
    actor: User,
    document: D,
    action: str,
    missing_message: str,
    refused_message: str,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None,
) -> D:
    """File a complete document as an immutable version, or refuse naming what is missing."""
    missing = document.missing_items()
    if missing:
        items = "、".join(label for _clause, label, _problem in missing)
        raise _refuse(
            action,
            missing_message % {"items": items},
            actor=actor,
            target=document.account,
            request=request,
        )
    if not can_manage_account(actor, document.account) or document.is_filed:
        raise _refuse(
            action, refused_message, actor=actor, target=document.account, request=request
        )
    with transaction.atomic():
        document.filed_at = timezone.now()
        document.filed_by = actor
        document.save(update_fields=["filed_at", "filed_by"])
        audit.record(
            action,
            actor=actor,
            target=document,
            department=document.account.lead_department,
            data={"version": document.version, **(data or {})},
            request=request,
        )
    return document


def file_policy(
    *, actor: User, policy: PolicyDocument, request: HttpRequest | None = None
) -> PolicyDocument:
    """Fix a complete policy as a version; it can no longer change (G-4-4)."""
    return _file_document(
        actor=actor,
        document=policy,
        action="registry.policy_filed",
        missing_message=_("運用方針に足りない項目があります: %(items)s"),
        refused_message=_("この運用方針は確定できません。"),
        request=request,
    )


def save_terms_draft(
    *,
    actor: User,
    account: OfficialAccount,
    items: dict[str, str],
    clauses: list[tuple[str, str]],
    request: HttpRequest | None = None,
) -> TermsDocument:
    """Create or update the draft terms of use (G-4-5); `clauses` are (category, text) in order
    and are numbered from 1."""
    if not can_manage_account(actor, account):
        raise _refuse(
            "registry.terms_drafted",
            _("この利用規約は編集できません。"),
            actor=actor,
            target=account,
            request=request,
        )
    with transaction.atomic():
        draft = _open_draft(TermsDocument, account, actor, items)
        draft.clauses.all().delete()
        TermsClause.objects.bulk_create(
            TermsClause(terms=draft, number=number, category=category, text=text.strip())
            for number, (category, text) in enumerate(
                ((c, t) for c, t in clauses if t.strip()), start=1
            )
        )
        audit.record(
            "registry.terms_drafted",
            actor=actor,
            target=draft,
            department=account.lead_department,
            data={"version": draft.version, "clauses": draft.clauses.count()},
            request=request,
        )
    return draft


def file_terms(
    *, actor: User, terms: TermsDocument, request: HttpRequest | None = None
) -> TermsDocument:
    """Fix complete terms of use as a version; they can no longer change (G-4-5)."""
    return _file_document(
        actor=actor,
        document=terms,
        action="registry.terms_filed",
        missing_message=_("利用規約に足りない項目があります: %(items)s"),
        refused_message=_("この利用規約は確定できません。"),
        data={"clauses": terms.clauses.count()},
        request=request,
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
        raise _refuse(
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
        raise _refuse(
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
        raise _refuse(
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


def _move(
    *, actor: User, account: OfficialAccount, to: str, action: str, request: HttpRequest | None
) -> OfficialAccount:
    account.refresh_from_db(fields=["state"])  # the caller's copy may predate a decision
    if not (actor.is_head_of(account.lead_department) or actor.is_policy_division):
        raise _refuse(
            action,
            _("この操作ができるのは所管課の所属長か情報政策担当課だけです。"),
            actor=actor,
            target=account,
            request=request,
        )
    if not account.can_move_to(to):
        raise _refuse(
            action,
            _("「%(from)s」のアカウントを「%(to)s」にはできません。")
            % {"from": account.get_state_display(), "to": AccountState(to).label},
            actor=actor,
            target=account,
            request=request,
        )
    with transaction.atomic():
        locked = OfficialAccount.objects.select_for_update().get(pk=account.pk)
        if locked.state != account.state:
            raise DomainError(
                _("ほかの操作でアカウントの状態が変わりました。画面を読み込み直してください。")
            )
        before, account.state = account.state, to
        account.save(update_fields=["state"])
        audit.record(
            action,
            actor=actor,
            target=account,
            department=account.lead_department,
            data={"from": before, "to": to},
            request=request,
        )
    return account


def begin_operation(
    *, actor: User, account: OfficialAccount, request: HttpRequest | None = None
) -> OfficialAccount:
    """After the start report was accepted, the department starts operating (運用中)."""
    return _move(
        actor=actor,
        account=account,
        to=AccountState.ACTIVE,
        action="registry.operation_begun",
        request=request,
    )


def resume_account(
    *, actor: User, account: OfficialAccount, request: HttpRequest | None = None
) -> OfficialAccount:
    """A suspended account goes back into operation (G-4-3)."""
    account.refresh_from_db(fields=["state"])
    if account.state != AccountState.SUSPENDED:
        raise _refuse(
            "registry.account_resumed",
            _("休止中のアカウントだけを再開できます。"),
            actor=actor,
            target=account,
            request=request,
        )
    return _move(
        actor=actor,
        account=account,
        to=AccountState.ACTIVE,
        action="registry.account_resumed",
        request=request,
    )


def review_account(
    *,
    actor: User,
    account: OfficialAccount,
    profile_shows_directory: bool,
    request: HttpRequest | None = None,
) -> OfficialAccount:
    """The periodic review: someone looked at the account and at whether its profile links
    to the town's directory of official accounts (G-4-6)."""
    if not can_manage_account(actor, account):
        raise _refuse(
            "registry.account_reviewed",
            _("このアカウントは見直しできません。"),
            actor=actor,
            target=account,
            request=request,
        )
    with transaction.atomic():
        today = timezone.localdate()
        account.last_reviewed_on = today
        account.profile_shows_directory = profile_shows_directory
        account.directory_link_verified_on = today
        account.save(
            update_fields=[
                "last_reviewed_on",
                "profile_shows_directory",
                "directory_link_verified_on",
            ]
        )
        audit.record(
            "registry.account_reviewed",
            actor=actor,
            target=account,
            department=account.lead_department,
            data={"profile_shows_directory": profile_shows_directory},
            request=request,
        )
    return account


def upload_register(
    *, actor: User, file_name: str, content: bytes, request: HttpRequest | None = None
) -> RegisterImport:
    """Keep an uploaded account register for preview (policy division). A file that cannot be
    read raises TableFileError and stores nothing."""
    if not actor.is_policy_division:
        raise _refuse(
            "registry.register_uploaded",
            _("台帳を取り込めるのは情報政策担当課だけです。"),
            actor=actor,
            request=request,
        )
    rows = read_register_file(file_name, content)
    with transaction.atomic():
        batch = RegisterImport.objects.create(
            file_name=file_name[:255], uploaded_by=actor, rows=rows
        )
        audit.record(
            "registry.register_uploaded",
            actor=actor,
            target=batch,
            data={"rows": len(rows)},
            request=request,
        )
    return batch


def apply_register(
    *, actor: User, batch: RegisterImport, request: HttpRequest | None = None
) -> int:
    """Register every row of a previewed register in one transaction, or none of them.

    These accounts exist already, so they enter as 運用中 or 休止中, marked imported and
    missing their documents: they neither publish nor appear in the public directory until
    their policy and terms are filed and a start report accepted, or the policy division
    records the paper start report (`record_paper_report`)."""
    if not actor.is_policy_division:
        raise _refuse(
            "registry.register_applied",
            _("台帳を取り込めるのは情報政策担当課だけです。"),
            actor=actor,
            request=request,
        )
    with transaction.atomic():
        batch = RegisterImport.objects.select_for_update().get(pk=batch.pk)
        if batch.status != RegisterImport.Status.PREVIEWED:
            raise DomainError(_("この取込みは既に反映済みか、取りやめられています。"))
        plans = plan_register(batch.rows)
        problems = sum(len(plan.errors) for plan in plans)
        if problems:
            raise DomainError(
                _(
                    "問題のある行が %(count)s 件あるため、反映しませんでした。ファイルを直して取り込み直してください。"
                )
                % {"count": problems}
            )
        for plan in plans:
            assert plan.platform is not None and plan.department is not None
            row = plan.row
            account = OfficialAccount.objects.create(
                platform=plan.platform,
                name=row["name"],
                handle=row["handle"],
                url=row["url"],
                lead_department=plan.department,
                joint_theme=row["joint_theme"],
                state=plan.state,
                last_reviewed_on=parse_date(row["last_reviewed"]) if row["last_reviewed"] else None,
                imported=True,
                documents_missing=True,
            )
            account.departments.set({plan.department, *plan.joint})
            audit.record(
                "registry.account_imported",
                actor=actor,
                target=account,
                department=plan.department,
                data={"batch": batch.pk, "line": plan.line, "state": plan.state},
                request=request,
            )
        batch.status = RegisterImport.Status.APPLIED
        batch.applied_at = timezone.now()
        batch.save(update_fields=["status", "applied_at"])
        audit.record(
            "registry.register_applied",
            actor=actor,
            target=batch,
            data={"accounts": len(plans)},
            request=request,
        )
    return len(plans)


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
        raise _refuse(
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


def apply_scheduled_account_changes(now: datetime | None = None) -> int:
    """Suspend or end the accounts whose accepted report takes effect on or before `now`'s
    day in Asia/Tokyo (G-4-3); run periodically by `kagami tick`. Each change is its own
    transaction and audit event (no actor: the schedule acts). Returns how many changed."""
    day = timezone.localdate(now) if now is not None else timezone.localdate()
    due = list(OfficialAccount.objects.filter(scheduled_on__lte=day).values_list("pk", flat=True))
    applied = 0
    for pk in due:
        with transaction.atomic():
            account = (
                OfficialAccount.objects.select_for_update(of=("self",))
                .filter(pk=pk, scheduled_on__lte=day)
                .select_related("scheduled_report", "lead_department")
                .first()
            )
            if account is None:  # applied or replaced meanwhile
                continue
            before, target = account.state, account.scheduled_state
            report, on = account.scheduled_report, account.scheduled_on
            moved = account.can_move_to(target)
            if moved:
                account.state = target
            account.scheduled_state, account.scheduled_on, account.scheduled_report = "", None, None
            account.save(
                update_fields=["state", "scheduled_state", "scheduled_on", "scheduled_report"]
            )
            audit.record(
                "registry.scheduled_change_applied"
                if moved
                else "registry.scheduled_change_dropped",
                target=account,
                department=account.lead_department,
                data={
                    "from": before,
                    "to": target,
                    "scheduled_on": on.isoformat() if on else None,
                    "report": report.document_number if report else None,
                },
            )
            applied += moved
    return applied
