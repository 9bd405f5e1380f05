"""The entry point: run every enabled rule of the table over a post."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from kagami.contentchecks import rules as _rules  # noqa: F401  (registers every rule)
from kagami.contentchecks.config import Config, RuleSettings
from kagami.contentchecks.link_extractor import Link, find_links
from kagami.contentchecks.model import Finding, Hit, Post
from kagami.contentchecks.registry import RULES, Rule
from kagami.contentchecks.text import TextView, find_emoji

__all__ = ["RULES", "Context", "check"]

T = TypeVar("T")


class Context:
    """One post being checked, with analyses shared between rules computed at most once."""

    __slots__ = ("_emoji", "_memo", "_urls", "_view", "config", "post")

    def __init__(self, post: Post, config: Config) -> None:
        self.post = post
        self.config = config
        self._view: TextView | None = None
        self._urls: list[Link] | None = None
        self._emoji: list[re.Match[str]] | None = None
        self._memo: dict[str, Any] = {}

    @property
    def text(self) -> str:
        return self.post.text

    @property
    def view(self) -> TextView:
        if self._view is None:
            self._view = TextView(self.post.text)
        return self._view

    @property
    def norm(self) -> str:
        return self.view.norm

    @property
    def urls(self) -> list[Link]:
        """The links X finds in the original text (offsets into `text`, not `norm`)."""
        if self._urls is None:
            self._urls = find_links(self.post.text)
        return self._urls

    @property
    def emoji(self) -> list[re.Match[str]]:
        """Emoji sequences in the original text."""
        if self._emoji is None:
            self._emoji = find_emoji(self.post.text)
        return self._emoji

    def memo(self, key: str, factory: Callable[[Context], T]) -> T:
        if key not in self._memo:
            self._memo[key] = factory(self)
        return self._memo[key]  # type: ignore[no-any-return,unused-ignore]

    def hit(self, a: int, b: int, **kwargs: Any) -> Hit:
        """A Hit for the normalised span [a, b), with offsets mapped to the original text."""
        start, end = self.view.span(a, b)
        return Hit(start, end, **kwargs)


def _identity(s: str) -> str:
    return s


def _format(template: str, translate: Callable[[str], str], params: Mapping[str, Any]) -> str:
    try:
        return translate(template).format(**params)
    except (KeyError, IndexError, ValueError):
        # A broken translation must not hide the finding: fall back to the Japanese template.
        return template.format(**params)


def _finding(
    rule: Rule, settings: RuleSettings, hit: Hit, translate: Callable[[str], str]
) -> Finding:
    params = hit.params
    message = _format(rule.messages[hit.variant], translate, params)
    suggestion = hit.fix
    if suggestion is None and hit.variant in rule.suggestions:
        suggestion = _format(rule.suggestions[hit.variant], translate, params)
    severity = settings.severity or hit.severity or rule.severity
    return Finding(rule.id, rule.clause, severity, hit.start, hit.end, message, suggestion)


def _order(f: Finding) -> tuple[bool, int, int, str]:
    return (f.start is None, f.start or 0, f.end or 0, f.rule)


def _plan(cfg: Config) -> list[tuple[Callable[..., Any], Mapping[str, Any], Rule, RuleSettings]]:
    """The enabled rules with each function and its options looked up once per config."""
    plan = cfg.cache.get("engine_plan")
    if plan is None:
        plan = [(r.func, s.options, r, s) for r, s in cfg.enabled_rules]
        cfg.cache["engine_plan"] = plan
    return plan  # type: ignore[no-any-return,unused-ignore]


def check(
    post: Post, config: Config | None = None, *, translate: Callable[[str], str] | None = None
) -> list[Finding]:
    """Check one post against every enabled rule; findings sorted by position."""
    cfg = config if config is not None else Config.default()
    tr = translate or _identity
    ctx = Context(post, cfg)
    findings: list[Finding] = []
    for func, options, rule, settings in _plan(cfg):
        for hit in func(ctx, options):
            findings.append(_finding(rule, settings, hit, tr))
    if len(findings) > 1:
        findings.sort(key=_order)
    return findings
