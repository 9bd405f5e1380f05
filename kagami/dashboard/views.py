"""The pages that draw on every app: the home page and the supervision page."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kagami.dashboard.attention import sections_for
from kagami.incidents.models import Correction, Incident
from kagami.incidents.models.flaming import IncidentState
from kagami.orgs.models import ActingAppointment, Department, User
from kagami.posts.models import Acknowledgement, AfterReport, Post, PostState
from kagami.publishing.models import Delivery, DeliveryState, Pause, RateLimit
from kagami.registry.models import OfficialAccount


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What needs the signed-in user's attention today."""
    return render(request, "dashboard/home.html", {"sections": sections_for(request.user)})  # type: ignore[arg-type]


def supervised_departments(user: User) -> "Any":
    """The departments whose posts `user` oversees (G-5-4): those they head or approve for as
    the acting approver on duty; every department for the policy division, auditors and
    administrators."""
    if user.sees_everything:
        return Department.objects.filter(is_active=True)
    return user.approvable_departments()


@login_required
def supervision(request: HttpRequest) -> HttpResponse:
    """What a head (or acting approver) oversees in their departments (G-5-4): posts waiting
    for approval, unconfirmed after-the-fact reports, out-of-hours posts, acknowledged
    warnings, and what did not go out (failed, held, waiting to be posted by hand, paused or
    rate-limited accounts). The policy division sees every department."""
    user: User = request.user  # type: ignore[assignment]
    departments = supervised_departments(user)
    if not departments.exists():
        raise Http404
    posts = Post.objects.filter(department__in=departments).select_related("department", "author")
    accounts = OfficialAccount.objects.filter(departments__in=departments).distinct()
    pauses = Pause.objects.in_force().filter(
        Q(account__isnull=True, department__isnull=True)
        | Q(account__in=accounts)
        | Q(department__in=departments)
    )
    context = {
        "departments": departments,
        "pending": posts.filter(state=PostState.SUBMITTED).order_by("publish_at"),
        "reports": AfterReport.objects.filter(
            post__department__in=departments, outcome=""
        ).select_related("post"),
        "out_of_hours": posts.exclude(out_of_hours_kind="").order_by("-publish_at")[:50],
        "acknowledged": Acknowledgement.objects.filter(post__department__in=departments)
        .select_related("post", "by")
        .order_by("-at")[:50],
        "delegations": ActingAppointment.objects.on_duty()
        .filter(department__in=departments)
        .select_related("deputy", "department"),
        "stuck": Delivery.objects.filter(
            post__department__in=departments,
            state__in=[DeliveryState.FAILED, DeliveryState.HELD, DeliveryState.MANUAL],
        )
        .select_related("post", "account")
        .order_by("due_at")[:100],
        "pauses": pauses.select_related("account", "department"),
        "rate_limits": RateLimit.objects.filter(
            account__in=accounts, until__gt=timezone.now()
        ).select_related("account"),
        # G-5-4 "incidents": 炎上 incidents and corrections of these departments' accounts.
        "incidents": Incident.objects.filter(
            Q(department__in=departments) | Q(accounts__account__in=accounts)
        )
        .exclude(state=IncidentState.CLOSED)
        .select_related("department")
        .distinct(),
        "corrections": Correction.objects.filter(department__in=departments)
        .select_related("original", "post")
        .order_by("-opened_at")[:20],
    }
    return render(request, "dashboard/supervision.html", context)
