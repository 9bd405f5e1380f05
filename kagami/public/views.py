"""The public directory (G-4-6): no login, read-only, the data from `directory`."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_safe

from kagami.public import directory


def live_links() -> directory.Links:
    return directory.Links(
        index=reverse("public:index"),
        guideline=reverse("public:guideline"),
        account=lambda pk: reverse("public:account", args=[pk]),
        stylesheets=(static("css/kagami.css"), static("public/public.css")),
        check=reverse("public:check"),
        feed=reverse("public:feed"),
    )


def _render(
    request: HttpRequest, template: str, links: directory.Links, **context: object
) -> HttpResponse:
    return render(request, f"public/{template}", {"links": links, **context})


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    links = live_links()
    entries = directory.accounts(links)
    return _render(
        request,
        "index.html",
        links,
        groups=directory.by_platform(entries),
        warnings=directory.impersonation_warnings(links, entries),
        corrections=directory.correction_log(),
        current="index",
    )


@require_safe
def account(request: HttpRequest, pk: int) -> HttpResponse:
    links = live_links()
    entry = directory.account(pk, links)
    if entry is None:
        raise Http404
    return _render(request, "account.html", links, entry=entry)


@require_safe
def guideline(request: HttpRequest) -> HttpResponse:
    return _render(
        request,
        "guideline.html",
        live_links(),
        guideline=directory.guideline(),
        current="guideline",
    )


@require_safe
def check(request: HttpRequest) -> HttpResponse:
    links = live_links()
    query = request.GET.get("q", "")[: directory.MAX_QUERY_LENGTH]
    return _render(
        request,
        "check.html",
        links,
        query=query,
        result=directory.lookup(query, links),
        contact=getattr(settings, "KAGAMI_PUBLIC_CONTACT", ""),
        current="check",
    )


@require_safe
def feed(request: HttpRequest) -> JsonResponse:
    links = live_links()
    entries = directory.accounts(links)
    data = directory.feed(
        entries,
        links,
        absolute=request.build_absolute_uri,
        warnings=directory.impersonation_warnings(links, entries),
        corrections=directory.correction_log(),
    )
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    # Public data, meant to be read by the town's website from another origin.
    response["Access-Control-Allow-Origin"] = "*"
    return response
