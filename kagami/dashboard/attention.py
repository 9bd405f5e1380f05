"""What needs each user's attention on the home page (G-5-4 supervision starts here).

Each section is a function returning a small dict; later apps (posts, vault, incidents) add
their own sections to SECTIONS without touching the others.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import user_has_device

from kagami.orgs.models import ActingAppointment, Department, Membership, Role, User
from kagami.posts.models import AfterReport, Post, PostState
from kagami.registry.models import AccountState, OfficialAccount, Report, ReportStatus
from kagami.vault.status import overdue_section


def acting_duties(user: User) -> dict[str, Any]:
    """Acting appointments (代決) in which the user approves for a head right now."""
    items = ActingAppointment.objects.on_duty().filter(deputy=user).select_related("department")
    return {
        "title": _("代決者として承認を担当している所属"),
        "items": [
            _("%(department)s（%(until)s まで）")
            % {
                "department": a.department,
                "until": timezone.localtime(a.ends_at).strftime("%Y-%m-%d %H:%M"),
            }
            for a in items
        ],
        "empty": _("ありません。"),
    }


def appointed_deputies(user: User) -> dict[str, Any]:
    """For heads: the deputies they have appointed who are on duty."""
    if not user.headed_departments().exists():
        return {}
    items = (
        ActingAppointment.objects.on_duty()
        .filter(appointed_by=user)
        .select_related("deputy", "department")
    )
    return {
        "title": _("指定中の代決者"),
        "items": [f"{a.department}: {a.deputy}" for a in items],
        "empty": _("指定中の代決者はいません。"),
    }


def pending_approvals(user: User) -> dict[str, Any]:
    """Posts waiting for this user's approval, as head or acting approver (G-5-2, G-5-4)."""
    departments = [
        *user.headed_departments(),
        *(a.department for a in ActingAppointment.objects.on_duty().filter(deputy=user)),
    ]
    if not departments:
        return {}
    posts = (
        Post.objects.filter(state=PostState.SUBMITTED, department__in=departments)
        .exclude(author=user)
        .select_related("author")
        .order_by("publish_at")
    )
    return {
        "title": _("承認待ちの投稿"),
        "items": [
            _("%(post)s（%(author)s、投稿予定 %(when)s）")
            % {
                "post": p,
                "author": p.author,
                "when": timezone.localtime(p.publish_at).strftime("%m/%d %H:%M"),
            }
            for p in posts
        ],
        "empty": _("承認待ちの投稿はありません。"),
    }


def after_reports_waiting(user: User) -> dict[str, Any]:
    """After-the-fact reports the head has not confirmed yet (G-5-3)."""
    departments = user.headed_departments()
    if not departments.exists():
        return {}
    reports = AfterReport.objects.filter(
        outcome="", post__department__in=departments
    ).select_related("post")
    return {
        "title": _("未確認の事後報告"),
        "items": [
            _("%(post)s（確認期限 %(due)s）")
            % {"post": r.post, "due": timezone.localtime(r.due_at).strftime("%m/%d %H:%M")}
            for r in reports
        ],
        "empty": _("ありません。"),
    }


def security_notices(user: User) -> dict[str, Any]:
    items = []
    if not user_has_device(user, confirmed=True):
        items.append(_("2段階認証が設定されていません。設定をおすすめします。"))
    if user.access_ends_on and user.access_ends_on - timezone.localdate() <= timedelta(days=14):
        items.append(_("利用期限は %(date)s です。") % {"date": user.access_ends_on.isoformat()})
    return {"title": _("アカウントについてのお知らせ"), "items": items, "empty": _("ありません。")}


def contractors_ending(user: User) -> dict[str, Any]:
    """For administrators and the policy division: contractors whose access ends soon."""
    if not user.can_manage_people():
        return {}
    soon = timezone.localdate() + timedelta(days=30)
    items = User.objects.filter(
        is_active=True, access_ends_on__gte=timezone.localdate(), access_ends_on__lte=soon
    ).exclude(contractor_company="")
    return {
        "title": _("30日以内に利用期限を迎える委託事業者"),
        "items": [f"{u}（{u.contractor_company}、{u.access_ends_on:%Y-%m-%d}）" for u in items],
        "empty": _("ありません。"),
    }


def departments_without_head(user: User) -> dict[str, Any]:
    if not user.can_manage_people():
        return {}
    staffed = Membership.objects.active().filter(role=Role.HEAD).values("department")
    items = Department.objects.filter(is_active=True).exclude(pk__in=staffed)
    return {
        "title": _("所属長が登録されていない所属"),
        "items": [str(d) for d in items],
        "empty": _("ありません。"),
    }


def reports_to_decide(user: User) -> dict[str, Any]:
    """For the policy division: start and end reports waiting for a decision (G-4-2, G-4-3)."""
    if not user.is_policy_division:
        return {}
    reports = Report.objects.filter(status=ReportStatus.SUBMITTED).select_related("account")
    return {
        "title": _("審査待ちの開始・終了報告"),
        "items": [f"{r.document_number} {r.get_kind_display()}: {r.account}" for r in reports],
        "empty": _("審査待ちの報告はありません。"),
    }


def returned_reports(user: User) -> dict[str, Any]:
    """For heads: reports the policy division returned, to fix and file again."""
    departments = user.headed_departments()
    if not departments.exists():
        return {}
    reports = Report.objects.filter(
        status=ReportStatus.RETURNED,
        department__in=departments,
        account__state=AccountState.PLANNED,
    ).select_related("account")
    return {
        "title": _("差し戻された報告"),
        "items": [f"{r.document_number} {r.account}: {r.decision_comment}" for r in reports],
        "empty": _("ありません。"),
    }


def dormant_accounts(user: User) -> dict[str, Any]:
    """Accounts not reviewed for 12 months or silent too long: hijack risk (jp-context §5)."""
    if not (user.is_policy_division or user.headed_departments().exists()):
        return {}
    accounts = OfficialAccount.objects.visible_to(user).filter(
        state__in=[AccountState.START_REPORTED, AccountState.ACTIVE]
    )
    items = [f"{a}: {' '.join(reasons)}" for a in accounts if (reasons := a.dormancy_reasons())]
    return {
        "title": _("見直しが必要なアカウント"),
        "items": items,
        "empty": _("ありません。"),
    }


def trouble(user: User) -> dict[str, Any]:
    """Open 炎上 incidents and corrections whose correction has not gone out yet (G-5-4,
    G-6-1, G-6-4)."""
    from kagami.incidents.models import Correction, Incident
    from kagami.incidents.models.flaming import IncidentState
    from kagami.publishing.models import DeliveryState

    incidents = (
        Incident.objects.visible_to(user)
        .exclude(state=IncidentState.CLOSED)
        .select_related("department")
    )
    open_corrections = (
        Correction.objects.visible_to(user)
        .exclude(post__deliveries__state=DeliveryState.PUBLISHED)
        .select_related("original")
        .distinct()
    )
    items = [
        _("炎上対応中: %(incident)s（%(department)s、%(state)s）")
        % {"incident": i, "department": i.department, "state": i.get_state_display()}
        for i in incidents
    ] + [
        _("訂正・お詫びの対応中: %(post)s（%(kind)s）")
        % {"post": c.original, "kind": c.get_kind_display()}
        for c in open_corrections
    ]
    if not items:
        return {}
    return {"title": _("トラブル対応"), "items": items, "empty": _("ありません。")}


def impersonation_cases(user: User) -> dict[str, Any]:
    """Open impersonation and hijack cases, with requests the platform has not answered, and
    look-alike accounts waiting for a person to judge them (G-6-3)."""
    from kagami.incidents.models import Case, LookalikeCandidate
    from kagami.incidents.models.cases import CandidateState, RequestOutcome

    cases = Case.objects.visible_to(user).open().select_related("department", "platform")
    items = []
    for case in cases.prefetch_related("requests"):
        pending = [r for r in case.requests.all() if r.outcome == RequestOutcome.PENDING]
        items.append(
            _("%(case)s（%(department)s、%(state)s）")
            % {
                "case": case,
                "department": case.department,
                "state": _("運営者の回答待ち %(count)s 件") % {"count": len(pending)}
                if pending
                else _("削除依頼はまだ記録されていません")
                if not case.requests.all()
                else _("回答済み"),
            }
        )
    waiting = LookalikeCandidate.objects.visible_to(user).filter(state=CandidateState.NEW)
    if user.is_policy_division or user.approvable_departments().exists():
        count = waiting.count()
        if count:
            items.append(
                _("確認を待っている、似たユーザーIDのアカウント: %(count)s 件") % {"count": count}
            )
    if not items:
        return {}
    return {"title": _("なりすまし・乗っ取りの対応"), "items": items, "empty": _("ありません。")}


SECTIONS: list[Callable[[User], dict[str, Any]]] = [
    trouble,
    impersonation_cases,
    pending_approvals,
    after_reports_waiting,
    reports_to_decide,
    returned_reports,
    dormant_accounts,
    overdue_section,
    acting_duties,
    appointed_deputies,
    security_notices,
    contractors_ending,
    departments_without_head,
]


def sections_for(user: User) -> list[dict[str, Any]]:
    return [section for build in SECTIONS if (section := build(user))]
