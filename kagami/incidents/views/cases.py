"""Views: impersonation and hijack cases, and the look-alike candidates (G-6-3). Views check
who may see, call a workflow function of `incidents.cases` (of `incidents.watch` for judging a
look-alike) and show its DomainError."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kagami.incidents import cases, watch
from kagami.incidents.models import Case, DeletionRequest, LookalikeCandidate
from kagami.incidents.models.cases import (
    CandidateState,
    CaseKind,
    RequestChannel,
    RequestOutcome,
)
from kagami.lib.errors import DomainError
from kagami.lib.forms import (
    BoundedDateField,
    BoundedDateTimeField,
    IdChoiceField,
    NulMessageMixin,
    first_error,
)
from kagami.orgs.models import Department, User
from kagami.registry.models import AccountState, OfficialAccount, Platform

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class AccountField(IdChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.platform} {obj.handle}）"


def openable_accounts(user: User) -> QuerySet[OfficialAccount]:
    """The town's accounts whose fakes `user` may record: of their departments (all for the
    policy division); not ended ones."""
    accounts = OfficialAccount.objects.exclude(state=AccountState.ENDED).select_related("platform")
    if user.is_policy_division:
        return accounts
    return accounts.filter(departments__in=user.active_memberships().values("department"))


def pausable_accounts(user: User) -> QuerySet[OfficialAccount]:
    """The accounts `user` may stop as hijacked: those of the departments they head or stand
    in for (all for the policy division). Ended accounts too: dormant ones get hijacked."""
    accounts = OfficialAccount.objects.select_related("platform")
    if user.is_policy_division:
        return accounts
    return accounts.filter(departments__in=user.approvable_departments()).distinct()


def own_departments(user: User) -> QuerySet[Department]:
    if user.is_policy_division:
        return Department.objects.filter(is_active=True)
    return Department.objects.filter(pk__in=user.active_memberships().values("department"))


class FoundForm(NulMessageMixin, forms.Form):
    found_at = BoundedDateTimeField(label=gettext_lazy("発見日時"), widget=DATETIME_INPUT)
    how_found = forms.CharField(
        label=gettext_lazy("発見のきっかけ"),
        max_length=cases.MAX_HOW_FOUND,
        required=False,
        help_text=gettext_lazy("例: 住民からの電話、職員が検索して発見、他の自治体からの連絡"),
    )
    summary = forms.CharField(
        label=gettext_lazy("状況"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=cases.MAX_TEXT,
        required=False,
        help_text=gettext_lazy(
            "例: 町の投稿を転載し、友だち申請や「当選しました」というメッセージを送っている"
        ),
    )


class ImpersonationForm(FoundForm):
    account = AccountField(
        label=gettext_lazy("まねされている町のアカウント"),
        queryset=OfficialAccount.objects.none(),
        required=False,
        help_text=gettext_lazy(
            "特定のアカウントをまねていないときは空欄にし、担当の所属を選びます。"
        ),
    )
    department = IdChoiceField(
        label=gettext_lazy("担当の所属（アカウントを選ばないとき）"),
        queryset=Department.objects.none(),
        required=False,
    )
    platform = forms.ChoiceField(label=gettext_lazy("偽アカウントのSNS"), choices=())
    fake_handle = forms.CharField(
        label=gettext_lazy("偽アカウントのユーザーID"),
        max_length=100,
        help_text=gettext_lazy("例: @kagamino_town_jp"),
    )
    fake_url = forms.CharField(
        label=gettext_lazy("偽アカウントのURL（https://…）"),
        max_length=cases.MAX_URL,
        required=False,
        help_text=gettext_lazy(
            "公開の一覧では文字として表示し、リンクにはしません。分からなければ空欄で構いません。"
        ),
    )
    fake_name = forms.CharField(
        label=gettext_lazy("偽アカウントの表示名"), max_length=cases.MAX_NAME, required=False
    )
    field_order = ["account", "department", "platform", "fake_handle", "fake_url", "fake_name"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = openable_accounts(user)  # type: ignore[attr-defined]
        self.fields["department"].queryset = own_departments(user)  # type: ignore[attr-defined]
        self.fields["platform"].choices = [  # type: ignore[attr-defined]
            ("", "---------"),
            *Platform.objects.values_list("code", "name"),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("account") and not data.get("department") and not self.errors:
            raise forms.ValidationError(
                _("まねされている町のアカウントか、担当の所属を選んでください。")
            )
        return data


class HijackForm(FoundForm):
    account = AccountField(
        label=gettext_lazy("乗っ取られた町のアカウント"), queryset=OfficialAccount.objects.none()
    )
    field_order = ["account"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = pausable_accounts(user)  # type: ignore[attr-defined]


class EvidenceForm(NulMessageMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("ファイル（画像: JPEG・PNG・GIF・WebP、またはPDF。10MB まで）"),
        help_text=gettext_lazy(
            "偽アカウントのプロフィールや投稿、届いたメッセージの画面の写しなど"
        ),
    )
    note = forms.CharField(label=gettext_lazy("説明"), max_length=cases.MAX_NOTE, required=False)


class NoteForm(NulMessageMixin, forms.Form):
    text = forms.CharField(
        label=gettext_lazy("経過の記録"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=cases.MAX_TEXT,
        help_text=gettext_lazy(
            "例: 町ホームページと公式LINEで注意喚起を掲載した。警察に相談した。"
        ),
    )


class RequestForm(NulMessageMixin, forms.Form):
    sent_on = BoundedDateField(label=gettext_lazy("依頼した日"), widget=DATE_INPUT)
    channel = forms.ChoiceField(label=gettext_lazy("依頼の方法"), choices=RequestChannel.choices)
    reference = forms.CharField(
        label=gettext_lazy("受付番号"), max_length=cases.MAX_REFERENCE, required=False
    )
    note = forms.CharField(label=gettext_lazy("メモ"), max_length=cases.MAX_NOTE, required=False)


class AnswerForm(NulMessageMixin, forms.Form):
    deletion_request = IdChoiceField(
        label=gettext_lazy("依頼"), queryset=DeletionRequest.objects.none()
    )
    outcome = forms.ChoiceField(
        label=gettext_lazy("結果"),
        choices=[c for c in RequestOutcome.choices if c[0] != RequestOutcome.PENDING],
    )
    answered_on = BoundedDateField(label=gettext_lazy("回答の日"), widget=DATE_INPUT)
    note = forms.CharField(
        label=gettext_lazy("回答の内容"), max_length=cases.MAX_NOTE, required=False
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pending = case.requests.filter(outcome=RequestOutcome.PENDING)
        self.fields["deletion_request"].queryset = pending  # type: ignore[attr-defined]
        latest = pending.order_by("-sent_on", "-pk").first()
        if latest is not None:
            self.fields["deletion_request"].initial = latest.pk


class CloseForm(NulMessageMixin, forms.Form):
    note = forms.CharField(
        label=gettext_lazy("終了の理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=cases.MAX_TEXT,
        help_text=gettext_lazy("例: 11月26日、偽アカウントが表示されなくなったことを確認した。"),
    )


class JudgeForm(NulMessageMixin, forms.Form):
    note = forms.CharField(
        label=gettext_lazy("判断の理由"), max_length=cases.MAX_NOTE, required=False
    )


# -- Cases ------------------------------------------------------------------------------------


def visible_case(user: User, pk: int) -> Case:
    return get_object_or_404(
        Case.objects.visible_to(user).select_related(
            "platform", "department", "account__platform", "found_by", "closed_by"
        ),
        pk=pk,
    )


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    found = Case.objects.visible_to(user).select_related("platform", "department", "account")
    waiting = LookalikeCandidate.objects.visible_to(user).filter(state=CandidateState.NEW)
    return render(
        request,
        "incidents/case_list.html",
        {
            "open": list(found.open()),
            "closed": list(found.exclude(state="open")[:50]),
            "waiting": waiting.count(),
            "can_open": user.is_policy_division or own_departments(user).exists(),
            "can_open_hijack": pausable_accounts(user).exists(),
        },
    )


def _found_at(form: forms.Form) -> Any:
    found_at = form.cleaned_data["found_at"]
    return timezone.make_aware(found_at) if timezone.is_naive(found_at) else found_at


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    """Record a fake account (なりすまし)."""
    user = _user(request)
    form = ImpersonationForm(
        request.POST or None,
        user=user,
        initial={"found_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        platform = Platform.objects.get(code=data["platform"])
        account = data["account"]
        try:
            case = cases.open_impersonation(
                actor=user,
                department=account.lead_department if account else data["department"],
                account=account,
                platform=platform,
                fake_handle=data["fake_handle"],
                fake_url=data["fake_url"],
                fake_name=data["fake_name"],
                found_at=_found_at(form),
                how_found=data["how_found"],
                summary=data["summary"],
                request=request,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "なりすましを記録し、所属長と情報政策担当課に知らせました。公開の公式アカウント"
                    "一覧に注意喚起を載せています。証拠を追加し、運営者へ削除を依頼してください。"
                ),
            )
            return redirect("incidents:case_detail", pk=case.pk)
    return render(
        request,
        "incidents/case_form.html",
        {"form": form, "title": _("なりすましアカウントを記録する"), "kind": "impersonation"},
    )


@login_required
def case_hijack(request: HttpRequest) -> HttpResponse:
    """Record a hijacked official account (乗っ取り): it stops publishing at once."""
    user = _user(request)
    form = HijackForm(
        request.POST or None,
        user=user,
        initial={"found_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = cases.open_hijack(
                actor=user,
                account=data["account"],
                found_at=_found_at(form),
                how_found=data["how_found"],
                summary=data["summary"],
                request=request,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.warning(
                request,
                _(
                    "乗っ取りを記録し、このアカウントからの投稿を止めました。すぐにSNSでパスワードを"
                    "変更し、ログイン中の端末をすべてログアウトさせてください。"
                ),
            )
            return redirect("incidents:case_detail", pk=case.pk)
    return render(
        request,
        "incidents/case_form.html",
        {"form": form, "title": _("乗っ取りを記録する"), "kind": "hijack"},
    )


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = visible_case(user, pk)
    may_contribute = cases.can_contribute(user, case)
    may_decide = cases.can_decide(user, case)
    is_member = case.account is not None and user.is_member_of(*case.account.departments.all())
    return render(
        request,
        "incidents/case_detail.html",
        {
            "case": case,
            "evidence": case.evidence.select_related("added_by"),
            "requests": case.requests.select_related("sent_by", "answered_by"),
            "entries": case.entries.select_related("actor"),
            "notice": cases.notice_text(case),
            "may_contribute": may_contribute and case.is_open,
            "may_decide": may_decide and case.is_open,
            "may_draft_notice": (
                case.kind == CaseKind.HIJACK
                and case.is_open
                and case.notice_post_id is None
                and is_member
            ),
            # Several forms on one page: ids of their own, the same field names.
            "evidence_form": EvidenceForm(auto_id="evidence_%s"),
            "note_form": NoteForm(auto_id="note_%s"),
            "request_form": RequestForm(
                auto_id="request_%s", initial={"sent_on": timezone.localdate()}
            ),
            "answer_form": AnswerForm(
                case=case, auto_id="answer_%s", initial={"answered_on": timezone.localdate()}
            ),
            "close_form": CloseForm(auto_id="close_%s"),
            "is_impersonation": case.kind == CaseKind.IMPERSONATION,
        },
    )


@login_required
def case_evidence(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    """An evidence file, for those who may see the case; served with its checked type only."""
    case = visible_case(_user(request), pk)
    evidence = get_object_or_404(case.evidence.all(), pk=evidence_pk)
    response = FileResponse(
        evidence.file.open("rb"),
        content_type=evidence.content_type,
        as_attachment=not evidence.is_image,
        filename=f"evidence-{case.pk}-{evidence.pk}.{str(evidence.file.name).rsplit('.', 1)[-1]}",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def case_press_release(request: HttpRequest, pk: int) -> HttpResponse:
    """The press-release draft (資料提供) of an impersonation, as a PDF."""
    from kagami.incidents.pdf import render_press_release_pdf

    case = visible_case(_user(request), pk)
    if case.kind != CaseKind.IMPERSONATION:
        raise Http404
    response = HttpResponse(render_press_release_pdf(case), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="kagami-press-release-{case.pk}.pdf"'
    return response


def _form_or_refuse(form: forms.Form) -> dict[str, Any]:
    if not form.is_valid():
        raise DomainError(first_error(form))
    return form.cleaned_data


@login_required
@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Add evidence or a note, record a request or an answer, close, draft the hijack notice."""
    user = _user(request)
    case = visible_case(user, pk)
    try:
        if action == "evidence":
            data = _form_or_refuse(EvidenceForm(request.POST, request.FILES))
            cases.add_evidence(
                actor=user, case=case, upload=data["file"], note=data["note"], request=request
            )
            messages.success(request, _("証拠を追加しました。"))
        elif action == "note":
            data = _form_or_refuse(NoteForm(request.POST))
            cases.add_note(actor=user, case=case, text=data["text"], request=request)
            messages.success(request, _("経過を記録しました。"))
        elif action == "request":
            data = _form_or_refuse(RequestForm(request.POST))
            cases.record_request(actor=user, case=case, request=request, **data)
            messages.success(request, _("削除依頼を記録しました。"))
        elif action == "answer":
            data = _form_or_refuse(AnswerForm(request.POST, case=case))
            answered = cases.record_answer(actor=user, request=request, **data)
            if answered.outcome == RequestOutcome.REMOVED:
                messages.success(
                    request,
                    _(
                        "削除されたことを記録し、案件を終了しました。公開の一覧の注意喚起も外れました。"
                    ),
                )
            else:
                messages.success(request, _("運営者の回答を記録しました。"))
        elif action == "close":
            data = _form_or_refuse(CloseForm(request.POST))
            cases.close_case(actor=user, case=case, note=data["note"], request=request)
            messages.success(request, _("案件を終了しました。"))
        elif action == "notice":
            post = cases.draft_hijack_notice(actor=user, case=case, request=request)
            messages.success(
                request,
                _("乗っ取りのお知らせを下書きしました。復旧してから承認を依頼してください。"),
            )
            return redirect("posts:post_detail", pk=post.pk)
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("incidents:case_detail", pk=case.pk)


# -- Look-alike candidates --------------------------------------------------------------------


@login_required
def case_lookalikes(request: HttpRequest) -> HttpResponse:
    """Accounts the weekly watch found with handles close to the town's, to judge."""
    user = _user(request)
    found = LookalikeCandidate.objects.visible_to(user).select_related(
        "platform", "resembles", "decided_by", "case"
    )
    waiting = list(found.filter(state=CandidateState.NEW))
    return render(
        request,
        "incidents/case_lookalikes.html",
        {
            "waiting": [(c, cases.can_judge(user, c)) for c in waiting],
            "decided": list(found.exclude(state=CandidateState.NEW)[:50]),
        },
    )


@login_required
@require_POST
def case_lookalike_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """A person's judgment of a candidate: a fake (a case opens) or nothing to worry about."""
    user = _user(request)
    candidate = get_object_or_404(
        LookalikeCandidate.objects.visible_to(user).select_related("platform", "resembles"), pk=pk
    )
    try:
        note = _form_or_refuse(JudgeForm(request.POST))["note"]
        if action == "confirm":
            case = watch.confirm_candidate(
                actor=user, candidate=candidate, note=note, request=request
            )
            messages.success(request, _("なりすましと判断し、案件を記録しました。"))
            return redirect("incidents:case_detail", pk=case.pk)
        if action == "dismiss":
            watch.dismiss_candidate(actor=user, candidate=candidate, note=note, request=request)
            messages.success(request, _("問題なしと記録しました。"))
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("incidents:case_lookalikes")


urlpatterns: list[URLPattern] = [
    path("cases/", case_list, name="case_list"),
    path("cases/new/", case_new, name="case_new"),
    path("cases/hijack/", case_hijack, name="case_hijack"),
    path("cases/<int:pk>/", case_detail, name="case_detail"),
    path("cases/<int:pk>/press-release.pdf", case_press_release, name="case_press_release"),
    path("cases/<int:pk>/evidence/<int:evidence_pk>/", case_evidence, name="case_evidence"),
    path("cases/<int:pk>/<slug:action>/", case_action, name="case_action"),
    path("lookalikes/", case_lookalikes, name="case_lookalikes"),
    path(
        "lookalikes/<int:pk>/<slug:action>/",
        case_lookalike_action,
        name="case_lookalike_action",
    ),
]
