"""Screens of the account registry. Views check access, call a workflow function and show its
DomainError; they change nothing themselves."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kagami.audit.models import AuditEvent
from kagami.lib.errors import DomainError
from kagami.lib.urls import public_https_url_problem
from kagami.orgs.models import User
from kagami.registry import documents, register, reports, workflow
from kagami.registry.forms import (
    AccountPlanForm,
    AccountSettingsForm,
    ClauseFormSet,
    DecisionForm,
    EndReportForm,
    IdentityForm,
    OperatorsForm,
    PaperReportForm,
    PolicyForm,
    RegisterUploadForm,
    ReviewForm,
    StartReportForm,
    TermsForm,
)
from kagami.registry.importer import plan_register
from kagami.registry.models import (
    AccountState,
    OfficialAccount,
    Platform,
    PolicyDocument,
    RegisterImport,
    Report,
    ReportStatus,
    TermsDocument,
)
from kagami.registry.wording import describe_hours, policy_draft, terms_draft


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def visible_account(user: User, pk: int) -> OfficialAccount:
    """The account, if `user` may see it; 404 otherwise."""
    return get_object_or_404(
        OfficialAccount.objects.visible_to(user).select_related("platform", "lead_department"),
        pk=pk,
    )


def managed_account(user: User, pk: int) -> OfficialAccount:
    account = visible_account(user, pk)
    if not workflow.can_manage_account(user, account):
        raise Http404
    return account


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    accounts = (
        OfficialAccount.objects.visible_to(_user(request))
        .select_related("platform", "lead_department")
        .prefetch_related("departments")
    )
    rows = [(account, account.dormancy_reasons()) for account in accounts]
    return render(request, "registry/account_list.html", {"rows": rows})


@login_required
def account_plan(request: HttpRequest) -> HttpResponse:
    """Plan a new account; the platform catalogue with its risk notes is shown (G-3)."""
    user = _user(request)
    form = AccountPlanForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            account = workflow.plan_account(actor=user, request=request, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "アカウントを台帳に登録しました（計画中）。次に運用方針と利用規約を作成してください。"
                ),
            )
            return redirect("registry:account_detail", pk=account.pk)
    platforms = Platform.objects.filter(is_active=True)
    return render(request, "registry/account_plan.html", {"form": form, "platforms": platforms})


@login_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    account = visible_account(user, pk)
    is_policy_division = user.is_policy_division
    context = {
        "account": account,
        "departments": account.departments.all(),
        "operators": account.operators.all(),
        "hours": describe_hours(account.operation_hours),
        "policy": account.current_policy(),
        "policy_draft": account.policies.filter(filed_at__isnull=True).first(),
        "terms": account.current_terms(),
        "terms_draft": account.terms.filter(filed_at__isnull=True).first(),
        "reports": account.reports.select_related("filed_by", "decided_by"),
        "dormancy": account.dormancy_reasons(),
        "blocker": account.publishing_blocker(timezone.now()),
        "missing_documents": account.missing_documents(),
        "url_problem": public_https_url_problem(account.url),
        "can_manage": workflow.can_manage_account(user, account),
        "is_head": user.is_head_of(account.lead_department),
        "paper_form": (
            PaperReportForm() if is_policy_division and account.documents_missing else None
        ),
        "review_form": ReviewForm(
            initial={"profile_shows_directory": account.profile_shows_directory}
        ),
        "trail": AuditEvent.objects.for_object(account).select_related("actor")[:20],
        "states": AccountState,
    }
    return render(request, "registry/account_detail.html", context)


@login_required
def account_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """Members change the operation hours, reply policy and profile link (G-4-6). The head of
    the lead department and the policy division also appoint the operators (G-4-7) and change
    the name, handle and URL (G-4-6); others see those read-only. Each form posts its own
    `action` and calls its own workflow function."""
    user = _user(request)
    account = managed_account(user, pk)
    governs = workflow.can_govern_account(user, account)
    action = request.POST.get("action", "settings") if request.method == "POST" else ""
    if action not in ("", "settings", "operators", "identity"):
        return HttpResponseBadRequest(_("操作の指定が正しくありません。"))
    posted = request.POST if action else None
    settings_form = AccountSettingsForm(posted if action == "settings" else None, account=account)
    operators_form = OperatorsForm(posted if action == "operators" else None, account=account)
    identity_form = IdentityForm(posted if action == "identity" else None, account=account)
    form = {"settings": settings_form, "operators": operators_form, "identity": identity_form}.get(
        action
    )
    if form is not None and not form.is_valid() and not governs and action != "settings":
        messages.error(
            request, _("この項目を変更できるのは、所管課の所属長か情報政策担当課だけです。")
        )
    elif form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if action == "settings":
                workflow.update_account_settings(
                    actor=user,
                    account=account,
                    operation_hours=data["operation_hours"],
                    reply_policy=data["reply_policy"],
                    profile_shows_directory=data["profile_shows_directory"],
                    request=request,
                )
                messages.success(request, _("設定を保存しました。"))
            elif action == "operators":
                change = workflow.appoint_operators(
                    actor=user, account=account, operators=data["operators"], request=request
                )
                messages.success(
                    request,
                    _("運用担当者を変更しました。")
                    if change.changed
                    else _("運用担当者に変更はありませんでした。"),
                )
            else:
                workflow.change_account_identity(
                    actor=user,
                    account=account,
                    name=data["name"],
                    handle=data["handle"],
                    url=data["url"],
                    request=request,
                )
                messages.success(request, _("アカウント名・ユーザーID・URLを保存しました。"))
        except DomainError as error:
            if governs or action == "settings":
                form.add_error(None, error.message)
            else:  # the head-only forms are not on this user's page
                messages.error(request, error.message)
        else:
            return redirect("registry:account_detail", pk=account.pk)
    context = {
        "account": account,
        "governs": governs,
        "form": settings_form,
        "operators_form": operators_form,
        "identity_form": identity_form,
        "operators": account.operators.all(),
    }
    return render(request, "registry/account_settings.html", context)


@login_required
def paper_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The policy division records an imported account's start report filed on paper
    (G-4-2); the account's documents then count as complete."""
    user = _user(request)
    account = visible_account(user, pk)
    if not user.is_policy_division:
        raise Http404
    form = PaperReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reports.record_paper_report(
                actor=user,
                account=account,
                reported_on=form.cleaned_data["reported_on"],
                document_number=form.cleaned_data["document_number"],
                request=request,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "紙の運用開始報告書を記録しました。このアカウントは投稿でき、"
                    "公式アカウント一覧に載ります。"
                ),
            )
            return redirect("registry:account_detail", pk=account.pk)
    return render(request, "registry/paper_report.html", {"account": account, "form": form})


@login_required
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Draft, then file, the operation policy (G-4-4). 「ひな形から作成」 fills a complete
    first draft; filing refuses an incomplete policy and names what is missing."""
    user = _user(request)
    account = managed_account(user, pk)
    draft = account.policies.filter(filed_at__isnull=True).first()
    base = draft or account.current_policy()
    action = request.POST.get("action")
    if action == "template":
        form = PolicyForm(initial=policy_draft(account))
    else:
        initial = {f: getattr(base, f) for f in PolicyForm.Meta.fields} if base else {}
        form = PolicyForm(request.POST if action in ("save", "file") else None, initial=initial)
    missing: list[Any] = []
    if action in ("save", "file") and form.is_valid():
        try:
            draft = documents.save_policy_draft(
                actor=user, account=account, request=request, items=form.cleaned_data
            )
            missing = draft.missing_items()
            if action == "file":
                documents.file_policy(actor=user, policy=draft, request=request)
                messages.success(
                    request, _("運用方針 第%(v)s版を確定しました。") % {"v": draft.version}
                )
                return redirect("registry:account_detail", pk=account.pk)
            messages.success(request, _("下書きを保存しました。"))
        except DomainError as error:
            form.add_error(None, error.message)
    elif draft is not None:
        missing = draft.missing_items()
    return render(
        request,
        "registry/policy_edit.html",
        {"account": account, "form": form, "missing": missing, "draft": draft},
    )


@login_required
def terms_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Draft, then file, the terms of use (G-4-5) with their numbered clauses."""
    user = _user(request)
    account = managed_account(user, pk)
    draft = account.terms.filter(filed_at__isnull=True).first()
    base = draft or account.current_terms()
    action = request.POST.get("action")
    if action == "template":
        wording, template_clauses = terms_draft(account)
        form = TermsForm(initial=wording)
        clauses = ClauseFormSet(
            initial=[{"category": c, "text": t} for c, t in template_clauses], prefix="clauses"
        )
    else:
        initial = {f: getattr(base, f) for f in TermsForm.Meta.fields} if base else {}
        bound = action in ("save", "file")
        form = TermsForm(request.POST if bound else None, initial=initial)
        clause_initial = (
            [{"category": c.category, "text": c.text} for c in base.clauses.all()] if base else []
        )
        clauses = ClauseFormSet(
            request.POST if bound else None, initial=clause_initial, prefix="clauses"
        )
    missing: list[Any] = []
    if action in ("save", "file") and form.is_valid() and clauses.is_valid():
        pairs = [(c["category"], c["text"]) for c in clauses.cleaned_data if c and c.get("text")]
        try:
            draft = documents.save_terms_draft(
                actor=user, account=account, clauses=pairs, request=request, items=form.cleaned_data
            )
            missing = draft.missing_items()
            if action == "file":
                documents.file_terms(actor=user, terms=draft, request=request)
                messages.success(
                    request, _("利用規約 第%(v)s版を確定しました。") % {"v": draft.version}
                )
                return redirect("registry:account_detail", pk=account.pk)
            messages.success(request, _("下書きを保存しました。"))
        except DomainError as error:
            form.add_error(None, error.message)
    elif draft is not None:
        missing = draft.missing_items()
    return render(
        request,
        "registry/terms_edit.html",
        {"account": account, "form": form, "clauses": clauses, "missing": missing, "draft": draft},
    )


@login_required
def document_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """A filed or draft policy or terms version, read-only."""
    document: PolicyDocument | TermsDocument
    if kind == "policy":
        document = get_object_or_404(PolicyDocument, pk=pk)
    elif kind == "terms":
        document = get_object_or_404(TermsDocument, pk=pk)
    else:
        raise Http404
    visible_account(_user(request), document.account_id)
    return render(request, "registry/document_detail.html", {"document": document, "kind": kind})


@login_required
def start_report_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    account = managed_account(user, pk)
    form = StartReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = reports.file_start_report(
                actor=user,
                account=account,
                start_date=data["start_date"],
                contact=data["contact"],
                contractor=data["contractor"],
                checklist=form.checklist(),
                remarks=data["remarks"],
                request=request,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("運用開始報告書（%(n)s）を情報政策担当課へ提出しました。")
                % {"n": report.document_number},
            )
            return redirect("registry:report_detail", pk=report.pk)
    context = {
        "account": account,
        "form": form,
        "policy": account.current_policy(),
        "terms": account.current_terms(),
    }
    return render(
        request, "registry/report_form.html", context | {"title": _("運用開始報告書（様式第1号）")}
    )


@login_required
def end_report_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    account = managed_account(user, pk)
    form = EndReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = reports.file_end_report(
                actor=user,
                account=account,
                end_kind=data["end_kind"],
                end_date=data["end_date"],
                reason=data["reason"],
                disposition=data["disposition"],
                checklist=form.checklist(),
                contact=data["contact"],
                remarks=data["remarks"],
                request=request,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("運用終了・休止報告書（%(n)s）を情報政策担当課へ提出しました。")
                % {"n": report.document_number},
            )
            return redirect("registry:report_detail", pk=report.pk)
    context = {"account": account, "form": form}
    return render(
        request,
        "registry/report_form.html",
        context | {"title": _("運用終了・休止報告書（様式第2号）")},
    )


def visible_report(user: User, pk: int) -> Report:
    return get_object_or_404(
        Report.objects.visible_to(user).select_related(
            "account__platform", "department", "filed_by"
        ),
        pk=pk,
    )


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = visible_report(user, pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decide = (
            reports.accept_report
            if request.POST.get("action") == "accept"
            else reports.return_report
        )
        try:
            decide(actor=user, report=report, comment=form.cleaned_data["comment"], request=request)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("報告書を審査しました。"))
            account = OfficialAccount.objects.get(pk=report.account_id)
            if account.scheduled_report_id == report.pk and account.scheduled_on:
                messages.info(
                    request,
                    _(
                        "このアカウントは %(date)s に「%(state)s」になります。"
                        "前日までは投稿できます（ガイドライン4(3)）。"
                    )
                    % {
                        "date": account.scheduled_on.strftime("%Y-%m-%d"),
                        "state": account.get_scheduled_state_display(),
                    },
                )
            return redirect("registry:report_detail", pk=report.pk)
    context = {
        "report": report,
        "form": form,
        "can_decide": user.is_policy_division and report.status == ReportStatus.SUBMITTED,
        "trail": AuditEvent.objects.for_object(report).select_related("actor"),
    }
    return render(request, "registry/report_detail.html", context)


@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as a printable A4 PDF in the official layout."""
    from kagami.registry.pdf import render_report_pdf

    report = visible_report(_user(request), pk)
    response = HttpResponse(render_report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="kagami-report-{report.fiscal_year}-{report.number}.pdf"'
    )
    return response


@login_required
def report_inbox(request: HttpRequest) -> HttpResponse:
    """For the policy division: reports waiting for a decision, then the latest decided."""
    user = _user(request)
    if not user.sees_everything:
        raise Http404
    reports = Report.objects.select_related("account__platform", "department", "filed_by")
    return render(
        request,
        "registry/report_inbox.html",
        {
            "pending": reports.filter(status=ReportStatus.SUBMITTED).order_by("filed_at"),
            "decided": reports.exclude(status=ReportStatus.SUBMITTED)[:30],
        },
    )


@login_required
@require_POST
def account_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Begin operation, resume after suspension, or record the periodic review."""
    user = _user(request)
    account = visible_account(user, pk)
    try:
        if action == "begin":
            workflow.begin_operation(actor=user, account=account, request=request)
            messages.success(request, _("運用を開始しました。"))
        elif action == "resume":
            workflow.resume_account(actor=user, account=account, request=request)
            messages.success(request, _("運用を再開しました。"))
        elif action == "review":
            form = ReviewForm(request.POST)
            form.is_valid()
            workflow.review_account(
                actor=user,
                account=account,
                profile_shows_directory=bool(form.cleaned_data.get("profile_shows_directory")),
                request=request,
            )
            messages.success(request, _("見直しを記録しました。"))
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("registry:account_detail", pk=account.pk)


@login_required
def register_import(request: HttpRequest) -> HttpResponse:
    """Start from the spreadsheet the town keeps today: upload, preview, apply (policy division)."""
    user = _user(request)
    if not user.is_policy_division:
        raise Http404
    form = RegisterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = register.upload_register(
                actor=user, file_name=upload.name, content=upload.read(), request=request
            )
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            return redirect("registry:register_preview", pk=batch.pk)
    return render(
        request,
        "registry/register_import.html",
        {"form": form, "batches": RegisterImport.objects.all()[:10]},
    )


@login_required
def register_preview(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    if not user.is_policy_division:
        raise Http404
    batch = get_object_or_404(RegisterImport, pk=pk)
    if request.method == "POST":
        try:
            count = register.apply_register(actor=user, batch=batch, request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("%(count)s 件のアカウントを台帳に登録しました。") % {"count": count}
            )
            return redirect("registry:account_list")
    plans = plan_register(batch.rows) if batch.status == RegisterImport.Status.PREVIEWED else []
    has_errors = any(plan.errors for plan in plans)
    return render(
        request,
        "registry/register_preview.html",
        {"batch": batch, "plans": plans, "has_errors": has_errors},
    )
