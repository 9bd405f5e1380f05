"""Impersonation and hijack cases (G-6-3): opening them, evidence, deletion requests and their
outcomes, reminders when a platform stays silent, closing. The weekly look-alike watch, whose
confirmed candidates open cases here, is `incidents.watch`.

Who does what: staff of the account's departments open a case, add evidence and notes; the
heads, the acting approvers on duty and the policy division record requests and outcomes,
close cases and judge look-alike candidates; auditors read. Each function checks that, changes
what changes in one transaction and writes its audit event; a refusal raises DomainError (and
is audited as `…_refused`) and changes nothing.
"""

import hashlib
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.incidents import wording
from kagami.incidents.models.cases import (
    Case,
    CaseEntry,
    CaseEntryKind,
    CaseKind,
    CaseState,
    DeletionRequest,
    Evidence,
    EvidenceType,
    LookalikeCandidate,
    RequestChannel,
    RequestOutcome,
)
from kagami.lib.errors import DomainError
from kagami.lib.urls import public_https_url_problem
from kagami.lib.wareki import wareki
from kagami.orgs.models import Department, User
from kagami.orgs.notifications import notify
from kagami.posts import workflow as posts
from kagami.posts.models import Post
from kagami.publishing import workflow as publishing
from kagami.registry.models import (
    AccountState,
    OfficialAccount,
    Platform,
    handle_problem,
    normalise_handle,
)
from kagami.vault import workflow as vault
from kagami.vault.models import Credential

MAX_TEXT = 4000
MAX_NOTE = 500
MAX_NAME = 100
MAX_HOW_FOUND = 200
MAX_REFERENCE = 100
MAX_URL = 300
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_SIDE = 16000
IMAGE_FORMATS = {"JPEG": EvidenceType.JPEG, "PNG": EvidenceType.PNG, "GIF": EvidenceType.GIF}
IMAGE_FORMATS["WEBP"] = EvidenceType.WEBP
# A found time a little ahead of the server's clock is a clock, not the future.
CLOCK_SKEW = timedelta(minutes=5)
DEFAULT_REMINDER_DAYS = 3


# -- Who may ----------------------------------------------------------------------------------


def _can_act(user: User) -> bool:
    return user.is_authenticated and user.can_sign_in()


def can_open(user: User, department: Department, account: OfficialAccount | None = None) -> bool:
    """Staff of the department (or of the account's departments) and the policy division."""
    if not _can_act(user):
        return False
    if user.is_policy_division:
        return True
    departments = [department, *(account.departments.all() if account else [])]
    return user.is_member_of(*departments)


def can_contribute(user: User, case: Case) -> bool:
    """Who adds evidence and notes: staff of the case's departments, the policy division."""
    return _can_act(user) and (user.is_policy_division or user.is_member_of(*case.departments()))


def can_decide(user: User, case: Case) -> bool:
    """Who records requests and outcomes and closes: the heads and acting approvers on duty of
    the case's departments, and the policy division."""
    if not _can_act(user):
        return False
    return user.is_policy_division or any(user.can_approve_for(d) for d in case.departments())


def can_open_hijack(user: User, account: OfficialAccount) -> bool:
    """Who may stop a hijacked account at once: as `publishing.workflow.pause` allows."""
    return _can_act(user) and publishing.can_restrict_to_statements(user, account)


def can_judge(user: User, candidate: LookalikeCandidate) -> bool:
    if not _can_act(user):
        return False
    departments = candidate.resembles.departments.all()
    return user.is_policy_division or any(user.can_approve_for(d) for d in departments)


def refused(
    action: str,
    message: str,
    *,
    actor: User,
    target: Any = None,
    department: Department | None = None,
    request: HttpRequest | None = None,
) -> DomainError:
    """Audit a refused attempt (outside any change) and return the error to raise."""
    audit.record(
        f"{action}_refused",
        actor=actor,
        target=target,
        department=department,
        data={"reason": message},
        request=request,
    )
    return DomainError(message)


# -- Helpers ----------------------------------------------------------------------------------


def reminder_days() -> int:
    """Days without an answer after which the heads and the policy division are reminded."""
    days = getattr(settings, "KAGAMI_IMPERSONATION_REMINDER_DAYS", DEFAULT_REMINDER_DAYS)
    try:
        return max(1, int(days))
    except (TypeError, ValueError):
        return DEFAULT_REMINDER_DAYS


def text_problem(value: str, label: str, limit: int, *, required: bool = False) -> str | None:
    if "\x00" in value:
        return _("「%(label)s」に使えない文字（NUL文字）が含まれています。") % {"label": label}
    if required and not value.strip():
        return _("「%(label)s」を入力してください。") % {"label": label}
    if len(value.strip()) > limit:
        return _("「%(label)s」は%(max)s文字以内にしてください。") % {"label": label, "max": limit}
    return None


def _day_problem(day: date | None, label: str, *, after: date | None = None) -> str | None:
    if day is None:
        return _("「%(label)s」を入力してください。") % {"label": label}
    if day > timezone.localdate():
        return _("「%(label)s」に未来の日付は指定できません。") % {"label": label}
    if after is not None and day < after:
        return _("「%(label)s」は%(day)sより前の日付にはできません。") % {
            "label": label,
            "day": f"{after:%Y-%m-%d}",
        }
    return None


def directory_url() -> str:
    """Where residents find the real accounts (the town's page, else Kagami's own)."""
    configured = getattr(settings, "KAGAMI_DIRECTORY_URL", "")
    return configured or f"{settings.KAGAMI_SITE_URL}{reverse('public:index')}"


def fake_label(case: Case) -> str:
    """X（旧Twitter）の「@kagamino_town_jp」: the fake account as the notices name it."""
    return _("%(platform)sの「%(handle)s」") % {
        "platform": case.platform.name,
        "handle": case.fake_handle,
    }


def wording_values(case: Case) -> dict[str, str]:
    """What the model texts' placeholders are, for this case; unknown ones stay."""
    values = {
        "町名": settings.KAGAMI_TOWN_NAME,
        "所属名": case.department.name,
        "公式一覧URL": directory_url(),
        "プラットフォーム": case.platform.name,
        "発見日": wareki(timezone.localdate(case.found_at)),
    }
    if case.fake_handle:
        values["偽アカウント"] = fake_label(case)
    if case.account is not None:
        values["アカウント"] = f"{case.account.name} {case.account.handle}"
    first = case.requests.order_by("sent_on", "pk").first() if case.pk else None
    if first is not None:
        values["依頼日"] = wareki(first.sent_on)
    return values


def notice_text(case: Case) -> str:
    """The public warning of an impersonation, or the hijack notice, in the town's words."""
    with translation.override(settings.LANGUAGE_CODE):
        key = "hijack" if case.kind == CaseKind.HIJACK else "impersonation"
        return wording.text_for(key, wording_values(case))


def _entry(case: Case, kind: str, actor: User | None, text: str = "") -> CaseEntry:
    return CaseEntry.objects.create(case=case, kind=kind, actor=actor, text=text)


def in_town_language(make: Callable[[], str]) -> str:
    """Timeline texts are the town's record: written in its language, whoever acts."""
    with translation.override(settings.LANGUAGE_CODE):
        return make()


def _link(case: Case) -> str:
    return reverse("incidents:case_detail", args=[case.pk])


def _responsible(case: Case, *, without: User | None = None) -> list[User]:
    """The heads of the case's departments and the members of the policy division."""
    people = {u.pk: u for d in case.departments() for u in d.heads()}
    people.update({u.pk: u for u in User.objects.policy_division()})
    return [u for pk, u in people.items() if without is None or pk != without.pk]


def tell(
    users: Iterable[User], subject: Callable[[], str], body: Callable[[], str], link: str = ""
) -> None:
    """Notify each person in their own language (the texts are made once per language)."""
    by_language: dict[str, list[User]] = {}
    for user in users:
        by_language.setdefault(user.language or settings.LANGUAGE_CODE, []).append(user)
    for language, group in by_language.items():
        with translation.override(language):
            notify(group, subject(), body(), link)


def _tell_opened(case: Case, actor: User) -> None:
    def subject() -> str:
        if case.kind == CaseKind.HIJACK:
            return _("【至急】乗っ取りの疑い: %(account)s") % {"account": case.account}
        return _("【至急】なりすましアカウント: %(fake)s") % {"fake": fake_label(case)}

    def body() -> str:
        if case.kind == CaseKind.HIJACK:
            return _(
                "%(actor)s さんが %(account)s の乗っ取りの疑いを記録しました。アカウントからの投稿は"
                "一時停止しています。SNSでパスワードを変更してログイン中の端末をすべてログアウトさせ、"
                "運営者に連絡してください。"
            ) % {"actor": actor, "account": case.account}
        return _(
            "%(actor)s さんが %(department)s の公式アカウントを装った偽アカウント（%(fake)s）を"
            "記録しました。証拠を残し、運営者への削除依頼を記録してください。"
            "案件が終わるまで、公開の公式アカウント一覧に注意喚起が載ります。"
        ) % {"actor": actor, "department": case.department, "fake": fake_label(case)}

    tell(_responsible(case, without=actor), subject, body, _link(case))


# -- Opening ----------------------------------------------------------------------------------


def _found_problem(found_at: datetime | None) -> str | None:
    if found_at is None:
        return _("発見日時を入力してください。")
    if timezone.is_naive(found_at):
        found_at = timezone.make_aware(found_at)
    if found_at > timezone.now() + CLOCK_SKEW:
        return _("発見日時に未来の日時は指定できません。")
    if found_at.year < 2000:
        return _("発見日時を確かめてください（2000年より前になっています）。")
    return None


def fake_account_problem(platform: Platform, handle: str, url: str, name: str = "") -> str | None:
    """Why the fake account cannot be recorded as given, or None. Its URL is optional, but
    only a safe https address on the platform; a handle of the town's own accounts (planned
    ones too) is never recorded as a fake."""
    problem = handle_problem(handle)
    if problem:
        return problem
    problem = text_problem(name, _("偽アカウントの表示名"), MAX_NAME)
    if problem:
        return problem
    if url:
        if len(url) > MAX_URL:
            return _("URLは%(max)s文字以内にしてください。") % {"max": MAX_URL}
        problem = public_https_url_problem(url)
        if problem:
            return problem
        if not platform.owns_url(url):
            return _("URL「%(url)s」は %(platform)s のアドレスではありません。") % {
                "url": url,
                "platform": platform,
            }
        mismatch = platform.handle_mismatch(handle, url)
        if mismatch:
            return mismatch
    own = (
        OfficialAccount.objects.filter(platform=platform, handle_key=normalise_handle(handle))
        .exclude(state=AccountState.ENDED)
        .first()
    )
    if own is not None:
        return _(
            "%(platform)s の「%(handle)s」は町のアカウント（%(name)s、%(state)s）として台帳に"
            "登録されています。なりすましとしては記録できません。"
        ) % {
            "platform": platform,
            "handle": handle,
            "name": own.name,
            "state": own.get_state_display(),
        }
    return None


def open_impersonation(
    *,
    actor: User,
    department: Department,
    platform: Platform,
    fake_handle: str,
    found_at: datetime,
    account: OfficialAccount | None = None,
    fake_url: str = "",
    fake_name: str = "",
    how_found: str = "",
    summary: str = "",
    request: HttpRequest | None = None,
) -> Case:
    """Record a fake account pretending to be the town (G-6-3): the public directory warns
    about it until the case closes; the heads and the policy division are told at once."""
    fake_handle, fake_url, fake_name = fake_handle.strip(), fake_url.strip(), fake_name.strip()
    action = "incidents.case_opened"
    if account is not None:
        department = account.lead_department
    problem = None
    if not can_open(actor, department, account):
        problem = _("なりすましを記録できるのは、担当の所属の職員と情報政策担当課です。")
    else:
        problem = (
            fake_account_problem(platform, fake_handle, fake_url, fake_name)
            or _found_problem(found_at)
            or text_problem(how_found, _("発見のきっかけ"), MAX_HOW_FOUND)
            or text_problem(summary, _("状況"), MAX_TEXT)
        )
    if (
        problem is None
        and Case.objects.open()
        .filter(
            kind=CaseKind.IMPERSONATION,
            platform=platform,
            fake_handle_key=normalise_handle(fake_handle),
        )
        .exists()
    ):
        problem = _("この偽アカウントは既に対応中の案件として記録されています。")
    if problem:
        raise refused(action, problem, actor=actor, department=department, request=request)
    try:
        with transaction.atomic():
            case = Case.objects.create(
                kind=CaseKind.IMPERSONATION,
                department=department,
                account=account,
                platform=platform,
                fake_handle=fake_handle,
                fake_handle_key=normalise_handle(fake_handle),
                fake_url=fake_url,
                fake_name=fake_name,
                found_at=found_at,
                found_by=actor,
                how_found=how_found.strip(),
                summary=summary.strip(),
                opened_by=actor,
            )
            _entry(case, CaseEntryKind.FOUND, actor, how_found.strip())
            audit.record(
                action,
                actor=actor,
                target=case,
                department=department,
                data={
                    "kind": case.kind,
                    "platform": platform.code,
                    "handle": fake_handle,
                    "url": fake_url,
                    "found_at": found_at.isoformat(),
                },
                request=request,
            )
            _tell_opened(case, actor)
    except IntegrityError as exc:  # the same fake recorded at the same moment by someone else
        raise DomainError(_("この偽アカウントは既に対応中の案件として記録されています。")) from exc
    return case


def open_hijack(
    *,
    actor: User,
    account: OfficialAccount,
    found_at: datetime,
    how_found: str = "",
    summary: str = "",
    request: HttpRequest | None = None,
) -> Case:
    """Someone else controls one of the town's accounts (乗っ取り, G-6-3). At once and in the
    same transaction: publishing from it stops (a pause), the vault opens a password task, and
    the hijack notice is drafted (for staff of its departments) to publish after recovery."""
    action = "incidents.case_opened"
    problem = None
    if not can_open_hijack(actor, account):
        problem = _(
            "乗っ取りを記録して投稿を止められるのは、アカウントの所属の所属長・代決者と"
            "情報政策担当課です。職員の方は、すぐに所属長へ連絡してください。"
        )
    else:
        problem = (
            _found_problem(found_at)
            or text_problem(how_found, _("発見のきっかけ"), MAX_HOW_FOUND)
            or text_problem(summary, _("状況"), MAX_TEXT)
        )
    if (
        problem is None
        and Case.objects.open().filter(kind=CaseKind.HIJACK, account=account).exists()
    ):
        problem = _("このアカウントの乗っ取りは既に対応中の案件として記録されています。")
    if problem:
        raise refused(
            action, problem, actor=actor, department=account.lead_department, request=request
        )
    try:
        with transaction.atomic():
            case = Case.objects.create(
                kind=CaseKind.HIJACK,
                department=account.lead_department,
                account=account,
                platform=account.platform,
                found_at=found_at,
                found_by=actor,
                how_found=how_found.strip(),
                summary=summary.strip(),
                opened_by=actor,
            )
            _entry(case, CaseEntryKind.FOUND, actor, how_found.strip())
            case.pause = publishing.pause(
                actor=actor,
                account=account,
                reason=in_town_language(
                    lambda: _("乗っ取りの疑い（案件 %(pk)s）") % {"pk": case.pk}
                ),
                request=request,
            )
            _entry(
                case,
                CaseEntryKind.NOTE,
                actor,
                in_town_language(lambda: _("このアカウントからの投稿を一時停止しました。")),
            )
            credential = Credential.objects.filter(account=account).first()
            if credential is not None:
                case.rotation_task = vault.report_compromise(
                    actor=actor,
                    credential=credential,
                    note=in_town_language(
                        lambda: (
                            _("乗っ取りの疑い（案件 %(pk)s）: %(how)s")
                            % {"pk": case.pk, "how": how_found.strip() or summary.strip()[:200]}
                        )
                    ),
                    request=request,
                )
                text = in_town_language(lambda: _("パスワード変更のタスクを作りました。"))
            else:
                text = in_town_language(
                    lambda: _(
                        "ログイン情報が保管庫に登録されていないため、パスワード変更のタスクは"
                        "作れませんでした。"
                    )
                )
            _entry(case, CaseEntryKind.NOTE, actor, text)
            case.save(update_fields=["pause", "rotation_task"])
            audit.record(
                action,
                actor=actor,
                target=case,
                department=account.lead_department,
                data={
                    "kind": case.kind,
                    "account": account.pk,
                    "pause": case.pause.pk,
                    "rotation_task": case.rotation_task.pk if case.rotation_task else None,
                    "found_at": found_at.isoformat(),
                },
                request=request,
            )
            _draft_notice(actor, case, request)
            _tell_opened(case, actor)
    except IntegrityError as exc:
        raise DomainError(
            _("このアカウントの乗っ取りは既に対応中の案件として記録されています。")
        ) from exc
    return case


def _draft_notice(actor: User, case: Case, request: HttpRequest | None) -> Post | None:
    """The hijack notice as a draft statement of the account's department, if `actor` is on
    its staff; otherwise someone who is drafts it later (`draft_hijack_notice`)."""
    account = case.account
    assert account is not None
    department = next((d for d in account.departments.all() if actor.is_member_of(d)), None)
    if department is None:
        return None
    try:
        with transaction.atomic():
            post = posts.save_post(
                actor=actor,
                department=department,
                accounts=[account],
                text=notice_text(case),
                publish_at=timezone.now().replace(second=0, microsecond=0) + timedelta(days=1),
                statement="explanation",
                request=request,
            )
    except DomainError as error:
        reason = error.message
        _entry(
            case,
            CaseEntryKind.NOTE,
            actor,
            in_town_language(
                lambda: (
                    _("乗っ取りのお知らせの下書きを作れませんでした: %(reason)s")
                    % {"reason": reason}
                )
            ),
        )
        return None
    case.notice_post = post
    case.save(update_fields=["notice_post"])
    _entry(
        case,
        CaseEntryKind.NOTE,
        actor,
        in_town_language(
            lambda: _(
                "乗っ取りのお知らせを下書きしました。復旧したら確認して承認を受けてください。"
            )
        ),
    )
    audit.record(
        "incidents.hijack_notice_drafted",
        actor=actor,
        target=case,
        department=department,
        data={"post": post.pk},
        request=request,
    )
    return post


def draft_hijack_notice(*, actor: User, case: Case, request: HttpRequest | None = None) -> Post:
    """Staff of the hijacked account's department draft the notice (G-6-3) when whoever
    opened the case could not (the policy division)."""
    action = "incidents.hijack_notice_drafted"
    problem = None
    if case.kind != CaseKind.HIJACK or case.account is None:
        problem = _("お知らせの下書きは、乗っ取りの案件だけで作れます。")
    elif case.notice_post_id is not None:
        problem = _("乗っ取りのお知らせは既に下書きされています。")
    elif not actor.is_member_of(*case.account.departments.all()):
        problem = _("お知らせを下書きできるのは、アカウントを運用する所属の職員です。")
    if problem:
        raise refused(action, problem, actor=actor, target=case, request=request)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.notice_post_id is not None:
            raise DomainError(_("乗っ取りのお知らせは既に下書きされています。"))
        post = _draft_notice(actor, case, request)
        if post is None:
            raise DomainError(
                _("お知らせの下書きを作れませんでした。案件の経過を確認してください。")
            )
    return post


# -- Evidence and notes -----------------------------------------------------------------------


def _evidence_type(upload: UploadedFile) -> str:
    """What the file is, by its content (never its name or declared type): JPEG, PNG, GIF,
    WebP or PDF; anything else (SVG, HTML, …) is refused."""
    from PIL import Image, UnidentifiedImageError

    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return EvidenceType.PDF
    refused = _("画像（JPEG・PNG・GIF・WebP）かPDFのファイルを選んでください。")
    try:
        with Image.open(upload) as picture:
            kind, (width, height) = picture.format, picture.size
            picture.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DomainError(refused) from exc
    except Image.DecompressionBombError as exc:
        raise DomainError(
            _("画像の縦横は %(max)s ピクセルまでにしてください。") % {"max": MAX_EVIDENCE_SIDE}
        ) from exc
    finally:
        upload.seek(0)
    if kind not in IMAGE_FORMATS:
        raise DomainError(refused)
    if max(width, height) > MAX_EVIDENCE_SIDE:
        raise DomainError(
            _("画像の縦横は %(max)s ピクセルまでにしてください。") % {"max": MAX_EVIDENCE_SIDE}
        )
    return IMAGE_FORMATS[kind]


def add_evidence(
    *,
    actor: User,
    case: Case,
    upload: UploadedFile,
    note: str = "",
    request: HttpRequest | None = None,
) -> Evidence:
    """Keep a screenshot or a file as evidence (stored through Django's storage API, with its
    SHA-256, who added it and when)."""
    action = "incidents.evidence_added"
    problem = None
    if not can_contribute(actor, case):
        problem = _("証拠を追加できるのは、担当の所属の職員と情報政策担当課です。")
    elif not case.is_open:
        problem = _("終了した案件には証拠を追加できません。")
    elif upload.size is not None and upload.size > MAX_EVIDENCE_BYTES:
        problem = _("ファイルが大きすぎます（10MB まで）。")
    elif not upload.size:
        problem = _("ファイルが空です。")
    else:
        problem = text_problem(note, _("説明"), MAX_NOTE)
    if problem:
        raise refused(action, problem, actor=actor, target=case, request=request)
    try:
        file_type = _evidence_type(upload)
    except DomainError as error:
        raise refused(action, error.message, actor=actor, target=case, request=request) from error
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    original = PurePath(str(upload.name or "")).name
    original = "".join(c for c in original if c.isprintable())[:200]
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if not case.is_open:
            raise DomainError(_("終了した案件には証拠を追加できません。"))
        evidence = Evidence(
            case=case,
            file_type=file_type,
            original_name=original,
            size=upload.size or 0,
            sha256=digest.hexdigest(),
            note=note.strip(),
            added_by=actor,
        )
        evidence.file.save("evidence", upload, save=False)
        evidence.save()
        _entry(case, CaseEntryKind.EVIDENCE, actor, note.strip() or original)
        audit.record(
            action,
            actor=actor,
            target=case,
            department=case.department,
            data={
                "evidence": evidence.pk,
                "file": evidence.file.name,
                "type": file_type,
                "sha256": evidence.sha256,
            },
            request=request,
        )
    return evidence


def add_note(
    *, actor: User, case: Case, text: str, request: HttpRequest | None = None
) -> CaseEntry:
    """A line in the case's timeline: what was done or learned (police consulted, a notice
    posted on the town's website, …)."""
    action = "incidents.case_note_added"
    problem = None
    if not can_contribute(actor, case):
        problem = _("経過を記録できるのは、担当の所属の職員と情報政策担当課です。")
    else:
        problem = text_problem(text, _("経過"), MAX_TEXT, required=True)
    if problem:
        raise refused(action, problem, actor=actor, target=case, request=request)
    with transaction.atomic():
        entry = _entry(case, CaseEntryKind.NOTE, actor, text.strip())
        audit.record(
            action,
            actor=actor,
            target=case,
            department=case.department,
            data={"text": text.strip()},
            request=request,
        )
    return entry


# -- Requests to the platform, outcomes, closing ----------------------------------------------


def record_request(
    *,
    actor: User,
    case: Case,
    sent_on: date,
    channel: str,
    reference: str = "",
    note: str = "",
    request: HttpRequest | None = None,
) -> DeletionRequest:
    """The town asked the platform's administrator to delete the fake (or to give the
    hijacked account back). If no answer comes within KAGAMI_IMPERSONATION_REMINDER_DAYS
    days, `remind_unanswered_requests` tells the heads and the policy division."""
    action = "incidents.request_sent"
    problem = None
    if not can_decide(actor, case):
        problem = _("削除依頼を記録できるのは、所属長・代決者と情報政策担当課です。")
    elif not case.is_open:
        problem = _("終了した案件には記録できません。")
    elif channel not in RequestChannel.values:
        problem = _("依頼の方法を選んでください。")
    else:
        problem = (
            _day_problem(
                sent_on,
                _("依頼した日"),
                after=timezone.localdate(case.found_at) - timedelta(days=1),
            )
            or text_problem(reference, _("受付番号"), MAX_REFERENCE)
            or text_problem(note, _("メモ"), MAX_NOTE)
        )
    if problem:
        raise refused(action, problem, actor=actor, target=case, request=request)
    with transaction.atomic():
        sent = DeletionRequest.objects.create(
            case=case,
            sent_on=sent_on,
            channel=channel,
            reference=reference.strip(),
            note=note.strip(),
            sent_by=actor,
        )
        _entry(
            case,
            CaseEntryKind.REQUEST,
            actor,
            in_town_language(
                lambda: (
                    _("%(day)s %(channel)s%(reference)s %(note)s")
                    % {
                        "day": f"{sent_on:%Y-%m-%d}",
                        "channel": sent.get_channel_display(),
                        "reference": (_("（受付番号 %(ref)s）") % {"ref": sent.reference})
                        if sent.reference
                        else "",
                        "note": sent.note,
                    }
                )
            ).strip(),
        )
        audit.record(
            action,
            actor=actor,
            target=case,
            department=case.department,
            data={
                "request": sent.pk,
                "sent_on": sent_on.isoformat(),
                "channel": channel,
                "reference": sent.reference,
            },
            request=request,
        )
    return sent


def record_answer(
    *,
    actor: User,
    deletion_request: DeletionRequest,
    outcome: str,
    answered_on: date,
    note: str = "",
    request: HttpRequest | None = None,
) -> DeletionRequest:
    """What the platform did: removed (the case closes: the fake is gone), refused, or no
    answer (a person decides that the wait is over)."""
    action = "incidents.request_answered"
    case = deletion_request.case
    problem = None
    if not can_decide(actor, case):
        problem = _("回答を記録できるのは、所属長・代決者と情報政策担当課です。")
    elif not deletion_request.is_pending:
        problem = _("この依頼の結果は既に記録されています。")
    elif outcome not in RequestOutcome.values or outcome == RequestOutcome.PENDING:
        problem = _("結果を選んでください。")
    else:
        problem = _day_problem(
            answered_on, _("回答の日"), after=deletion_request.sent_on
        ) or text_problem(note, _("回答の内容"), MAX_NOTE)
    if problem:
        raise refused(action, problem, actor=actor, target=case, request=request)
    with transaction.atomic():
        answered = DeletionRequest.objects.select_for_update().get(pk=deletion_request.pk)
        if not answered.is_pending:
            raise DomainError(_("この依頼の結果は既に記録されています。"))
        answered.outcome = outcome
        answered.answered_on = answered_on
        answered.answer_note = note.strip()
        answered.answered_by = actor
        answered.save(update_fields=["outcome", "answered_on", "answer_note", "answered_by"])
        _entry(
            case,
            CaseEntryKind.ANSWER,
            actor,
            in_town_language(
                lambda: (
                    f"{answered_on:%Y-%m-%d} {answered.get_outcome_display()} {answered.answer_note}"
                )
            ).strip(),
        )
        audit.record(
            action,
            actor=actor,
            target=case,
            department=case.department,
            data={
                "request": answered.pk,
                "outcome": outcome,
                "answered_on": answered_on.isoformat(),
            },
            request=request,
        )
        if outcome == RequestOutcome.REMOVED and case.is_open:
            _close(
                actor,
                case,
                in_town_language(lambda: _("運営者が偽アカウントを削除しました。")),
                request,
            )
    return answered


def _close(actor: User, case: Case, note: str, request: HttpRequest | None) -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.is_open:
        raise DomainError(_("この案件は既に終了しています。"))
    case.state = CaseState.CLOSED
    case.closed_by = actor
    case.closed_at = timezone.now()
    case.closing_note = note
    case.save(update_fields=["state", "closed_by", "closed_at", "closing_note"])
    _entry(case, CaseEntryKind.CLOSED, actor, note)
    audit.record(
        "incidents.case_closed",
        actor=actor,
        target=case,
        department=case.department,
        data={"kind": case.kind, "note": note},
        request=request,
    )
    return case


def close_case(*, actor: User, case: Case, note: str, request: HttpRequest | None = None) -> Case:
    """The fake account is gone (or the hijacked account is back in the town's hands): the
    case closes and its warning leaves the public directory. A hijacked account's pause is
    lifted separately, once its password is changed (publishing's pauses screen)."""
    action = "incidents.case_closed"
    problem = None
    if not can_decide(actor, case):
        problem = _("案件を終了できるのは、所属長・代決者と情報政策担当課です。")
    elif not case.is_open:
        problem = _("この案件は既に終了しています。")
    else:
        problem = text_problem(note, _("終了の理由"), MAX_TEXT, required=True)
    if problem:
        raise refused(action, problem, actor=actor, target=case, request=request)
    with transaction.atomic():
        return _close(actor, case, note.strip(), request)


def remind_unanswered_requests(now: datetime | None = None) -> int:
    """`kagami tick`: a request without an answer for KAGAMI_IMPERSONATION_REMINDER_DAYS days
    is brought to the heads and the policy division, once per request (a new request to the
    platform starts a new wait). Returns how many reminders went out."""
    now = now or timezone.now()
    due_day = timezone.localdate(now) - timedelta(days=reminder_days())
    waiting = DeletionRequest.objects.filter(
        outcome=RequestOutcome.PENDING,
        reminded_at__isnull=True,
        sent_on__lte=due_day,
        case__state=CaseState.OPEN,
    ).select_related("case__platform", "case__department", "case__account")
    return sum(_remind(waited, now) for waited in waiting)


def _remind(waited: DeletionRequest, now: datetime) -> int:
    with transaction.atomic():
        # Claimed by a conditional update: two ticks at once remind once.
        claimed = DeletionRequest.objects.filter(
            pk=waited.pk, reminded_at__isnull=True, outcome=RequestOutcome.PENDING
        ).update(reminded_at=now)
        if not claimed:
            return 0
        case = waited.case
        values = {
            "day": f"{waited.sent_on:%Y-%m-%d}",
            "days": (timezone.localdate(now) - waited.sent_on).days,
            "platform": case.platform,
            "case": case,
        }
        _entry(
            case,
            CaseEntryKind.REMINDER,
            None,
            in_town_language(
                lambda: _("%(day)s の依頼に %(days)s 日間回答がありません。") % values
            ),
        )
        audit.record(
            "incidents.request_reminder_sent",
            target=case,
            department=case.department,
            data={"request": waited.pk, "days": values["days"]},
        )
        tell(
            _responsible(case),
            lambda: _("【確認】削除依頼に回答がありません: %(case)s") % values,
            lambda: (
                _(
                    "%(day)s に %(platform)s の運営者へ送った依頼に、%(days)s 日間回答がありません。"
                    "もう一度依頼するか、回答がないことを記録してください。"
                )
                % values
            ),
            _link(case),
        )
    return 1
