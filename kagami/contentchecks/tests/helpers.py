"""Helpers for the content-check tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kagami.contentchecks import JST, Config, Finding, Image, Post, check

# A fixed publishing time keeps dates without a year deterministic: Tuesday 2026-11-24.
AT = datetime(2026, 11, 24, 9, 0, tzinfo=JST)


def run(
    text: str,
    *,
    platforms: tuple[str, ...] = (),
    images: tuple[Image, ...] = (),
    at: datetime = AT,
    config: Config | None = None,
    **kwargs: Any,
) -> list[Finding]:
    return check(Post(text, platforms=platforms, publish_at=at, images=images), config, **kwargs)


def found(text: str, rule: str, **kwargs: Any) -> list[Finding]:
    """Findings of one rule, each checked to point inside the text."""
    findings = [f for f in run(text, **kwargs) if f.rule == rule]
    for f in findings:
        if f.start is not None:
            assert f.end is not None and 0 <= f.start <= f.end <= len(text)
    return findings


def spans(text: str, rule: str, **kwargs: Any) -> list[str]:
    return [text[f.start : f.end] for f in found(text, rule, **kwargs) if f.start is not None]
