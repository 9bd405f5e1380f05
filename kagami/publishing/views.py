"""Screens of delivery: the sandbox network, the emergency pause, held and failed posts,
manual posting."""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kagami.lib.errors import DomainError
from kagami.lib.forms import first_error
from kagami.orgs.models import Department, User
from kagami.publishing import media, workflow
from kagami.publishing.forms import ManualPostForm, PauseForm
from kagami.publishing.models import Delivery, Pause, RateLimit, SandboxPost
from kagami.publishing.worker import late_deliveries
from kagami.registry.models import OfficialAccount


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@require_safe
def public_media(request: HttpRequest, token: str, name: str) -> FileResponse:
    """A post image at its signed, expiring address, for the platforms that fetch images
    (Instagram, Threads, Facebook, LINE). No login: the token is the permission."""
    try:
        image, expires_at, kept = media.image_for(token)
    except media.MediaLinkInvalid:
        raise Http404 from None
    if kept is not None:
        response = FileResponse(kept.file.open("rb"), content_type=kept.content_type)
    else:
        content_type = mimetypes.guess_type(str(image.file.name))[0] or "application/octet-stream"
        response = FileResponse(image.file.open("rb"), content_type=content_type)
    seconds = max(0, int((expires_at - timezone.now()).total_seconds()))
    response["Cache-Control"] = f"public, max-age={min(seconds, 86400)}"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Content-Disposition"] = "inline"
    return response


@login_required
def sandbox(request: HttpRequest) -> HttpResponse:
    """The training network: what the sandbox 'published', newest first."""
    posts = SandboxPost.objects.visible_to(_user(request)).select_related("account__platform")[:100]
    return render(request, "publishing/sandbox.html", {"posts": posts})


@login_required
def sandbox_post(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(SandboxPost.objects.visible_to(_user(request)), pk=pk)
    return render(request, "publishing/sandbox.html", {"posts": [post], "single": True})


def _pause_scope(scope: str) -> tuple[OfficialAccount | None, Department | None]:
    """ "" is everything, "d<id>" one department, "a<id>" one account; anything else, or an
    id that does not exist, is refused rather than read as "everything"."""
    if not scope:
        return None, None
    kind, number = scope[:1], scope[1:]
    if number.isascii() and number.isdigit() and len(number) < 19:
        if kind == "a":
            account = OfficialAccount.objects.filter(pk=int(number)).first()
            if account is not None:
                return account, None
        elif kind == "d":
            department = Department.objects.filter(pk=int(number)).first()
            if department is not None:
                return None, department
    raise DomainError(_("止める範囲が見つかりません。一覧から選び直してください。"))


@login_required
def pauses(request: HttpRequest) -> HttpResponse:
    """The policy division's emergency stop: pause everything, a department or an account."""
    user = _user(request)
    if not user.sees_everything:
        raise Http404
    if request.method == "POST" and "reason" in request.POST:
        form = PauseForm(request.POST)
        try:
            if not form.is_valid():
                raise DomainError(first_error(form))
            account, department = _pause_scope(form.cleaned_data["scope"])
            workflow.pause(
                actor=user,
                reason=form.cleaned_data["reason"],
                account=account,
                department=department,
                request=request,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("投稿を一時停止しました。"))
        return redirect("publishing:pauses")
    context = {
        "active": Pause.objects.in_force().select_related("account", "department", "paused_by"),
        "history": Pause.objects.filter(resumed_at__isnull=False).select_related(
            "account", "department"
        )[:20],
        "departments": Department.objects.filter(is_active=True),
        "accounts": OfficialAccount.objects.listed(),
        "late": late_deliveries(),
        "rate_limits": RateLimit.objects.filter(until__gt=timezone.now()).select_related(
            "account__platform"
        ),
    }
    return render(request, "publishing/pauses.html", context)


@login_required
@require_POST
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    stop = get_object_or_404(Pause, pk=pk)
    try:
        held = workflow.resume(actor=user, stop=stop, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "一時停止を解除しました。予定時刻を過ぎた投稿が %(count)s 件あります。1件ずつ、送るか取りやめるかを決めてください。"
            )
            % {"count": len(held)},
        )
    return redirect("publishing:pauses")


def _delivery_for(user: User, pk: int) -> Delivery:
    """A delivery of a post `user` may see; 404 otherwise, exactly like a missing one."""
    return get_object_or_404(
        Delivery.objects.visible_to(user).select_related("post__department", "account__platform"),
        pk=pk,
    )


def _back(request: HttpRequest, default: str, *args: object) -> HttpResponse:
    """Back to the page the form came from, when it is a path of ours (never read as the
    name of a view, as `redirect()` would read "1 ")."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect(default, *args)


@login_required
@require_POST
def decide_late(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a held delivery now, or cancel it."""
    user = _user(request)
    delivery = _delivery_for(user, pk)
    send = request.POST.get("send") == "1"
    try:
        workflow.decide_late(actor=user, delivery=delivery, send=send, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("送信に戻しました。") if send else _("この配信を取りやめました。")
        )
    return _back(request, "publishing:pauses")


@login_required
@require_POST
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a failed delivery again (author, head or acting approver)."""
    user = _user(request)
    delivery = _delivery_for(user, pk)
    try:
        workflow.resend(actor=user, delivery=delivery, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("送り直します。結果はこの画面に表示されます。"))
    return redirect("posts:post_detail", pk=delivery.post_id)


@login_required
@require_POST
def record_manual(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    delivery = _delivery_for(user, pk)
    form = ManualPostForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(first_error(form))
        workflow.record_manual_post(
            actor=user, delivery=delivery, url=form.cleaned_data["url"], request=request
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("投稿のURLを記録しました。"))
    return redirect("posts:post_detail", pk=delivery.post_id)
