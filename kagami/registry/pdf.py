"""Printable A4 PDFs of the start report (様式第1号) and end report (様式第2号), G-4-2/G-4-3.

Rendered with WeasyPrint from Django templates in `templates/registry/pdf/`. The IPAex fonts
are vendored in `fonts/` and loaded by @font-face from file URLs, so the PDF looks the same and
embeds the same fonts on any machine, with no system font installed.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from weasyprint import HTML, URLFetcher
from weasyprint.text.fonts import FontConfiguration

from kagami.lib.wareki import wareki
from kagami.registry.models import (
    END_CHECKLIST,
    START_CHECKLIST,
    EndKind,
    Report,
    ReportKind,
    ReportStatus,
)
from kagami.registry.wording import describe_hours

FONT_DIR = Path(__file__).resolve().parent / "fonts"
MINCHO = FONT_DIR / "ipaexm.ttf"
GOTHIC = FONT_DIR / "ipaexg.ttf"

TEMPLATES = {ReportKind.START: "registry/pdf/form1.html", ReportKind.END: "registry/pdf/form2.html"}


class FontOnlyFetcher(URLFetcher):
    """Lets WeasyPrint read the vendored fonts and nothing else.

    Report fields are escaped by the templates, so no resource URL should come from user
    input; this keeps a future template mistake from fetching files or network addresses."""

    def fetch(self, url: str, headers: Any = None) -> Any:
        allowed = {MINCHO.as_uri(), GOTHIC.as_uri()}
        if url not in allowed:
            raise ValueError(f"the report PDF may load only its fonts, not {url}")
        return super().fetch(url, headers)


@dataclass(frozen=True)
class CheckItem:
    label: str
    checked: bool


def _local_date(value: Any) -> date | None:
    return timezone.localdate(value) if value is not None else None


def _wareki_or_blank(day: date | None) -> str:
    return wareki(day) if day is not None else ""


def report_context(report: Report) -> dict[str, Any]:
    """Everything the form templates show, computed once from the report and its account."""
    account = report.account
    town = settings.KAGAMI_TOWN_NAME
    is_start = report.kind == ReportKind.START
    suspend = report.end_kind == EndKind.SUSPEND
    labels = START_CHECKLIST if is_start else END_CHECKLIST
    joint = [d for d in account.departments.all() if d.pk != account.lead_department_id]
    decided = report.decided_at is not None and report.status != ReportStatus.SUBMITTED

    if is_start:
        form_label = _("様式第1号（第4(2)関係）")
        title = _("ソーシャルメディア運用開始報告書")
        date_label = _("運用開始日")
    elif suspend:
        form_label = _("様式第2号（第4(3)関係）")
        title = _("ソーシャルメディア運用休止報告書")
        date_label = _("運用休止日")
    else:
        form_label = _("様式第2号（第4(3)関係）")
        title = _("ソーシャルメディア運用終了報告書")
        date_label = _("運用終了日")

    attachments: list[tuple[str, str]] = []
    if report.policy is not None:
        attachments.append(
            (_("別添1"), _("運用方針（第%(version)s版）") % {"version": report.policy.version})
        )
    if report.terms is not None:
        attachments.append(
            (_("別添2"), _("利用規約（第%(version)s版）") % {"version": report.terms.version})
        )

    return {
        "report": report,
        "account": account,
        "town": town,
        "fonts": {"mincho": MINCHO.as_uri(), "gothic": GOTHIC.as_uri()},
        "form_label": form_label,
        "title": title,
        "is_suspend": suspend,
        "date_label": date_label,
        "filed_on": wareki(timezone.localdate(report.filed_at)),
        "effective_on": wareki(report.effective_date),
        "head_title": _("%(department)s長") % {"department": report.department.name},
        "joint_departments": "、".join(d.name for d in joint),
        # As filed: the account's operators may change after the report.
        "operators": "、".join(report.operator_names),
        "hours": describe_hours(account.operation_hours),
        "checklist": [
            CheckItem(str(label), bool(report.checklist.get(key))) for key, label in labels.items()
        ],
        "attachments": attachments,
        "decided": decided,
        "decided_on": _wareki_or_blank(_local_date(report.decided_at)) if decided else "",
        "policy_items": report.policy.items_for_display() if report.policy else [],
        "clauses": list(report.terms.clauses.all()) if report.terms else [],
        "policy_filed_on": _wareki_or_blank(
            _local_date(report.policy.filed_at) if report.policy else None
        ),
        "terms_filed_on": _wareki_or_blank(
            _local_date(report.terms.filed_at) if report.terms else None
        ),
    }


def render_report_html(report: Report) -> str:
    """The HTML the PDF is made from (also handy to check wording without rendering)."""
    return render_to_string(TEMPLATES[ReportKind(report.kind)], report_context(report))


def render_report_pdf(report: Report) -> bytes:
    """様式第1号 or 様式第2号 of `report` as an A4 PDF with the IPAex fonts embedded."""
    document = HTML(
        string=render_report_html(report),
        base_url=FONT_DIR.as_uri() + "/",
        url_fetcher=FontOnlyFetcher(allowed_protocols={"file"}),
    )
    pdf = document.write_pdf(font_config=FontConfiguration())
    assert pdf is not None  # write_pdf returns the bytes when given no target
    return bytes(pdf)
