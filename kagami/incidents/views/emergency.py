"""Views: emergency mode."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kagami.incidents import emergency
from kagami.lib.errors import DomainError
from kagami.lib.forms import NulMessageMixin, first_error
from kagami.orgs.models import User
from kagami.posts.models import EmergencyMode, Post
from kagami.publishing.models import Delivery, DeliveryState


class DeclareForm(NulMessageMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("理由"),
        max_length=300,
        help_text=gettext_lazy("例: 大雨警報（土砂災害）の発表、震度5弱の地震"),
    )


class EndForm(NulMessageMixin, forms.Form):
    report = forms.CharField(
        label=gettext_lazy("終了の報告"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=emergency.MAX_REPORT,
        help_text=gettext_lazy(
            "何を発信したか、保留した通常の投稿をどうするかなどを短く書いてください。"
        ),
    )


@login_required
def emergency_page(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not (user.sees_everything or user.approvable_departments().exists()):
        raise Http404
    mode = EmergencyMode.objects.active().first()
    if request.method == "POST":
        try:
            if mode is None:
                form = DeclareForm(request.POST)
                if not form.is_valid():
                    raise DomainError(first_error(form))
                emergency.declare(actor=user, reason=form.cleaned_data["reason"], request=request)
                messages.success(request, _("緊急モードにしました。"))
            else:
                end_form = EndForm(request.POST)
                if not end_form.is_valid():
                    raise DomainError(first_error(end_form))
                emergency.end(
                    actor=user, mode=mode, report=end_form.cleaned_data["report"], request=request
                )
                messages.success(request, _("緊急モードを終えました。"))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("incidents:emergency")
    context: dict[str, object] = {
        "mode": mode,
        "may_act": emergency.may_declare(user),
        "declare_form": DeclareForm(),
        "end_form": EndForm(),
        "history": EmergencyMode.objects.exclude(ended_at__isnull=True).select_related(
            "declared_by", "ended_by"
        )[:20],
    }
    if mode is not None:
        context["emergency_posts"] = Post.objects.filter(
            emergency=True, created_at__gte=mode.started_at
        ).select_related("department")
        context["held"] = Delivery.objects.filter(
            state=DeliveryState.HELD, due_at__gte=mode.started_at
        ).select_related("post", "account")[:100]
    return render(request, "incidents/emergency.html", context)


urlpatterns: list[URLPattern] = [
    path("emergency/", emergency_page, name="emergency"),
]
