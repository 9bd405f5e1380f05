"""Screens for composing, checking, approving and reporting posts. Views check access, call
workflow functions and show their DomainError; they change nothing themselves."""

import calendar as pycalendar
import mimetypes
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kagami.audit.models import AuditEvent
from kagami.lib.errors import DomainError
from kagami.lib.forms import first_error, is_id
from kagami.orgs.models import ActingAppointment, Department, User
from kagami.posts import pre_approval, timing, workflow
from kagami.posts.checking import TargetFindings, check_post_content
from kagami.posts.forms import (
    AcknowledgementsForm,
    CalendarMonthForm,
    CalendarWeekForm,
    DecisionForm,
    GrantForm,
    ImageForm,
    PostForm,
    PreApprovedForm,
    ReportConfirmForm,
)
from kagami.posts.models import (
    AfterReport,
    Post,
    PostState,
    PreApprovalGrant,
    emergency_on,
    working_calendar,
)
from kagami.posts.rendering import highlight, number_findings
from kagami.posts.review import review


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def visible_post(user: User, pk: int) -> Post:
    return get_object_or_404(
        Post.objects.visible_to(user).select_related("department", "author"), pk=pk
    )


def _sections(results: list[TargetFindings]) -> list[dict[str, Any]]:
    """Per target text: the numbered findings and the text with them marked in place."""
    sections, number = [], 1
    for result in results:
        numbered = number_findings(result.text, result.findings, start=number)
        number += len(numbered)
        sections.append(
            {
                "label": result.label,
                "findings": numbered,
                "marked": highlight(result.text, numbered),
            }
        )
    return sections


@login_required
def post_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    posts = (
        Post.objects.visible_to(user)
        .select_related("department", "author")
        .prefetch_related("targets__account")
    )
    # One query, not one per post: the departments this user approves for right now.
    approvable = [
        *user.headed_departments().values_list("pk", flat=True),
        *ActingAppointment.objects.on_duty()
        .filter(deputy=user)
        .values_list("department", flat=True),
    ]
    waiting = posts.filter(state=PostState.SUBMITTED, department__in=approvable).exclude(
        author=user
    )
    reports = AfterReport.objects.filter(post__in=posts, outcome="").select_related("post")
    return render(
        request,
        "posts/post_list.html",
        {
            "posts": posts[:100],
            "waiting": waiting,
            "reports": reports,
            "departments": Department.objects.visible_to(user),
        },
    )


def _department_for(user: User, request: HttpRequest) -> Department:
    """The department chosen in ?department= (or the form), else the user's first; one the
    user does not belong to, or a value that is no id at all, answers 404 like a missing one."""
    departments = Department.objects.filter(pk__in=user.active_memberships().values("department"))
    chosen = request.GET.get("department") or request.POST.get("department")
    if chosen and not is_id(chosen):
        raise Http404
    department = departments.filter(pk=chosen).first() if chosen else departments.first()
    if department is None:
        raise Http404
    return department


@login_required
def post_compose(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Write or edit a post; the checks run as the author types (htmx) and on save."""
    user = _user(request)
    post = visible_post(user, pk) if pk else None
    department = post.department if post else _department_for(user, request)
    initial: dict[str, Any] = {}
    if post is not None:
        targets = list(post.targets.all())
        initial = {
            "accounts": [t.account_id for t in targets],
            "text": post.text,
            "publish_at": post.publish_at.astimezone().strftime("%Y-%m-%dT%H:%M"),
            "out_of_hours_kind": post.out_of_hours_kind,
            "out_of_hours_note": post.out_of_hours_note,
            "statement": post.statement,
            "emergency": post.emergency,
            **{f"variant_{t.account_id}": t.text_override for t in targets},
        }
    form = PostForm(
        request.POST or None,
        department=department,
        initial=initial,
        everywhere=user.is_policy_division and emergency_on(),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            post = workflow.save_post(
                actor=user,
                department=department,
                accounts=list(data["accounts"]),
                text=data["text"],
                publish_at=data["publish_at"],
                overrides=form.overrides(),
                out_of_hours_kind=data["out_of_hours_kind"],
                out_of_hours_note=data["out_of_hours_note"],
                statement=data["statement"],
                emergency=data.get("emergency", False),
                post=post,
                request=request,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("下書きを保存しました。"))
            return redirect("posts:post_detail", pk=post.pk)
    return render(
        request, "posts/post_compose.html", {"form": form, "post": post, "department": department}
    )


@login_required
@require_POST
def post_check(request: HttpRequest) -> HttpResponse:
    """The live check of the compose screen: findings for what is typed, nothing saved."""
    user = _user(request)
    department = _department_for(user, request)
    form = PostForm(request.POST, department=department)
    form.is_valid()  # a partial form still gets checked as far as it goes
    data = form.cleaned_data
    text = data.get("text") or request.POST.get("text", "")
    publish_at = data.get("publish_at")
    if not text.strip() or publish_at is None:
        return render(request, "posts/_findings.html", {"sections": [], "empty": True})
    results = check_post_content(
        text, publish_at, list(data.get("accounts") or []), form.overrides(), []
    )
    return render(request, "posts/_findings.html", {"sections": _sections(results)})


@login_required
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    post = visible_post(user, pk)
    results = workflow.findings(post)
    warnings = sorted(
        {f.rule: f for r in results for f in r.warnings}.values(), key=lambda f: f.rule
    )
    member = user.is_member_of(post.department)
    grants = PreApprovalGrant.objects.in_force().filter(
        staff=user, account__in=post.targets.values("account")
    )
    targets = list(post.targets.select_related("account__platform"))
    # The latest delivery per account (a re-approved version makes a fresh one).
    latest: dict[int, Any] = {}
    for delivery in post.deliveries.order_by("version", "pk"):
        latest[delivery.account_id] = delivery
    for target in targets:
        target.latest_delivery = latest.get(target.account_id)  # type: ignore[attr-defined]
    can_send_again = user.pk == post.author_id or user.can_approve_for(post.department)
    reviews, previous = review(post)
    reviewer = post.state == PostState.SUBMITTED and post.may_be_decided_by(user)
    own_words = user.pk in post.editors_since_approval()
    context = {
        "post": post,
        "targets": targets,
        "reviews": reviews,
        "previous_approved": previous,
        "acknowledged": post.acknowledgements.filter(version=post.version).select_related("by"),
        "can_send_again": can_send_again,
        "can_decide_held": user.is_policy_division or user.can_approve_for(post.department),
        # A published post that was wrong is corrected (G-6-1, the incidents app).
        "can_correct": any(d and d.state == "published" for d in latest.values())
        and (member or user.is_policy_division),
        "images": post.images.all(),
        "sections": _sections(results),
        "warnings": warnings,
        "hours_problem": timing.hours_problem(post),
        "can_edit": member and post.is_editable,
        "can_submit": member and post.state in (PostState.DRAFT, PostState.CHANGES_REQUESTED),
        "can_decide": reviewer and not own_words,
        "own_words": reviewer and own_words,
        "decision_form": DecisionForm(),
        "image_form": ImageForm(),
        "pre_form": PreApprovedForm() if grants.exists() and member else None,
        "report": getattr(post, "after_report", None),
        "confirm_form": ReportConfirmForm(),
        "decisions": post.decisions.select_related("decided_by"),
        "trail": AuditEvent.objects.for_object(post).select_related("actor")[:30],
    }
    return render(request, "posts/post_detail.html", context)


@login_required
@require_safe
def post_image(request: HttpRequest, pk: int, image_pk: int) -> FileResponse:
    """An image of a post, for those who may see the post (not public until published)."""
    post = visible_post(_user(request), pk)
    image = get_object_or_404(post.images.all(), pk=image_pk)
    content_type = mimetypes.guess_type(str(image.file.name))[0] or "application/octet-stream"
    response = FileResponse(image.file.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


def _acknowledgements(request: HttpRequest) -> dict[str, str]:
    form = AcknowledgementsForm(request.POST)
    if not form.is_valid():
        raise DomainError(first_error(form))
    return form.reasons()


@login_required
@require_POST
def post_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Submit, approve, request changes, reject, withdraw, publish as pre-approved, add an
    image, or confirm the after-the-fact report."""
    user = _user(request)
    post = visible_post(user, pk)
    decision = DecisionForm(request.POST)
    try:
        if not decision.is_valid():
            raise DomainError(first_error(decision))
        comment = decision.cleaned_data["comment"]
        if action == "submit":
            workflow.submit_post(
                actor=user, post=post, acknowledgements=_acknowledgements(request), request=request
            )
            messages.success(request, _("承認を依頼しました。"))
        elif action == "approve":
            workflow.approve_post(actor=user, post=post, comment=comment, request=request)
            messages.success(request, _("承認しました。"))
        elif action == "changes":
            workflow.request_changes(actor=user, post=post, comment=comment, request=request)
            messages.success(request, _("修正を依頼しました。"))
        elif action == "reject":
            workflow.reject_post(actor=user, post=post, comment=comment, request=request)
            messages.success(request, _("却下しました。"))
        elif action == "next-slot":
            slot = timing.next_slot(post)
            if slot is None:
                raise DomainError(
                    _(
                        "60日以内に投稿できる時刻が見つかりません。アカウントの運用時間を確認してください。"
                    )
                )
            targets = list(post.targets.select_related("account"))
            workflow.save_post(
                actor=user,
                department=post.department,
                accounts=[t.account for t in targets],
                text=post.text,
                publish_at=slot,
                overrides={t.account_id: t.text_override for t in targets},
                post=post,
                request=request,
            )
            messages.success(
                request,
                _("投稿日時を %(slot)s に変更しました。")
                % {"slot": f"{timezone.localtime(slot):%Y-%m-%d %H:%M}"},
            )
        elif action == "withdraw":
            workflow.withdraw_post(actor=user, post=post, request=request)
            messages.success(request, _("取り下げました。"))
        elif action == "pre-approved":
            form = PreApprovedForm(request.POST)
            if not form.is_valid():
                raise DomainError(_("事前承認の区分・理由・根拠を確認してください。"))
            pre_approval.publish_pre_approved(
                actor=user,
                post=post,
                acknowledgements=_acknowledgements(request),
                request=request,
                **form.cleaned_data,
            )
            messages.success(
                request, _("事前承認の範囲で投稿を予約し、所属長へ事後報告を送りました。")
            )
        elif action == "image":
            image_form = ImageForm(request.POST, request.FILES)
            if not image_form.is_valid():
                raise DomainError(
                    " ".join(str(e) for errors in image_form.errors.values() for e in errors)
                )
            workflow.add_image(
                actor=user,
                post=post,
                upload=image_form.cleaned_data["image"],
                alt_text=image_form.cleaned_data["alt_text"],
                source=image_form.cleaned_data["source"],
                request=request,
            )
            messages.success(request, _("画像を追加しました。"))
        elif action == "confirm-report":
            report = get_object_or_404(AfterReport, post=post)
            pre_approval.confirm_after_report(
                actor=user,
                report=report,
                outcome=request.POST.get("outcome", ""),
                comment=comment,
                request=request,
            )
            messages.success(request, _("事後報告を確認しました。"))
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("posts:post_detail", pk=post.pk)


@login_required
def grants(request: HttpRequest) -> HttpResponse:
    """A head's list of advance approvals (G-5-2-a), and the form to add one."""
    user = _user(request)
    if not user.headed_departments().exists():
        raise Http404
    form = GrantForm(request.POST or None, head=user)
    if request.method == "POST":
        if "revoke" in request.POST:
            # Any head of the account's departments, a successor included, may revoke it.
            chosen = request.POST["revoke"]
            grant = get_object_or_404(
                PreApprovalGrant.objects.filter(
                    account__departments__in=user.headed_departments()
                ).distinct(),
                pk=int(chosen) if is_id(chosen) else 0,
            )
            try:
                pre_approval.revoke_pre_approval(head=user, grant=grant, request=request)
                messages.success(request, _("事前承認の範囲を取り消しました。"))
            except DomainError as error:
                messages.error(request, error.message)
            return redirect("posts:grants")
        if form.is_valid():
            try:
                pre_approval.grant_pre_approval(head=user, request=request, **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("事前承認の範囲を設定しました。"))
                return redirect("posts:grants")
    rows = (
        PreApprovalGrant.objects.filter(account__departments__in=user.headed_departments())
        .distinct()
        .select_related("staff", "account")
    )
    return render(request, "posts/grants.html", {"form": form, "grants": rows})


@login_required
def calendar_month(request: HttpRequest) -> HttpResponse:
    """A month of scheduled and published posts with closed days marked (keyboard and screen
    reader friendly: a table with a caption and one list per day)."""
    user = _user(request)
    today = timezone.localdate()
    chosen = CalendarMonthForm(request.GET)
    if not chosen.is_valid():
        raise Http404
    first = date(
        chosen.cleaned_data["year"] or today.year, chosen.cleaned_data["month"] or today.month, 1
    )
    weeks = pycalendar.Calendar(firstweekday=6).monthdatescalendar(first.year, first.month)
    start, end = weeks[0][0], weeks[-1][-1]
    posts = (
        Post.objects.visible_to(user)
        .filter(publish_at__date__gte=start, publish_at__date__lte=end)
        .exclude(state__in=[PostState.WITHDRAWN, PostState.REJECTED])
        .select_related("department")
        .order_by("publish_at")
    )
    by_day: dict[date, list[Post]] = {}
    for post in posts:
        by_day.setdefault(timezone.localtime(post.publish_at).date(), []).append(post)
    work = working_calendar()
    rows = [
        [
            {
                "day": day,
                "in_month": day.month == first.month,
                "closed": work.closure_reason(day),
                "posts": by_day.get(day, []),
            }
            for day in week
        ]
        for week in weeks
    ]
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "posts/calendar.html",
        {
            "rows": rows,
            "first": first,
            "previous": previous,
            "following": following,
            "today": today,
        },
    )


@login_required
def calendar_week(request: HttpRequest) -> HttpResponse:
    """A week of posts, one list per day (Sunday first), with closed days marked."""
    user = _user(request)
    chosen = CalendarWeekForm(request.GET)
    if not chosen.is_valid():
        raise Http404
    start = chosen.cleaned_data["start"] or timezone.localdate()
    start -= timedelta(days=(start.weekday() + 1) % 7)  # back to Sunday
    days = [start + timedelta(days=n) for n in range(7)]
    posts = (
        Post.objects.visible_to(user)
        .filter(publish_at__date__gte=days[0], publish_at__date__lte=days[-1])
        .exclude(state__in=[PostState.WITHDRAWN, PostState.REJECTED])
        .prefetch_related("targets__account")
        .order_by("publish_at")
    )
    by_day: dict[date, list[Post]] = {}
    for post in posts:
        by_day.setdefault(timezone.localtime(post.publish_at).date(), []).append(post)
    work = working_calendar()
    context = {
        "days": [
            {"day": d, "closed": work.closure_reason(d), "posts": by_day.get(d, [])} for d in days
        ],
        "previous": days[0] - timedelta(days=7),
        "following": days[0] + timedelta(days=7),
        "today": timezone.localdate(),
    }
    return render(request, "posts/calendar_week.html", context)
