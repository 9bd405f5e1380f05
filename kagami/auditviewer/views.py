"""The audit viewer for the policy division and auditors, with CSV export."""

import csv
import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from kagami.audit.models import AuditEvent, AuditEventQuerySet
from kagami.auditviewer.forms import AuditFilterForm
from kagami.lib.csvsafe import cell
from kagami.orgs.models import User


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, AuditEventQuerySet]:
    user: User = request.user  # type: ignore[assignment]
    if not user.sees_everything:
        raise Http404
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.select_related("actor", "department")
    if form.is_valid():
        data = form.cleaned_data
        if data["actor"]:
            events = events.filter(actor=data["actor"])
        if data["action"]:
            events = events.filter(action__startswith=data["action"])
        if data["department"]:
            events = events.filter(department=data["department"])
        if data["target"]:
            kind, _sep, ident = data["target"].partition(":")
            if ident:
                events = events.filter(target_type=kind.strip(), target_id=ident.strip())
            else:
                events = events.filter(Q(target_label__icontains=kind) | Q(target_type=kind))
        tz = timezone.get_current_timezone()
        if data["since"]:
            events = events.filter(at__gte=datetime.combine(data["since"], time.min, tz))
        if data["until"]:
            events = events.filter(
                at__lt=datetime.combine(data["until"] + timedelta(days=1), time.min, tz)
            )
    return form, events


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    form, events = _filtered(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "auditviewer/event_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def event_export(request: HttpRequest) -> StreamingHttpResponse:
    """CSV of the filtered events (UTF-8 with BOM so that Excel opens it correctly)."""
    _form, events = _filtered(request)
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(
            [
                _("通番"),
                _("日時"),
                _("操作者"),
                _("操作"),
                _("対象の種類"),
                _("対象ID"),
                _("対象"),
                _("所属"),
                _("内容"),
                _("接続元"),
                _("ハッシュ"),
            ]
        )
        for event in events.order_by("seq").iterator(chunk_size=2000):
            yield writer.writerow(
                cell(value)
                for value in (
                    event.seq,
                    timezone.localtime(event.at).isoformat(),
                    event.actor_label,
                    event.action,
                    event.target_type,
                    event.target_id,
                    event.target_label,
                    event.department.name if event.department else "",
                    json.dumps(event.data, ensure_ascii=False, sort_keys=True),
                    event.ip_address or "",
                    event.hash,
                )
            )

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kagami-audit-{stamp}.csv"'
    return response
