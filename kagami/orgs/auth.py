"""Sign-in by staff e-mail or staff number, and the audit trail of every sign-in event."""

import contextlib
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from kagami.audit import log as audit
from kagami.orgs.models import User


class StaffLoginBackend(ModelBackend):
    """Accepts the staff e-mail address or the staff number in the login-name field."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        try:
            user = User.objects.get_by_login(username)
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user: Any) -> bool:
        """Inactive users and contractors past their end date cannot sign in."""
        return bool(super().user_can_authenticate(user)) and user.can_sign_in()

    def get_user(self, user_id: int) -> User | None:
        # Expiry is not checked here but in AccessPolicyMiddleware, which signs the user out
        # with a message and an audit event instead of silently turning them anonymous.
        user = User.objects.filter(pk=user_id, is_active=True).first()
        return user


def _login_name(credentials: dict[str, Any]) -> str:
    return str(credentials.get("username", ""))[:200]


def on_logged_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit.record("auth.logged_in", actor=user, target=user, request=request)


def on_logged_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit.record("auth.logged_out", actor=user, target=user, request=request)


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    login = _login_name(credentials)
    user = None
    if login:
        with contextlib.suppress(User.DoesNotExist):
            user = User.objects.get_by_login(login)
    reason = "expired" if user is not None and user.access_expired() else "bad_credentials"
    audit.record(
        "auth.login_failed",
        target=user,
        target_label=login,
        data={"login": login, "reason": reason},
        request=request,
    )


def on_locked_out(
    sender: Any, request: HttpRequest | None, username: str | None = None, **kwargs: Any
) -> None:
    if not username and request is not None:
        username = request.POST.get("username", "")
    login = (username or "")[:200]
    audit.record("auth.locked_out", target_label=login, data={"login": login}, request=request)


def connect_signals() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="kagami.orgs.logged_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="kagami.orgs.logged_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="kagami.orgs.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="kagami.orgs.locked_out")
