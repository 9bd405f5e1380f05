"""Text views for matching, each character mapped back to the original text.

`Folded.compact` is the comment after NFKC (half-width kana become full width, full-width Latin
becomes ASCII), in lower case, with look-alike letters (Cyrillic, Greek) turned into Latin ones
and with spacing, punctuation, symbols and invisible characters removed, so 「死 ね」「し.ね」
「ｼﾈ」 all read as one word.  `Folded.kana` is the same with katakana folded into hiragana.
Both have the same length and `span()` turns a span of either into the original text's span.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Latin look-alikes: Cyrillic and Greek letters that render like ASCII ones.
LOOKALIKES = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "ո": "n",
        "ν": "v",
        "ο": "o",
        "α": "a",
        "ι": "i",
        "κ": "k",
        "τ": "t",
        "ρ": "p",
        "μ": "u",
        "ℓ": "l",
    }
)

LOOKALIKE_CHARS = frozenset(chr(c) for c in LOOKALIKES)

_MARKS = {"\uff9e": "\u3099", "\uff9f": "\u309a", "\u309b": "\u3099", "\u309c": "\u309a"}
_KEEP_CATEGORIES = ("L", "N", "M")
# Symbols that carry meaning in the rules and are kept in the compact view.
_KEEP_SYMBOLS = frozenset("〒@.:/%+-〜~")
# 「ー」 is a letter (Lm) and stays; these are the prolonged-sound look-alikes used as spacing.
_DROP_LETTERS = frozenset("\u30fb\uff65")  # ・ (Po already), half-width ・


@lru_cache(maxsize=4096)
def _char(ch: str) -> str:
    out = unicodedata.normalize("NFKC", ch).lower().translate(LOOKALIKES)
    return out


def _kept(ch: str) -> bool:
    if ch in _DROP_LETTERS:
        return False
    if ch in _KEEP_SYMBOLS:
        return True
    return unicodedata.category(ch)[0] in _KEEP_CATEGORIES


def fold_kana(s: str) -> str:
    """Katakana → hiragana (ヴ and the small ヵヶ stay: they have no common hiragana use)."""
    return "".join(
        chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" and c not in "ヵヶ" else c for c in s
    )


def _symbol_kept(norm: str, k: int) -> bool:
    """A kept symbol (. : / @ …) stays only next to ASCII letters or digits (a link, a number);
    between Japanese letters it is spacing inserted to dodge matching (し.ね)."""
    c = norm[k]
    if c not in _KEEP_SYMBOLS or c == "〒":
        return True
    before = norm[k - 1] if k > 0 else ""
    after = norm[k + 1] if k + 1 < len(norm) else ""
    return (before.isascii() and before.isalnum()) or (after.isascii() and after.isalnum())


@dataclass(frozen=True)
class Folded:
    orig: str
    norm: str  # NFKC, lower case, look-alikes folded; spacing kept
    norm_map: tuple[int, ...]  # norm index → original index of its first character
    norm_ends: tuple[int, ...]  # norm index → original index after its last character
    compact: str  # norm without spacing, punctuation, symbols
    kana: str  # compact with katakana folded into hiragana
    compact_map: tuple[int, ...]  # compact index → original index
    compact_ends: tuple[int, ...]

    def span(self, a: int, b: int, *, view: str = "compact") -> tuple[int, int]:
        """The original span of [a, b) in the compact/kana view (or the norm view)."""
        mapping, ends = (
            (self.norm_map, self.norm_ends)
            if view == "norm"
            else (self.compact_map, self.compact_ends)
        )
        n = len(self.orig)
        if not mapping or a >= len(mapping):
            return n, n
        start = mapping[a]
        end = ends[min(b, len(ends)) - 1] if b > a else start
        return start, max(start, min(end, n))


def fold(text: str) -> Folded:
    norm_parts: list[str] = []
    norm_map: list[int] = []
    norm_ends: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        j = i + 1
        # A base character with the voicing marks after it (ｶﾞ → ガ, か + ゛ → が).
        while j < n and (text[j] in _MARKS or unicodedata.combining(text[j])):
            j += 1
        if j > i + 1:
            piece = ch + "".join(_MARKS.get(c, c) for c in text[i + 1 : j])
            out = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", piece))
            out = out.lower().translate(LOOKALIKES)
        else:
            out = _char(ch)
        norm_parts.append(out)
        norm_map.extend([i] * len(out))
        norm_ends.extend([j] * len(out))
        i = j
    norm = "".join(norm_parts)
    keep = [k for k, c in enumerate(norm) if _kept(c) and _symbol_kept(norm, k)]
    compact = "".join(norm[k] for k in keep)
    return Folded(
        orig=text,
        norm=norm,
        norm_map=tuple(norm_map),
        norm_ends=tuple(norm_ends),
        compact=compact,
        kana=fold_kana(compact),
        compact_map=tuple(norm_map[k] for k in keep),
        compact_ends=tuple(norm_ends[k] for k in keep),
    )


def key(text: str) -> str:
    """A comparison key for names and texts: compact, kana folded."""
    return fold(text).kana
