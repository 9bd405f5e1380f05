"""Reading an existing account register (the spreadsheet a town keeps today) into planned
registry entries, with every problem named before anything is applied (G-4-6)."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from kagami.lib.tables import parse_date, read_table, row_line
from kagami.lib.urls import public_https_url_problem
from kagami.orgs.models import Department
from kagami.registry.models import (
    AccountState,
    OfficialAccount,
    Platform,
    handle_problem,
    normalise_handle,
)

NAME_MAX_LENGTH = OfficialAccount._meta.get_field("name").max_length or 100
URL_MAX_LENGTH = OfficialAccount._meta.get_field("url").max_length or 300
THEME_MAX_LENGTH = OfficialAccount._meta.get_field("joint_theme").max_length or 200

COLUMNS = {
    "SNS": "platform",
    "SNSの種類": "platform",
    "platform": "platform",
    "アカウント名": "name",
    "name": "name",
    "ユーザーID": "handle",
    "ID": "handle",
    "handle": "handle",
    "URL": "url",
    "url": "url",
    "所管課": "department",
    "担当課": "department",
    "department": "department",
    "共同運用の所属": "joint_departments",
    "joint_departments": "joint_departments",
    "共通テーマ": "joint_theme",
    "joint_theme": "joint_theme",
    "状態": "state",
    "state": "state",
    "最終確認日": "last_reviewed",
    "last_reviewed": "last_reviewed",
}
# The header row of a register in the order of the upload form's help text.
REGISTER_HEADER = (
    "SNSの種類,アカウント名,ユーザーID,URL,所管課,共同運用の所属,共通テーマ,状態,最終確認日\n"
)
REQUIRED = {
    "platform": "SNSの種類",
    "name": "アカウント名",
    "handle": "ユーザーID",
    "url": "URL",
    "department": "所管課",
}

# Spellings of platforms seen in real registers.
PLATFORM_ALIASES = {
    "twitter": "x",
    "ツイッター": "x",
    "エックス": "x",
    "x（旧twitter）": "x",
    "x(旧twitter)": "x",
    "フェイスブック": "facebook",
    "インスタグラム": "instagram",
    "ライン": "line",
    "line公式アカウント": "line",
    "ユーチューブ": "youtube",
    "スレッズ": "threads",
    "ブルースカイ": "bluesky",
    "マストドン": "mastodon",
    "ティックトック": "tiktok",
}
STATE_WORDS = {
    "": AccountState.ACTIVE,
    "運用中": AccountState.ACTIVE,
    "active": AccountState.ACTIVE,
    "休止中": AccountState.SUSPENDED,
    "休止": AccountState.SUSPENDED,
    "suspended": AccountState.SUSPENDED,
}


def read_register_file(name: str, content: bytes) -> list[dict[str, str]]:
    return read_table(name, content, columns=COLUMNS, required=REQUIRED)


@dataclass
class PlannedAccount:
    line: int
    row: dict[str, str]
    platform: Platform | None = None
    department: Department | None = None
    joint: list[Department] = field(default_factory=list)
    state: str = AccountState.ACTIVE
    errors: list[str] = field(default_factory=list)


def plan_register(rows: list[dict[str, str]]) -> list[PlannedAccount]:
    """What each row would register, with its problems; changes nothing."""
    platforms: dict[str, Platform] = {}
    for platform in Platform.objects.all():
        platforms[platform.code] = platform
        platforms[platform.name.lower()] = platform
    departments = {d.name: d for d in Department.objects.filter(is_active=True)}
    seen: dict[tuple[int, str], int] = {}
    plans = []
    for index, row in enumerate(rows, start=2):  # line 1 is the header
        line = row_line(row, index)
        plan = PlannedAccount(line=line, row=row)
        plans.append(plan)
        key = row["platform"].strip().lower()
        plan.platform = platforms.get(key) or platforms.get(PLATFORM_ALIASES.get(key, ""))
        if plan.platform is None:
            plan.errors.append(
                _("SNSの種類「%(value)s」が分かりません。") % {"value": row["platform"]}
            )
        plan.department = departments.get(row["department"])
        if plan.department is None:
            plan.errors.append(
                _("所属「%(name)s」は登録されていません。") % {"name": row["department"]}
            )
        for name in filter(
            None, (n.strip() for n in row["joint_departments"].replace("、", ",").split(","))
        ):
            if name in departments:
                plan.joint.append(departments[name])
            else:
                plan.errors.append(_("所属「%(name)s」は登録されていません。") % {"name": name})
        if plan.joint and not row["joint_theme"]:
            plan.errors.append(_("共同運用のアカウントには共通テーマが必要です。"))
        if len(row["joint_theme"]) > THEME_MAX_LENGTH:
            plan.errors.append(
                _("共通テーマは%(max)s文字以内にしてください。") % {"max": THEME_MAX_LENGTH}
            )
        state = STATE_WORDS.get(row["state"].strip().lower())
        if state is None:
            plan.errors.append(
                _("状態「%(value)s」は「運用中」か「休止中」で書いてください。")
                % {"value": row["state"]}
            )
        else:
            plan.state = state
        if row["last_reviewed"] and parse_date(row["last_reviewed"]) is None:
            plan.errors.append(
                _("最終確認日「%(value)s」を日付として読めません。")
                % {"value": row["last_reviewed"]}
            )
        if not row["name"] or not normalise_handle(row["handle"]):
            plan.errors.append(_("アカウント名とユーザーIDは必須です。"))
        elif len(row["name"]) > NAME_MAX_LENGTH:
            plan.errors.append(
                _("アカウント名は%(max)s文字以内にしてください。") % {"max": NAME_MAX_LENGTH}
            )
        elif problem := handle_problem(row["handle"]):
            plan.errors.append(problem)
        url_problem = public_https_url_problem(row["url"])
        if url_problem:
            plan.errors.append(
                _("URL「%(url)s」は使えません: %(problem)s")
                % {"url": row["url"][:300], "problem": url_problem}
            )
        elif len(row["url"]) > URL_MAX_LENGTH:
            plan.errors.append(_("URLは%(max)s文字以内にしてください。") % {"max": URL_MAX_LENGTH})
        if plan.platform is not None and normalise_handle(row["handle"]):
            if not url_problem and not plan.platform.owns_url(row["url"]):
                plan.errors.append(
                    _("URL「%(url)s」は %(platform)s のアドレスではありません。")
                    % {"url": row["url"], "platform": plan.platform}
                )
            elif not url_problem and (
                mismatch := plan.platform.handle_mismatch(row["handle"], row["url"])
            ):
                plan.errors.append(mismatch)
            ident = (plan.platform.pk, normalise_handle(row["handle"]))
            if ident in seen:
                plan.errors.append(_("%(line)s 行目と同じアカウントです。") % {"line": seen[ident]})
            seen.setdefault(ident, line)
            exists = OfficialAccount.objects.filter(
                platform=plan.platform, handle_key=ident[1]
            ).exclude(state=AccountState.ENDED)
            if exists.exists():
                plan.errors.append(_("このアカウントは既に台帳に登録されています。"))
    return plans
