"""Reading and planning a personnel-transfer file (人事異動).

A town's HR office exports the April moves as a spreadsheet (CSV or XLSX, read by
kagami.lib.tables); each row becomes a planned change whose problems are shown in the
preview before anything is applied.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from kagami.lib.tables import parse_date, read_table, row_line
from kagami.orgs.models import Department, Membership, Role, User

# Accepted column headers → our field names.
COLUMNS = {
    "職員番号": "staff_number",
    "staff_number": "staff_number",
    "氏名": "name",
    "name": "name",
    "メールアドレス": "email",
    "email": "email",
    "異動前所属": "from_department",
    "from_department": "from_department",
    "異動後所属": "to_department",
    "to_department": "to_department",
    "役割": "role",
    "役職": "role",
    "role": "role",
    "発令日": "effective_date",
    "effective_date": "effective_date",
}
ROLE_WORDS = {
    "": Role.STAFF,
    "職員": Role.STAFF,
    "staff": Role.STAFF,
    "所属長": Role.HEAD,
    "head": Role.HEAD,
}
REQUIRED = {"staff_number": "職員番号", "effective_date": "発令日"}
# Columns written to User: the header named in messages and the length its field holds.
STORED = (
    ("staff_number", "職員番号", User._meta.get_field("staff_number").max_length or 32),
    ("name", "氏名", User._meta.get_field("display_name").max_length or 100),
    ("email", "メールアドレス", User._meta.get_field("email").max_length or 254),
)


def read_transfer_file(name: str, content: bytes) -> list[dict[str, str]]:
    """Rows of the uploaded transfer file as dicts with our field names."""
    return read_table(name, content, columns=COLUMNS, required=REQUIRED)


@dataclass
class PlannedChange:
    """One row of the file and what applying it will do, or why it cannot."""

    line: int
    staff_number: str
    name: str
    kind: str = ""
    from_department: Department | None = None
    to_department: Department | None = None
    role: str = Role.STAFF
    effective_date: date | None = None
    user: User | None = None
    new_user_email: str = ""
    closes: Membership | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


@dataclass
class TransferPlan:
    changes: list[PlannedChange]

    @property
    def errors(self) -> list[tuple[int, str]]:
        return [(change.line, error) for change in self.changes for error in change.errors]

    @property
    def is_valid(self) -> bool:
        return bool(self.changes) and not self.errors


def _find_department(text: str, departments: dict[str, Department]) -> Department | None:
    return departments.get(text) or departments.get(text.lower())


def plan_transfers(rows: list[dict[str, str]]) -> TransferPlan:
    """What each row would change today, with every problem found; changes nothing."""
    departments: dict[str, Department] = {}
    for each in Department.objects.filter(is_active=True):
        departments[each.name] = each
        departments[each.code.lower()] = each
    numbers = [row.get("staff_number", "") for row in rows]
    users = {u.staff_number: u for u in User.objects.filter(staff_number__in=numbers)}
    seen: dict[str, int] = {}
    new_emails: dict[str, int] = {}
    changes = []
    for index, row in enumerate(rows, start=2):  # line 1 is the header
        line = row_line(row, index)
        change = PlannedChange(line=line, staff_number=row["staff_number"], name=row["name"])
        changes.append(change)
        errors = change.errors
        if not change.staff_number:
            errors.append(_("職員番号が空欄です。"))
            continue
        for key, label, limit in STORED:
            if len(row[key]) > limit:
                errors.append(
                    _("「%(column)s」は%(max)s文字以内にしてください（%(length)s文字あります）。")
                    % {"column": label, "max": limit, "length": len(row[key])}
                )
        if change.staff_number in seen:
            errors.append(
                _("職員番号 %(number)s が %(line)s 行目と重複しています。")
                % {"number": change.staff_number, "line": seen[change.staff_number]}
            )
            continue
        seen[change.staff_number] = line
        change.effective_date = parse_date(row["effective_date"])
        if change.effective_date is None:
            errors.append(
                _("発令日「%(value)s」を日付として読めません（例: 2027-04-01）。")
                % {"value": row["effective_date"]}
            )
        role = ROLE_WORDS.get(row["role"].strip().lower())
        if role is None:
            errors.append(
                _("役割「%(value)s」は「職員」か「所属長」で書いてください。")
                % {"value": row["role"]}
            )
        else:
            change.role = role
        for key, attr in (
            ("from_department", "from_department"),
            ("to_department", "to_department"),
        ):
            if row[key]:
                department = _find_department(row[key], departments)
                if department is None:
                    errors.append(_("所属「%(name)s」は登録されていません。") % {"name": row[key]})
                setattr(change, attr, department)
        if not row["from_department"] and not row["to_department"]:
            errors.append(_("異動前所属と異動後所属の両方が空欄です。"))
        change.user = users.get(change.staff_number)
        if change.user is None:
            if row["from_department"]:
                errors.append(
                    _("職員番号 %(number)s の職員が見つかりません。")
                    % {"number": change.staff_number}
                )
            elif not (row["name"] and row["email"]):
                errors.append(_("新規採用の職員には氏名とメールアドレスが必要です。"))
            elif not _valid_email(row["email"]):
                errors.append(
                    _("メールアドレス「%(email)s」の形式が正しくありません。")
                    % {"email": row["email"]}
                )
            elif row["email"].lower() in new_emails:
                errors.append(
                    _("メールアドレス %(email)s が %(line)s 行目と重複しています。")
                    % {"email": row["email"], "line": new_emails[row["email"].lower()]}
                )
            elif User.objects.filter(email__iexact=row["email"]).exists():
                errors.append(
                    _("メールアドレス %(email)s は別の利用者が使っています。")
                    % {"email": row["email"]}
                )
            else:
                change.new_user_email = row["email"]
                new_emails[row["email"].lower()] = line
        elif not change.name:
            change.name = change.user.display_name
        if errors or change.effective_date is None:
            continue
        change.kind = _classify(change)
        _plan_membership(change)
    return TransferPlan(changes)


def _valid_email(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


def _classify(change: PlannedChange) -> str:
    if change.user is None:
        return _("新規採用")
    if change.from_department and not change.to_department:
        return _("転出・退職")
    if not change.from_department:
        return _("兼務の追加")
    if change.from_department == change.to_department:
        return _("役割の変更")
    return _("異動")


def _plan_membership(change: PlannedChange) -> None:
    assert change.effective_date is not None
    day_before = change.effective_date - timedelta(days=1)
    if change.user is not None and change.from_department is not None:
        change.closes = (
            Membership.objects.active(change.effective_date)
            .filter(user=change.user, department=change.from_department)
            .first()
        )
        if change.closes is None:
            change.errors.append(
                _("%(name)s さんは発令日に %(department)s に所属していません。")
                % {"name": change.name, "department": change.from_department}
            )
        elif change.closes.valid_from > day_before:
            change.errors.append(_("発令日が現在の所属の開始日より前です。"))
    if change.user is not None and change.to_department is not None:
        same = Membership.objects.active(change.effective_date).filter(
            user=change.user, department=change.to_department, role=change.role
        )
        if change.closes is not None:
            same = same.exclude(pk=change.closes.pk)
        already = same.exists()
        if already:
            change.errors.append(
                _("%(name)s さんは既に %(department)s の%(role)sです。")
                % {
                    "name": change.name,
                    "department": change.to_department,
                    "role": change.role_label,
                }
            )
