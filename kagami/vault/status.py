"""What the vault tells supervisors: overdue passwords and the inventory (G-4-7).

Nothing here decrypts anything: these lists and the CSV carry no secret.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.orgs.models import User
from kagami.registry.models import AccountState, OfficialAccount
from kagami.vault.access import can_reveal
from kagami.vault.models import Credential, RotationTask, TaskStatus


def _supervised(user: User) -> "list[Credential] | None":
    if not user.is_authenticated or not user.can_sign_in():
        return None
    credentials = Credential.objects.select_related(
        "account__platform", "account__lead_department", "custodian"
    ).exclude(account__state=AccountState.ENDED)
    if user.is_policy_division:
        return list(credentials)
    headed = user.headed_departments()
    if not headed.exists():
        return None
    return list(credentials.filter(account__departments__in=headed).distinct())


def overdue_credentials(user: User, on: date | None = None) -> list[Credential]:
    """Credentials past their rotation date, for the heads of the account's departments and
    the policy division (G-4-7); empty for everyone else."""
    on = on or timezone.localdate()
    credentials = _supervised(user) or []
    return [c for c in credentials if c.is_overdue(on)]


def overdue_section(user: User) -> dict[str, Any]:
    """A home-page section (the shape of `kagami.dashboard.attention`) for overdue passwords."""
    if _supervised(user) is None:
        return {}
    return {
        "title": _("パスワードの変更期限を過ぎたアカウント"),
        "items": [
            _("%(account)s（期限 %(due)s、管理責任者 %(custodian)s）")
            % {
                "account": c.account,
                "due": c.due_on(),
                "custodian": c.custodian or _("未設定"),
            }
            for c in overdue_credentials(user)
        ],
        "empty": _("ありません。"),
    }


@dataclass
class InventoryRow:
    """One account in the inventory: whether someone could log in tomorrow (G-4-7)."""

    account: OfficialAccount
    credential: Credential | None
    open_tasks: list[RotationTask] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def two_factor_on(self) -> bool:
        return self.credential is not None and self.credential.two_factor_on

    @property
    def due_on(self) -> date | None:
        return self.credential.due_on() if self.credential else None

    @property
    def overdue(self) -> bool:
        return self.credential is not None and self.credential.is_overdue()


def inventory(user: User) -> list[InventoryRow]:
    """Every live account `user` may see, with missing, overdue and 2FA status (G-4-7)."""
    accounts = (
        OfficialAccount.objects.visible_to(user)
        .exclude(state=AccountState.ENDED)
        .select_related("platform", "lead_department", "credential__custodian")
        .prefetch_related(
            "departments",
            Prefetch(
                "credential__rotation_tasks",
                queryset=RotationTask.objects.filter(status=TaskStatus.OPEN),
                to_attr="open_task_list",
            ),
        )
    )
    rows = []
    for account in accounts:
        credential: Credential | None = getattr(account, "credential", None)
        row = InventoryRow(account=account, credential=credential)
        if credential is None:
            row.problems.append(_("認証情報が登録されていません。"))
        else:
            row.open_tasks = list(getattr(credential, "open_task_list", []))
            if not credential.has_password:
                row.problems.append(_("パスワードが登録されていません。"))
            if credential.custodian is None:
                row.problems.append(_("管理責任者が決まっていません。"))
            elif not can_reveal(credential.custodian, account):
                row.problems.append(_("管理責任者がこのアカウントの担当ではなくなっています。"))
            if not credential.two_factor_on:
                row.problems.append(_("2段階認証が設定されていません。"))
            if credential.is_overdue():
                row.problems.append(_("パスワードの変更期限を過ぎています。"))
        rows.append(row)
    return rows
