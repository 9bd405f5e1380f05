"""Comments in, results out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Verdict = Literal["remove", "review", "route", "keep"]
VERDICTS: tuple[Verdict, ...] = ("remove", "review", "route", "keep")

# registry.TermsCategory values (the clause a removal cites).
CATEGORIES = (
    "law",
    "defamation",
    "discrimination",
    "privacy",
    "impersonation",
    "falsehood",
    "commercial",
    "political",
    "religious",
    "crime",
    "obscene",
    "ip",
    "malware",
    "spam",
    "harassment",
    "other",
)


@dataclass(frozen=True)
class Author:
    handle: str = ""
    name: str = ""


@dataclass(frozen=True)
class Comment:
    id: Any
    text: str
    author: Author = field(default_factory=Author)
    platform: str | None = None
    at: datetime | None = None
    reply_to: str | None = None


@dataclass(frozen=True)
class Category:
    """One reason for a verdict: a terms category, the span of the original text, a reason."""

    category: str
    start: int
    end: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "start": self.start,
            "end": self.end,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Result:
    id: Any
    verdict: Verdict
    categories: tuple[Category, ...] = ()
    route: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "verdict": self.verdict,
            "categories": [c.to_dict() for c in self.categories],
            "route": self.route,
        }
