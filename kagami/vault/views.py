"""Screens of the credential vault (G-4-7). Views check access, call a workflow function and
show its DomainError; secrets appear only on the reveal response, never cached."""

import contextlib
import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from kagami.audit.models import AuditEvent
from kagami.lib.csvsafe import cell
from kagami.lib.errors import DomainError
from kagami.orgs.models import User
from kagami.registry.models import OfficialAccount
from kagami.vault import access, conf, workflow
from kagami.vault.forms import (
    ApiTokenForm,
    CompromiseForm,
    CredentialForm,
    DetailsForm,
    GeneratorForm,
    RevealForm,
    RotationForm,
)
from kagami.vault.models import Credential, TaskStatus
from kagami.vault.passwords import generate_password
from kagami.vault.status import inventory


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _account(user: User, pk: int) -> OfficialAccount:
    """The account, if `user` may see it; 404 otherwise, exactly like a missing one."""
    return get_object_or_404(
        OfficialAccount.objects.visible_to(user).select_related("platform", "lead_department"),
        pk=pk,
    )


def _credential(account: OfficialAccount) -> Credential:
    credential = Credential.objects.filter(account=account).select_related("custodian").first()
    if credential is None:
        raise Http404
    return credential


def _refused(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    message = _("この操作ができるのは、アカウントの運用担当者、所属長、情報政策担当課だけです。")
    return render(
        request, "vault/refused.html", {"account": account, "message": message}, status=403
    )


@login_required
def inventory_view(request: HttpRequest) -> HttpResponse:
    """Which accounts have 2FA, which lack credentials, which are overdue (G-4-7)."""
    user = _user(request)
    rows = inventory(user)
    context = {
        "rows": rows,
        "can_export": user.sees_everything,
        "missing": sum(1 for r in rows if r.credential is None or not r.credential.has_password),
        "overdue": sum(1 for r in rows if r.overdue),
        "without_2fa": sum(1 for r in rows if not r.two_factor_on),
    }
    return render(request, "vault/inventory.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _yes(flag: bool) -> str:
    return _("はい") if flag else _("いいえ")


@login_required
def inventory_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The inventory as CSV (UTF-8 with BOM), without any secret (G-4-7)."""
    user = _user(request)
    if not user.sees_everything:
        raise Http404
    rows = inventory(user)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(
            [
                _("アカウント"),
                _("SNSの種類"),
                _("ユーザーID"),
                _("所管課"),
                _("認証情報"),
                _("2段階認証"),
                _("認証用端末などの保管場所"),
                _("管理責任者"),
                _("最後の変更日"),
                _("変更期限"),
                _("期限切れ"),
                _("未対応の変更タスク"),
                _("問題"),
            ]
        )
        for row in rows:
            c = row.credential
            yield writer.writerow(
                cell(value)
                for value in (
                    row.account.name,
                    row.account.platform,
                    row.account.handle,
                    row.account.lead_department,
                    _("登録済み") if c is not None else _("未登録"),
                    c.get_two_factor_method_display() if c else "",
                    c.two_factor_storage if c else "",
                    (c.custodian or "") if c else "",
                    timezone.localdate(c.last_rotated_at).isoformat()
                    if c and c.last_rotated_at
                    else "",
                    row.due_on.isoformat() if row.due_on else "",
                    _yes(row.overdue),
                    len(row.open_tasks),
                    " ".join(str(p) for p in row.problems),
                )
            )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kagami-credentials-{stamp}.csv"'
    return response


@login_required
def credential_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    account = _account(user, pk)
    credential = Credential.objects.filter(account=account).select_related("custodian").first()
    context: dict[str, Any] = {
        "account": account,
        "credential": credential,
        "can_manage": access.can_reveal(user, account),
        "can_report": access.can_report_compromise(user, account),
        "compromise_form": CompromiseForm(),
    }
    if credential is not None:
        context.update(
            tasks=credential.rotation_tasks.select_related("subject", "done_by"),
            open_tasks=credential.rotation_tasks.filter(status=TaskStatus.OPEN).exists(),
            tokens=credential.api_tokens.all(),
            items=credential.secret_items(),
            trail=AuditEvent.objects.for_object(credential).select_related("actor")[:30],
        )
    return render(request, "vault/credential_detail.html", context)


@login_required
def credential_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    account = _account(user, pk)
    if not access.can_reveal(user, account):
        return _refused(request, account)
    if Credential.objects.filter(account=account).exists():
        return redirect("vault:credential_detail", pk=account.pk)
    form = CredentialForm(
        request.POST or None,
        account=account,
        editing=False,
        initial={"rotation_interval_days": conf.get("KAGAMI_VAULT_ROTATION_DAYS")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            workflow.store_credential(
                actor=user,
                account=account,
                login_id=data["login_id"],
                password=data["password"],
                recovery_email=data["recovery_email"],
                recovery_phone=data["recovery_phone"],
                two_factor_method=data["two_factor_method"],
                two_factor_storage=data["two_factor_storage"],
                custodian=data["custodian"],
                rotation_interval_days=data["rotation_interval_days"],
                request=request,
            )
        except DomainError as error:
            form.add_error("password", error.message)
        else:
            messages.success(request, _("認証情報を登録しました。"))
            return redirect("vault:credential_detail", pk=account.pk)
    return render(
        request,
        "vault/credential_form.html",
        {"account": account, "form": form, "title": _("認証情報の登録")},
    )


@login_required
def credential_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    account = _account(user, pk)
    credential = _credential(account)
    if not access.can_reveal(user, account):
        return _refused(request, account)
    form = DetailsForm(
        request.POST or None,
        account=account,
        editing=True,
        initial={
            "login_id": credential.login_id,
            "two_factor_method": credential.two_factor_method,
            "two_factor_storage": credential.two_factor_storage,
            "custodian": credential.custodian,
            "rotation_interval_days": credential.rotation_interval_days,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        recovery_email = data.pop("recovery_email") or None
        recovery_phone = data.pop("recovery_phone") or None
        try:
            workflow.update_credential(
                actor=user,
                credential=credential,
                request=request,
                recovery_email=recovery_email,
                recovery_phone=recovery_phone,
                **data,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("認証情報を変更しました。"))
            return redirect("vault:credential_detail", pk=account.pk)
    return render(
        request,
        "vault/credential_form.html",
        {"account": account, "form": form, "title": _("認証情報の変更")},
    )


@login_required
def rotation_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the new password after changing it on the platform (G-4-7)."""
    user = _user(request)
    account = _account(user, pk)
    credential = _credential(account)
    if not access.can_reveal(user, account):
        return _refused(request, account)
    form = RotationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.record_rotation(
                actor=user,
                credential=credential,
                new_password=form.cleaned_data["new_password"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except DomainError as error:
            form.add_error("new_password", error.message)
        else:
            messages.success(request, _("新しいパスワードを記録しました。"))
            return redirect("vault:credential_detail", pk=account.pk)
    return render(
        request,
        "vault/rotation_form.html",
        {"account": account, "credential": credential, "form": form},
    )


@login_required
def api_token_set(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    account = _account(user, pk)
    credential = _credential(account)
    if not access.can_reveal(user, account):
        return _refused(request, account)
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.set_api_token(
                actor=user,
                credential=credential,
                name=form.cleaned_data["name"],
                value=form.cleaned_data["value"],
                request=request,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("APIトークンを登録しました。"))
            return redirect("vault:credential_detail", pk=account.pk)
    return render(
        request,
        "vault/credential_form.html",
        {"account": account, "form": form, "title": _("APIトークンの登録")},
    )


@never_cache
@login_required
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one secret once, after the user's password and TOTP; audited with the reason."""
    user = _user(request)
    account = _account(user, pk)
    credential = _credential(account)
    if not access.can_reveal(user, account):
        if request.method == "POST":
            with contextlib.suppress(DomainError):  # refused and audited
                access.reveal_secret(
                    actor=user,
                    credential=credential,
                    item="",
                    reason="",
                    password="",
                    otp_token="",
                    request=request,
                )
        return _refused(request, account)
    context: dict[str, Any] = {"account": account, "credential": credential}
    if not access.has_totp(user):
        context["needs_mfa"] = True
        return render(request, "vault/reveal.html", context, status=403)
    form = RevealForm(request.POST or None, credential=credential)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            value = access.reveal_secret(
                actor=user,
                credential=credential,
                item=data["item"],
                reason=data["reason"],
                password=data["password"],
                otp_token=data["otp_token"],
                request=request,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            label = dict(credential.secret_items()).get(data["item"], data["item"])
            return render(
                request,
                "vault/revealed.html",
                {
                    "account": account,
                    "label": label,
                    "value": value,
                    "seconds": conf.get("KAGAMI_VAULT_REVEAL_SECONDS"),
                },
            )
    context["form"] = form
    return render(request, "vault/reveal.html", context)


@login_required
def compromise(request: HttpRequest, pk: int) -> HttpResponse:
    """Report a suspected leak or misuse: a rotation task opens at once (G-4-7)."""
    user = _user(request)
    account = _account(user, pk)
    credential = _credential(account)
    form = CompromiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.report_compromise(
                actor=user, credential=credential, note=form.cleaned_data["note"], request=request
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.warning(
                request,
                _(
                    "不正アクセスの疑いを記録し、パスワード変更のタスクを作りました。"
                    "すぐにSNSでパスワードを変更し、ログイン中の端末をすべてログアウトさせてください。"
                ),
            )
            return redirect("vault:credential_detail", pk=account.pk)
    return render(
        request,
        "vault/credential_form.html",
        {"account": account, "form": form, "title": _("不正アクセスの疑いを報告する")},
    )


@never_cache
@login_required
def generate(request: HttpRequest) -> HttpResponse:
    """Suggest a strong random password to set on the platform (nothing is stored)."""
    form = GeneratorForm(request.GET or None)
    password = ""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        password = generate_password(
            data["length"],
            lowercase=data["lowercase"],
            uppercase=data["uppercase"],
            digits=data["digits"],
            symbols=data["symbols"],
            readable=data["readable"],
        )
    return render(request, "vault/generate.html", {"form": form, "password": password})
