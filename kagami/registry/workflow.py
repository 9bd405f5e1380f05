"""State changes of the account registry (G-4-1 to G-4-6): planning accounts, who may govern
them, their settings, operators and identity, their lifecycle moves. Documents are in
`documents`, start and end reports in `reports`, the spreadsheet register in `register`.

Each function checks the guideline's precondition, changes what changes in one transaction and
writes its audit event. A refused attempt raises DomainError and is audited as `*_refused`.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.lib.errors import DomainError
from kagami.lib.urls import public_https_url_problem
from kagami.lib.workcalendar import WEEKDAYS
from kagami.orgs.models import Department, Membership, User
from kagami.registry import signals
from kagami.registry.models import (
    AccountState,
    OfficialAccount,
    Platform,
    ReplyPolicy,
    handle_problem,
    normalise_handle,
)

NAME_MAX_LENGTH = 100  # OfficialAccount.name
URL_MAX_LENGTH = 300  # OfficialAccount.url
THEME_MAX_LENGTH = 200  # OfficialAccount.joint_theme
PAPER_NUMBER_MAX_LENGTH = 100  # OfficialAccount.paper_report_number
HOUR_MINUTE = re.compile(r"^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")


def refusal(
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


def members_of(account_departments: Iterable[Department]) -> "set[int]":
    return set(
        Membership.objects.active()
        .filter(department__in=list(account_departments))
        .values_list("user", flat=True)
    )


def identity_problem(
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
    elif operators and {u.pk for u in operators} - members_of(owners):
        problem = _("運用担当者には、このアカウントを運用する所属の職員だけを選べます。")
    elif not name or len(name) > NAME_MAX_LENGTH:
        problem = _("アカウント名を%(max)s文字以内で入力してください。") % {"max": NAME_MAX_LENGTH}
    else:
        problem = identity_problem(platform, handle, url)
    if problem:
        raise refusal("registry.account_planned", problem, actor=actor, request=request)
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
                    "operators": people_data(operators),
                },
                request=request,
            )
    except IntegrityError as exc:  # a concurrent registration of the same handle
        raise refusal(
            "registry.account_planned",
            _("このユーザーIDは既に台帳に登録されています。"),
            actor=actor,
            request=request,
        ) from exc
    return account


def people_data(users: Iterable[User]) -> list[dict[str, Any]]:
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
        raise refusal(
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
    members = members_of(account.departments.all())
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
        raise refusal(
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
                "added": people_data(change.added),
                "removed": people_data(change.removed),
                "operators": people_data(wanted.values()),
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
        problem = identity_problem(account.platform, handle, url, exclude=account)
    if problem:
        raise refusal(
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
        raise refusal(
            "registry.identity_changed",
            _("このユーザーIDは既に台帳に登録されています。"),
            actor=actor,
            target=account,
            request=request,
        ) from exc
    return account


def _move(
    *, actor: User, account: OfficialAccount, to: str, action: str, request: HttpRequest | None
) -> OfficialAccount:
    account.refresh_from_db(fields=["state"])  # the caller's copy may predate a decision
    if not (actor.is_head_of(account.lead_department) or actor.is_policy_division):
        raise refusal(
            action,
            _("この操作ができるのは所管課の所属長か情報政策担当課だけです。"),
            actor=actor,
            target=account,
            request=request,
        )
    if not account.can_move_to(to):
        raise refusal(
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
        raise refusal(
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
        raise refusal(
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
