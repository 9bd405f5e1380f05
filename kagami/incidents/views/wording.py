"""Views: the model texts (correction, apology, holding statement, impersonation notice …)
that the policy division keeps in the town's own words."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kagami.incidents import workflow
from kagami.incidents.models import Wording
from kagami.incidents.wording import DEFAULTS
from kagami.lib.errors import DomainError
from kagami.orgs.models import User


class WordingForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("文例"),
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        max_length=workflow.MAX_WORDING,
        help_text=gettext_lazy(
            "{所属名} のような波かっこの語は、下書きを作るときに分かる範囲で埋められます。"
            "空にすると、初めの文例に戻ります。"
        ),
    )


@login_required
def wording_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not (user.sees_everything or user.approvable_departments().exists()):
        raise Http404
    kept = dict(Wording.objects.values_list("key", "text"))
    rows = [
        {"key": key, "label": label, "text": kept.get(key, default), "changed": key in kept}
        for key, (label, default) in DEFAULTS.items()
    ]
    return render(request, "incidents/wording_list.html", {"rows": rows})


@login_required
def wording_edit(request: HttpRequest, key: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if key not in DEFAULTS or not (user.sees_everything or user.approvable_departments().exists()):
        raise Http404
    label, default = DEFAULTS[key]
    current = Wording.objects.filter(key=key).values_list("text", flat=True).first() or default
    form = WordingForm(
        request.POST if request.method == "POST" else None, initial={"text": current}
    )
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise DomainError(_("入力内容を確かめてください。"))
            workflow.change_wording(
                actor=user, key=key, text=form.cleaned_data["text"], request=request
            )
        except DomainError as error:
            if not form.errors:
                form.add_error(None, error.message)
        else:
            messages.success(request, _("文例を保存しました。"))
            return redirect("incidents:wording_list")
    return render(
        request,
        "incidents/wording_form.html",
        {"form": form, "label": label, "default": default, "key": key},
    )


urlpatterns: list[URLPattern] = [
    path("wording/", wording_list, name="wording_list"),
    path("wording/<slug:key>/", wording_edit, name="wording_edit"),
]
