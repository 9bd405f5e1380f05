"""Screens for signing in, MFA, departments, acting approvers and personnel transfers.

Views stay thin: they check access, call a workflow function and show its DomainError.
"""

import base64
from typing import Any, cast

import segno
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from kagami.audit.models import AuditEvent
from kagami.lib.errors import DomainError
from kagami.lib.tables import TableFileError
from kagami.orgs import mfa, password_links, workflow
from kagami.orgs.forms import (
    ActingAppointmentForm,
    CurrentTokenForm,
    LoginForm,
    MFAResetForm,
    PasswordLinkForm,
    PreferencesForm,
    TokenForm,
    TransferUploadForm,
)
from kagami.orgs.middleware import otp_verified
from kagami.orgs.models import (
    ActingAppointment,
    Department,
    Membership,
    Notification,
    TransferBatch,
    User,
)
from kagami.orgs.transfers import plan_transfers


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "orgs/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("ログアウトしました。"))
    return redirect("orgs:login")


def _safe_next(request: HttpRequest) -> str:
    """The page to return to: a path on this site only (never another host, and never a word
    that redirect() would read as a view name)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("dashboard:home")


@login_required
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """Second step of sign-in: the TOTP code."""
    user: User = request.user  # type: ignore[assignment]
    if mfa.confirmed_device(user) is None:
        return redirect("orgs:mfa_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = mfa.verify_sign_in(user=user, code=form.cleaned_data["token"], request=request)
        except DomainError as error:
            form.add_error("token", error.message)
        else:
            otp_login(request, device)
            return redirect(_safe_next(request))
    return render(request, "orgs/mfa_verify.html", {"form": form, "next": _safe_next(request)})


@login_required
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Register an authenticator app by QR code; required for heads, the policy division,
    auditors and administrators. With an app already in use, this is the second step of
    re-enrolment, reached only after `mfa_re_enrol` accepted a code from the current app."""
    user: User = request.user  # type: ignore[assignment]
    re_enrolment = mfa.confirmed_device(user) is not None
    if re_enrolment:
        if not otp_verified(user):
            return redirect("orgs:mfa_verify")
        pending = mfa.pending_device(user)
        if pending is None:
            return redirect("orgs:mfa_re_enrol")
        device = pending
    else:
        try:
            device = mfa.start_enrolment(user=user, request=request)
        except DomainError as error:  # enrolled meanwhile, in another tab
            messages.error(request, error.message)
            return redirect("orgs:mfa_verify")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = mfa.confirm_enrolment(
                user=user, code=form.cleaned_data["token"], request=request
            )
        except DomainError as error:
            form.add_error("token", error.message)
        else:
            otp_login(request, device)
            messages.success(
                request,
                _(
                    "認証アプリを登録し直しました。次回から新しい認証アプリの確認コードを使ってください。"
                )
                if re_enrolment
                else _("2段階認証を設定しました。次回から確認コードの入力が必要です。"),
            )
            return redirect("dashboard:home")
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "qr_svg": qr.svg_inline(scale=5, title=_("2段階認証の登録用QRコード")),
        "secret": base64.b32encode(device.bin_key).decode(),
        "required": user.requires_mfa(),
        "re_enrolment": re_enrolment,
    }
    return render(request, "orgs/mfa_setup.html", context)


@login_required
def mfa_re_enrol(request: HttpRequest) -> HttpResponse:
    """Replacing the authenticator app (a new phone): first a code from the app in use."""
    user: User = request.user  # type: ignore[assignment]
    if mfa.confirmed_device(user) is None:
        return redirect("orgs:mfa_setup")
    form = CurrentTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mfa.re_enrol(user=user, code=form.cleaned_data["token"], request=request)
        except DomainError as error:
            form.add_error("token", error.message)
        else:
            return redirect("orgs:mfa_setup")
    return render(request, "orgs/mfa_re_enrol.html", {"form": form})


@login_required
def mfa_disable(request: HttpRequest) -> HttpResponse:
    """Turning the second factor off, with a code from the app, where the role allows it."""
    user: User = request.user  # type: ignore[assignment]
    if mfa.confirmed_device(user) is None:
        return redirect("orgs:preferences")
    form = CurrentTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mfa.disable_mfa(user=user, code=form.cleaned_data["token"], request=request)
        except DomainError as error:
            form.add_error("token" if error.code == "wrong_code" else None, error.message)
        else:
            messages.success(request, _("2段階認証を解除しました。"))
            return redirect("orgs:preferences")
    context = {"form": form, "required": user.requires_mfa()}
    return render(request, "orgs/mfa_disable.html", context)


def _administrator_and_person(request: HttpRequest, pk: int) -> tuple[User, User]:
    """The signed-in system administrator and the person they act on; 404 for anyone else."""
    administrator: User = request.user  # type: ignore[assignment]
    if not administrator.is_administrator:
        raise Http404
    return administrator, get_object_or_404(User, pk=pk)


@login_required
def mfa_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """An administrator resets someone's second factor (lost phone) with a reason."""
    administrator, person = _administrator_and_person(request, pk)
    form = MFAResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mfa.reset_mfa(
                administrator=administrator,
                user=person,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except DomainError as error:
            form.add_error("reason" if error.code == "no_reason" else None, error.message)
        else:
            messages.success(
                request,
                _("%(name)sさんの2段階認証をリセットしました。次回のログインで登録し直します。")
                % {"name": person},
            )
            if administrator.is_staff:
                return redirect("admin:otp_totp_totpdevice_changelist")
            return redirect("dashboard:home")
    context = {
        "form": form,
        "person": person,
        "devices": TOTPDevice.objects.filter(user=person).order_by("pk"),
    }
    return render(request, "orgs/mfa_reset.html", context)


@login_required
def password_link(request: HttpRequest, pk: int) -> HttpResponse:
    """The system administrator mails someone a link to set their own password (G-4-7)."""
    administrator, person = _administrator_and_person(request, pk)
    form = PasswordLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_links.send_password_link(
                administrator=administrator,
                user=person,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(name)sさんにパスワード設定のリンクを送りました。") % {"name": person},
            )
            return redirect("dashboard:home")
    return render(request, "orgs/password_link.html", {"form": form, "person": person})


def password_set(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The person opens the link and sets their own password (no sign-in needed)."""
    person = password_links.user_for_link(uidb64, token)
    if person is None:
        return render(request, "orgs/password_set.html", {"invalid": True}, status=400)
    form = SetPasswordForm(person, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_links.set_password_by_link(
                user=person, password=form.cleaned_data["new_password1"], request=request
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("パスワードを設定しました。ログインしてください。"))
            return redirect("orgs:login")
    return render(request, "orgs/password_set.html", {"form": form, "person": person})


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = PreferencesForm(request.POST or None, initial={"language": user.language})
    if request.method == "POST" and form.is_valid():
        workflow.set_language(user=user, language=form.cleaned_data["language"], request=request)
        messages.success(request, _("設定を保存しました。"))
        return redirect("orgs:preferences")
    context = {
        "form": form,
        "mfa_enabled": TOTPDevice.objects.devices_for_user(user, confirmed=True).exists(),
        "mfa_required": user.requires_mfa(),
        "memberships": user.active_memberships(),
    }
    return render(request, "orgs/preferences.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "orgs/password_change.html"
    success_url = reverse_lazy("orgs:preferences")

    def form_valid(self, form: Any) -> HttpResponse:
        from kagami.audit import log as audit

        with transaction.atomic():
            response = super().form_valid(form)
            audit.record(
                "auth.password_changed",
                actor=self.request.user,
                target=cast(User, self.request.user),
                request=self.request,
            )
        messages.success(self.request, _("パスワードを変更しました。"))
        return response


def visible_department(user: User, pk: int) -> Department:
    """The department, if `user` may see it; 404 otherwise (hidden and missing look alike)."""
    return get_object_or_404(Department.objects.visible_to(user), pk=pk)


@login_required
def department_list(request: HttpRequest) -> HttpResponse:
    departments = Department.objects.visible_to(request.user).filter(is_active=True)  # type: ignore[arg-type]
    return render(request, "orgs/department_list.html", {"departments": departments})


def _department_page(
    request: HttpRequest, department: Department, form: ActingAppointmentForm, status: int = 200
) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context = {
        "department": department,
        "memberships": Membership.objects.active()
        .filter(department=department)
        .select_related("user"),
        "appointments": ActingAppointment.objects.filter(department=department).select_related(
            "deputy", "appointed_by"
        )[:20],
        "is_head": user.is_head_of(department),
        "form": form,
        "trail": AuditEvent.objects.filter(department=department).select_related("actor")[:20],
    }
    return render(request, "orgs/department_detail.html", context, status=status)


@login_required
def department_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    department = visible_department(user, pk)
    return _department_page(
        request, department, ActingAppointmentForm(department=department, head=user)
    )


@login_required
@require_POST
def acting_appoint(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    department = visible_department(user, pk)
    form = ActingAppointmentForm(request.POST, department=department, head=user)
    if form.is_valid():
        try:
            workflow.appoint_acting_approver(
                head=user, department=department, request=request, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("代決者を指定しました。"))
            return redirect("orgs:department_detail", pk=department.pk)
    return _department_page(request, department, form, status=400)


@login_required
@require_POST
def acting_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    appointment = get_object_or_404(
        ActingAppointment.objects.filter(department__in=Department.objects.visible_to(user)), pk=pk
    )
    try:
        workflow.revoke_acting_appointment(actor=user, appointment=appointment, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("代決者の指定を取り消しました。"))
    return redirect("orgs:department_detail", pk=appointment.department_id)


def _require_people_manager(user: User) -> None:
    if not user.can_manage_people():
        raise Http404


@login_required
def transfer_upload(request: HttpRequest) -> HttpResponse:
    """人事異動: upload the file; the next screen previews every change before applying."""
    user: User = request.user  # type: ignore[assignment]
    _require_people_manager(user)
    form = TransferUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = workflow.upload_transfer_file(
                actor=user, file_name=upload.name, content=upload.read(), request=request
            )
        except TableFileError as error:
            form.add_error("file", error.message)
        else:
            return redirect("orgs:transfer_preview", pk=batch.pk)
    batches = TransferBatch.objects.select_related("uploaded_by")[:10]
    return render(request, "orgs/transfer_upload.html", {"form": form, "batches": batches})


@login_required
def transfer_preview(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    _require_people_manager(user)
    batch = get_object_or_404(TransferBatch, pk=pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "discard":
                workflow.discard_transfer_batch(actor=user, batch=batch, request=request)
                messages.info(request, _("この取込みを取りやめました。"))
                return redirect("orgs:transfer_upload")
            count = workflow.apply_transfer_batch(actor=user, batch=batch, request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("%(count)s 件の人事異動を反映しました。") % {"count": count}
            )
            return redirect("orgs:transfer_preview", pk=batch.pk)
        batch.refresh_from_db()
    plan = plan_transfers(batch.rows) if batch.status == TransferBatch.Status.PREVIEWED else None
    return render(request, "orgs/transfer_preview.html", {"batch": batch, "plan": plan})


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first; opening the page marks them read."""
    user: User = request.user  # type: ignore[assignment]
    notes = list(user.notifications.all()[:100])
    unread = [n.pk for n in notes if n.read_at is None]
    if unread:
        Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return render(request, "orgs/notifications.html", {"notes": notes, "unread": set(unread)})
