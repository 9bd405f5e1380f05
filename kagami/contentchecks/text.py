"""Text handling shared by the rules: normalisation with an offset map, emoji, graphemes, hosts.

Links are found by `link_extractor`, on the original text, as X finds them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from functools import lru_cache

HYPHENS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe63\uff0d"

# Characters NFKC would expand without helping any rule match; keeping them 1:1 keeps the map cheap.
_KEEP = {"\u2026", "\u2025"}  # … ‥


def _normalise_char(ch: str) -> str:
    if ch in HYPHENS:
        return "-"
    if ch in _KEEP:
        return ch
    out = unicodedata.normalize("NFKC", ch) or ch
    if out.isdigit() and out != ch and "CIRCLED" in unicodedata.name(ch, ""):
        return f"({out})"  # ①11月 must not read as 111月
    return out


class _NormTable(dict[int, str]):
    """str.translate table for any character, filled on demand."""

    def __missing__(self, code: int) -> str:
        out = _normalise_char(chr(code))
        self[code] = out
        return out


_TABLE = _NormTable()


def char_class(codes: list[int]) -> str:
    """A compact regex character class: runs of consecutive code points become ranges."""
    codes = sorted(codes)
    parts: list[str] = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        lo, hi = re.escape(chr(codes[i])), re.escape(chr(codes[j]))
        parts.append(lo if i == j else f"{lo}-{hi}")
        i = j + 1
    return "[" + "".join(parts) + "]"


def run_pattern(cls: str, runs: bool = True) -> re.Pattern[str]:
    """A regex for one character of the class `cls`, or (runs) a run of them.

    A run is written "[…][…]*" rather than "[…]+": sre skips ahead quickly only to a pattern whose
    first item is a plain class, and it does not look inside a repeat for one.
    """
    return re.compile(f"{cls}{cls}*" if runs else cls)


_last_astral: tuple[str, bool] = ("", False)


def has_astral(text: str) -> bool:
    """True if text holds a character beyond U+FFFF.

    Each beyond U+FFFF takes two UTF-16 units, and encoding is faster than a regex scan.  The
    last answer is kept: normalisation, emoji and machine-dependent characters ask about the same
    post one after another.  (One tuple, read and written whole, so threads cannot mix it up.)
    """
    global _last_astral
    last = _last_astral
    if last[0] is text:
        return last[1]
    found = len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text)
    _last_astral = (text, found)
    return found


class CharSet:
    """A set of characters as regexes that find them fast.

    sre matches a class of BMP characters with a bitmap, but once the class holds a single
    character beyond U+FFFF it tests every range in turn for every character of the text (ten
    times slower on Japanese posts).  So the BMP part and the rest get a pattern each, and the
    second runs only on texts that contain such characters.
    """

    __slots__ = ("astral", "bmp")

    def __init__(self, codes: list[int], *, runs: bool = False) -> None:
        bmp = [c for c in codes if c <= 0xFFFF]
        astral = [c for c in codes if c > 0xFFFF]
        self.bmp = run_pattern(char_class(bmp), runs) if bmp else None
        self.astral = run_pattern(char_class(astral), runs) if astral else None

    def _patterns(self, text: str) -> list[re.Pattern[str]]:
        out = [self.bmp] if self.bmp is not None else []
        if self.astral is not None and has_astral(text):
            out.append(self.astral)
        return out

    def search(self, text: str) -> bool:
        return any(p.search(text) for p in self._patterns(text))

    def finditer(self, text: str) -> list[re.Match[str]]:
        """Matches in text order (the two halves never overlap: each match is of one half)."""
        patterns = self._patterns(text)
        if len(patterns) == 1:
            return list(patterns[0].finditer(text))
        return sorted((m for p in patterns for m in p.finditer(text)), key=lambda m: m.start())

    def sub(self, repl: Callable[[re.Match[str]], str], text: str) -> str:
        # Exact only if repl never yields a character that a later pattern would change.
        for p in self._patterns(text):
            text = p.sub(repl, text)
        return text


def finditer_from(
    starts: re.Pattern[str], pattern: re.Pattern[str], text: str
) -> Iterator[re.Match[str]]:
    """pattern.finditer(text), trying pattern only where `starts` matches.

    Exact when every match of `pattern` begins where `starts` matches and no match is empty.  Worth
    it when `pattern` cannot begin with a plain class (a lookbehind, an optional part) and `starts`
    can: sre then skips through the text to the few places worth trying.
    """
    search, match = starts.search, pattern.match
    pos = 0
    while (s := search(text, pos)) is not None:
        m = match(text, s.start())
        if m is None:
            pos = s.start() + 1
        else:
            yield m
            pos = m.end()


@lru_cache(maxsize=1)
def _changing() -> CharSet:
    # Runs of characters that normalisation changes; everything else is copied as it is, which is
    # three times faster than str.translate over the whole text.
    ranges = (range(0x80, 0xD800), range(0xE000, 0x20000), range(0x2F800, 0x2FA20))
    return CharSet([c for r in ranges for c in r if _normalise_char(chr(c)) != chr(c)], runs=True)


def _translate_run(m: re.Match[str]) -> str:
    return m.group().translate(_TABLE)


def translate_norm(text: str) -> str:
    """Per-character NFKC and hyphen unification (each character maps as _TABLE says)."""
    # Two passes are exact: no BMP character maps to one beyond U+FFFF that the second would change.
    return _changing().sub(_translate_run, text)


# Sequences whose NFKC differs from the per-character one (ｶﾞ → ガ, combining marks): slow path.
_COMBINING = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\u3099\u309a\uff9e\uff9f]"
)
# The lookbehind follows the ー so that sre skips to the literal instead of trying every position.
_DIGIT_CHOON = re.compile(r"ー(?<=\dー)(?=\d)")


_KANA_MARKS = "\u3099\u309a\uff9e\uff9f"


@lru_cache(maxsize=1)
def _marks() -> CharSet:
    """Runs of combining marks and kana voicing marks."""
    # Planes 2-13 and 15-16 hold no combining marks, so the scan can stop short of them.
    ranges = (range(0x300, 0x20000), range(0xE0000, 0xE1000))
    marks = [c for r in ranges for c in r if unicodedata.combining(chr(c))]
    return CharSet(marks + [ord(c) for c in _KANA_MARKS], runs=True)


def _clusters(text: str) -> list[tuple[int, int]]:
    """Spans of a character with the marks after it; the first character is a base even if a mark."""
    out: list[tuple[int, int]] = []
    for m in _marks().finditer(text):
        a, b = m.span()
        if out and out[-1][1] == a:  # a BMP run and an astral one side by side
            out[-1] = (out[-1][0], b)
        elif a > 0:
            out.append((a - 1, b))
        elif b > 1:
            out.append((0, b))
    return out


def _map_plain(text: str, lo: int, hi: int, starts: list[int], ends: list[int]) -> str:
    """Normalise text[lo:hi] character by character, extending the offset map; return the result."""
    seg = text[lo:hi]
    out = translate_norm(seg)
    if len(out) == len(seg):  # every character maps to one (none maps to nothing)
        starts.extend(range(lo, hi))
        ends.extend(range(lo + 1, hi + 1))
        return out
    pos = lo
    for m in _changing().finditer(seg):
        a, b = lo + m.start(), lo + m.end()
        starts.extend(range(pos, a))
        ends.extend(range(pos + 1, a + 1))
        for i in range(a, b):
            n = len(_TABLE[ord(text[i])])
            starts.extend([i] * n)
            ends.extend([i + 1] * n)
        pos = b
    starts.extend(range(pos, hi))
    ends.extend(range(pos + 1, hi + 1))
    return out


class TextView:
    """The original text, its normalised form for matching, and the map between them.

    `norm` is NFKC with hyphen variants (and ー between digits) turned into "-".
    `span(a, b)` turns a span of `norm` into the span of the original text it came from.
    """

    __slots__ = ("_ends", "_starts", "norm", "orig")

    def __init__(self, text: str) -> None:
        self.orig = text
        self._starts: list[int] | None = None
        self._ends: list[int] | None = None
        if _COMBINING.search(text):
            self._build_clusters(text)
        else:
            norm = translate_norm(text)
            if len(norm) != len(text):
                starts: list[int] = []
                ends: list[int] = []
                _map_plain(text, 0, len(text), starts, ends)
                self._starts, self._ends = starts, ends
            self.norm = norm
        if "ー" in self.norm:
            self.norm = _DIGIT_CHOON.sub("-", self.norm)

    def _build_clusters(self, text: str) -> None:
        # Normalise each base character together with the marks that follow it.
        parts: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        pos = 0
        for i, j in _clusters(text):
            parts.append(_map_plain(text, pos, i, starts, ends))
            out = unicodedata.normalize("NFKC", text[i:j].translate(_TABLE))
            parts.append(out)
            starts.extend([i] * len(out))
            ends.extend([j] * len(out))
            pos = j
        parts.append(_map_plain(text, pos, len(text), starts, ends))
        self.norm = "".join(parts)
        self._starts, self._ends = starts, ends

    def span(self, a: int, b: int) -> tuple[int, int]:
        """Original-text span for the normalised span [a, b)."""
        if self._starts is None or self._ends is None:
            return a, b
        if b <= a:
            pos = self._starts[a] if a < len(self._starts) else len(self.orig)
            return pos, pos
        return self._starts[a], self._ends[b - 1]

    def orig_index(self, a: int) -> int:
        if self._starts is None:
            return a
        return self._starts[a] if a < len(self._starts) else len(self.orig)


def nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s).translate(_TABLE)


# --- emoji --------------------------------------------------------------------------------------

# Emoji_Presentation characters of the BMP, and text-default symbols that phones draw as emoji.
_BMP_EMOJI = (
    "\u231a\u231b\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe\u2614\u2615\u2648-\u2653\u267f\u2693"
    "\u26a1\u26aa\u26ab\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2\u26f3\u26f5\u26fa\u26fd"
    "\u2705\u270a\u270b\u2728\u274c\u274e\u2753-\u2755\u2757\u2795-\u2797\u27b0\u27bf\u2b1b"
    "\u2b1c\u2b50\u2b55"
    "\u2764\u2600-\u2603\u260e\u2709\u2708\u270f\u2702\u263a\u2668\u26a0\u270c\u261d"
)
_SUPP_EMOJI = (
    "\U0001f004\U0001f0cf\U0001f170\U0001f171\U0001f17e\U0001f17f\U0001f18e\U0001f191-\U0001f19a"
    "\U0001f201\U0001f21a\U0001f22f\U0001f232-\U0001f23a\U0001f250\U0001f251"
    "\U0001f300-\U0001f3fa\U0001f400-\U0001f64f\U0001f680-\U0001f6ff\U0001f7e0-\U0001f7f0"
    "\U0001f90c-\U0001f9ff\U0001fa70-\U0001faff"
)
_TEXT_SYMBOLS = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u2300-\u23ff\u24c2"
    "\u25aa-\u27bf\u2934\u2935\u2b05-\u2b55\u3030\u303d\u3297\u3299"
)
_E_BASE = f"(?:[{_BMP_EMOJI}{_SUPP_EMOJI}]\ufe0f?|[{_TEXT_SYMBOLS}]\ufe0f)"
_E_ELEM = f"(?:{_E_BASE}[\U0001f3fb-\U0001f3ff]?[\U000e0020-\U000e007f]*)"
EMOJI_RE = re.compile(
    f"[\U0001f1e6-\U0001f1ff]{{2}}|[0-9#*]\ufe0f?\u20e3|{_E_ELEM}(?:\u200d{_E_ELEM})*"
)


def _class_codes(spec: str) -> list[int]:
    """Code points of a regex class body written as characters and a-b ranges (no escapes)."""
    codes: list[int] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            codes.extend(range(ord(spec[i]), ord(spec[i + 2]) + 1))
            i += 3
        else:
            codes.append(ord(spec[i]))
            i += 1
    return codes


@lru_cache(maxsize=1)
def _emoji_starts() -> CharSet:
    # Characters that begin an emoji without help; text symbols need U+FE0F and keycaps U+20E3,
    # which find_emoji looks for on their own.
    return CharSet(_class_codes(_BMP_EMOJI + _SUPP_EMOJI + "\U0001f1e6-\U0001f1ff"))


def find_emoji(text: str) -> list[re.Match[str]]:
    """EMOJI_RE's matches, skipping the scan of the many posts that cannot hold one."""
    if text.isascii() or not ("\ufe0f" in text or "\u20e3" in text or _emoji_starts().search(text)):
        return []
    return list(EMOJI_RE.finditer(text))


# --- graphemes ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _extend_chars() -> frozenset[str]:
    marks = (
        chr(c) for c in range(0x300, 0x20000) if unicodedata.category(chr(c)) in ("Mn", "Me", "Mc")
    )
    extra = "\u200c\u200d\r\uff9e\uff9f" + "".join(chr(c) for c in range(0xFE00, 0xFE10))
    extra += "".join(chr(c) for c in range(0x1F1E6, 0x1F200))  # regional indicators pair up
    extra += "".join(chr(c) for c in range(0x1F3FB, 0x1F400))
    extra += "".join(chr(c) for c in range(0xE0000, 0xE01F0))
    return frozenset(marks) | frozenset(extra)


@lru_cache(maxsize=1)
def _grapheme_re() -> re.Pattern[str]:
    # An approximation of UAX #29 extended grapheme clusters good for Japanese posts: a base
    # character with its marks, variation selectors and modifiers; ZWJ sequences; flag pairs; CRLF.
    codes = sorted(
        ord(c) for c in _extend_chars() if c not in "\r\u200d" and not 0x1F1E6 <= ord(c) < 0x1F200
    )
    parts: list[str] = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        parts.append(re.escape(chr(codes[i])) + ("" if i == j else "-" + re.escape(chr(codes[j]))))
        i = j + 1
    ext = "".join(parts)
    return re.compile(
        f"\r\n|[\U0001f1e6-\U0001f1ff]{{2}}|.[{ext}]*(?:\u200d(?:.[{ext}]*)?)*", re.DOTALL
    )


@lru_cache(maxsize=1)
def _extend_set() -> CharSet:
    return CharSet([ord(c) for c in _extend_chars()])


def grapheme_starts(text: str) -> list[int]:
    if not _extend_set().search(text):
        return list(range(len(text)))
    return [m.start() for m in _grapheme_re().finditer(text)]


# --- hosts --------------------------------------------------------------------------------------


def host_in(host: str, domains: frozenset[str] | tuple[str, ...]) -> bool:
    """True if host is one of domains or a subdomain of one."""
    parts = host.split(".")
    return any(".".join(parts[i:]) in domains for i in range(len(parts)))
