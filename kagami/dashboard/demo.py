"""The demo town: 鏡野町 from the guideline, with a person for every role.

Idempotent: running it again changes nothing that is already there. Each app that has demo
records (accounts, later posts) provides a loader called at the end.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kagami.audit import log as audit
from kagami.orgs.models import ActingAppointment, Department, Membership, Role, User
from kagami.posts.demo import load_demo_posts
from kagami.registry.demo import load_demo_accounts

DEMO_PASSWORD = "kagami-demo-2026"  # noqa: S105 - printed on purpose; demo only
EMAIL_DOMAIN = "demo.kagami.example"

DEPARTMENTS = [
    # code, name, kana, policy division
    ("somu", "総務課", "そうむか", False),
    ("kikaku", "企画課", "きかくか", True),
    ("sangyo", "産業観光課", "さんぎょうかんこうか", False),
    ("kenko", "健康推進課", "けんこうすいしんか", False),
    ("kyoiku", "教育委員会", "きょういくいいんかい", False),
]


@dataclass(frozen=True)
class DemoPerson:
    login: str
    staff_number: str
    name: str
    kana: str
    department: str | None
    role: str = Role.STAFF
    what: str = ""
    auditor: bool = False
    administrator: bool = False
    contractor: str = ""


PEOPLE = [
    DemoPerson("tanaka", "1001", "田中 一郎", "たなか いちろう", "somu", what="職員（総務課）"),
    DemoPerson(
        "suzuki", "1002", "鈴木 花子", "すずき はなこ", "somu", Role.HEAD, "所属長（総務課）"
    ),
    DemoPerson(
        "nakamura", "1003", "中村 翔", "なかむら しょう", "somu", what="職員・代決者（総務課）"
    ),
    DemoPerson("sato", "2001", "佐藤 健", "さとう けん", "sangyo", what="職員（産業観光課）"),
    DemoPerson(
        "yamamoto",
        "2002",
        "山本 美咲",
        "やまもと みさき",
        "sangyo",
        Role.HEAD,
        "所属長（産業観光課）",
    ),
    DemoPerson(
        "takahashi", "3001", "高橋 誠", "たかはし まこと", "kikaku", what="情報政策担当（企画課）"
    ),
    DemoPerson(
        "kobayashi", "3002", "小林 直子", "こばやし なおこ", "kikaku", Role.HEAD, "所属長（企画課）"
    ),
    DemoPerson("kato", "4001", "加藤 陽菜", "かとう ひな", "kenko", what="職員（健康推進課）"),
    DemoPerson(
        "yoshida", "4002", "吉田 修", "よしだ おさむ", "kenko", Role.HEAD, "所属長（健康推進課）"
    ),
    DemoPerson(
        "yamada", "5001", "山田 学", "やまだ まなぶ", "kyoiku", Role.HEAD, "所属長（教育委員会）"
    ),
    DemoPerson("ito", "9001", "伊藤 正", "いとう ただし", None, what="監査担当", auditor=True),
    DemoPerson(
        "watanabe",
        "9002",
        "渡辺 浩",
        "わたなべ ひろし",
        None,
        what="システム管理者",
        administrator=True,
    ),
    DemoPerson(
        "matsumoto",
        "",
        "松本 彩",
        "まつもと あや",
        "sangyo",
        what="委託事業者（産業観光課）",
        contractor="株式会社かがみのクリエイティブ",
    ),
]


def demo_email(login: str) -> str:
    return f"{login}@{EMAIL_DOMAIN}"


@transaction.atomic
def load_demo() -> list[tuple[str, str, str]]:
    """Create the demo town if absent; returns (login, staff number, role) for printing."""
    departments = {}
    for order, (code, name, kana, policy) in enumerate(DEPARTMENTS):
        departments[code], _created = Department.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_kana": kana,
                "is_policy_division": policy,
                "sort_order": order,
            },
        )
    start = timezone.localdate().replace(month=4, day=1)
    if start > timezone.localdate():
        start = start.replace(year=start.year - 1)
    logins = []
    for person in PEOPLE:
        user = User.objects.filter(email=demo_email(person.login)).first()
        if user is None:
            user = User.objects.create_user(
                email=demo_email(person.login),
                password=DEMO_PASSWORD,
                staff_number=person.staff_number or None,
                display_name=person.name,
                display_name_kana=person.kana,
                is_auditor=person.auditor,
                is_administrator=person.administrator,
                is_staff=person.administrator,
                is_superuser=person.administrator,
                contractor_company=person.contractor,
                access_ends_on=timezone.localdate() + timedelta(days=90)
                if person.contractor
                else None,
            )
            if person.department:
                Membership.objects.create(
                    user=user,
                    department=departments[person.department],
                    role=person.role,
                    valid_from=start,
                )
            audit.record("orgs.user_created", target=user, data={"via": "demo"})
        logins.append((user.email, person.staff_number, person.what))
    somu = departments["somu"]
    if not ActingAppointment.objects.filter(department=somu).exists():
        now = timezone.now()
        appointment = ActingAppointment.objects.create(
            department=somu,
            appointed_by=User.objects.get(email=demo_email("suzuki")),
            deputy=User.objects.get(email=demo_email("nakamura")),
            starts_at=now,
            ends_at=now + timedelta(days=7),
            reason="出張のため（デモ）",
        )
        audit.record(
            "orgs.acting_approver_appointed",
            target=appointment,
            department=somu,
            data={"via": "demo"},
        )
    load_demo_accounts(EMAIL_DOMAIN)
    load_demo_posts(EMAIL_DOMAIN)
    load_demo_case()
    load_demo_incident()
    return logins


def load_demo_incident() -> None:
    """A closed 炎上 incident (G-6-4) with its timeline and accepted review, so that a
    newcomer sees how one runs from declaration to review."""
    from kagami.incidents import flaming
    from kagami.incidents.models import Incident
    from kagami.registry.models import OfficialAccount

    account = OfficialAccount.objects.filter(handle="@kagamino_town").first()
    if account is None or Incident.objects.exists():
        return
    head = User.objects.get(email=demo_email("suzuki"))
    policy = User.objects.get(email=demo_email("takahashi"))
    incident = flaming.declare(
        actor=head,
        accounts=[account],
        reason="（デモ）ごみ収集日の誤った投稿に、批判のコメントが1時間に約100件寄せられた。",
    )
    flaming.add_note(
        actor=head,
        incident=incident,
        text="（デモ）訂正の投稿を準備。報道機関1社から問い合わせがあり、課長が対応した。",
    )
    flaming.submit_review(
        actor=head,
        incident=incident,
        what="収集日を1日誤って投稿し、誤った日にごみを出した地区があった。",
        cause="日付と曜日の確認が担当者一人だけで、承認時にも見落とした。",
        measures="日付・曜日は作成者と承認者の二人で確かめ、内容のチェックの警告を必ず確認する。",
    )
    flaming.decide_review(actor=policy, incident=incident, accept=True)


def load_demo_case() -> None:
    """An open impersonation case (G-6-3): a fake of the town's X account, so that the
    public directory shows its warning."""
    from kagami.incidents import cases
    from kagami.incidents.models import Case
    from kagami.registry.models import OfficialAccount

    account = OfficialAccount.objects.filter(handle="@kagamino_town").first()
    if account is None or Case.objects.filter(fake_handle="@kagamlno_town").exists():
        return
    staff = User.objects.get(email=demo_email("tanaka"))
    head = User.objects.get(email=demo_email("suzuki"))
    case = cases.open_impersonation(
        actor=staff,
        department=account.lead_department,
        account=account,
        platform=account.platform,
        fake_handle="@kagamlno_town",
        fake_url="https://x.com/kagamlno_town",
        fake_name="鏡野町役場【公式】",
        found_at=timezone.now() - timedelta(hours=2),
        how_found="住民からの電話（「抽選に当選しました」というメッセージが届いた）",
        summary="町の投稿を転載し、フォロワーに当選を知らせるメッセージと外部のリンクを送っている。",
    )
    cases.record_request(
        actor=head,
        case=case,
        sent_on=timezone.localdate(),
        channel="web_form",
        reference="0123456789",
        note="X ヘルプセンターのなりすまし報告フォームから報告",
    )
