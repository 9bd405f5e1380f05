"""State changes of posts (G-5-1 to G-5-3). Each function checks the guideline's rule, changes
what changes in one transaction and writes its audit event; refusals raise DomainError."""

import logging
from collections.abc import Iterable
from datetime import date, datetime, time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.lib.errors import DomainError
from kagami.lib.workcalendar import JST, next_allowed, within_hours
from kagami.orgs.models import ActingAppointment, Department, User
from kagami.orgs.notifications import notify
from kagami.posts.checking import TargetFindings, check_post_content, checks_config
from kagami.posts.models import (
    POST_TRANSITIONS,
    Acknowledgement,
    AfterReport,
    Approval,
    Decision,
    OutOfHoursKind,
    Post,
    PostImage,
    PostState,
    PostTarget,
    PostVersion,
    PreApprovalGrant,
    PreApprovedCategory,
    working_calendar,
)
from kagami.posts.signals import approval_ended
from kagami.registry.models import OfficialAccount

logger = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_SIDE = 8000
IMAGE_TYPES = {"JPEG", "PNG", "GIF", "WEBP"}


def _notify(users: Iterable[User], subject: str, body: str, post: Post | None = None) -> None:
    notify(users, subject, body, link=reverse("posts:post_detail", args=[post.pk]) if post else "")


def _approvers(department: Department) -> list[User]:
    deputies = [a.deputy for a in ActingAppointment.objects.on_duty().filter(department=department)]
    return [*department.heads(), *deputies]


def findings(post: Post) -> list[TargetFindings]:
    """The content checks of the post as each target account will publish it."""
    targets = list(post.targets.select_related("account__platform"))
    return check_post_content(
        post.text,
        post.publish_at,
        [t.account for t in targets],
        {t.account_id: t.text_override for t in targets},
        [(i.alt_text, i.source) for i in post.images.all()],
    )


def hours_problem(post: Post) -> str | None:
    """Why the requested time is outside the working calendar or an account's operation hours
    (G-5-2), with the next allowed time, or None when it is inside."""
    calendar = working_calendar()
    for target in post.targets.select_related("account"):
        hours = target.account.operation_hours
        if not within_hours(post.publish_at, hours, calendar):
            local = post.publish_at.astimezone(JST)
            reason = calendar.closure_reason(local.date())
            slot = next_allowed(post.publish_at, hours, calendar)
            message = (
                _("%(when)s は閉庁日（%(reason)s）です。")
                % {"when": f"{local:%Y-%m-%d}", "reason": reason}
                if reason
                else _("%(when)s は「%(account)s」の運用時間外です。")
                % {"when": f"{local:%Y-%m-%d %H:%M}", "account": target.account.name}
            )
            if slot:
                message += _("次に投稿できるのは %(slot)s です。") % {
                    "slot": f"{slot:%Y-%m-%d %H:%M}"
                }
            return message
    return None


def _record_version(post: Post, actor: User) -> PostVersion:
    """Keep the version just made, and who made it (G-5-2: nobody approves their own words)."""
    return PostVersion.objects.create(
        post=post,
        number=post.version,
        edited_by=actor,
        content=post.snapshot(),
        digest=post.digest(),
    )


def _new_version(post: Post, actor: User, reason: str) -> str:
    """The post's content changed: a new version, which no earlier approval covers. A
    submitted or approved post goes back to a draft, and what was waiting to go out stops
    (the publishing app cancels its deliveries in this same transaction). Returns the state
    the post had."""
    previous = post.state
    post.version += 1
    if previous in (PostState.SUBMITTED, PostState.APPROVED):
        if previous == PostState.APPROVED:
            approval_ended.send(sender=Post, post=post, actor=actor, reason=reason)
        post.move_to(PostState.DRAFT)
    post.save(update_fields=["version", "state"])
    _record_version(post, actor)
    return previous


def _kept_version(post: Post) -> PostVersion:
    """The kept copy of the version being approved; what publishing will send."""
    version = post.versions.filter(number=post.version).first()
    if version is None or version.digest != post.digest():
        raise DomainError(
            _("投稿の内容が記録と一致しません。もう一度保存してから審査を依頼してください。")
        )
    return version


def _check_accounts(department: Department, accounts: list[OfficialAccount]) -> None:
    if not accounts:
        raise DomainError(_("投稿先のアカウントを選んでください。"))
    for account in accounts:
        if not account.departments.filter(pk=department.pk).exists():
            raise DomainError(
                _("「%(account)s」はこの所属のアカウントではありません。")
                % {"account": account.name}
            )
        if not account.can_publish:
            raise DomainError(
                _(
                    "「%(account)s」は運用開始報告書が受理されていないか、休止・終了しているため投稿できません。"
                )
                % {"account": account.name}
            )


def save_post(
    *,
    actor: User,
    department: Department,
    accounts: list[OfficialAccount],
    text: str,
    publish_at: datetime,
    overrides: dict[int, str] | None = None,
    out_of_hours_kind: str = "",
    out_of_hours_note: str = "",
    post: Post | None = None,
    request: HttpRequest | None = None,
) -> Post:
    """Create or edit a draft (G-5-1). Editing a submitted or approved post takes it back to
    a draft: the approval bound the old version, so the new one needs its own (G-5-2)."""
    if not actor.is_member_of(department):
        raise DomainError(_("この所属の投稿は作成できません。"))
    if post is not None and not post.is_editable:
        raise DomainError(
            _("「%(state)s」の投稿は編集できません。") % {"state": post.get_state_display()}
        )
    if not text.strip():
        raise DomainError(_("本文を入力してください。"))
    _check_accounts(department, accounts)
    overrides = {pk: t for pk, t in (overrides or {}).items() if t.strip()}
    with transaction.atomic():
        creating = post is None
        if post is None:
            post = Post(department=department, author=actor, text=text, publish_at=publish_at)
            before = ""
        else:
            post = Post.objects.select_for_update().get(pk=post.pk)
            before = post.digest()
        post.text = text
        post.publish_at = publish_at
        post.out_of_hours_kind = out_of_hours_kind
        post.out_of_hours_note = out_of_hours_note.strip()
        post.save()
        post.targets.exclude(account__in=accounts).delete()
        for account in accounts:
            PostTarget.objects.update_or_create(
                post=post,
                account=account,
                defaults={"text_override": overrides.get(account.pk, "")},
            )
        if creating:
            _record_version(post, actor)
            audit.record(
                "posts.drafted", actor=actor, target=post, department=department, request=request
            )
            return post
        if post.digest() != before:
            previous_state = _new_version(post, actor, "edited")
            audit.record(
                "posts.approval_voided" if previous_state == PostState.APPROVED else "posts.edited",
                actor=actor,
                target=post,
                department=department,
                data={"version": post.version, "was": previous_state},
                request=request,
            )
    return post


def add_image(
    *,
    actor: User,
    post: Post,
    upload: UploadedFile,
    alt_text: str,
    source: str,
    request: HttpRequest | None = None,
) -> PostImage:
    """Attach an image after checking its type, size and dimensions (stored through Django's
    storage API). The post's content changes, so an approval no longer covers it."""
    from PIL import Image, UnidentifiedImageError

    if upload.size is not None and upload.size > MAX_IMAGE_BYTES:
        raise DomainError(_("画像が大きすぎます（5MB まで）。"))
    try:
        with Image.open(upload) as picture:
            kind, (width, height) = picture.format, picture.size
            picture.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise DomainError(
            _("画像として読み込めません。JPEG・PNG・GIF・WebP のファイルを選んでください。")
        ) from exc
    if kind not in IMAGE_TYPES:
        raise DomainError(
            _("この形式の画像は使えません。JPEG・PNG・GIF・WebP のファイルを選んでください。")
        )
    if max(width, height) > MAX_IMAGE_SIDE:
        raise DomainError(
            _("画像の縦横は %(max)s ピクセルまでにしてください。") % {"max": MAX_IMAGE_SIDE}
        )
    if not post.is_editable or not actor.is_member_of(post.department):
        raise DomainError(_("この投稿には画像を追加できません。"))
    upload.seek(0)
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if not post.is_editable:
            raise DomainError(_("この投稿には画像を追加できません。"))
        image = PostImage(
            post=post, alt_text=alt_text.strip(), source=source.strip(), order=post.images.count()
        )
        image.file.save(upload.name or "image", upload, save=False)
        image.save()
        _new_version(post, actor, "edited")
        audit.record(
            "posts.edited",
            actor=actor,
            target=post,
            department=post.department,
            data={"image": image.file.name, "version": post.version},
            request=request,
        )
    return image


def _ready_to_go(post: Post, actor: User, acknowledgements: dict[str, str]) -> list[TargetFindings]:
    """Shared checks before a post leaves its author: content, warnings, time, accounts."""
    _check_accounts(post.department, [t.account for t in post.targets.select_related("account")])
    if post.publish_at <= timezone.now():
        raise DomainError(_("投稿日時が過ぎています。未来の日時を指定してください。"))
    results = findings(post)
    errors = [f for r in results for f in r.errors]
    if errors:
        raise DomainError(
            _("直す必要がある項目が %(count)s 件あります（例: %(first)s）。")
            % {"count": len(errors), "first": errors[0].message}
        )
    unacknowledged = sorted(
        {
            f.rule
            for r in results
            for f in r.warnings
            if not acknowledgements.get(f.rule, "").strip()
        }
    )
    if unacknowledged:
        raise DomainError(
            _("注意の項目を確認し、そのまま進める理由を書いてください: %(rules)s")
            % {"rules": "、".join(unacknowledged)}
        )
    return results


def _record_acknowledgements(
    post: Post,
    actor: User,
    results: list[TargetFindings],
    reasons: dict[str, str],
    request: HttpRequest | None,
) -> None:
    seen = set()
    for result in results:
        for finding in result.warnings:
            if finding.rule in seen:
                continue
            seen.add(finding.rule)
            excerpt = result.text[finding.start : finding.end] if finding.start is not None else ""
            Acknowledgement.objects.create(
                post=post,
                version=post.version,
                rule=finding.rule,
                excerpt=excerpt[:200],
                reason=reasons[finding.rule].strip(),
                by=actor,
            )
            audit.record(
                "posts.warning_acknowledged",
                actor=actor,
                target=post,
                department=post.department,
                data={
                    "rule": finding.rule,
                    "reason": reasons[finding.rule].strip(),
                    "version": post.version,
                },
                request=request,
            )


def submit_post(
    *,
    actor: User,
    post: Post,
    acknowledgements: dict[str, str] | None = None,
    request: HttpRequest | None = None,
) -> Post:
    """Ask the head (or the acting approver on duty) to approve (G-5-2). Errors block;
    warnings need a recorded reason; a time outside hours needs a reason the approver sees."""
    acknowledgements = acknowledgements or {}
    post.refresh_from_db()  # the caller's copy may predate an edit or a decision
    if not actor.is_member_of(post.department):
        raise DomainError(_("この所属の投稿は提出できません。"))
    if post.state not in (PostState.DRAFT, PostState.CHANGES_REQUESTED):
        raise DomainError(
            _("「%(state)s」の投稿は提出できません。") % {"state": post.get_state_display()}
        )
    results = _ready_to_go(post, actor, acknowledgements)
    problem = hours_problem(post)
    if problem and not post.out_of_hours_kind:
        raise DomainError(
            problem + _("時間外に投稿するときは、理由（災害・緊急など）を選んでください。")
        )
    if post.out_of_hours_kind == OutOfHoursKind.OTHER and not post.out_of_hours_note:
        raise DomainError(_("時間外に投稿する理由を具体的に書いてください。"))
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if (locked.state, locked.version) != (post.state, post.version):
            raise DomainError(_("ほかの操作で投稿が変わりました。画面を読み込み直してください。"))
        _record_acknowledgements(post, actor, results, acknowledgements, request)
        post.move_to(PostState.SUBMITTED)
        post.submitted_at = timezone.now()
        post.save(update_fields=["state", "submitted_at"])
        audit.record(
            "posts.submitted",
            actor=actor,
            target=post,
            department=post.department,
            data={
                "version": post.version,
                "out_of_hours": post.out_of_hours_kind if problem else "",
            },
            request=request,
        )
        _notify(
            _approvers(post.department),
            _("【Kagami】承認の依頼: %(post)s") % {"post": post},
            _("%(author)s さんから投稿の承認依頼が届きました。投稿日時: %(when)s")
            % {"author": actor, "when": f"{post.publish_at.astimezone(JST):%Y-%m-%d %H:%M}"},
            post=post,
        )
    return post


def _decide(
    actor: User, post: Post, decision: str, comment: str, request: HttpRequest | None
) -> Post:
    if not actor.can_approve_for(post.department):
        raise DomainError(_("この投稿を審査できるのは、所属長か代決者だけです。"))
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if actor.pk in post.editors_since_approval():
            raise DomainError(
                _(
                    "自分が作成・編集した投稿は承認・却下できません。"
                    "ほかの所属長か代決者に審査を依頼してください。"
                )
            )
        if post.state != PostState.SUBMITTED:
            raise DomainError(_("この投稿は承認待ちではありません。"))
        if decision == Decision.APPROVED:
            # The account may have been suspended or ended since the post was submitted.
            _check_accounts(
                post.department, [t.account for t in post.targets.select_related("account")]
            )
            _kept_version(post)
        if decision == Decision.APPROVED and post.publish_at <= timezone.now():
            post.move_to(PostState.EXPIRED)
            post.save(update_fields=["state"])
            audit.record(
                "posts.expired",
                actor=actor,
                target=post,
                department=post.department,
                request=request,
            )
            expired = True
        else:
            expired = False
            acting = not actor.is_head_of(post.department)
            Approval.objects.create(
                post=post,
                version=post.version,
                digest=post.digest(),
                decision=decision,
                decided_by=actor,
                as_acting_approver=acting,
                comment=comment.strip(),
            )
            post.move_to(
                {
                    Decision.APPROVED: PostState.APPROVED,
                    Decision.CHANGES_REQUESTED: PostState.CHANGES_REQUESTED,
                    Decision.REJECTED: PostState.REJECTED,
                }[Decision(decision)]
            )
            post.save(update_fields=["state"])
            audit.record(
                f"posts.{decision}",
                actor=actor,
                target=post,
                department=post.department,
                data={"version": post.version, "comment": comment.strip(), "acting": acting},
                request=request,
            )
            _notify(
                [post.author],
                _("【Kagami】%(decision)s: %(post)s")
                % {"decision": Decision(decision).label, "post": post},
                comment.strip() or _("コメントはありません。"),
                post=post,
            )
    if expired:
        raise DomainError(
            _(
                "投稿日時を過ぎたため、この投稿は期限切れになりました。日時を変えて作り直してください。"
            )
        )
    return post


def approve_post(
    *, actor: User, post: Post, comment: str = "", request: HttpRequest | None = None
) -> Post:
    """The head or the acting approver approves this exact version (G-5-2)."""
    return _decide(actor, post, Decision.APPROVED, comment, request)


def request_changes(
    *, actor: User, post: Post, comment: str, request: HttpRequest | None = None
) -> Post:
    """Send the post back to its author with what to change."""
    if not comment.strip():
        raise DomainError(_("修正してほしい点を書いてください。"))
    return _decide(actor, post, Decision.CHANGES_REQUESTED, comment, request)


def reject_post(
    *, actor: User, post: Post, comment: str, request: HttpRequest | None = None
) -> Post:
    """Refuse the post; it will not go out."""
    if not comment.strip():
        raise DomainError(_("却下する理由を書いてください。"))
    return _decide(actor, post, Decision.REJECTED, comment, request)


def withdraw_post(*, actor: User, post: Post, request: HttpRequest | None = None) -> Post:
    """The author (or a member of the department) takes a post back before it goes out;
    what was waiting to go out stops in the same transaction."""
    if not actor.is_member_of(post.department):
        raise DomainError(_("この投稿は取り下げできません。"))
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if PostState.WITHDRAWN not in POST_TRANSITIONS[post.state]:
            raise DomainError(
                _("「%(state)s」の投稿は取り下げできません。") % {"state": post.get_state_display()}
            )
        if post.state == PostState.APPROVED:
            approval_ended.send(sender=Post, post=post, actor=actor, reason="withdrawn")
        post.move_to(PostState.WITHDRAWN)
        post.save(update_fields=["state"])
        audit.record(
            "posts.withdrawn", actor=actor, target=post, department=post.department, request=request
        )
    return post


def expire_overdue_posts(now: datetime | None = None) -> int:
    """Posts still waiting for approval when their time comes expire instead of going out
    late (G-5-2). Run by the worker every minute."""
    now = now or timezone.now()
    count = 0
    for post in Post.objects.filter(state=PostState.SUBMITTED, publish_at__lte=now):
        with transaction.atomic():
            post = Post.objects.select_for_update().get(pk=post.pk)
            if post.state != PostState.SUBMITTED:
                continue  # decided meanwhile
            post.move_to(PostState.EXPIRED)
            post.save(update_fields=["state"])
            audit.record("posts.expired", target=post, department=post.department)
            _notify(
                [post.author],
                _("【Kagami】期限切れ: %(post)s") % {"post": post},
                _("承認されないまま投稿日時を過ぎたため、この投稿は公開されません。"),
                post=post,
            )
        count += 1
    return count


# Pre-approved categories and after-the-fact reports -------------------------------------


def grant_pre_approval(
    *,
    head: User,
    staff: User,
    account: OfficialAccount,
    categories: list[str],
    valid_from: date,
    valid_until: date,
    request: HttpRequest | None = None,
) -> PreApprovalGrant:
    """A head decides in advance what a staff member may publish on an account without
    prior approval, and for how long (G-5-2-a)."""
    if not any(head.is_head_of(d) for d in account.departments.all()):
        raise DomainError(_("事前承認の範囲を決められるのは、そのアカウントの所属長だけです。"))
    if not staff.is_member_of(*account.departments.all()) or staff == head:
        raise DomainError(_("対象は、そのアカウントを運用する所属の職員にしてください。"))
    if not categories or not set(categories) <= set(PreApprovedCategory.values):
        raise DomainError(_("区分を1つ以上選んでください。"))
    if valid_until < valid_from:
        raise DomainError(_("終了日は開始日以降にしてください。"))
    with transaction.atomic():
        grant = PreApprovalGrant.objects.create(
            granted_by=head,
            staff=staff,
            account=account,
            categories=sorted(categories),
            valid_from=valid_from,
            valid_until=valid_until,
        )
        audit.record(
            "posts.pre_approval_granted",
            actor=head,
            target=grant,
            department=account.lead_department,
            data={
                "staff": staff.pk,
                "account": account.pk,
                "categories": grant.categories,
                "period": [str(valid_from), str(valid_until)],
            },
            request=request,
        )
    return grant


def revoke_pre_approval(
    *, head: User, grant: PreApprovalGrant, request: HttpRequest | None = None
) -> None:
    """A head of the account's departments (the one who granted it, or a successor) takes an
    advance approval back."""
    if not any(head.is_head_of(d) for d in grant.account.departments.all()):
        raise DomainError(_("事前承認の範囲を取り消せるのは、そのアカウントの所属長だけです。"))
    with transaction.atomic():
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["revoked_at"])
        audit.record(
            "posts.pre_approval_revoked",
            actor=head,
            target=grant,
            department=grant.account.lead_department,
            request=request,
        )


def is_official_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in checks_config().official_domains)


def _report_due(after: datetime) -> datetime:
    """End of the next working day (17:15), the default time for the head to confirm (G-5-3)."""
    calendar = working_calendar()
    day = after.astimezone(JST).date()
    found = 0
    while found < 1:
        day = date.fromordinal(day.toordinal() + 1)
        if calendar.is_working_day(day):
            found += 1
    hour, minute = (int(x) for x in settings.KAGAMI_REPORT_DUE_TIME.split(":"))
    return datetime.combine(day, time(hour, minute), JST)


def publish_pre_approved(
    *,
    actor: User,
    post: Post,
    category: str,
    why_no_approval: str,
    evidence_url: str = "",
    evidence_note: str = "",
    acknowledgements: dict[str, str] | None = None,
    request: HttpRequest | None = None,
) -> AfterReport:
    """When the head cannot approve in time, a staff member publishes within the scope the
    head granted in advance (G-5-2-a); an after-the-fact report goes to the head at once
    (G-5-3)."""
    acknowledgements = acknowledgements or {}
    post.refresh_from_db()  # the caller's copy may predate an edit or a decision
    if post.state not in (
        PostState.DRAFT,
        PostState.CHANGES_REQUESTED,
    ) or not actor.is_member_of(post.department):
        raise DomainError(_("この投稿は事前承認の範囲で投稿できません。"))
    if category not in PreApprovedCategory.values:
        raise DomainError(_("事前承認の区分を選んでください。"))
    accounts = [t.account for t in post.targets.select_related("account")]
    for account in accounts:
        grant = PreApprovalGrant.objects.in_force().filter(staff=actor, account=account).first()
        if grant is None or category not in grant.categories:
            raise DomainError(
                _(
                    "「%(account)s」では、この区分の事前承認を受けていません。所属長の承認を受けてください。"
                )
                % {"account": account.name}
            )
    if not why_no_approval.strip():
        raise DomainError(_("事前に承認を受けられなかった理由を書いてください。"))
    if category == PreApprovedCategory.PUBLISHED:
        if not evidence_url:
            raise DomainError(_("公開済みの内容であることを示すページのURLを入力してください。"))
        if not is_official_url(evidence_url):
            raise DomainError(
                _(
                    "根拠のURLは町の公式サイトのページにしてください（%(url)s は町のサイトではありません）。"
                )
                % {"url": evidence_url}
            )
    elif not (evidence_url or evidence_note.strip()):
        raise DomainError(_("根拠（URL か説明）を入力してください。"))
    results = _ready_to_go(post, actor, acknowledgements)
    problem = hours_problem(post)
    if problem:
        raise DomainError(problem + _("事前承認の範囲での投稿は、運用時間内に限られます。"))
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if (locked.state, locked.version) != (post.state, post.version):
            raise DomainError(_("ほかの操作で投稿が変わりました。画面を読み込み直してください。"))
        _kept_version(post)
        _record_acknowledgements(post, actor, results, acknowledgements, request)
        Approval.objects.create(
            post=post,
            version=post.version,
            digest=post.digest(),
            decision=Decision.SELF_PUBLISHED,
            decided_by=actor,
        )
        post.move_to(PostState.APPROVED)
        post.pre_approved_category = category
        post.submitted_at = timezone.now()
        post.save(update_fields=["state", "pre_approved_category", "submitted_at"])
        report = AfterReport.objects.create(
            post=post,
            category=category,
            why_no_approval=why_no_approval.strip(),
            evidence_url=evidence_url,
            evidence_note=evidence_note.strip(),
            due_at=_report_due(timezone.now()),
        )
        audit.record(
            "posts.self_published",
            actor=actor,
            target=post,
            department=post.department,
            data={
                "category": category,
                "evidence_url": evidence_url,
                "report": report.pk,
                "version": post.version,
            },
            request=request,
        )
        _notify(
            post.department.heads(),
            _("【Kagami】事後報告: %(post)s") % {"post": post},
            _("%(author)s さんが事前承認の範囲（%(category)s）で投稿しました。確認してください。")
            % {"author": actor, "category": PreApprovedCategory(category).label},
            post=post,
        )
    return report


def confirm_after_report(
    *,
    actor: User,
    report: AfterReport,
    outcome: str,
    comment: str = "",
    request: HttpRequest | None = None,
) -> AfterReport:
    """The head confirms the after-the-fact report, or finds a problem (which will open a
    correction, G-6-1)."""
    post = report.post
    if not actor.is_head_of(post.department) and not actor.can_approve_for(post.department):
        raise DomainError(_("事後報告を確認できるのは、所属長か代決者だけです。"))
    if actor.pk in post.editors_since_approval():
        raise DomainError(
            _("自分が作成・編集した投稿の事後報告は確認できません（ガイドライン5(3)）。")
        )
    if report.outcome:
        raise DomainError(_("この事後報告は確認済みです。"))
    if outcome not in AfterReport.Outcome.values:
        raise DomainError(_("確認の結果を選んでください。"))
    if outcome == AfterReport.Outcome.PROBLEM and not comment.strip():
        raise DomainError(_("問題の内容を書いてください。"))
    with transaction.atomic():
        report.outcome = outcome
        report.confirmed_by = actor
        report.confirmed_at = timezone.now()
        report.comment = comment.strip()
        report.save(update_fields=["outcome", "confirmed_by", "confirmed_at", "comment"])
        audit.record(
            "posts.after_report_confirmed"
            if outcome == AfterReport.Outcome.CONFIRMED
            else "posts.after_report_problem",
            actor=actor,
            target=post,
            department=post.department,
            data={"report": report.pk, "comment": report.comment},
            request=request,
        )
    return report


def escalate_after_reports(now: datetime | None = None) -> int:
    """Unconfirmed reports past their due time go to the policy division (G-5-3)."""
    now = now or timezone.now()
    due = AfterReport.objects.filter(
        outcome="", escalated_at__isnull=True, due_at__lt=now
    ).select_related("post__department")
    division = list(User.objects.policy_division())
    count = 0
    for report in due:
        with transaction.atomic():
            report.escalated_at = now
            report.save(update_fields=["escalated_at"])
            audit.record(
                "posts.after_report_escalated",
                target=report.post,
                department=report.post.department,
                data={"report": report.pk},
            )
            _notify(
                division,
                _("【Kagami】事後報告が確認されていません: %(post)s") % {"post": report.post},
                _("%(department)s の事後報告が期限までに確認されていません。")
                % {"department": report.post.department},
                post=report.post,
            )
        count += 1
    return count


def next_slot(post: Post) -> datetime | None:
    """The earliest time at or after the requested one inside every target account's hours."""
    calendar = working_calendar()
    accounts = [t.account for t in post.targets.select_related("account")]
    candidate: datetime | None = post.publish_at
    for _attempt in range(30):  # accounts with different hours: move until all agree
        if candidate is None:
            return None
        slots = [next_allowed(candidate, a.operation_hours, calendar) for a in accounts]
        if any(slot is None for slot in slots):
            return None
        latest = max(s for s in slots if s is not None)
        if latest == candidate:
            return candidate
        candidate = latest
    return None
