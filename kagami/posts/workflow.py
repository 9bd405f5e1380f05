"""State changes of posts (G-5-1, G-5-2): drafting, images, submission, decisions, withdrawal
and expiry. Each function checks the guideline's rule, changes what changes in one
transaction and writes its audit event; refusals raise DomainError. Pre-approved posts and
after-the-fact reports are in `pre_approval`, working hours and slots in `timing`."""

import logging
from collections.abc import Iterable
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.lib.errors import DomainError
from kagami.lib.workcalendar import JST
from kagami.orgs.models import ActingAppointment, Department, User
from kagami.orgs.notifications import notify
from kagami.posts import timing
from kagami.posts.checking import TargetFindings, check_post_content
from kagami.posts.models import (
    POST_TRANSITIONS,
    Acknowledgement,
    Approval,
    Decision,
    OutOfHoursKind,
    Post,
    PostImage,
    PostState,
    PostTarget,
    PostVersion,
    Statement,
    emergency_on,
)
from kagami.posts.signals import approval_ended
from kagami.registry.models import OfficialAccount

logger = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_SIDE = 8000
IMAGE_TYPES = {"JPEG", "PNG", "GIF", "WEBP"}


def notify_about(users: Iterable[User], subject: str, body: str, post: Post | None = None) -> None:
    """Tell `users` in the app and by mail, linking to the post."""
    notify(users, subject, body, link=reverse("posts:post_detail", args=[post.pk]) if post else "")


def approvers(department: Department) -> list[User]:
    """Who may approve the department's posts now: its heads and the acting approvers on duty."""
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


def kept_version(post: Post) -> PostVersion:
    """The kept copy of the version being approved; what publishing will send."""
    version = post.versions.filter(number=post.version).first()
    if version is None or version.digest != post.digest():
        raise DomainError(
            _("投稿の内容が記録と一致しません。もう一度保存してから審査を依頼してください。")
        )
    return version


def check_accounts(
    department: Department, accounts: list[OfficialAccount], *, any_department: bool = False
) -> None:
    """Refuse target accounts that are not the department's (unless `any_department`:
    emergency information in emergency mode) or may not publish now."""
    if not accounts:
        raise DomainError(_("投稿先のアカウントを選んでください。"))
    for account in accounts:
        if not any_department and not account.departments.filter(pk=department.pk).exists():
            raise DomainError(
                _("「%(account)s」はこの所属のアカウントではありません。")
                % {"account": account.name}
            )
        blocker = account.publishing_blocker(timezone.now())
        if blocker:
            raise DomainError(
                _("「%(account)s」: %(reason)s") % {"account": account.name, "reason": blocker}
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
    statement: str = "",
    emergency: bool = False,
    corrects: Post | None = None,
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
    if statement and statement not in Statement.values:
        raise DomainError(_("声明の種類が正しくありません。"))
    if emergency and not emergency_on():
        raise DomainError(_("緊急情報として出せるのは、緊急モードの間だけです。"))
    # In emergency mode the policy division sends emergency information to every account.
    check_accounts(department, accounts, any_department=emergency and actor.is_policy_division)
    overrides = {pk: t for pk, t in (overrides or {}).items() if t.strip()}
    with transaction.atomic():
        creating = post is None
        if post is None:
            post = Post(
                department=department,
                author=actor,
                text=text,
                publish_at=publish_at,
                corrects=corrects,
            )
            before = ""
        else:
            post = Post.objects.select_for_update().get(pk=post.pk)
            before = post.digest()
        post.text = text
        post.publish_at = publish_at
        post.out_of_hours_kind = out_of_hours_kind
        post.out_of_hours_note = out_of_hours_note.strip()
        post.statement = statement
        post.emergency = emergency
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


def ready_to_go(post: Post, actor: User, acknowledgements: dict[str, str]) -> list[TargetFindings]:
    """Shared checks before a post leaves its author: content, warnings, time, accounts."""
    check_accounts(
        post.department,
        [t.account for t in post.targets.select_related("account")],
        any_department=post.emergency and emergency_on(),
    )
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


def record_acknowledgements(
    post: Post,
    actor: User,
    results: list[TargetFindings],
    reasons: dict[str, str],
    request: HttpRequest | None,
) -> None:
    """Keep, once per rule, the author's reason for going ahead despite each warning."""
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
    results = ready_to_go(post, actor, acknowledgements)
    problem = timing.hours_problem(post)
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
        record_acknowledgements(post, actor, results, acknowledgements, request)
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
        notify_about(
            approvers(post.department),
            _("【Kagami】承認の依頼: %(post)s") % {"post": post},
            _("%(author)s さんから投稿の承認依頼が届きました。投稿日時: %(when)s")
            % {"author": actor, "when": f"{post.publish_at.astimezone(JST):%Y-%m-%d %H:%M}"},
            post=post,
        )
    return post


def _decide(
    actor: User, post: Post, decision: str, comment: str, request: HttpRequest | None
) -> Post:
    if not post.may_be_decided_by(actor):
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
            check_accounts(
                post.department,
                [t.account for t in post.targets.select_related("account")],
                any_department=post.emergency and emergency_on(),
            )
            kept_version(post)
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
            notify_about(
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
            notify_about(
                [post.author],
                _("【Kagami】期限切れ: %(post)s") % {"post": post},
                _("承認されないまま投稿日時を過ぎたため、この投稿は公開されません。"),
                post=post,
            )
        count += 1
    return count
