"""The press-release draft (資料提供) about an impersonation case, as an A4 PDF (G-6-3).

The text is the town's model wording "press_release" filled from the case; what the case does
not know stays as {placeholder} for the writer. Rendered with WeasyPrint and the IPAex fonts the
registry's forms use, fetching nothing but those fonts.
"""

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from kagami.incidents import wording
from kagami.incidents.cases import wording_values
from kagami.incidents.models import Case
from kagami.lib.wareki import wareki
from kagami.registry.pdf import FONT_DIR, GOTHIC, MINCHO, FontOnlyFetcher

TEMPLATE = "incidents/case_press_release_pdf.html"


def press_release_text(case: Case) -> str:
    """The draft's text, in the town's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return wording.text_for("press_release", wording_values(case))


def press_release_context(case: Case) -> dict[str, Any]:
    text = press_release_text(case)
    title, _sep, body = text.partition("\n")
    return {
        "case": case,
        "town": settings.KAGAMI_TOWN_NAME,
        "fonts": {"mincho": MINCHO.as_uri(), "gothic": GOTHIC.as_uri()},
        "title": title.strip(),
        "paragraphs": [p.strip() for p in body.strip().split("\n\n") if p.strip()],
        "today": wareki(timezone.localdate()),
        "unfilled": wording.placeholders(text),
    }


def render_press_release_html(case: Case) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(TEMPLATE, press_release_context(case))


def render_press_release_pdf(case: Case) -> bytes:
    """The press-release draft of `case` as an A4 PDF with the IPAex fonts embedded."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    document = HTML(
        string=render_press_release_html(case),
        base_url=FONT_DIR.as_uri() + "/",
        url_fetcher=FontOnlyFetcher(allowed_protocols={"file"}),
    )
    pdf = document.write_pdf(font_config=FontConfiguration())
    assert pdf is not None  # write_pdf returns the bytes when given no target
    return bytes(pdf)
