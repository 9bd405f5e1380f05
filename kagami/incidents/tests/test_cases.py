"""Impersonation and hijack cases (G-6-3): recording a fake or a hijack, evidence, requests to
the platform and their outcomes, reminders when the platform is silent, closing, and the
weekly look-alike watch."""

import io
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from PIL import Image

from kagami.audit.models import AuditEvent
from kagami.incidents import cases, watch
from kagami.incidents.models import (
    Case,
    CaseEntry,
    DeletionRequest,
    Evidence,
    LookalikeCandidate,
    LookalikeRound,
)
from kagami.incidents.models.cases import CandidateState, CaseEntryKind, CaseKind, CaseState
from kagami.lib.errors import DomainError
from kagami.lib.workcalendar import JST
from kagami.orgs.models import Notification
from kagami.posts.models import Post, PostState
from kagami.publishing.adapters.base import ErrorKind, FoundUser, PublishError
from kagami.publishing.models import Pause
from kagami.registry.models import OfficialAccount, Platform
from kagami.registry.testing import documented_account, publishing_account
from kagami.vault import workflow as vault
from kagami.vault.models import RotationReason

# A Tuesday morning in office hours.
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=JST)
FAKE = "@kagamino_town_jp"
FAKE_URL = "https://x.com/kagamino_town_jp"


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def account(cast: Any) -> OfficialAccount:
    return publishing_account(head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu)


@pytest.fixture
def x() -> Platform:
    return Platform.objects.get(code="x")


def open_fake(cast: Any, account: OfficialAccount, **extra: Any) -> Case:
    fields: dict[str, Any] = {
        "actor": cast.tanaka,
        "department": cast.somu,
        "account": account,
        "platform": account.platform,
        "fake_handle": FAKE,
        "fake_url": FAKE_URL,
        "fake_name": "鏡野町役場【公式】",
        "found_at": NOW - timedelta(hours=1),
        "how_found": "住民からの電話",
        **extra,
    }
    return cases.open_impersonation(**fields)


def png(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 20, 30)).save(buffer, "PNG")
    return buffer.getvalue()


# -- Opening an impersonation case ------------------------------------------------------------


def test_staff_record_a_fake_and_the_heads_and_the_policy_division_are_told(
    cast: Any, account: OfficialAccount, django_capture_on_commit_callbacks: Any, mailoutbox: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = open_fake(cast, account)
    assert case.state == CaseState.OPEN and case.kind == CaseKind.IMPERSONATION
    assert case.department == cast.somu and case.found_by == cast.tanaka
    assert case.fake_handle_key == "kagamino_town_jp"
    assert [e.kind for e in case.entries.all()] == [CaseEntryKind.FOUND]
    event = AuditEvent.objects.get(action="incidents.case_opened")
    assert event.actor == cast.tanaka and event.data["handle"] == FAKE
    told = set(Notification.objects.values_list("user__display_name", flat=True))
    assert told == {"鈴木 花子", "高橋 誠"}  # the head and the policy division, not the author
    assert "なりすましアカウント" in Notification.objects.first().subject
    assert sorted(address for mail in mailoutbox for address in mail.to) == [
        "suzuki@town.example.lg.jp",
        "takahashi@town.example.lg.jp",
    ]


def test_each_person_is_told_in_their_own_language(
    cast: Any, account: OfficialAccount, monkeypatch: Any
) -> None:
    cast.takahashi.language = "en"
    cast.takahashi.save(update_fields=["language"])
    seen: list[tuple[str, list[str]]] = []

    def notify(users: Any, subject: str, body: str = "", link: str = "") -> list[Any]:
        seen.append((translation.get_language(), sorted(u.display_name for u in users)))
        return []

    monkeypatch.setattr(cases, "notify", notify)
    open_fake(cast, account)
    assert sorted(seen) == [("en", ["高橋 誠"]), ("ja", ["鈴木 花子"])]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"fake_handle": ""}, "ユーザーIDを入力してください"),
        ({"fake_handle": "a" * 101}, "長すぎます"),
        ({"fake_handle": "kagamino town"}, "空白"),
        ({"fake_url": "http://x.com/kagamino_town_jp"}, "https://"),
        ({"fake_url": "javascript:alert(1)"}, "https://"),
        ({"fake_url": "https://evil.example/kagamino_town_jp"}, "のアドレスではありません"),
        ({"fake_url": "https://x.com/someone_else"}, "ではありません"),
        ({"fake_url": "https://x.com/" + "a" * 300}, "300文字以内"),
        ({"fake_name": "名" * 101}, "100文字以内"),
        ({"summary": "長" * 4001}, "4000文字以内"),
        ({"summary": "a\x00b"}, "NUL"),
        ({"found_at": NOW + timedelta(days=1)}, "未来"),
        ({"found_at": datetime(1999, 1, 1, tzinfo=JST)}, "2000年"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_recorded(
    cast: Any, account: OfficialAccount, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(DomainError) as refused:
        open_fake(cast, account, **change)
    assert message in refused.value.message
    assert not Case.objects.exists() and not Notification.objects.exists()
    assert AuditEvent.objects.filter(action="incidents.case_opened_refused").exists()


def test_a_handle_the_town_has_planned_is_never_recorded_as_a_fake(
    cast: Any, account: OfficialAccount
) -> None:
    planned = documented_account(
        head=cast.suzuki,
        department=cast.somu,
        name="鏡野町防災【公式】",
        handle="@kagamino_bousai",
        url="https://x.com/kagamino_bousai",
    )
    assert planned.state == "planned"
    with pytest.raises(DomainError) as refused:
        open_fake(cast, account, fake_handle="@Kagamino_Bousai", fake_url="")
    assert "計画中" in refused.value.message
    with pytest.raises(DomainError):
        open_fake(cast, account, fake_handle="kagamino_town", fake_url="")


def test_the_same_fake_is_one_open_case(cast: Any, account: OfficialAccount) -> None:
    open_fake(cast, account)
    with pytest.raises(DomainError) as refused:
        open_fake(cast, account, fake_handle="@KAGAMINO_TOWN_JP")
    assert "既に対応中" in refused.value.message
    assert Case.objects.count() == 1


def test_only_staff_of_the_department_and_the_policy_division_record_a_fake(
    cast: Any, account: OfficialAccount
) -> None:
    for outsider in (cast.sato, cast.ito):
        with pytest.raises(DomainError):
            open_fake(cast, account, actor=outsider)
    assert not Case.objects.exists()
    case = open_fake(cast, account, actor=cast.takahashi)
    assert case.opened_by == cast.takahashi


def test_a_fake_of_the_town_in_general_belongs_to_the_department_chosen(
    cast: Any, x: Platform
) -> None:
    case = cases.open_impersonation(
        actor=cast.sato,
        department=cast.sangyo,
        platform=x,
        fake_handle="@kagamino_kanko_info",
        found_at=NOW,
    )
    assert case.account is None and case.department == cast.sangyo
    with pytest.raises(DomainError):
        cases.open_impersonation(
            actor=cast.sato, department=cast.somu, platform=x, fake_handle="@x_y", found_at=NOW
        )


# -- Evidence ---------------------------------------------------------------------------------


def test_a_screenshot_is_kept_with_who_added_it_when_and_its_digest(
    cast: Any, account: OfficialAccount
) -> None:
    import hashlib

    case = open_fake(cast, account)
    content = png()
    evidence = cases.add_evidence(
        actor=cast.tanaka,
        case=case,
        upload=SimpleUploadedFile("偽アカウント.png", content, content_type="image/png"),
        note="プロフィール画面",
    )
    assert evidence.file_type == "png" and evidence.added_by == cast.tanaka
    assert evidence.added_at == NOW
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.original_name == "偽アカウント.png"
    assert evidence.file.name.endswith(".png") and "偽" not in evidence.file.name
    with evidence.file.open("rb") as stored:
        assert stored.read() == content
    assert case.entries.filter(kind=CaseEntryKind.EVIDENCE).exists()
    assert AuditEvent.objects.filter(action="incidents.evidence_added").exists()


def test_a_pdf_is_evidence_too(cast: Any, account: OfficialAccount) -> None:
    case = open_fake(cast, account)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    evidence = cases.add_evidence(
        actor=cast.takahashi, case=case, upload=SimpleUploadedFile("report.pdf", pdf)
    )
    assert evidence.file_type == "pdf" and evidence.content_type == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "x.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "PDF",
        ),
        ("x.html", b"<html><script>alert(1)</script></html>", "PDF"),
        ("x.png", b"\x89PNG\r\n\x1a\nnot really", "PDF"),
        ("x.txt", b"", "空"),
        ("big.png", b"\x00" * (10 * 1024 * 1024 + 1), "10MB"),
        ("tall.png", png(1, 16001), "16000"),
    ],
)
def test_a_file_that_is_not_an_image_or_a_pdf_is_refused(
    cast: Any, account: OfficialAccount, name: str, content: bytes, message: str
) -> None:
    case = open_fake(cast, account)
    with pytest.raises(DomainError) as refused:
        cases.add_evidence(actor=cast.tanaka, case=case, upload=SimpleUploadedFile(name, content))
    assert message in refused.value.message
    assert not Evidence.objects.exists()


def test_staff_of_another_department_and_auditors_add_no_evidence(
    cast: Any, account: OfficialAccount
) -> None:
    case = open_fake(cast, account)
    for outsider in (cast.sato, cast.ito):
        with pytest.raises(DomainError):
            cases.add_evidence(actor=outsider, case=case, upload=SimpleUploadedFile("a.png", png()))
        with pytest.raises(DomainError):
            cases.add_note(actor=outsider, case=case, text="メモ")
    assert not Evidence.objects.exists()


# -- Requests, answers, closing ---------------------------------------------------------------


def test_the_head_records_the_request_and_its_outcome_removed_closes_the_case(
    cast: Any, account: OfficialAccount
) -> None:
    case = open_fake(cast, account)
    with pytest.raises(DomainError):
        cases.record_request(
            actor=cast.tanaka, case=case, sent_on=date(2026, 11, 24), channel="web_form"
        )
    sent = cases.record_request(
        actor=cast.suzuki,
        case=case,
        sent_on=date(2026, 11, 24),
        channel="web_form",
        reference="X-12345",
    )
    assert sent.is_pending
    entry = case.entries.get(kind=CaseEntryKind.REQUEST)
    assert "X-12345" in entry.text and "報告フォーム" in entry.text
    cases.record_answer(
        actor=cast.takahashi,
        deletion_request=sent,
        outcome="removed",
        answered_on=date(2026, 11, 24),
        note="凍結されました",
    )
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.closed_by == cast.takahashi
    assert [e.kind for e in case.entries.all()][-2:] == [
        CaseEntryKind.ANSWER,
        CaseEntryKind.CLOSED,
    ]
    with pytest.raises(DomainError):
        cases.record_answer(
            actor=cast.suzuki, deletion_request=sent, outcome="refused", answered_on=NOW.date()
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sent_on": date(2026, 11, 25)}, "未来"),
        ({"sent_on": date(2026, 1, 1)}, "より前"),
        ({"channel": "carrier_pigeon"}, "依頼の方法"),
        ({"reference": "1" * 101}, "100文字以内"),
    ],
)
def test_a_request_with_bad_input_is_refused(
    cast: Any, account: OfficialAccount, change: dict[str, Any], message: str
) -> None:
    case = open_fake(cast, account)
    fields = {"actor": cast.suzuki, "case": case, "sent_on": NOW.date(), "channel": "mail"}
    with pytest.raises(DomainError) as refused:
        cases.record_request(**{**fields, **change})
    assert message in refused.value.message
    assert not DeletionRequest.objects.exists()


def test_refused_or_unanswered_keeps_the_case_open_until_a_person_closes_it(
    cast: Any, account: OfficialAccount
) -> None:
    case = open_fake(cast, account)
    sent = cases.record_request(actor=cast.suzuki, case=case, sent_on=NOW.date(), channel="mail")
    cases.record_answer(
        actor=cast.suzuki, deletion_request=sent, outcome="refused", answered_on=NOW.date()
    )
    case.refresh_from_db()
    assert case.is_open
    with pytest.raises(DomainError):
        cases.close_case(actor=cast.suzuki, case=case, note="  ")
    with pytest.raises(DomainError):
        cases.close_case(actor=cast.tanaka, case=case, note="消えました")
    cases.close_case(actor=cast.suzuki, case=case, note="偽アカウントが表示されなくなった")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    with pytest.raises(DomainError):
        cases.close_case(actor=cast.suzuki, case=case, note="もう一度")
    with pytest.raises(DomainError):
        cases.add_evidence(actor=cast.tanaka, case=case, upload=SimpleUploadedFile("a.png", png()))


# -- Reminders when the platform stays silent -------------------------------------------------


def _reminded(case: Case) -> int:
    return case.entries.filter(kind=CaseEntryKind.REMINDER).count()


def test_no_answer_for_three_days_reminds_the_heads_and_the_policy_division_once(
    cast: Any, account: OfficialAccount, frozen: Any
) -> None:
    case = open_fake(cast, account)
    cases.record_request(actor=cast.suzuki, case=case, sent_on=NOW.date(), channel="web_form")
    Notification.objects.all().delete()
    frozen.move_to(NOW + timedelta(days=2, hours=14))  # 11/26 23:00
    assert cases.remind_unanswered_requests() == 0
    frozen.move_to(NOW + timedelta(days=3))  # 11/27 09:00
    assert cases.remind_unanswered_requests() == 1
    assert cases.remind_unanswered_requests() == 0
    frozen.move_to(NOW + timedelta(days=10))
    assert cases.remind_unanswered_requests() == 0
    assert _reminded(case) == 1
    told = set(Notification.objects.values_list("user__display_name", flat=True))
    assert told == {"鈴木 花子", "高橋 誠"}
    assert AuditEvent.objects.filter(action="incidents.request_reminder_sent").count() == 1
    # A second request to the platform starts a new wait.
    cases.record_request(
        actor=cast.suzuki, case=case, sent_on=(NOW + timedelta(days=10)).date(), channel="mail"
    )
    frozen.move_to(NOW + timedelta(days=13))
    assert cases.remind_unanswered_requests() == 1
    assert _reminded(case) == 2


@override_settings(KAGAMI_IMPERSONATION_REMINDER_DAYS=5)
def test_the_number_of_days_is_a_setting(cast: Any, account: OfficialAccount, frozen: Any) -> None:
    case = open_fake(cast, account)
    cases.record_request(actor=cast.suzuki, case=case, sent_on=NOW.date(), channel="mail")
    frozen.move_to(NOW + timedelta(days=4))
    assert cases.remind_unanswered_requests() == 0
    frozen.move_to(NOW + timedelta(days=5))
    assert cases.remind_unanswered_requests() == 1


def test_an_answered_request_or_a_closed_case_reminds_nobody(
    cast: Any, account: OfficialAccount, frozen: Any
) -> None:
    case = open_fake(cast, account)
    first = cases.record_request(actor=cast.suzuki, case=case, sent_on=NOW.date(), channel="mail")
    cases.record_answer(
        actor=cast.suzuki, deletion_request=first, outcome="no_answer", answered_on=NOW.date()
    )
    other = open_fake(cast, account, fake_handle="@kagamino_info", fake_url="")
    cases.record_request(actor=cast.suzuki, case=other, sent_on=NOW.date(), channel="mail")
    cases.close_case(actor=cast.suzuki, case=other, note="削除を確認した")
    frozen.move_to(NOW + timedelta(days=7))
    assert cases.remind_unanswered_requests() == 0


def test_kagami_tick_runs_the_reminders(cast: Any, account: OfficialAccount, frozen: Any) -> None:
    case = open_fake(cast, account)
    cases.record_request(actor=cast.suzuki, case=case, sent_on=NOW.date(), channel="mail")
    frozen.move_to(NOW + timedelta(days=3))
    out = io.StringIO()
    call_command("tick", stdout=out)
    assert "incidents.remind_unanswered_requests: 1" in out.getvalue()


# -- Hijacks ----------------------------------------------------------------------------------


def test_a_hijack_stops_the_account_opens_the_vault_task_and_drafts_the_notice(
    cast: Any, account: OfficialAccount
) -> None:
    vault.store_credential(
        actor=cast.suzuki,
        account=account,
        login_id="kagamino_town",
        password="trombone-velvet-quasar-91",
        custodian=cast.suzuki,
    )
    case = cases.open_hijack(
        actor=cast.suzuki,
        account=account,
        found_at=NOW - timedelta(minutes=20),
        how_found="暗号資産の投稿が続いている",
    )
    assert case.kind == CaseKind.HIJACK and case.platform == account.platform
    assert Pause.objects.in_force().filter(account=account).get() == case.pause
    assert case.rotation_task is not None
    assert case.rotation_task.reason == RotationReason.COMPROMISE
    post = case.notice_post
    assert post is not None and post.state == PostState.DRAFT
    assert post.statement == "explanation" and post.department == cast.somu
    assert "不正に操作され" in post.text and "鏡野町" in post.text
    with pytest.raises(DomainError):
        cases.open_hijack(actor=cast.suzuki, account=account, found_at=NOW)
    assert Case.objects.count() == 1


def test_staff_cannot_stop_an_account_and_are_told_to_call_their_head(
    cast: Any, account: OfficialAccount
) -> None:
    with pytest.raises(DomainError) as refused:
        cases.open_hijack(actor=cast.tanaka, account=account, found_at=NOW)
    assert "所属長へ連絡" in refused.value.message
    assert not Pause.objects.exists() and not Case.objects.exists()


def test_when_the_policy_division_records_a_hijack_staff_draft_the_notice(
    cast: Any, account: OfficialAccount
) -> None:
    case = cases.open_hijack(actor=cast.takahashi, account=account, found_at=NOW)
    assert case.pause is not None and case.notice_post is None and case.rotation_task is None
    assert "保管庫に登録されていない" in " ".join(case.entries.values_list("text", flat=True))
    with pytest.raises(DomainError):
        cases.draft_hijack_notice(actor=cast.sato, case=case)
    post = cases.draft_hijack_notice(actor=cast.tanaka, case=case)
    case.refresh_from_db()
    assert case.notice_post == post and post.author == cast.tanaka
    with pytest.raises(DomainError):
        cases.draft_hijack_notice(actor=cast.tanaka, case=case)
    assert Post.objects.count() == 1


def test_a_hijacked_account_that_may_not_publish_is_still_stopped_and_the_notice_waits(
    cast: Any,
) -> None:
    planned = documented_account(head=cast.suzuki, department=cast.somu)
    case = cases.open_hijack(actor=cast.suzuki, account=planned, found_at=NOW)
    assert case.pause is not None and case.notice_post is None
    texts = " ".join(case.entries.values_list("text", flat=True))
    assert "お知らせの下書きを作れませんでした" in texts and "運用開始報告書" in texts


def test_closing_a_hijack_leaves_the_pause_to_be_lifted_by_hand(
    cast: Any, account: OfficialAccount
) -> None:
    case = cases.open_hijack(actor=cast.suzuki, account=account, found_at=NOW)
    cases.close_case(actor=cast.suzuki, case=case, note="パスワードを変更し、取り戻した")
    assert Pause.objects.in_force().filter(account=account).exists()


# -- The look-alike watch ---------------------------------------------------------------------


class FakeLookups:
    """An adapter that answers lookups from a dict, and can be told to run out of quota."""

    can_lookup_users = True

    def __init__(self, existing: dict[str, FoundUser], limit_after: int | None = None) -> None:
        self.existing = existing
        self.asked: list[str] = []
        self.limit_after = limit_after

    def lookup_user(self, handle: str) -> FoundUser | None:
        if self.limit_after is not None and len(self.asked) >= self.limit_after:
            raise PublishError(
                "Too Many Requests", ErrorKind.RATE_LIMITED, retry_after=NOW + timedelta(hours=2)
            )
        self.asked.append(handle)
        return self.existing.get(handle.lower())


def found(handle: str) -> FoundUser:
    return FoundUser(
        handle=handle,
        display_name="鏡野町役場【公式】",
        url=f"https://x.com/{handle.lstrip('@')}",
        platform_user_id="123",
        created_at=NOW - timedelta(days=3),
    )


@pytest.fixture
def lookups(monkeypatch: Any) -> FakeLookups:
    adapter = FakeLookups({"@kagamin0_town": found("@kagamin0_town")})
    monkeypatch.setattr(watch, "adapter_for", lambda account: adapter)
    return adapter


def test_the_sandbox_asks_no_platform(cast: Any, account: OfficialAccount, lookups: Any) -> None:
    assert watch.watch_lookalikes() == 0
    assert lookups.asked == [] and not LookalikeRound.objects.exists()


@override_settings(KAGAMI_PUBLISHING="live")
def test_a_weekly_round_lists_existing_look_alikes_for_a_person(
    cast: Any, account: OfficialAccount, lookups: FakeLookups, frozen: Any
) -> None:
    total = 0
    for _tick in range(10):
        total += watch.watch_lookalikes()
    assert 0 < total == len(lookups.asked) <= 60
    assert len(set(lookups.asked)) == len(lookups.asked)
    assert "@kagamino_town" not in lookups.asked
    candidate = LookalikeCandidate.objects.get()
    assert candidate.handle == "@kagamin0_town" and candidate.resembles == account
    assert candidate.state == CandidateState.NEW
    assert Notification.objects.filter(subject__contains="kagamin0_town").exists()
    round_ = LookalikeRound.objects.get()
    assert round_.finished_at == NOW and round_.found == 1
    # Nothing more until a week has passed; then a new round, the candidate seen again.
    frozen.move_to(NOW + timedelta(days=6, hours=23))
    assert watch.watch_lookalikes() == 0
    frozen.move_to(NOW + timedelta(days=7))
    assert watch.watch_lookalikes() > 0
    assert LookalikeRound.objects.count() == 2
    assert LookalikeCandidate.objects.count() == 1


@override_settings(KAGAMI_PUBLISHING="live")
def test_the_town_s_own_planned_accounts_are_never_asked_about(
    cast: Any, account: OfficialAccount, lookups: FakeLookups
) -> None:
    documented_account(
        head=cast.suzuki,
        department=cast.somu,
        name="鏡野町（準備中）",
        handle="@kagamin0_town",
        url="https://x.com/kagamin0_town",
    )
    for _tick in range(5):
        watch.watch_lookalikes()
    assert "@kagamin0_town" not in lookups.asked
    assert not LookalikeCandidate.objects.exists()


@override_settings(KAGAMI_PUBLISHING="live")
def test_a_rate_limit_stops_the_round_politely_until_the_platform_allows(
    cast: Any, account: OfficialAccount, monkeypatch: Any, frozen: Any
) -> None:
    adapter = FakeLookups({}, limit_after=3)
    monkeypatch.setattr(watch, "adapter_for", lambda account: adapter)
    assert watch.watch_lookalikes() == 3
    round_ = LookalikeRound.objects.get()
    assert round_.finished_at is None and round_.resume_after == NOW + timedelta(hours=2)
    assert "Too Many Requests" in round_.stopped_reason
    assert watch.watch_lookalikes() == 0 and len(adapter.asked) == 3
    adapter.limit_after = None
    frozen.move_to(NOW + timedelta(hours=2))
    assert watch.watch_lookalikes() > 0
    assert adapter.asked[3] != adapter.asked[2]  # it goes on where it stopped


@override_settings(KAGAMI_PUBLISHING="live")
def test_a_platform_whose_adapter_cannot_look_up_users_is_skipped(
    cast: Any, account: OfficialAccount, monkeypatch: Any
) -> None:
    adapter = FakeLookups({})
    adapter.can_lookup_users = False  # type: ignore[misc]
    monkeypatch.setattr(watch, "adapter_for", lambda account: adapter)
    assert watch.watch_lookalikes() == 0
    assert not LookalikeRound.objects.exists()


def _candidate(account: OfficialAccount) -> LookalikeCandidate:
    assert watch._keep_candidate(account.platform, account.pk, found("@kagamin0_town"), NOW)
    return LookalikeCandidate.objects.get()


def test_a_confirmed_look_alike_becomes_a_case(cast: Any, account: OfficialAccount) -> None:
    candidate = _candidate(account)
    with pytest.raises(DomainError):
        watch.confirm_candidate(actor=cast.tanaka, candidate=candidate)
    case = watch.confirm_candidate(actor=cast.suzuki, candidate=candidate, note="町を名乗っている")
    candidate.refresh_from_db()
    assert candidate.state == CandidateState.CONFIRMED and candidate.case == case
    assert case.fake_handle == "@kagamin0_town" and case.account == account
    assert case.fake_url == "https://x.com/kagamin0_town"
    with pytest.raises(DomainError):
        watch.dismiss_candidate(actor=cast.suzuki, candidate=candidate)


def test_a_dismissed_look_alike_stays_dismissed(cast: Any, account: OfficialAccount) -> None:
    candidate = _candidate(account)
    watch.dismiss_candidate(
        actor=cast.takahashi, candidate=candidate, note="個人のファンアカウント"
    )
    candidate.refresh_from_db()
    assert candidate.state == CandidateState.DISMISSED and not Case.objects.exists()
    assert not watch._keep_candidate(account.platform, account.pk, found("@kagamin0_town"), NOW)


# -- Screens ----------------------------------------------------------------------------------


def test_recording_a_fake_on_the_screen(
    client: Any, login: Any, cast: Any, account: OfficialAccount
) -> None:
    login(client, cast.tanaka)
    url = reverse("incidents:case_new")
    assert client.get(url).status_code == 200
    data = {
        "account": account.pk,
        "platform": "x",
        "fake_handle": FAKE,
        "fake_url": FAKE_URL,
        "found_at": "2026-11-24T08:08",
        "how_found": "住民からの電話",
    }
    bad = client.post(url, {**data, "platform": "myspace"})
    assert bad.status_code == 200 and bad.context["form"].errors["platform"]
    bad = client.post(url, {**data, "found_at": "2026-11-25T08:08"})
    assert "未来" in str(bad.context["form"].non_field_errors())
    assert not Case.objects.exists()
    response = client.post(url, data)
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "incidents:case_detail", args=[case.pk]
    )
    assert case.found_at == datetime(2026, 11, 24, 8, 8, tzinfo=JST)


def test_the_case_page_shows_the_fake_url_as_text_never_as_a_link(
    client: Any, login: Any, cast: Any, account: OfficialAccount
) -> None:
    case = open_fake(cast, account)
    login(client, cast.suzuki)
    page = client.get(reverse("incidents:case_detail", args=[case.pk])).content.decode()
    assert FAKE_URL in page
    assert f'href="{FAKE_URL}' not in page
    assert "運営者への削除依頼" in page and "案件を終了する" in page
    login(client, cast.sato)
    assert client.get(reverse("incidents:case_detail", args=[case.pk])).status_code == 404


def test_evidence_on_the_screen_is_served_with_its_checked_type(
    client: Any, login: Any, cast: Any, account: OfficialAccount
) -> None:
    case = open_fake(cast, account)
    login(client, cast.tanaka)
    action = reverse("incidents:case_action", args=[case.pk, "evidence"])
    refused = client.post(
        action, {"file": SimpleUploadedFile("x.svg", b"<svg/>", content_type="image/png")}
    )
    assert refused.status_code == 302 and not Evidence.objects.exists()
    client.post(action, {"file": SimpleUploadedFile("a.png", png()), "note": "画面"})
    evidence = Evidence.objects.get()
    response = client.get(reverse("incidents:case_evidence", args=[case.pk, evidence.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == png()


def test_the_press_release_draft_is_a_pdf_with_the_case_filled_in(
    client: Any, login: Any, cast: Any, account: OfficialAccount
) -> None:
    from kagami.incidents.pdf import render_press_release_html

    case = open_fake(cast, account)
    cases.record_request(actor=cast.suzuki, case=case, sent_on=NOW.date(), channel="web_form")
    html = render_press_release_html(case)
    assert "鏡野町の公式SNSアカウントを装った偽アカウントについて" in html
    assert FAKE in html and "令和8年11月24日" in html
    assert "{依頼日}" not in html and "<a " not in html
    login(client, cast.suzuki)
    response = client.get(reverse("incidents:case_press_release", args=[case.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_every_state_change_is_on_the_timeline(cast: Any, account: OfficialAccount) -> None:
    case = open_fake(cast, account)
    cases.add_evidence(actor=cast.tanaka, case=case, upload=SimpleUploadedFile("a.png", png()))
    cases.add_note(actor=cast.tanaka, case=case, text="町ホームページに注意喚起を掲載")
    sent = cases.record_request(actor=cast.suzuki, case=case, sent_on=NOW.date(), channel="mail")
    cases.record_answer(
        actor=cast.suzuki, deletion_request=sent, outcome="removed", answered_on=NOW.date()
    )
    kinds = list(CaseEntry.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["found", "evidence", "note", "request", "answer", "closed"]


def test_the_demo_town_has_an_open_fake_that_the_public_directory_warns_about(
    client: Any, db: None
) -> None:
    from kagami.dashboard.demo import load_demo

    load_demo()
    load_demo()  # idempotent
    case = Case.objects.get()
    assert case.is_open and case.fake_handle == "@kagamlno_town"
    assert case.requests.count() == 1
    page = client.get("/public/").content.decode()
    assert "@kagamlno_town" in page and 'href="https://x.com/kagamlno_town"' not in page


def test_the_home_page_shows_open_cases_to_the_head(
    client: Any, login: Any, cast: Any, account: OfficialAccount
) -> None:
    case = open_fake(cast, account)
    cases.record_request(actor=cast.suzuki, case=case, sent_on=NOW.date(), channel="mail")
    _candidate(account)
    login(client, cast.suzuki)
    page = client.get(reverse("dashboard:home")).content.decode()
    assert "なりすまし・乗っ取りの対応" in page
    assert "運営者の回答待ち 1 件" in page
    assert "似たユーザーIDのアカウント: 1 件" in page
    login(client, cast.sato)
    assert (
        "なりすまし・乗っ取りの対応" not in client.get(reverse("dashboard:home")).content.decode()
    )
