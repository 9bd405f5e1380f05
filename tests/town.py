"""A whole town for the suites that sweep every URL (test_permissions, test_bad_input).

The conftest cast and, beside it, a head of 産業観光課, an acting approver of 総務課, an
administrator, a contractor of 総務課 and one whose access has ended; an account per
department that may publish, a post of 総務課 in every state, deliveries waiting for a
person, a credential in the vault, reports, a pause, uploads waiting for a preview. All of it
is made through the workflow functions (and the test helpers of registry and posts), at
NOW, and kept for a whole module: `town_fixture` builds it in a transaction it rolls back.
"""

import io
from collections.abc import Callable, Iterator
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import time_machine
from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.forms import BaseForm
from django.forms.formsets import BaseFormSet
from django.test import Client
from django.urls import reverse
from PIL import Image

from conftest import PASSWORD, verified_login
from kagami.lib.workcalendar import JST

# A Tuesday morning inside working hours, as in the other view tests.
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=JST)
TOMORROW = "2026-11-25T10:00"
TEXT = "健康まつりのお知らせです。詳しくは https://www.town.kagamino.lg.jp/ をご覧ください。"
STRONG = "trombone-velvet-quasar-91"

# Role name → the person (attribute of Town) who plays it; "anonymous" has nobody.
ROLES = (
    "staff",  # 田中: staff of 総務課, the department that owns the objects in the URLs
    "staff_elsewhere",  # 佐藤: staff of 産業観光課
    "head",  # 鈴木: head of 総務課
    "head_elsewhere",  # 山田: head of 産業観光課
    "acting",  # 加藤: staff of 総務課, acting approver on duty
    "policy",  # 高橋: the policy division (企画課)
    "auditor",  # 伊藤
    "admin",  # 小林: an administrator
    "contractor",  # 渡辺: contractor of 総務課, access until next year
    "expired",  # 中村: contractor of 総務課 whose access ended
    "anonymous",
)


def png(width: int = 64, height: int = 48) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass(repr=False)
class Town:
    """Everything the URL sweeps point at, by name."""

    people: dict[str, Any]
    departments: dict[str, Any]
    accounts: dict[str, Any]
    posts: dict[str, Any]
    deliveries: dict[str, Any]
    objects: dict[str, Any] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)

    def __repr__(self) -> str:
        return "Town(...)"

    def __getattr__(self, name: str) -> Any:
        for group in ("people", "departments", "accounts", "objects"):
            values = self.__dict__.get(group, {})
            if name in values:
                return values[name]
        raise AttributeError(name)


def _people() -> tuple[dict[str, Any], dict[str, Any]]:
    from kagami.orgs.models import Department, Role, User
    from kagami.registry.models import Platform
    from kagami.registry.platforms import load_catalogue
    from kagami.registry.testing import add_member

    load_catalogue(Platform)
    somu = Department.objects.create(code="somu", name="総務課", sort_order=1)
    sangyo = Department.objects.create(code="sangyo", name="産業観光課", sort_order=2)
    kikaku = Department.objects.create(
        code="kikaku", name="企画課", is_policy_division=True, sort_order=3
    )

    def person(login: str, number: str, name: str, department: Any = None, **extra: Any) -> Any:
        role = extra.pop("role", Role.STAFF)
        if department is None:
            return User.objects.create_user(
                email=f"{login}@town.example.lg.jp",
                password=PASSWORD,
                staff_number=number,
                display_name=name,
                **extra,
            )
        user = add_member(department, login, name, role=role, staff_number=number, **extra)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        return user

    people = {
        "staff": person("tanaka", "1001", "田中 一郎", somu),
        "head": person("suzuki", "1002", "鈴木 花子", somu, role=Role.HEAD),
        "acting": person("kato", "1003", "加藤 次郎", somu),
        "contractor": person(
            "watanabe",
            "8001",
            "渡辺 委託",
            somu,
            contractor_company="株式会社かがみ広告",
            access_ends_on=date(2027, 3, 31),
        ),
        "expired": person(
            "nakamura",
            "8002",
            "中村 委託",
            somu,
            contractor_company="株式会社かがみ広告",
            access_ends_on=date(2026, 10, 31),
        ),
        "staff_elsewhere": person("sato", "2001", "佐藤 健", sangyo),
        "head_elsewhere": person("yamada", "2002", "山田 桜", sangyo, role=Role.HEAD),
        "policy": person("takahashi", "3001", "高橋 誠", kikaku),
        "policy_head": person("kimura", "3002", "木村 恵", kikaku, role=Role.HEAD),
        "auditor": person("ito", "9001", "伊藤 正", is_auditor=True),
        "admin": person("kobayashi", "9002", "小林 管理", is_administrator=True),
    }
    return people, {"somu": somu, "sangyo": sangyo, "kikaku": kikaku}


def build_town() -> Town:
    """The town at NOW (call with the time frozen there, inside a transaction)."""
    from kagami.orgs import workflow as orgs
    from kagami.posts import pre_approval
    from kagami.posts import workflow as posts
    from kagami.posts.testing import approved_post
    from kagami.publishing import workflow as publishing
    from kagami.publishing.models import Delivery, DeliveryState, SandboxPost
    from kagami.registry import register, reports
    from kagami.registry import workflow as registry
    from kagami.registry.importer import REGISTER_HEADER
    from kagami.registry.models import Report
    from kagami.registry.testing import documented_account, publishing_account
    from kagami.vault import workflow as vault

    people, departments = _people()
    p, d = people, departments
    somu_x = publishing_account(head=p["head"], policy_officer=p["policy"], department=d["somu"])
    registry.begin_operation(actor=p["head"], account=somu_x)
    registry.appoint_operators(actor=p["head"], account=somu_x, operators=[p["staff"]])
    sangyo_x = publishing_account(
        head=p["head_elsewhere"],
        policy_officer=p["policy"],
        department=d["sangyo"],
        name="鏡野町観光【公式】",
        handle="@kagamino_kanko",
        url="https://x.com/kagamino_kanko",
    )
    kikaku_x = publishing_account(
        head=p["policy_head"],
        policy_officer=p["policy"],
        department=d["kikaku"],
        name="鏡野町企画課【公式】",
        handle="@kagamino_kikaku",
        url="https://x.com/kagamino_kikaku",
    )
    # 総務課 also has an account whose start report was accepted but which has not begun, a
    # planned one with its documents filed, and one whose start report waits for a decision.
    somu_started = publishing_account(
        head=p["head"],
        policy_officer=p["policy"],
        department=d["somu"],
        name="鏡野町子育て【公式】",
        handle="@kagamino_kosodate",
        url="https://x.com/kagamino_kosodate",
    )
    somu_planned = documented_account(
        head=p["head"],
        department=d["somu"],
        name="鏡野町防災【公式】",
        handle="@kagamino_bousai",
        url="https://x.com/kagamino_bousai",
    )
    somu_reported = documented_account(
        head=p["head"],
        department=d["somu"],
        name="鏡野町図書館【公式】",
        handle="@kagamino_library",
        url="https://x.com/kagamino_library",
    )
    waiting_report = reports.file_start_report(
        actor=p["head"], account=somu_reported, start_date=date(2026, 12, 1)
    )
    somu_x.refresh_from_db()
    orgs.appoint_acting_approver(
        head=p["head"],
        department=d["somu"],
        deputy=p["acting"],
        starts_at=NOW - timedelta(hours=1),
        ends_at=NOW + timedelta(days=7),
        reason="出張のため",
    )
    appointment = p["acting"].acting_appointments.get()

    def draft(text: str = TEXT, when: datetime = NOW + timedelta(days=1, hours=1)) -> Any:
        return posts.save_post(
            actor=p["staff"], department=d["somu"], accounts=[somu_x], text=text, publish_at=when
        )

    def submitted(text: str = TEXT) -> Any:
        post = draft(text)
        return posts.submit_post(actor=p["staff"], post=post)

    by_state: dict[str, Any] = {"draft": draft()}
    by_state["submitted"] = submitted()
    by_state["changes_requested"] = posts.request_changes(
        actor=p["head"], post=submitted(), comment="日付を書いてください。"
    )
    by_state["approved"] = posts.approve_post(actor=p["head"], post=submitted())
    by_state["rejected"] = posts.reject_post(
        actor=p["head"], post=submitted(), comment="今回は見送ります。"
    )
    by_state["withdrawn"] = posts.withdraw_post(actor=p["staff"], post=draft())
    with_image = draft("紅葉まつりの写真です。https://www.town.kagamino.lg.jp/")
    image = posts.add_image(
        actor=p["staff"],
        post=with_image,
        upload=SimpleUploadedFile("momiji.png", png(), content_type="image/png"),
        alt_text="赤く色づいた紅葉",
        source="総務課撮影",
    )
    posts.submit_post(actor=p["staff"], post=with_image)
    posts.approve_post(actor=p["head"], post=with_image)
    by_state["with_image"] = with_image

    def due(text: str, hours: int = 1) -> Any:
        return approved_post(
            department=d["somu"],
            author=p["staff"],
            approver=p["head"],
            accounts=[somu_x],
            text=text,
            publish_at=NOW - timedelta(hours=hours),
        )

    # Published through the real worker (the sandbox network).
    from kagami.publishing import worker
    from kagami.publishing.scheduling import schedule_due

    published = due("昨日のお知らせです。https://www.town.kagamino.lg.jp/")
    schedule_due(NOW)
    worker.deliver_batch(worker.claim(now=NOW))
    published.refresh_from_db()
    by_state["published"] = published
    # A post still waiting for approval when its time came.
    overdue = submitted()
    from kagami.posts.models import Post

    Post.objects.filter(pk=overdue.pk).update(publish_at=NOW - timedelta(minutes=5))
    posts.expire_overdue_posts(NOW)
    overdue.refresh_from_db()
    by_state["expired"] = overdue

    deliveries: dict[str, Any] = {"published": Delivery.objects.get(post=published)}
    for state, extra in [
        (DeliveryState.FAILED, {"last_error": "403 Forbidden"}),
        (DeliveryState.HELD, {"reason": "一時停止の間に予定時刻を過ぎました。"}),
        (DeliveryState.MANUAL, {}),
    ]:
        post = due(f"{state}のお知らせです。https://www.town.kagamino.lg.jp/", hours=2)
        deliveries[state] = Delivery.objects.create(
            post=post,
            account=somu_x,
            version=1,
            text=post.text,
            state=state,
            due_at=post.publish_at,
            next_attempt_at=post.publish_at,
            **extra,
        )

    # An advance approval and a post published under it, with its after-the-fact report.
    grant = pre_approval.grant_pre_approval(
        head=p["head"],
        staff=p["staff"],
        account=somu_x,
        categories=["facts", "published"],
        valid_from=date(2026, 11, 1),
        valid_until=date(2027, 3, 31),
    )
    pre = draft("健康まつりは予定どおり開催しました。https://www.town.kagamino.lg.jp/")
    after_report = pre_approval.publish_pre_approved(
        actor=p["staff"],
        post=pre,
        category="facts",
        why_no_approval="所属長が出張中のため",
        evidence_note="会場で実施を確認しました。",
    )
    by_state["pre_approved"] = pre

    credential = vault.store_credential(
        actor=p["head"],
        account=somu_x,
        login_id="kagamino_town",
        password=STRONG,
        recovery_email="sns-recovery@town.example.lg.jp",
        recovery_phone="0868-00-0000",
        two_factor_method="app",
        two_factor_storage="総務課の金庫の公用スマートフォン",
        custodian=p["head"],
    )
    vault.set_api_token(
        actor=p["head"], credential=credential, name="access_token", value="token-of-the-test"
    )
    pause = publishing.pause(actor=p["policy"], reason="災害対応中", account=kikaku_x)
    sandbox_post = SandboxPost.objects.filter(account=somu_x).first()
    transfer = orgs.upload_transfer_file(
        actor=p["policy"],
        file_name="idou.csv",
        content=(
            "職員番号,氏名,メールアドレス,異動前所属,異動後所属,役割,発令日\n"
            "1001,田中 一郎,,総務課,産業観光課,職員,2027-04-01\n"
        ).encode(),
    )
    imported_row = (
        "X,鏡野町移住【公式】,@kagamino_iju,https://x.com/kagamino_iju,総務課,,,運用中,2026/4/1"
    )
    register_batch = register.upload_register(
        actor=p["policy"],
        file_name="台帳.csv",
        content=(
            REGISTER_HEADER
            + "X,鏡野町農業【公式】,@kagamino_nogyo,https://x.com/kagamino_nogyo,総務課,,,運用中,"
            "2026/4/1\n"
        ).encode(),
    )
    imported_batch = register.upload_register(
        actor=p["policy"],
        file_name="台帳（移住）.csv",
        content=(REGISTER_HEADER + imported_row + "\n").encode(),
    )
    register.apply_register(actor=p["policy"], batch=imported_batch)
    from kagami.registry.models import OfficialAccount

    imported = OfficialAccount.objects.get(handle="@kagamino_iju")
    # Impersonation and hijack cases (G-6-3): a fake of 総務課's account with a screenshot and
    # a request waiting for the platform; a hijack of another 総務課 account that the policy
    # division recorded (so 総務課 still has its notice to draft); a look-alike to judge.
    from kagami.incidents import cases as incident_cases
    from kagami.incidents import watch as incident_watch
    from kagami.incidents.models import LookalikeCandidate
    from kagami.publishing.adapters.base import FoundUser

    fake_case = incident_cases.open_impersonation(
        actor=p["staff"],
        department=d["somu"],
        account=somu_x,
        platform=somu_x.platform,
        fake_handle="@kagamino_town_jp",
        fake_url="https://x.com/kagamino_town_jp",
        found_at=NOW - timedelta(hours=1),
    )
    evidence = incident_cases.add_evidence(
        actor=p["staff"], case=fake_case, upload=SimpleUploadedFile("fake.png", png())
    )
    deletion_request = incident_cases.record_request(
        actor=p["head"], case=fake_case, sent_on=NOW.date(), channel="web_form"
    )
    hijack_case = incident_cases.open_hijack(
        actor=p["policy"], account=somu_started, found_at=NOW - timedelta(minutes=30)
    )
    incident_watch._keep_candidate(
        somu_x.platform,
        somu_x.pk,
        FoundUser("@kagamin0_town", "鏡野町", "https://x.com/kagamin0_town", "1"),
        NOW,
    )
    lookalike = LookalikeCandidate.objects.get(handle="@kagamin0_town")
    # 炎上 (G-6-4) on 総務課's account, declared by its head; a correction (G-6-1) of the
    # published post, opened by its staff.
    from kagami.incidents import corrections as incident_corrections
    from kagami.incidents import flaming as incident_flaming

    incident = incident_flaming.declare(
        actor=p["head"], accounts=[somu_x], reason="投稿の表現への批判が続いている"
    )
    correction = incident_corrections.open_correction(
        actor=p["staff"],
        original=by_state["published"],
        kind="correction",
        what_was_wrong="日付の誤り",
    )
    removal = correction.removals.get()
    for item in [*by_state.values(), *deliveries.values(), somu_x]:
        item.refresh_from_db()
    town = Town(
        people=people,
        departments=departments,
        accounts={
            "somu_x": somu_x,
            "sangyo_x": sangyo_x,
            "kikaku_x": kikaku_x,
            "somu_started": somu_started,
            "somu_planned": somu_planned,
            "somu_reported": somu_reported,
            "imported": imported,
        },
        posts=by_state,
        deliveries=deliveries,
        objects={
            "appointment": appointment,
            "image": image,
            "grant": grant,
            "after_report": after_report,
            "credential": credential,
            "pause": pause,
            "sandbox_post": sandbox_post,
            "transfer": transfer,
            "register_batch": register_batch,
            "waiting_report": waiting_report,
            "accepted_report": Report.objects.filter(account=somu_x).first(),
            "policy": somu_x.current_policy(),
            "terms": somu_x.current_terms(),
            "fake_case": fake_case,
            "evidence": evidence,
            "deletion_request": deletion_request,
            "hijack_case": hijack_case,
            "lookalike": lookalike,
            "incident": incident,
            "correction": correction,
            "removal": removal,
        },
    )
    return town


def sign_in_everyone(town: Town) -> None:
    """One client per role, signed in past MFA (the expired contractor too: the access
    policy must send them away on their first request)."""
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            verified_login(client, town.people[role])
        town.clients[role] = client


def town_fixture(django_db_blocker: Any) -> Iterator[Town]:
    """Body of a module-scoped fixture: the town at NOW, rolled back afterwards."""
    with django_db_blocker.unblock(), time_machine.travel(NOW, tick=False):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            town = build_town()
            sign_in_everyone(town)
            yield town
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# -- The URLs of the town, with the minimal right fields of each form -----------------------


def upload(name: str, content: bytes) -> Any:
    return SimpleUploadedFile(name, content)


@dataclass
class Case:
    """One URL to request: its pattern, the ids in its path, and the minimal right POST
    fields (None: the view takes no form)."""

    name: str
    args: Callable[[Town], dict[str, Any]] = lambda t: {}
    post: Callable[[Town], dict[str, Any]] | None = None
    variant: str = ""
    query: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}/{self.variant}" if self.variant else self.name

    def url(self, town: Town) -> str:
        url = reverse(self.name, kwargs=self.args(town))
        return f"{url}?{self.query}" if self.query else url


def pk(attribute: str, kwarg: str = "pk") -> Callable[[Town], dict[str, Any]]:
    def args(town: Town) -> dict[str, Any]:
        value: Any = town
        for part in attribute.split("."):
            value = value[part] if isinstance(value, dict) else getattr(value, part)
        return {kwarg: value.pk}

    return args


def post_of(state: str) -> Callable[[Town], dict[str, Any]]:
    return lambda t: {"pk": t.posts[state].pk}


def compose(t: Town) -> dict[str, Any]:
    return {
        "department": t.somu.pk,
        "accounts": [t.somu_x.pk],
        "text": TEXT,
        "publish_at": TOMORROW,
    }


def policy_fields(t: Town) -> dict[str, Any]:
    from kagami.registry.forms import PolicyForm

    policy = t.objects["policy"]
    return {"action": "save", **{f: getattr(policy, f) for f in PolicyForm.Meta.fields}}


def terms_fields(t: Town) -> dict[str, Any]:
    from kagami.registry.forms import TermsForm

    terms = t.objects["terms"]
    clauses = list(terms.clauses.all())
    data = {
        "action": "save",
        **{f: getattr(terms, f) for f in TermsForm.Meta.fields},
        "clauses-TOTAL_FORMS": str(len(clauses)),
        "clauses-INITIAL_FORMS": "0",
    }
    for n, clause in enumerate(clauses):
        data[f"clauses-{n}-category"] = clause.category
        data[f"clauses-{n}-text"] = clause.text
    return data


def end_report(t: Town) -> dict[str, Any]:
    from kagami.registry.models import END_CHECKLIST

    return {
        "end_kind": "suspend",
        "end_date": "2027-03-31",
        "reason": "担当者が不在になるため",
        "disposition": "lock",
        **{f"check_{key}": "on" for key in END_CHECKLIST},
    }


def credential_fields(t: Town) -> dict[str, Any]:
    return {
        "login_id": "kagamino_bousai",
        "password": STRONG,
        "password_again": STRONG,
        "two_factor_method": "app",
        "custodian": t.head.pk,
        "rotation_interval_days": "90",
    }


def media_path(t: Town) -> dict[str, Any]:
    from django.core import signing

    from kagami.publishing import media

    expires = int((NOW + timedelta(hours=1)).timestamp())
    return {"token": signing.dumps([t.image.pk, expires], salt=media._SALT), "name": "momiji.png"}


TRANSFER_CSV = (
    "職員番号,氏名,メールアドレス,異動前所属,異動後所属,役割,発令日\n"
    "1001,田中 一郎,,総務課,産業観光課,職員,2027-04-01\n"
).encode()
REGISTER_CSV = (
    "SNSの種類,アカウント名,ユーザーID,URL,所管課,共同運用の所属,共通テーマ,状態,最終確認日\n"
    "X,鏡野町スポーツ【公式】,@kagamino_sports,https://x.com/kagamino_sports,総務課,,,運用中,2026/4/1\n"
).encode()

SOMU = pk("somu")
SOMU_X = pk("somu_x")

CASES: list[Case] = [
    # dashboard
    Case("dashboard:home"),
    Case("dashboard:supervision"),
    # orgs: sign-in and the user's own settings
    Case("orgs:login", post=lambda t: {"username": "", "password": ""}),
    Case("orgs:logout", post=lambda t: {}),
    Case("orgs:mfa_verify", post=lambda t: {"token": "000000"}),
    Case("orgs:mfa_setup", post=lambda t: {"token": "000000"}),
    Case("orgs:mfa_re_enrol", post=lambda t: {"token": "000000"}),
    Case("orgs:mfa_disable", post=lambda t: {"token": "000000"}),
    Case("orgs:mfa_reset", pk("staff"), post=lambda t: {"reason": "スマートフォンを紛失したため"}),
    Case(
        "orgs:password_link",
        pk("staff"),
        post=lambda t: {"reason": "人事異動で新しく登録された職員のため"},
    ),
    Case(
        "orgs:password_set",
        lambda t: {"uidb64": "MQ", "token": "not-a-token"},
        post=lambda t: {"new_password1": "x", "new_password2": "x"},
    ),
    Case("orgs:preferences", post=lambda t: {"language": "ja"}),
    Case(
        "orgs:password_change",
        post=lambda t: {
            "old_password": PASSWORD,
            "new_password1": "marigold-anvil-tundra-58",
            "new_password2": "marigold-anvil-tundra-58",
        },
    ),
    Case("orgs:notifications"),
    # orgs: departments, acting approvers, transfers
    Case("orgs:department_list"),
    Case("orgs:department_detail", SOMU),
    Case(
        "orgs:acting_appoint",
        SOMU,
        post=lambda t: {
            "deputy": t.staff.pk,
            "starts_at": "2026-11-24T10:00",
            "ends_at": "2026-11-26T10:00",
            "reason": "休暇のため",
        },
    ),
    Case("orgs:acting_revoke", pk("appointment"), post=lambda t: {}),
    Case("orgs:transfer_upload", post=lambda t: {"file": upload("idou.csv", TRANSFER_CSV)}),
    Case("orgs:transfer_preview", pk("transfer"), post=lambda t: {"action": "discard"}),
    # posts
    Case("posts:post_list"),
    Case("posts:post_new", post=compose),
    Case("posts:post_check", post=compose),
    Case(
        "posts:grants",
        post=lambda t: {
            "staff": t.acting.pk,
            "account": t.somu_x.pk,
            "categories": ["facts"],
            "valid_from": "2026-11-24",
            "valid_until": "2026-12-31",
        },
    ),
    Case("posts:calendar"),
    Case("posts:calendar_week"),
    *[
        Case("posts:post_detail", post_of(state), variant=state)
        for state in (
            "draft",
            "submitted",
            "changes_requested",
            "approved",
            "rejected",
            "withdrawn",
            "published",
            "expired",
            "pre_approved",
        )
    ],
    Case("posts:post_edit", post_of("draft"), post=compose),
    Case(
        "posts:post_image",
        lambda t: {"pk": t.posts["with_image"].pk, "image_pk": t.image.pk},
    ),
    *[
        Case(
            "posts:post_action",
            lambda t, state=state, action=action: {"pk": t.posts[state].pk, "action": action},
            post=data,
            variant=action,
        )
        for action, state, data in [
            ("submit", "draft", lambda t: {}),
            ("approve", "submitted", lambda t: {"comment": ""}),
            ("changes", "submitted", lambda t: {"comment": "日付を書いてください。"}),
            ("reject", "submitted", lambda t: {"comment": "今回は見送ります。"}),
            ("next-slot", "draft", lambda t: {}),
            ("withdraw", "approved", lambda t: {}),
            (
                "pre-approved",
                "draft",
                lambda t: {
                    "category": "facts",
                    "why_no_approval": "所属長が出張中のため",
                    "evidence_note": "会場で確認しました。",
                },
            ),
            (
                "image",
                "draft",
                lambda t: {
                    "image": upload("poster.png", png()),
                    "alt_text": "ポスター",
                    "source": "総務課作成",
                },
            ),
            ("confirm-report", "pre_approved", lambda t: {"outcome": "confirmed", "comment": ""}),
            ("no-such-action", "draft", lambda t: {}),
        ]
    ],
    # publishing
    Case("publishing:public_media", media_path),
    Case("publishing:sandbox"),
    Case("publishing:sandbox_post", pk("sandbox_post")),
    Case(
        "publishing:pauses",
        post=lambda t: {"scope": f"a{t.somu_x.pk}", "reason": "確認のため"},
    ),
    Case("publishing:resume", pk("pause"), post=lambda t: {}),
    Case("publishing:decide_late", lambda t: {"pk": t.deliveries["held"].pk}, post=lambda t: {}),
    Case(
        "publishing:record_manual",
        lambda t: {"pk": t.deliveries["manual"].pk},
        post=lambda t: {"url": "https://x.com/kagamino_town/status/1"},
    ),
    Case("publishing:resend", lambda t: {"pk": t.deliveries["failed"].pk}, post=lambda t: {}),
    # incidents: impersonation and hijack cases
    Case("incidents:case_list"),
    Case(
        "incidents:case_new",
        post=lambda t: {
            "account": t.somu_x.pk,
            "platform": "x",
            "fake_handle": "@kagamino_info",
            "fake_url": "https://x.com/kagamino_info",
            "found_at": "2026-11-24T08:30",
            "how_found": "住民からの電話",
        },
    ),
    Case(
        "incidents:case_hijack",
        post=lambda t: {
            "account": t.somu_x.pk,
            "found_at": "2026-11-24T08:30",
            "how_found": "身に覚えのない投稿が続いている",
        },
    ),
    Case("incidents:case_detail", pk("fake_case")),
    Case(
        "incidents:case_evidence",
        lambda t: {"pk": t.fake_case.pk, "evidence_pk": t.evidence.pk},
    ),
    Case("incidents:case_press_release", pk("fake_case")),
    *[
        Case(
            "incidents:case_action",
            lambda t, case=case, action=action: {"pk": t.objects[case].pk, "action": action},
            post=data,
            variant=action,
        )
        for action, case, data in [
            ("evidence", "fake_case", lambda t: {"file": upload("fake.png", png()), "note": ""}),
            ("note", "fake_case", lambda t: {"text": "町ホームページに注意喚起を掲載した"}),
            (
                "request",
                "fake_case",
                lambda t: {"sent_on": "2026-11-24", "channel": "mail", "reference": "A-1"},
            ),
            (
                "answer",
                "fake_case",
                lambda t: {
                    "deletion_request": t.deletion_request.pk,
                    "outcome": "refused",
                    "answered_on": "2026-11-24",
                },
            ),
            ("close", "fake_case", lambda t: {"note": "削除されたことを確認した"}),
            ("notice", "hijack_case", lambda t: {}),
            ("no-such-action", "fake_case", lambda t: {}),
        ]
    ],
    Case("incidents:case_lookalikes"),
    *[
        Case(
            "incidents:case_lookalike_action",
            lambda t, action=action: {"pk": t.lookalike.pk, "action": action},
            post=lambda t: {"note": "町を名乗っている"},
            variant=action,
        )
        for action in ("confirm", "dismiss")
    ],
    # incidents: 炎上 (G-6-4), corrections (G-6-1), emergency mode, model texts
    Case(
        "incidents:incident_list",
        post=lambda t: {"accounts": [t.somu_x.pk], "reason": "批判が続いている"},
    ),
    Case("incidents:incident_detail", pk("incident")),
    Case("incidents:incident_print", pk("incident")),
    Case(
        "incidents:incident_note", pk("incident"), post=lambda t: {"text": "報道機関から問い合わせ"}
    ),
    Case("incidents:incident_statement", pk("incident"), post=lambda t: {"kind": "holding"}),
    Case(
        "incidents:incident_review",
        pk("incident"),
        post=lambda t: {"what": "表現が不適切", "cause": "確認不足", "measures": "二人で確認"},
    ),
    Case("incidents:incident_decide", pk("incident"), post=lambda t: {"note": "", "accept": "1"}),
    Case("incidents:correction_list"),
    Case(
        "incidents:correction_new",
        lambda t: {"post_pk": t.posts["published"].pk},
        post=lambda t: {"kind": "apology", "what_was_wrong": "表現が不適切だった"},
    ),
    Case("incidents:correction_detail", pk("correction")),
    Case("incidents:correction_remove", pk("correction"), post=lambda t: {}),
    Case("incidents:correction_draft", pk("correction"), post=lambda t: {}),
    Case("incidents:removal_by_hand", pk("removal"), post=lambda t: {"at": "2026-11-24T08:50"}),
    Case("incidents:emergency", post=lambda t: {"reason": "大雨警報"}),
    Case("incidents:wording_list"),
    Case(
        "incidents:wording_edit",
        lambda t: {"key": "holding"},
        post=lambda t: {"text": "【お知らせ】確認中です。（{所属名}）"},
    ),
    # registry
    Case("registry:account_list"),
    Case(
        "registry:account_plan",
        post=lambda t: {
            "platform": t.somu_x.platform_id,
            "name": "鏡野町ふるさと納税【公式】",
            "handle": "@kagamino_furusato",
            "url": "https://x.com/kagamino_furusato",
            "lead_department": t.somu.pk,
        },
    ),
    Case("registry:account_detail", SOMU_X),
    Case(
        "registry:account_settings",
        SOMU_X,
        post=lambda t: {
            "action": "settings",
            "reply_policy": "no_reply",
            "hours_mon": "9:00-17:00",
        },
        variant="settings",
    ),
    Case(
        "registry:account_settings",
        SOMU_X,
        post=lambda t: {"action": "operators", "operators": [t.staff.pk, t.acting.pk]},
        variant="operators",
    ),
    Case(
        "registry:account_settings",
        SOMU_X,
        post=lambda t: {
            "action": "identity",
            "name": "鏡野町役場【公式】",
            "handle": "@kagamino_town",
            "url": "https://x.com/kagamino_town",
        },
        variant="identity",
    ),
    Case("registry:policy_edit", SOMU_X, post=policy_fields),
    Case("registry:terms_edit", SOMU_X, post=terms_fields),
    Case(
        "registry:start_report_new", pk("somu_planned"), post=lambda t: {"start_date": "2026-12-01"}
    ),
    Case("registry:end_report_new", SOMU_X, post=end_report),
    Case(
        "registry:paper_report",
        pk("imported"),
        post=lambda t: {"reported_on": "2023-04-01", "document_number": "令和5年度 第12号"},
    ),
    Case(
        "registry:account_action",
        lambda t: {"pk": t.somu_started.pk, "action": "begin"},
        post=lambda t: {},
        variant="begin",
    ),
    Case(
        "registry:account_action",
        lambda t: {"pk": t.somu_x.pk, "action": "resume"},
        post=lambda t: {},
        variant="resume",
    ),
    Case(
        "registry:account_action",
        lambda t: {"pk": t.somu_x.pk, "action": "review"},
        post=lambda t: {"profile_shows_directory": "on"},
        variant="review",
    ),
    Case(
        "registry:document_detail",
        lambda t: {"kind": "policy", "pk": t.objects["policy"].pk},
        variant="policy",
    ),
    Case(
        "registry:document_detail",
        lambda t: {"kind": "terms", "pk": t.objects["terms"].pk},
        variant="terms",
    ),
    Case("registry:register_import", post=lambda t: {"file": upload("台帳.csv", REGISTER_CSV)}),
    Case("registry:register_preview", pk("register_batch"), post=lambda t: {}),
    Case("registry:report_inbox"),
    Case(
        "registry:report_detail",
        pk("waiting_report"),
        post=lambda t: {"action": "accept", "comment": ""},
    ),
    Case("registry:report_pdf", pk("accepted_report")),
    # vault
    Case("vault:inventory"),
    Case("vault:inventory_csv"),
    Case("vault:generate", query="length=20&lowercase=on&digits=on"),
    Case("vault:credential_detail", SOMU_X),
    Case("vault:credential_new", pk("somu_planned"), post=credential_fields),
    Case(
        "vault:credential_edit",
        SOMU_X,
        post=lambda t: {
            "login_id": "kagamino_town",
            "two_factor_method": "app",
            "custodian": t.head.pk,
            "rotation_interval_days": "90",
        },
    ),
    Case(
        "vault:rotation_record",
        SOMU_X,
        post=lambda t: {
            "new_password": "marigold-anvil-tundra-58",
            "new_password_again": "marigold-anvil-tundra-58",
        },
    ),
    Case(
        "vault:api_token_set",
        SOMU_X,
        post=lambda t: {"name": "access_token", "value": "another-token"},
    ),
    Case(
        "vault:reveal",
        SOMU_X,
        post=lambda t: {
            "item": "password",
            "reason": "確認のため",
            "password": PASSWORD,
            "otp_token": "000000",
        },
    ),
    Case("vault:compromise", SOMU_X, post=lambda t: {"note": "身に覚えのない投稿がある"}),
    # public (no login)
    Case("public:index"),
    Case("public:account", SOMU_X),
    Case("public:guideline"),
    Case("public:check", query="q=%40kagamino_town"),
    Case("public:feed"),
    # the audit viewer
    Case("audit:event_list"),
    Case("audit:event_export"),
]

# The user's own account, which an auditor may look after like anyone (not governance data).
SELF_SERVICE = {
    "orgs:login",
    "orgs:logout",
    "orgs:mfa_verify",
    "orgs:mfa_setup",
    "orgs:mfa_re_enrol",
    "orgs:mfa_disable",
    "orgs:preferences",
    "orgs:password_change",
}


# -- Requests and their classes ---------------------------------------------------------------

# Where a request that may not go on is sent: the login page, or the code of the second factor.
LOGIN_PATHS = ("/accounts/login/", "/accounts/mfa/verify/")


def _forms_in(response: Any) -> Iterator[BaseForm]:
    contexts = response.context
    if contexts is None:
        return
    if not isinstance(contexts, list):
        contexts = [contexts]
    seen: set[int] = set()
    for context in contexts:
        for value in context.flatten().values():
            candidates = value.forms if isinstance(value, BaseFormSet) else [value]
            for form in candidates:
                if isinstance(form, BaseForm) and form.is_bound and id(form) not in seen:
                    seen.add(id(form))
                    yield form


def messages_of(response: Any) -> list[Any]:
    """The messages this request added (shown on its page or kept for the next one)."""
    storage = getattr(response.wsgi_request, "_messages", None)
    if storage is None:
        return []
    return [*storage._loaded_messages, *storage._queued_messages]


def classify(response: Any) -> str:
    status = response.status_code
    if status == 405:
        return "405"
    if status in (403, 404):
        return "denied"
    if status in (301, 302, 303, 307, 308) and urlsplit(response["Location"]).path.startswith(
        LOGIN_PATHS
    ):
        return "denied"
    if status >= 500 or not (200 <= status < 400 or status == 400):
        return str(status)
    if any(m.level >= messages.ERROR for m in messages_of(response)):
        return "refused"
    forms = list(_forms_in(response))
    if any(form.non_field_errors() for form in forms):
        return "refused"
    if any(form.errors for form in forms) or status == 400:
        return "invalid"
    return "ok"


def request(
    client: Client,
    method: str,
    url: str,
    data: dict[str, Any] | None = None,
    *,
    body: bytes | None = None,
    content_type: str = "application/x-www-form-urlencoded",
    watch: bool = False,
) -> Any:
    """One request whose effects (on the database and the client's cookies) are undone.
    `body` is sent as it is; with `watch`, `response.changes` names what the request changed
    in the database before it was undone."""
    cookies = deepcopy(client.cookies)
    try:
        with transaction.atomic():
            before = footprint() if watch else None
            if body is not None:
                response = client.generic(method, url, body, content_type=content_type)
            elif method == "GET":
                response = client.get(url, data)
            else:
                response = client.post(url, data or {})
            response.changes = changes_since(before) if before is not None else []
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies
    return response


def _counted_models() -> list[Any]:
    from django.apps import apps

    return [
        model
        for model in apps.get_models()
        if model._meta.app_label not in ("sessions", "axes", "contenttypes", "admin")
        and model._meta.label not in ("audit.AuditEvent", "audit.ChainHead")
        and not model._meta.proxy
    ]


def footprint() -> tuple[tuple[int, ...], int]:
    """How many rows every table has (one query) and the last audit event."""
    from django.db import connection

    from kagami.audit.models import AuditEvent

    tables = [connection.ops.quote_name(m._meta.db_table) for m in _counted_models()]
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {t})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        counts = tuple(cursor.fetchone())
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    return counts, last


def changes_since(before: tuple[tuple[int, ...], int]) -> list[str]:
    """Tables whose rows were added or removed, and audited actions other than refusals and
    signing in (every change of state is audited, so an update shows up here)."""
    from kagami.audit.models import AuditEvent

    counts, _last = footprint()
    models = _counted_models()
    changed = [m._meta.label for m, a, b in zip(models, before[0], counts, strict=True) if a != b]
    actions = AuditEvent.objects.filter(seq__gt=before[1]).values_list("action", flat=True)
    return changed + [
        a for a in actions if not a.endswith("_refused") and not a.startswith("auth.")
    ]
