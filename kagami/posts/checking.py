"""Running the content checks (G-5-1) on a post for each of its target accounts."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext

from kagami.contentchecks import Config, Finding, Image, check
from kagami.contentchecks import Post as CheckedPost
from kagami.registry.models import OfficialAccount


@cache
def checks_config() -> Config:
    """The municipality's facts for the checks: KAGAMI_CHECKS_CONFIG (a TOML file as in
    CHECKS.md) or the built-in default."""
    path = settings.KAGAMI_CHECKS_CONFIG
    return Config.from_toml(Path(path)) if path else Config.default()


@dataclass(frozen=True)
class TargetFindings:
    """The findings for one text as one or more accounts will publish it."""

    label: str
    text: str
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


def check_text(
    text: str,
    accounts: list[OfficialAccount],
    publish_at: datetime,
    images: list[tuple[str, str]],
    *,
    written_for: datetime | None = None,
) -> list[Finding]:
    """The findings for `text` on `accounts` at `publish_at`; `written_for` is the time it
    was approved for when it goes out at another time (see accuracy.past-date)."""
    post = CheckedPost(
        text=text,
        platforms=tuple(sorted({a.platform.code for a in accounts})),
        publish_at=publish_at,
        images=tuple(Image(alt=alt or None, source=source or None) for alt, source in images),
        written_for=written_for,
    )
    return check(post, checks_config(), translate=gettext)


def check_post_content(
    text: str,
    publish_at: datetime,
    accounts: list[OfficialAccount],
    overrides: dict[int, str],
    images: list[tuple[str, str]],
) -> list[TargetFindings]:
    """Findings for the shared text (on the accounts that use it) and for each account's own
    text, in that order."""
    shared = [a for a in accounts if not overrides.get(a.pk)]
    results = [
        TargetFindings(
            label="・".join(a.name for a in shared) if shared else gettext("共通の本文"),
            text=text,
            findings=check_text(text, shared, publish_at, images),
        )
    ]
    for account in accounts:
        own = overrides.get(account.pk)
        if own:
            results.append(
                TargetFindings(
                    label=account.name,
                    text=own,
                    findings=check_text(own, [account], publish_at, images),
                )
            )
    return results
