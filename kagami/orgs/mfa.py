"""The second factor of our own accounts (G-4-7): enrolling an authenticator app, checking its
codes, replacing it after proving the current one, turning it off, and an administrator's reset
after a lost phone. Each change is one transaction with its audit event.

A user has at most one confirmed device. An unconfirmed (pending) device is the one being
enrolled: the first one, or, next to a confirmed device, the replacement that `re_enrol` let
the user start after entering a code from the current one.
"""

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kagami.audit import log as audit
from kagami.lib.errors import DomainError
from kagami.orgs.models import User
from kagami.orgs.notifications import notify

DEVICE_NAME = "Kagami"
MAX_REASON_LENGTH = 500


def confirmed_device(user: User) -> TOTPDevice | None:
    """The user's authenticator app in use, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def pending_device(user: User) -> TOTPDevice | None:
    """The authenticator app the user is enrolling and has not confirmed yet, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def _lock(user: User) -> None:
    """Serialise MFA changes of one user (two browser tabs, a reset during an enrolment)."""
    User.objects.select_for_update().filter(pk=user.pk).first()


def _refusal(
    action: str,
    message: str,
    *,
    actor: User,
    user: User,
    code: str,
    request: HttpRequest | None,
) -> DomainError:
    """Audit a refused attempt (outside the refused change) and return the error to raise."""
    audit.record(
        f"{action}_refused",
        actor=actor,
        target=user,
        data={"reason": message, "code": code},
        request=request,
    )
    return DomainError(message, code=code)


def _check_code(
    *, user: User, device: TOTPDevice, code: str, step: str, request: HttpRequest | None
) -> None:
    """Accept a current code from `device`, or audit `auth.mfa_failed` and refuse. django-otp
    slows down repeated failures (1, 2, 4 … seconds) and refuses any code meanwhile."""
    allowed, _details = device.verify_is_allowed()
    if allowed and device.verify_token(str(code).strip()[:16]):
        return
    audit.record(
        "auth.mfa_failed",
        actor=user,
        target=user,
        data={"step": step, "throttled": not allowed},
        request=request,
    )
    if not allowed:
        raise DomainError(
            _(
                "確認コードを続けて間違えたため、しばらく受け付けません。"
                "少し待ってから、認証アプリに表示されている新しいコードを入力してください。"
            ),
            code="wrong_code",
        )
    if step == "enrolment":
        raise DomainError(
            _("確認コードが正しくありません。認証アプリの時刻が合っているか確認してください。"),
            code="wrong_code",
        )
    raise DomainError(_("確認コードが正しくないか、有効期限が切れています。"), code="wrong_code")


def verify_sign_in(*, user: User, code: str, request: HttpRequest | None = None) -> TOTPDevice:
    """The second step of signing in: a current code from the user's authenticator app
    (G-4-7). Returns the device for `django_otp.login`; a wrong code is audited."""
    device = confirmed_device(user)
    if device is None:
        raise DomainError(_("2段階認証が設定されていません。先に設定してください。"), code="no_mfa")
    _check_code(user=user, device=device, code=code, step="sign_in", request=request)
    return device


def start_enrolment(*, user: User, request: HttpRequest | None = None) -> TOTPDevice:
    """Begin enrolling an authenticator app (G-4-7): the pending device to show as a QR code.
    Visiting set-up again reuses it instead of making another one."""
    with transaction.atomic():
        _lock(user)
        if confirmed_device(user) is not None:
            raise DomainError(
                _(
                    "2段階認証は設定済みです。スマートフォンを替えたときは、"
                    "利用者設定の「認証アプリを登録し直す」から手続きしてください。"
                ),
                code="already_enrolled",
            )
        device = pending_device(user)
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
            audit.record("auth.mfa_enrolment_started", actor=user, target=user, request=request)
    return device


def confirm_enrolment(*, user: User, code: str, request: HttpRequest | None = None) -> TOTPDevice:
    """Finish enrolling with a code from the new app (G-4-7). The new device replaces any
    other of the user's devices (the old phone, when re-enrolling)."""
    device = pending_device(user)
    if device is None:
        raise DomainError(
            _("登録中の認証アプリがありません。2段階認証の設定を最初からやり直してください。"),
            code="no_pending_device",
        )
    _check_code(user=user, device=device, code=code, step="enrolment", request=request)
    with transaction.atomic():
        _lock(user)
        device = TOTPDevice.objects.filter(pk=device.pk, user=user, confirmed=False).first()
        if device is None:
            raise DomainError(
                _("この登録は既に終わっているか、取り消されています。画面を開き直してください。"),
                code="no_pending_device",
            )
        others = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk)
        re_enrolment = others.filter(confirmed=True).exists()
        others.delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record(
            "auth.mfa_enabled",
            actor=user,
            target=user,
            data={"re_enrolment": re_enrolment},
            request=request,
        )
    return device


def re_enrol(*, user: User, code: str, request: HttpRequest | None = None) -> TOTPDevice:
    """Start replacing the authenticator app (a new phone) after a current code from the app in
    use (G-4-7), so that a stolen session cannot swap in another phone. The old app keeps
    working until the new one is confirmed with `confirm_enrolment`."""
    current = confirmed_device(user)
    if current is None:
        raise DomainError(
            _(
                "2段階認証が設定されていないため、登録し直すことはできません。先に設定してください。"
            ),
            code="no_mfa",
        )
    _check_code(user=user, device=current, code=code, step="re_enrolment", request=request)
    with transaction.atomic():
        _lock(user)
        device = pending_device(user)
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        audit.record("auth.mfa_re_enrolment_started", actor=user, target=user, request=request)
    return device


def disable_mfa(*, user: User, code: str, request: HttpRequest | None = None) -> None:
    """Turn off the second factor, with a current code, for someone whose role does not
    require it (heads, the policy division, auditors and administrators must keep it, G-4-7)."""
    if user.requires_mfa():
        raise _refusal(
            "auth.mfa_disabled",
            _("あなたの役割では2段階認証を解除できません。"),
            actor=user,
            user=user,
            code="required",
            request=request,
        )
    current = confirmed_device(user)
    if current is None:
        raise DomainError(_("2段階認証は設定されていません。"), code="no_mfa")
    _check_code(user=user, device=current, code=code, step="disable", request=request)
    with transaction.atomic():
        _lock(user)
        TOTPDevice.objects.filter(user=user).delete()
        audit.record("auth.mfa_disabled", actor=user, target=user, request=request)


def reset_mfa(
    *, administrator: User, user: User, reason: str, request: HttpRequest | None = None
) -> int:
    """An administrator removes a user's authenticator apps (a lost or replaced phone) with a
    recorded reason (G-4-7); the user is told and enrols again at the next sign-in. Returns
    how many devices were removed."""
    reason = (reason or "").strip()

    def refuse(message: str, code: str) -> DomainError:
        return _refusal(
            "auth.mfa_reset", message, actor=administrator, user=user, code=code, request=request
        )

    if not (administrator.is_administrator and administrator.can_sign_in()):
        raise refuse(
            _("2段階認証をリセットできるのはシステム管理者だけです。"), "not_administrator"
        )
    if administrator.pk == user.pk:
        raise refuse(
            _("ご自身の2段階認証はリセットできません。別のシステム管理者に依頼してください。"),
            "own_account",
        )
    if not reason:
        raise DomainError(
            _("リセットする理由を入力してください（例: スマートフォンの紛失）。"), code="no_reason"
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(
            _("理由は%(limit)s文字以内で入力してください。") % {"limit": MAX_REASON_LENGTH},
            code="no_reason",
        )
    with transaction.atomic():
        _lock(user)
        count = TOTPDevice.objects.filter(user=user).count()
        if count == 0:
            raise DomainError(
                _("この利用者は2段階認証を設定していないため、リセットするものはありません。"),
                code="no_mfa",
            )
        TOTPDevice.objects.filter(user=user).delete()
        audit.record(
            "auth.mfa_reset",
            actor=administrator,
            target=user,
            data={"reason": reason, "devices": count},
            request=request,
        )
        with translation.override(user.language):
            notify(
                [user],
                _("2段階認証がリセットされました"),
                _(
                    "システム管理者（%(administrator)s）が、あなたの2段階認証をリセットしました。\n"
                    "理由: %(reason)s\n"
                    "次にログインしたときに、認証アプリをもう一度登録してください。"
                    "心当たりがないときは、すぐに情報政策担当課に連絡してください。"
                )
                % {"administrator": administrator, "reason": reason},
                link=reverse("orgs:mfa_setup"),
            )
    return count
