"""Platform limits, in one table, and the ways each platform counts a post's length.

Platforms change their rules (Instagram cut hashtags from 30 to 5 in December 2025): edit the
table, nothing else.  Per-municipality overrides go in the config
(`[rules."platform.length"] limits = {mastodon = 1000}`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kagami.contentchecks.link_extractor import Link, find_links
from kagami.contentchecks.text import find_emoji, grapheme_starts, run_pattern


@dataclass(frozen=True)
class Platform:
    key: str
    label: str
    max_length: int
    counting: str  # a key of COUNTERS
    unit: str  # how the count is shown to staff
    max_hashtags: int | None = None
    media_required: bool = False


PLATFORMS: dict[str, Platform] = {
    p.key: p
    for p in (
        # twitter-text v3: CJK and half-width kana weigh 2, each URL 23, each emoji 2.
        Platform("x", "X", 280, "twitter-v3", "（半角換算）"),
        Platform("bluesky", "Bluesky", 300, "graphemes", "（書記素）"),
        # Threads counts emoji as their UTF-8 byte length; one topic tag per post.
        Platform("threads", "Threads", 500, "utf8-emoji", "", max_hashtags=1),
        # Instagram: 5 hashtags since December 2025 (30 before); no text-only posts.
        Platform("instagram", "Instagram", 2200, "chars", "", max_hashtags=5, media_required=True),
        Platform("line", "LINE", 5000, "utf16", "（UTF-16）"),
        # Mastodon's limit is per instance (500 by default); each link with http(s):// counts 23.
        Platform("mastodon", "Mastodon", 500, "chars-url23", ""),
        Platform("facebook", "Facebook", 63206, "chars", ""),
    )
}
ALIASES = {"twitter": "x", "bsky": "bluesky", "ig": "instagram", "fb": "facebook"}

BLUESKY_MAX_BYTES = 3000
URL_WEIGHT = 23


def platform_key(name: str) -> str | None:
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    return key if key in PLATFORMS else None


# --- counting -----------------------------------------------------------------------------------

# Runs of the characters twitter-text weighs 1 (every other character weighs 2).
_LIGHT_RUNS_RE = run_pattern("[\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")
_NON_ASCII_LIGHT_RE = re.compile("[\u0080-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")


def _light_count(text: str) -> int:
    if not _NON_ASCII_LIGHT_RE.search(text):
        # Then the light characters are the ASCII ones, which the encoder counts three times
        # faster than the regex below.
        return len(text.encode("ascii", "ignore"))
    # Deleting the runs stays in C; matching each light character would build hundreds of objects.
    return len(text) - len(_LIGHT_RUNS_RE.sub("", text))


def _x_char(ch: str) -> int:
    c = ord(ch)
    return (
        1
        if c <= 0x10FF or 0x2000 <= c <= 0x200D or 0x2010 <= c <= 0x201F or 0x2032 <= c <= 0x2037
        else 2
    )


def _utf16_char(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _one(ch: str) -> int:
    return 1


# A counter: per plain character weight, weight of a link (None: count its characters), weight of
# an emoji sequence (None: count as plain characters), and whether only links written with a
# scheme count as links.  Links are the ones X finds (`link_extractor`), so a link glued to
# Japanese text is counted where the platform links it.
@dataclass(frozen=True)
class _Counter:
    char: Callable[[str], int]
    url: int | None
    emoji: Callable[[str], int] | None
    scheme_only: bool = False


COUNTERS: dict[str, _Counter] = {
    "twitter-v3": _Counter(_x_char, URL_WEIGHT, lambda e: 2),
    "utf8-emoji": _Counter(_one, None, lambda e: len(e.encode("utf-8"))),
    "utf16": _Counter(_utf16_char, None, None),
    "chars": _Counter(_one, None, None),
    # Mastodon links (and counts as 23) only what is written with http:// or https://.
    "chars-url23": _Counter(_one, URL_WEIGHT, None, scheme_only=True),
}


def _upper_bound(text: str, counting: str) -> int:
    n = len(text)
    if counting == "twitter-v3":
        return 2 * n - _light_count(text) + (URL_WEIGHT * text.count(".") if "." in text else 0)
    if counting == "utf8-emoji":
        return 4 * n
    if counting == "utf16":
        return 2 * n
    if counting == "chars-url23":
        return n + URL_WEIGHT * text.count(".")
    return n


_MAX_CHAR_WEIGHT = {"chars": 1, "utf8-emoji": 4, "utf16": 2}


def within_bound(text: str, counting: str, limit: int) -> bool:
    """True when the text cannot exceed the limit, judged cheaply from its length."""
    n = len(text)
    if counting == "graphemes":
        return n <= limit
    if counting in _MAX_CHAR_WEIGHT or n * 2 <= limit:
        return n * _MAX_CHAR_WEIGHT.get(counting, 1) <= limit
    return _upper_bound(text, counting) <= limit


@dataclass(frozen=True)
class Measure:
    count: int
    overflow_at: int | None  # first character beyond the limit, in the text measured


def measure(
    text: str,
    counting: str,
    limit: int,
    urls: Sequence[Link] | None = None,
    emoji: Sequence[re.Match[str]] | None = None,
) -> Measure:
    """Length of text as the platform counts it, and where it goes over `limit`.

    `urls` (`find_links(text)`) and `emoji` (`find_emoji(text)`) when the caller has them.
    """
    if counting == "graphemes":
        starts = grapheme_starts(text)
        return Measure(len(starts), starts[limit] if len(starts) > limit else None)
    if counting == "twitter-v3" and not unicodedata.is_normalized("NFC", text):
        # twitter-text counts the NFC form; offsets into it would not match the text.
        return Measure(measure(unicodedata.normalize("NFC", text), counting, limit).count, None)
    return Measure(*_exact(text, counting, limit, urls, emoji))


def _spans(
    text: str,
    counter: _Counter,
    urls: Sequence[Link] | None,
    emoji: Sequence[re.Match[str]] | None,
) -> list[tuple[int, int, int]]:
    spans: list[tuple[int, int, int]] = []
    if counter.url is not None and "." in text:
        for u in find_links(text) if urls is None else urls:
            if u.scheme or not counter.scheme_only:
                # count_end, not end: X skips as many characters as twitter-text's url holds.
                extra = counter.char(text[u.count_end - 1]) if u.count_split else 0
                spans.append((u.start, u.count_end, counter.url + extra))
    if counter.emoji is not None:
        for m in find_emoji(text) if emoji is None else emoji:
            if not any(a <= m.start() < b for a, b, _w in spans):
                spans.append((m.start(), m.end(), counter.emoji(m.group())))
    spans.sort()
    return spans


def _plain_weight(segment: str, counting: str) -> int:
    if counting == "twitter-v3":
        return 2 * len(segment) - _light_count(segment)
    if counting == "utf16":
        return len(segment.encode("utf-16-le", "surrogatepass")) // 2
    return len(segment)


def _overflow_in(text: str, a: int, b: int, counting: str, budget: int) -> int:
    """First index in text[a:b] (plain characters) at which their weight exceeds budget >= 0."""
    char = COUNTERS[counting].char
    if char is _one:
        return a + budget
    # No character weighs more than 2, so the next budget // 2 of them fit: skip them at once,
    # halving the budget each time, then look at the last character or two one by one.
    i = a
    while i < b and budget >= 2:
        j = min(b, i + budget // 2)
        budget -= _plain_weight(text[i:j], counting)
        i = j
    for k in range(i, b):
        budget -= char(text[k])
        if budget < 0:
            return k
    return b


def _exact(
    text: str,
    counting: str,
    limit: int | None,
    urls: Sequence[Link] | None,
    emoji: Sequence[re.Match[str]] | None = None,
) -> tuple[int, int | None]:
    counter = COUNTERS[counting]
    total = 0
    pos = 0
    pieces: list[tuple[int, int, int]] = []  # (start, end, weight) of every piece in order
    for a, b, weight in [*_spans(text, counter, urls, emoji), (len(text), len(text), 0)]:
        if a < pos:
            continue
        if a > pos:
            pieces.append((pos, a, -1))
        if b > a:
            pieces.append((a, b, weight))
        pos = b
    overflow: int | None = None
    for a, b, weight in pieces:
        w = _plain_weight(text[a:b], counting) if weight < 0 else weight
        if overflow is None and limit is not None and total + w > limit:
            overflow = a if weight >= 0 else _overflow_in(text, a, b, counting, limit - total)
        total += w
    return total, overflow


def hashtag_spans(norm: str) -> Sequence[tuple[int, int]]:
    from kagami.contentchecks.rules.a11y import HASHTAG_RE

    if "#" not in norm:
        return ()
    return [(m.start(), m.end()) for m in HASHTAG_RE.finditer(norm)]
