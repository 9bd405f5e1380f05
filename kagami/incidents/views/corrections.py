"""Views: corrections of published posts (G-6-1)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kagami.incidents import corrections
from kagami.incidents.models import Correction, Removal
from kagami.incidents.models.corrections import CorrectionKind
from kagami.lib.errors import DomainError
from kagami.lib.forms import NulMessageMixin, first_error
from kagami.orgs.models import User
from kagami.posts.models import Post


class CorrectionForm(NulMessageMixin, forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("対応の種類"),
        choices=CorrectionKind.choices,
        widget=forms.RadioSelect,
    )
    what_was_wrong = forms.CharField(
        label=gettext_lazy("何が誤っていたか"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=corrections.MAX_TEXT,
        help_text=gettext_lazy(
            "例: 収集日を「12月3日（木）」と書いたが、正しくは「12月4日（金）」"
        ),
    )
    affected = forms.CharField(
        label=gettext_lazy("影響を受けた人（誤解させた・傷つけた相手）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=corrections.MAX_TEXT,
        required=False,
        help_text=gettext_lazy("例: 12月3日にごみを出した東地区の住民の方"),
    )


class RemovedByHandForm(forms.Form):
    at = forms.DateTimeField(
        label=gettext_lazy("削除した日時"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _correction(user: User, pk: int) -> Correction:
    return get_object_or_404(Correction.objects.visible_to(user), pk=pk)


@login_required
def correction_list(request: HttpRequest) -> HttpResponse:
    items = Correction.objects.visible_to(_user(request)).select_related(
        "original", "post", "department"
    )[:200]
    return render(request, "incidents/correction_list.html", {"corrections": items})


@login_required
def correction_new(request: HttpRequest, post_pk: int) -> HttpResponse:
    user = _user(request)
    original = get_object_or_404(Post.objects.visible_to(user), pk=post_pk)
    if not corrections.may_open(user, original):
        raise Http404
    form = CorrectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise DomainError(first_error(form))
            correction = corrections.open_correction(
                actor=user, original=original, **form.cleaned_data, request=request
            )
        except DomainError as error:
            if not form.errors:
                form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("訂正の対応を始めました。下書きを直してから承認を依頼してください。"),
            )
            return redirect("incidents:correction_detail", pk=correction.pk)
    return render(
        request,
        "incidents/correction_form.html",
        {
            "form": form,
            "original": original,
            "published": corrections.published_deliveries(original),
        },
    )


@login_required
def correction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    correction = _correction(user, pk)
    return render(
        request,
        "incidents/correction_detail.html",
        {
            "correction": correction,
            "removals": correction.removals.select_related(
                "delivery__account__platform", "done_by"
            ),
            "may_remove": corrections.may_remove(user, correction),
            "may_write": user.is_member_of(correction.department),
            "hand_form": RemovedByHandForm(),
        },
    )


@login_required
@require_POST
def correction_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    correction = _correction(user, pk)
    try:
        done = corrections.remove_original(actor=user, correction=correction, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("元の投稿の削除を %(count)s 件処理しました。結果を確かめてください。")
            % {"count": len(done)},
        )
    return redirect("incidents:correction_detail", pk=correction.pk)


@login_required
@require_POST
def correction_draft(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    correction = _correction(user, pk)
    try:
        post = corrections.draft_correction_post(actor=user, correction=correction, request=request)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("incidents:correction_detail", pk=correction.pk)
    return redirect("posts:post_edit", pk=post.pk)


@login_required
@require_POST
def removal_by_hand(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    removal = get_object_or_404(
        Removal.objects.filter(correction__in=Correction.objects.visible_to(user)), pk=pk
    )
    form = RemovedByHandForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(first_error(form))
        corrections.record_removed_by_hand(
            actor=user, removal=removal, at=form.cleaned_data["at"], request=request
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("手作業で削除した日時を記録しました。"))
    return redirect("incidents:correction_detail", pk=removal.correction_id)


urlpatterns: list[URLPattern] = [
    path("corrections/", correction_list, name="correction_list"),
    path("corrections/new/<int:post_pk>/", correction_new, name="correction_new"),
    path("corrections/<int:pk>/", correction_detail, name="correction_detail"),
    path("corrections/<int:pk>/remove/", correction_remove, name="correction_remove"),
    path("corrections/<int:pk>/draft/", correction_draft, name="correction_draft"),
    path("removals/<int:pk>/by-hand/", removal_by_hand, name="removal_by_hand"),
]
