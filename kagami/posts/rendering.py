"""Showing each finding at its place in the text (G-5-1)."""

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from kagami.contentchecks import Finding

SEVERITY_LABELS = {"error": "要修正", "warning": "要確認", "info": "参考"}


@dataclass(frozen=True)
class Numbered:
    number: int
    finding: Finding
    excerpt: str

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS.get(self.finding.severity, self.finding.severity)


def number_findings(text: str, findings: list[Finding], start: int = 1) -> list[Numbered]:
    return [
        Numbered(n, f, text[f.start : f.end] if f.start is not None and f.end is not None else "")
        for n, f in enumerate(findings, start=start)
    ]


def highlight(text: str, numbered: list[Numbered]) -> SafeString:
    """The text with each located finding marked and numbered; everything else escaped.
    Overlapping findings keep the first mark; the list beside the text names them all."""
    parts: list[tuple[str, str, str]] = []
    position = 0
    for item in sorted(numbered, key=lambda n: (n.finding.start or 0, n.number)):
        start, end = item.finding.start, item.finding.end
        if start is None or end is None or start < position:
            continue
        parts.append((text[position:start], "", ""))
        parts.append((text[start:end], f"{item.finding.severity}", str(item.number)))
        position = end
    parts.append((text[position:], "", ""))
    return format_html_join(
        "",
        "{}",
        (
            (
                format_html(
                    '<mark class="finding finding--{}">{}<sup>[{}]</sup></mark>',
                    kind,
                    piece,
                    number,
                )
                if kind
                else piece,
            )
            for piece, kind, number in parts
        ),
    )
