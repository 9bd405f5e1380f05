"""Setting one's own password through a one-time link (G-4-7).

Someone who has no password yet (a new member brought in by a personnel-transfer file) or who
forgot theirs asks the system administrator, who sends a link by mail with a recorded reason.
The person sets the password themselves, checked like every password; nobody else ever knows
it. The link is Django's password-reset token: it expires (PASSWORD_RESET_TIMEOUT) and stops
working once the password changes or the person signs in. Both steps are audited.
"""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from kagami.audit import log as audit
from kagami.lib.errors import DomainError
from kagami.orgs.models import User

MAX_REASON_LENGTH = 500


def link_path(user: User) -> str:
    """The path of a fresh one-time link for `user`."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("orgs:password_set", args=[uid, default_token_generator.make_token(user)])


def user_for_link(uidb64: str, token: str) -> User | None:
    """The person a link was made for, while it is still valid; None otherwise."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError, OverflowError):
        return None
    if not 0 < pk < 2**63:
        return None
    user = User.objects.filter(pk=pk).first()
    if user is None or not user.can_sign_in():
        return None
    return user if default_token_generator.check_token(user, token) else None


def send_password_link(
    *, administrator: User, user: User, reason: str, request: HttpRequest | None = None
) -> None:
    """The system administrator mails `user` a link to set their own password, with a reason
    kept in the audit log (the link itself is never stored or logged)."""
    reason = (reason or "").strip()
    if not (administrator.is_administrator and administrator.can_sign_in()):
        audit.record(
            "auth.password_link_sent_refused",
            actor=administrator,
            target=user,
            data={"code": "not_administrator"},
            request=request,
        )
        raise DomainError(_("パスワード設定のリンクを送れるのはシステム管理者だけです。"))
    if administrator.pk == user.pk:
        raise DomainError(_("ご自身には送れません。パスワードの変更は「設定」から行えます。"))
    if not reason:
        raise DomainError(_("送る理由を入力してください（例: 人事異動で新しく登録された職員）。"))
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(
            _("理由は%(limit)s文字以内で入力してください。") % {"limit": MAX_REASON_LENGTH}
        )
    if not user.can_sign_in() or not user.email:
        raise DomainError(
            _("この利用者は無効になっているか、メールアドレスがないため、リンクを送れません。")
        )
    path = link_path(user)
    link = request.build_absolute_uri(path) if request is not None else path
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    with translation.override(user.language):
        subject = _("【Kagami】パスワードを設定してください")
        body = _(
            "システム管理者から、Kagami のパスワードを設定するためのリンクが届きました。\n"
            "%(hours)s時間以内に、次のリンクを開いてご自身でパスワードを決めてください。\n\n"
            "%(link)s\n\n"
            "このリンクは一度だけ使えます。心当たりがない場合は、情報政策担当課に連絡してください。"
        ) % {"hours": hours, "link": link}
    with transaction.atomic():
        audit.record(
            "auth.password_link_sent",
            actor=administrator,
            target=user,
            data={"reason": reason},
            request=request,
        )
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        )


def set_password_by_link(*, user: User, password: str, request: HttpRequest | None = None) -> None:
    """The person sets their own password through a valid link (the caller checked it)."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record("auth.password_set_by_link", actor=user, target=user, request=request)
