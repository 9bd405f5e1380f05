"""Posts published within a head's advance approval when the head cannot approve in time
(G-5-2-a), and the after-the-fact reports they send (G-5-3): grants, publication,
confirmation and escalation to the policy division."""

from datetime import date, datetime
from urllib.parse import urlsplit

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.lib.errors import DomainError
from kagami.lib.urls import public_https_url_problem
from kagami.orgs.models import User
from kagami.posts import timing
from kagami.posts.checking import checks_config
from kagami.posts.models import (
    AfterReport,
    Approval,
    Decision,
    Post,
    PostState,
    PreApprovalGrant,
    PreApprovedCategory,
)
from kagami.posts.workflow import (
    kept_version,
    notify_about,
    ready_to_go,
    record_acknowledgements,
)
from kagami.registry.models import OfficialAccount


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
    evidence_url = evidence_url.strip()
    url_problem = public_https_url_problem(evidence_url) if evidence_url else None
    if url_problem:
        raise DomainError(_("根拠のURL: %(problem)s") % {"problem": url_problem})
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
    results = ready_to_go(post, actor, acknowledgements)
    problem = timing.hours_problem(post)
    if problem:
        raise DomainError(problem + _("事前承認の範囲での投稿は、運用時間内に限られます。"))
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if (locked.state, locked.version) != (post.state, post.version):
            raise DomainError(_("ほかの操作で投稿が変わりました。画面を読み込み直してください。"))
        kept_version(post)
        record_acknowledgements(post, actor, results, acknowledgements, request)
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
            due_at=timing.report_due(timezone.now()),
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
        notify_about(
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
        if outcome == AfterReport.Outcome.PROBLEM:
            # G-5-3 → G-6-1: a problem leads to a correction, started from the post's page.
            notify_about(
                [post.author, *User.objects.policy_division()],
                _("【Kagami】事後報告で問題があると確認されました: %(post)s") % {"post": post},
                _(
                    "%(head)s さんが、公開済みの投稿に問題があると確認しました。\n"
                    "内容: %(comment)s\n投稿の画面から、訂正・お詫びを始めてください。"
                )
                % {"head": actor, "comment": report.comment},
                post=post,
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
            notify_about(
                division,
                _("【Kagami】事後報告が確認されていません: %(post)s") % {"post": report.post},
                _("%(department)s の事後報告が期限までに確認されていません。")
                % {"department": report.post.department},
                post=report.post,
            )
        count += 1
    return count
