from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kagami.dashboard.attention import sections_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What needs the signed-in user's attention today."""
    return render(request, "dashboard/home.html", {"sections": sections_for(request.user)})  # type: ignore[arg-type]
