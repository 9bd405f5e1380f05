"""The data that goes into and comes out of the checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

Severity = Literal["error", "warning", "info"]
_NO_PARAMS: Mapping[str, Any] = MappingProxyType({})
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

# Japan has had no daylight saving time since 1951, so a fixed offset is exact and needs no tzdata.
JST = timezone(timedelta(hours=9), "JST")


def now_tokyo() -> datetime:
    return datetime.now(JST)


@dataclass(frozen=True, slots=True)
class Image:
    alt: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Post:
    """A post to check. `written_for` is the time the text was written and approved for when
    it goes out at another time (a retry, a late send): dates without a year are read as the
    author meant them, and `accuracy.past-date` finds the ones that have passed meanwhile."""

    text: str
    platforms: tuple[str, ...] | list[str] = ()
    publish_at: datetime = field(default_factory=now_tokyo)
    images: tuple[Image, ...] | list[Image] = ()
    written_for: datetime | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    clause: str
    severity: Severity
    start: int | None
    end: int | None
    message: str
    suggestion: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "clause": self.clause,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "message": self.message,
            "suggestion": self.suggestion,
        }


class Hit(NamedTuple):
    """What a rule function reports; the engine turns it into a Finding.

    Offsets are into the original text.  `variant` picks the rule's message template, `fix` is a
    literal replacement for the span, `severity` overrides the rule's default (config still wins).
    A NamedTuple rather than a frozen dataclass: rules create many, and tuples are cheaper.
    """

    start: int | None = None
    end: int | None = None
    params: Mapping[str, Any] = _NO_PARAMS
    variant: str = "default"
    fix: str | None = None
    severity: Severity | None = None
