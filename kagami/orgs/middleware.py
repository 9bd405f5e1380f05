"""Per-request access rules: expiry, language, multi-factor authentication, and no caching of
what a signed-in user sees."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from kagami.audit import log as audit

SESSION_STARTED_KEY = "kagami_signed_in_at"

# Paths a signed-in user may reach before finishing the second factor.
MFA_EXEMPT_URL_NAMES = ("orgs:login", "orgs:logout", "orgs:mfa_verify", "orgs:mfa_setup")
MFA_EXEMPT_PREFIXES = ("/static/", "/public/", "/favicon.ico")

# Pages anyone may read without signing in keep their own caching, whoever reads them.
PUBLIC_URL_NAMESPACES = ("public",)
PUBLIC_URL_NAMES = ("publishing:public_media",)


def otp_verified(user: object) -> bool:
    """Whether this session passed the second factor (django-otp adds `is_verified`)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


class AccessPolicyMiddleware:
    """Signs out users whose access ended (inactive, a contractor past their end date) or
    whose session is older than KAGAMI_SESSION_MAX_HOURS, without anyone having to act."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            started = request.session.setdefault(SESSION_STARTED_KEY, time.time())
            too_old = time.time() - started > settings.KAGAMI_SESSION_MAX_HOURS * 3600
            if not user.can_sign_in() or too_old:
                reason = "session_too_old" if too_old else "access_ended"
                audit.record(
                    "auth.session_ended",
                    actor=user,
                    target=user,
                    data={"reason": reason},
                    request=request,
                )
                logout(request)
                messages.warning(
                    request,
                    _("ログインの有効時間が過ぎました。もう一度ログインしてください。")
                    if too_old
                    else _("このアカウントの利用期間は終了しています。"),
                )
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


class UserLanguageMiddleware:
    """Japanese for everyone, unless a signed-in user chose English."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        language = user.language if user.is_authenticated else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # override, not activate: the thread's language must not outlive the request.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class MFARequiredMiddleware:
    """After the password, a user with a TOTP device must enter a code; heads, the policy
    division, auditors and administrators without one must set it up first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not otp_verified(user) and not self._exempt(request):
            from django_otp import user_has_device

            if user_has_device(user, confirmed=True):
                return redirect(f"{reverse('orgs:mfa_verify')}?next={request.get_full_path()}")
            if user.requires_mfa():
                return redirect(reverse("orgs:mfa_setup"))
        return self.get_response(request)

    @staticmethod
    def _exempt(request: HttpRequest) -> bool:
        if request.path.startswith(MFA_EXEMPT_PREFIXES):
            return True
        match = request.resolver_match
        if match is None:
            from django.urls import Resolver404, resolve

            try:
                match = resolve(request.path_info)
            except Resolver404:
                return True
        return match.view_name in MFA_EXEMPT_URL_NAMES


class NoStoreMiddleware:
    """Nothing a signed-in user is shown is kept by the browser or a proxy (Cache-Control:
    no-store): after signing out, the Back button or a shared PC must not bring back a post,
    a credential or the audit trail. The public pages and post images at their signed public
    address keep their own caching; static files never reach here (WhiteNoise answers them)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Before the view: a response that signs the user out is still theirs.
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if (signed_in or request.user.is_authenticated) and not self._public(request):
            add_never_cache_headers(response)
        return response

    @staticmethod
    def _public(request: HttpRequest) -> bool:
        match = request.resolver_match
        return match is not None and (
            match.namespace in PUBLIC_URL_NAMESPACES or match.view_name in PUBLIC_URL_NAMES
        )
