"""The one table of rules.  Rule modules register themselves with the `rule` decorator."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kagami.contentchecks.model import Hit, Severity

if TYPE_CHECKING:
    from kagami.contentchecks.engine import Context

RuleFunc = Callable[["Context", Mapping[str, Any]], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    clause: str
    severity: Severity
    messages: Mapping[str, str]
    func: RuleFunc
    # Advice shown when a hit has no literal fix, keyed like `messages`.
    suggestions: Mapping[str, str] = field(default_factory=dict)
    # Extra configuration keys this rule accepts: name -> (type check, default).
    options: Mapping[str, tuple[type | tuple[type, ...], Any]] = field(default_factory=dict)


RULES: dict[str, Rule] = {}


def rule(
    id: str,
    clause: str,
    severity: Severity,
    message: str | Mapping[str, str],
    *,
    suggestion: str | Mapping[str, str] | None = None,
    options: Mapping[str, tuple[type | tuple[type, ...], Any]] | None = None,
) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule function in RULES under `id`."""

    def register(func: RuleFunc) -> RuleFunc:
        if id in RULES:
            raise ValueError(f"rule {id} registered twice")
        messages = {"default": message} if isinstance(message, str) else dict(message)
        if suggestion is None:
            suggestions: dict[str, str] = {}
        elif isinstance(suggestion, str):
            suggestions = {"default": suggestion}
        else:
            suggestions = dict(suggestion)
        RULES[id] = Rule(id, clause, severity, messages, func, suggestions, dict(options or {}))
        return func

    return register
