"""Views: 炎上 incidents (G-6-4)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kagami.incidents import flaming
from kagami.incidents.forms import (
    DecideReviewForm,
    DeclareForm,
    NoteForm,
    ReviewForm,
    StatementForm,
)
from kagami.incidents.models import Incident
from kagami.incidents.models.flaming import IncidentState
from kagami.lib.errors import DomainError
from kagami.lib.forms import first_error
from kagami.orgs.models import User
from kagami.registry.models import AccountState, OfficialAccount


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def declarable_accounts(user: User) -> "object":
    """Accounts `user` may put into 炎上 mode: all running ones for the policy division, those
    of the departments they head or stand in for otherwise."""
    accounts = OfficialAccount.objects.exclude(state=AccountState.ENDED).select_related("platform")
    if user.is_policy_division:
        return accounts
    return accounts.filter(departments__in=user.approvable_departments()).distinct()


def _incident(user: User, pk: int) -> Incident:
    return get_object_or_404(Incident.objects.visible_to(user), pk=pk)


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    incidents = Incident.objects.visible_to(user).select_related("department", "declared_by")
    accounts = declarable_accounts(user)
    form = DeclareForm(request.POST if request.method == "POST" else None, accounts=accounts)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise DomainError(first_error(form))
            incident = flaming.declare(
                actor=user,
                accounts=list(form.cleaned_data["accounts"]),
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except DomainError as error:
            if not form.errors:
                form.add_error(None, error.message)
        else:
            messages.success(request, _("炎上対応を始めました。"))
            return redirect("incidents:incident_detail", pk=incident.pk)
    return render(
        request,
        "incidents/incident_list.html",
        {
            "open": [i for i in incidents if i.state != IncidentState.CLOSED],
            "closed": [i for i in incidents if i.state == IncidentState.CLOSED][:50],
            "form": form,
            "can_declare": accounts.exists(),  # type: ignore[attr-defined]
        },
    )


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    incident = _incident(user, pk)
    silence = flaming.last_statements(incident)
    accounts = [
        (item, silence.get(item.account_id))
        for item in incident.accounts.select_related("account__platform", "pause")
    ]
    open_ = incident.state == IncidentState.OPEN
    return render(
        request,
        "incidents/incident_detail.html",
        {
            "incident": incident,
            "accounts": accounts,
            "entries": incident.entries.select_related("actor", "post"),
            "statements": flaming.statements(incident),
            "due": flaming.holding_due_at(incident) if open_ else None,
            "now": timezone.now(),
            "note_form": NoteForm(),
            "statement_form": StatementForm(),
            "review_form": ReviewForm(),
            "decide_form": DecideReviewForm(),
            "may_write": user.is_member_of(incident.department),
            "may_review": user.is_policy_division or user.can_approve_for(incident.department),
        },
    )


@login_required
def incident_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The review as a page to print (G-6-4: the incident closes with a review)."""
    incident = _incident(_user(request), pk)
    return render(
        request,
        "incidents/incident_print.html",
        {
            "incident": incident,
            "entries": incident.entries.select_related("actor", "post"),
            "statements": flaming.statements(incident),
        },
    )


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = _user(request)
    incident = _incident(user, pk)
    try:
        if action == "note":
            form = NoteForm(request.POST)
            if not form.is_valid():
                raise DomainError(first_error(form))
            flaming.add_note(
                actor=user, incident=incident, text=form.cleaned_data["text"], request=request
            )
            messages.success(request, _("経過を記録しました。"))
        elif action == "statement":
            statement_form = StatementForm(request.POST)
            if not statement_form.is_valid():
                raise DomainError(first_error(statement_form))
            post = flaming.draft_statement(
                actor=user,
                incident=incident,
                kind=statement_form.cleaned_data["kind"],
                request=request,
            )
            messages.success(
                request, _("声明の下書きを作りました。内容を直してから承認を依頼してください。")
            )
            return redirect("posts:post_edit", pk=post.pk)
        elif action == "review":
            review = ReviewForm(request.POST)
            if not review.is_valid():
                raise DomainError(first_error(review))
            flaming.submit_review(
                actor=user, incident=incident, **review.cleaned_data, request=request
            )
            messages.success(request, _("振り返りを提出しました。"))
        else:
            decide = DecideReviewForm(request.POST)
            if not decide.is_valid():
                raise DomainError(first_error(decide))
            flaming.decide_review(
                actor=user,
                incident=incident,
                accept=request.POST.get("accept") == "1",
                note=decide.cleaned_data["note"],
                request=request,
            )
            messages.success(request, _("振り返りへの判断を記録しました。"))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("incidents:incident_detail", pk=incident.pk)


@login_required
@require_POST
def incident_note(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "note")


@login_required
@require_POST
def incident_statement(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "statement")


@login_required
@require_POST
def incident_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "review")


@login_required
@require_POST
def incident_decide(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "decide")


urlpatterns: list[URLPattern] = [
    path("", incident_list, name="incident_list"),
    path("<int:pk>/", incident_detail, name="incident_detail"),
    path("<int:pk>/print/", incident_print, name="incident_print"),
    path("<int:pk>/note/", incident_note, name="incident_note"),
    path("<int:pk>/statement/", incident_statement, name="incident_statement"),
    path("<int:pk>/review/", incident_review, name="incident_review"),
    path("<int:pk>/decide/", incident_decide, name="incident_decide"),
]
