"""Handles that look like the town's own (G-6-3 look-alike watch). Pure: no Django, no app.

A fake account rarely takes a random name: it swaps 0 for O or l for 1, adds `_official` or
`_jp`, or is one keystroke away from the real handle. `variants(handle, platform)` lists such
handles, the likeliest first and at most `limit` of them, each a handle the platform allows
(`is_valid`) and none equal to the original as the platform compares handles. The weekly watch
(`incidents.watch.watch_lookalikes`) asks the platforms which of them exist.
"""

import re
from dataclasses import dataclass

DEFAULT_LIMIT = 60
SEPARATORS = "-_."
# What a fake account adds to the town's handle (suffixes, and the same words as prefixes).
AFFIXES = ("official", "jp", "info", "koho")
# Characters that look alike in the fonts platforms use: 0/O and l/1/I (I is i here, since
# the platforms below compare handles without letter case).
LOOKALIKE = {"0": "o", "o": "0", "1": "l", "l": "1i", "i": "l1"}


@dataclass(frozen=True)
class HandleRule:
    """What a platform accepts as the user part of a handle."""

    alphabet: str  # every character allowed (lower case: the platforms compare without case)
    min_length: int
    max_length: int
    not_at_ends: str = ""  # characters that may not start or end it
    not_twice: str = ""  # characters that may not follow themselves
    # The handle is a domain name (Bluesky): its first label is varied, the rest kept.
    domain: bool = False
    # The handle names its server after a second @ (Mastodon): kept as it is.
    server: bool = False


_WORD = "abcdefghijklmnopqrstuvwxyz0123456789"
RULES: dict[str, HandleRule] = {
    # help.x.com "Choosing your username": letters, numbers and underscores, at most 15.
    "x": HandleRule(_WORD + "_", 1, 15),
    # Instagram and Threads (one username): letters, numbers, periods, underscores, 30; no
    # period at either end or twice in a row.
    "instagram": HandleRule(_WORD + "._", 1, 30, not_at_ends=".", not_twice="."),
    "threads": HandleRule(_WORD + "._", 1, 30, not_at_ends=".", not_twice="."),
    # Facebook usernames: letters, numbers and periods, at least 5.
    "facebook": HandleRule(_WORD + ".", 5, 50, not_at_ends=".", not_twice="."),
    # TikTok: letters, numbers, underscores and periods, 2 to 24; no period at the end.
    "tiktok": HandleRule(_WORD + "._", 2, 24, not_at_ends=".", not_twice="."),
    # YouTube handles: 3 to 30 letters, numbers, underscores, hyphens and periods.
    "youtube": HandleRule(_WORD + "._-", 3, 30, not_at_ends="._-"),
    # note: letters, numbers and underscores, 3 to 16.
    "note": HandleRule(_WORD + "_", 3, 16),
    # LINE official account IDs: letters, numbers, periods, underscores and hyphens, 18.
    "line": HandleRule(_WORD + "._-", 1, 18),
    # Bluesky (atproto.com/specs/handle): a domain name; its first label 1 to 63 letters,
    # numbers and hyphens, no hyphen at either end (bsky.social asks for 3 to 18).
    "bluesky": HandleRule(_WORD + "-", 3, 18, not_at_ends="-", domain=True),
    # Mastodon usernames: letters, numbers and underscores, at most 30, then @server.
    "mastodon": HandleRule(_WORD + "_", 1, 30, server=True),
}
# A platform an administrator added: the common ground of the above.
FALLBACK = HandleRule(_WORD + "._-", 1, 50, not_at_ends="._-", not_twice="._-")


def rule_for(platform: str) -> HandleRule:
    return RULES.get(platform, FALLBACK)


@dataclass(frozen=True)
class _Parts:
    at: str  # "@" if the handle was written with one
    user: str  # the part that is varied, lower case
    rest: str  # what follows it unchanged: ".bsky.social", "@mastodon.example"


def _split(handle: str, rule: HandleRule) -> _Parts:
    text = handle.strip()
    at = "@" if text.startswith(("@", "＠")) else ""
    text = text.lstrip("@＠").lower()
    if rule.server and "@" in text:
        user, _sep, server = text.partition("@")
        return _Parts(at, user, "@" + server)
    if rule.domain and "." in text:
        user, _sep, parent = text.partition(".")
        return _Parts(at, user, "." + parent)
    return _Parts(at, text, "")


_DOMAIN_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def _user_is_valid(user: str, rule: HandleRule) -> bool:
    if not rule.min_length <= len(user) <= rule.max_length:
        return False
    if any(c not in rule.alphabet for c in user):
        return False
    if user[0] in rule.not_at_ends or user[-1] in rule.not_at_ends:
        return False
    return not any(c + c in user for c in rule.not_twice)


def _rest_is_valid(rest: str, rule: HandleRule) -> bool:
    if rule.domain:
        labels = rest.removeprefix(".").split(".")
        return (
            rest.startswith(".")
            and len(labels) >= 1
            and all(_DOMAIN_LABEL.match(label) for label in labels)
        )
    if rule.server:
        return rest == "" or bool(re.fullmatch(r"@[a-z0-9.-]+\.[a-z0-9-]+", rest))
    return rest == ""


def is_valid(handle: str, platform: str) -> bool:
    """Whether `handle` (with or without @) is a handle the platform allows."""
    rule = rule_for(platform)
    parts = _split(handle, rule)
    if rule.domain and len(parts.user + parts.rest) > 253:
        return False
    return _user_is_valid(parts.user, rule) and _rest_is_valid(parts.rest, rule)


def comparable(handle: str, platform: str) -> str:
    """The form in which the platform compares handles: no @, lower case."""
    parts = _split(handle, rule_for(platform))
    return parts.user + parts.rest


def _lookalikes(user: str) -> list[str]:
    found = []
    for index, char in enumerate(user):
        for other in LOOKALIKE.get(char, ""):
            found.append(user[:index] + other + user[index + 1 :])
    for char, others in LOOKALIKE.items():  # every 0 an o at once, and so on
        if user.count(char) > 1:
            found.extend(user.replace(char, other) for other in others)
    return found


def _affixed(user: str, rule: HandleRule) -> list[str]:
    joins = [s for s in SEPARATORS if s in rule.alphabet] or [""]
    found = []
    for word in AFFIXES:
        for join in joins:
            found.append(f"{user}{join}{word}")
        for join in joins:
            found.append(f"{word}{join}{user}")
    return found


def _separators(user: str, rule: HandleRule) -> list[str]:
    allowed = [s for s in SEPARATORS if s in rule.alphabet]
    found = []
    for index, char in enumerate(user):
        if char in SEPARATORS:
            found.append(user[:index] + user[index + 1 :])
            found.extend(user[:index] + other + user[index + 1 :] for other in allowed)
    return found


def _one_edit(user: str) -> list[str]:
    deletions = [user[:i] + user[i + 1 :] for i in range(len(user))]
    transpositions = [
        user[:i] + user[i + 1] + user[i] + user[i + 2 :]
        for i in range(len(user) - 1)
        if user[i] != user[i + 1]
    ]
    doubled = [
        user[: i + 1] + user[i] + user[i + 1 :] for i in range(len(user)) if user[i].isalnum()
    ]
    return deletions + transpositions + doubled


def variants(handle: str, platform: str, limit: int = DEFAULT_LIMIT) -> list[str]:
    """Handles close to `handle` on `platform`, the likeliest first, at most `limit`.

    Written like the original (with @ if it had one, the same server or parent domain), each
    allowed by the platform and none equal to the original as the platform compares them."""
    rule = rule_for(platform)
    parts = _split(handle, rule)
    user = parts.user
    if not user or limit <= 0:
        return []
    seen = {user}
    chosen: list[str] = []
    candidates = [
        *_lookalikes(user),
        *_affixed(user, rule),
        *_separators(user, rule),
        *_one_edit(user),
    ]
    for candidate in candidates:
        if candidate in seen:
            continue
        seen.add(candidate)
        full = f"{parts.at}{candidate}{parts.rest}"
        if is_valid(full, platform):
            chosen.append(full)
            if len(chosen) >= limit:
                break
    return chosen
