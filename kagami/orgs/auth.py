"""Sign-in by staff e-mail or staff number, the lockout after repeated failures, and the audit
trail of every sign-in event (G-4-7: our own accounts' credentials are kept as securely as the
platforms' ones)."""

import contextlib
import unicodedata
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Sum
from django.http import HttpRequest

from kagami.audit import log as audit
from kagami.orgs.models import User

# Longer than any e-mail address (254) or staff number: never looked up, never stored whole.
MAX_LOGIN_LENGTH = 254


def resolve_login(login: str) -> User | None:
    """The one user whose staff e-mail (any case) or staff number is `login`, also when it was
    typed in full-width characters (ＩＭＥ): None for an unknown or ambiguous login."""
    if not login or len(login) > MAX_LOGIN_LENGTH or "\x00" in login:
        return None
    for candidate in dict.fromkeys([login.strip(), unicodedata.normalize("NFKC", login).strip()]):
        if not candidate:
            continue
        with contextlib.suppress(User.DoesNotExist, User.MultipleObjectsReturned):
            return User.objects.get_by_login(candidate)
    return None


def lockout_key(login: str) -> str:
    """One failure counter per person, however the login was typed: `user:<pk>` when the login
    names a user (e-mail in any case, staff number, full-width or not), otherwise the
    NFKC-normalised, case-folded text itself (G-4-7)."""
    user = resolve_login(login)
    if user is not None:
        return f"user:{user.pk}"
    return unicodedata.normalize("NFKC", login).strip().casefold()[:200]


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """`AXES_USERNAME_CALLABLE`: the lockout key of the login in the credentials (or form)."""
    if credentials:
        login = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    elif request is not None:
        login = getattr(request, "POST", {}).get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        login = None
    if not isinstance(login, str) or not login.strip():
        return None
    return lockout_key(login)


class LockoutHandler(AxesDatabaseHandler):
    """`AXES_HANDLER`: failures count per person (`AXES_FAILURE_LIMIT`) and, separately, per
    address (`AXES_IP_FAILURE_LIMIT`, higher), so that one address guessing many accounts is
    stopped too. A successful sign-in clears only the person's own failures."""

    def _failures_since_cool_off(self, request: HttpRequest, **lookup: object) -> int:
        attempts = AccessAttempt.objects.filter(
            attempt_time__gte=get_cool_off_threshold(request), **lookup
        )
        return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """The failures that count against this attempt, compared by axes with the person's
        limit: the person's own, or the limit itself once the address reached its limit."""
        key = get_client_username(request, credentials)
        person = self._failures_since_cool_off(request, username=key) if key else 0
        address = getattr(request, "axes_ip_address", None)
        if address and (
            self._failures_since_cool_off(request, ip_address=address)
            >= settings.AXES_IP_FAILURE_LIMIT
        ):
            request.kagami_lockout_scope = "address"  # type: ignore[attr-defined]
            return max(person, get_failure_limit(request, credentials))
        request.kagami_lockout_scope = "person"  # type: ignore[attr-defined]
        return person

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """On success, forget the person's failures only: a colleague signing in from the same
        office address must not wipe the failures of someone else's guessed account."""
        key = get_client_username(request, credentials)
        if not key:
            return 0
        count, _deleted = AccessAttempt.objects.filter(username=key).delete()
        return count


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
        user = resolve_login(username)
        if user is None:
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
    user = resolve_login(login)
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
    """Audit a lockout: the person it protects (when the login names one), the login as typed,
    and whether the person or the whole address is locked."""
    credentials = getattr(request, "axes_credentials", None) or {}
    login = str(credentials.get("username") or "")
    if not login and request is not None:
        login = str(request.POST.get("username", ""))
    login = login[:200]
    scope = getattr(request, "kagami_lockout_scope", "person")
    audit.record(
        "auth.locked_out",
        target=resolve_login(login),
        target_label=login,
        data={"login": login, "scope": scope},
        request=request,
    )


def connect_signals() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="kagami.orgs.logged_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="kagami.orgs.logged_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="kagami.orgs.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="kagami.orgs.locked_out")
