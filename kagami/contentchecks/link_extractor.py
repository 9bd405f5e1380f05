"""Links as X finds them: twitter-text's rules for where a link starts and where it ends.

One extractor for every rule and every platform: the link rules, the X and Mastodon length
counters and the Bluesky adapter's link facets all read `find_links`, so what the checks look at
is what the platform turns into a link.

It is a port of `extractUrlsWithIndices` from twitter-text 3.1.0 (X's own library, the npm
package), kept exact where Japanese posts differ from English ones:

- A link may start straight after Japanese text: 「詳しくはhttps://…」 links from the `h`.
  Without a scheme, twitter-text reads the Japanese text glued before a domain as part of the
  host, then keeps only its ASCII part: 「鏡野町www.town.kagamino.lg.jp」 links
  `www.town.kagamino.lg.jp`.  If that glued text is long enough that its punycode passes 63
  characters, the whole candidate is dropped, as twitter-text drops it.
- A link ends at the first character its path may not hold (Japanese text, full-width
  punctuation and brackets, 「」（）。): 「…/event/をご覧ください」 ends after `event/`.  A host ends
  after a known top-level domain (`data/tlds.txt`) that no ASCII letter, digit, `@`, `+` or `-`
  follows: 「https://example.comだよね」 links `https://example.com`.
- Trailing punctuation stays out (`…/a.html.` ends before the last `.`), balanced parentheses stay
  in (`…/Primer_(film)`), and a link after `@`, `#`, `$`, a letter or a digit is none.

twitter-text does this with one large backtracking regular expression, which on a long run of
Japanese text would try every position.  Here the same match is found from the dots: every link
has one in its host, the run of host characters before it is found once, and the ports, paths and
queries after a host use twitter-text's own sub-expressions.  Offsets are Python string indices
(code points), not UTF-16 units.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

DATA = Path(__file__).resolve().parent / "data"

# --- twitter-text's character groups (js/src/regexp/*.js) ----------------------------------------

_PUNCT = "!'#%&()*+,\\-./:;<=>?@[]^_{|}~$"  # ASCII punctuation except `"` and backquote
_SPACES = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u180e"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
_INVALID = "\ufffe\ufeff\uffff"
_DIRECTIONAL = "\u202a\u202b\u202c\u202d\u202e\u061c\u200e\u200f\u2066\u2067\u2068\u2069"

# A host label is made of "domain characters": everything but the groups above, so Japanese text,
# emoji and full-width punctuation all count.  Labels may also hold `_` and `-` inside.
_NOT_DOMAIN_CHAR = frozenset(_PUNCT + _SPACES + _INVALID + _DIRECTIONAL)
_NOT_LABEL_CHAR = _NOT_DOMAIN_CHAR - {"_", "-"}
# A link must not follow these (validUrlPrecedingChars).
_NOT_BEFORE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@＠$#＃" + _INVALID
)
# Nor may these follow a top-level domain (the look-ahead of validGTLD and validCCTLD).
_NOT_AFTER_TLD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@+-")
# twitter-text drops a link without a scheme that follows one of these.
_NOT_BEFORE_BARE = frozenset("-_./")


_DOMAIN_CHAR = "[^" + "".join(map(re.escape, sorted(_NOT_DOMAIN_CHAR))) + "]"
_LABEL_CHAR = "[^" + "".join(map(re.escape, sorted(_NOT_LABEL_CHAR))) + "]"
_LABEL_RUN = re.compile(f"{_LABEL_CHAR}*")
# Labels followed by a dot (validSubdomain*): domain characters with "_" and "-" only inside.
_SUBDOMAINS = re.compile(f"(?:{_DOMAIN_CHAR}(?:{_LABEL_CHAR}*{_DOMAIN_CHAR})?\\.)*")
_ALNUM_RUN = re.compile("[A-Za-z0-9]*")
_PUNYCODE_TLD = re.compile("[xX][nN]--[-0-9a-zA-Z]+")

# twitter-text compiles its expressions with the `i` flag and without `u`: a character matches a
# class when its upper case (if that is one character, and not ASCII for a non-ASCII character)
# is the upper case of a member.  The classes below are written out with every such character;
# `tests/test_link_extractor.py` recomputes them.
_LATIN_ACCENTS = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b"
    "\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_CASE_EXTRA = "\u0260\u0269\u0275\u0280\u0283\u0288\u028a\u028c\u0292\u0399\u03b9\u1fbe\u2c65\u2c66\u2c7e\u2c7f"
_CYRILLIC = "\u0400-\u04ff\u1c80-\u1c87"  # U+1C80-1C87 are old forms of Cyrillic letters
_LETTERS = "a-zA-Z" + _LATIN_ACCENTS + _CASE_EXTRA

_PATH_CHAR = f"[{_LETTERS}{_CYRILLIC}0-9!*';:=+,.$/%#\\[\\]\\-\u2013_~@|&]"
_PARENS = rf"\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*))\)"
_PATH_END = f"[+\\-{_LETTERS}{_CYRILLIC}0-9=_#/]"
# validUrlPath splices in "[ending characters]|(balanced parentheses)" without a group, so the
# alternation splits the unit: a path piece ends with an ending character, or is a bare (…).
_PATH = (
    rf"(?:(?:{_PATH_CHAR}*(?:{_PARENS}{_PATH_CHAR}*)*{_PATH_END}|{_PARENS})|(?:@{_PATH_CHAR}+/))"
)
_QUERY_CHAR = r"[a-zA-Z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
_QUERY_END = r"[a-zA-Z0-9\-_&=#/]"
_QUERY = rf"\?{_QUERY_CHAR}*{_QUERY_END}"
# What may follow a host: port, path, query (the end of extractUrl).
_TAIL = re.compile(rf"(?::([0-9]+))?(/{_PATH}*)?({_QUERY})?")
_TCO = re.compile(rf"[hH][tT][tT][pP][sS]?://[tT]\.[cC][oO]/([a-zA-Z0-9]+)(?:{_QUERY})?")
_ASCII_LABEL_RUN = re.compile(f"[-a-zA-Z0-9{_LATIN_ACCENTS}{_CASE_EXTRA}]+")
_IDNA_SEPARATORS = re.compile("[\u3002\uff0e\uff61]")
_NOT_PRINTABLE = re.compile("[^ -~]")

MAX_URL_LENGTH = 4096
MAX_TCO_SLUG_LENGTH = 40
MAX_LABEL_LENGTH = 63


class Link(NamedTuple):
    """A link as twitter-text reports it (a NamedTuple: posts are checked by the thousand)."""

    start: int  # offsets into the text searched
    end: int
    url: str  # twitter-text's `url`: as written, or for a link without a scheme its ASCII part
    scheme: str  # "http" or "https" in lower case, "" when written without one
    host: str  # lower case
    path: str  # path, query and fragment ("" or starting with "/" or "?")
    # What X's count treats as the link: [start, count_end), which is [start, end) but for odd
    # hosts (see `_count_end`); when count_split, the last character of it is only half covered
    # and X weighs it as an ordinary character besides the link's 23.
    count_end: int
    count_split: bool = False

    @property
    def href(self) -> str:
        """The address the link opens (https:// for a link written without a scheme)."""
        return self.url if self.scheme else "https://" + self.url


# --- top-level domains ---------------------------------------------------------------------------


def _canon(s: str) -> str:
    """The case-folded form a case-insensitive JavaScript regular expression compares."""
    if s.isascii():
        return s.upper()
    return "".join(_canon_char(c) for c in s)


@lru_cache(maxsize=4096)
def _canon_char(c: str) -> str:
    u = c.upper()
    if len(u) != 1 or (c >= "\x80" and u < "\x80"):
        return c
    return u


@dataclass(frozen=True)
class _Tlds:
    ascii: frozenset[str]  # canonical forms of the all-ASCII names
    other: tuple[tuple[int, frozenset[str]], ...]  # (length, canonical names), longest first


def _tld_group(names: list[str]) -> _Tlds:
    by_length: dict[int, set[str]] = {}
    for name in names:
        if not name.isascii():
            by_length.setdefault(len(name), set()).add(_canon(name))
    other = tuple((n, frozenset(by_length[n])) for n in sorted(by_length, reverse=True))
    return _Tlds(frozenset(_canon(n) for n in names if n.isascii()), other)


def read_tlds() -> dict[str, list[str]]:
    """The two lists of `data/tlds.txt`, in their order."""
    groups: dict[str, list[str]] = {}
    current: list[str] = []
    for line in (DATA / "tlds.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = groups.setdefault(line[1:-1], [])
        else:
            current.append(line)
    return groups


@lru_cache(maxsize=1)
def _tlds() -> tuple[_Tlds, _Tlds]:
    groups = read_tlds()
    return _tld_group(groups["generic"]), _tld_group(groups["country"])


def _tld_end(s: str, t: int) -> int | None:
    """End of the top-level domain at s[t:], or None (validGTLD | validCCTLD | validPunycode).

    twitter-text tries its list of generic names, then the country codes, each a long
    alternation in which a longer name comes before any name it begins with, so the first name
    that matches is the longest one followed by an acceptable character.
    """
    n = len(s)
    w = _ALNUM_RUN.match(s, t).end()  # type: ignore[union-attr]
    # A name followed by an ASCII letter or digit never matches, so an all-ASCII name must be the
    # whole run of them; only names with other letters can reach past it.
    reach_on = w < n and s[w] >= "\x80"
    ascii_ok = w > t and (w == n or s[w] not in _NOT_AFTER_TLD)
    ascii_key = _canon(s[t:w]) if ascii_ok else ""
    for group in _tlds():
        if reach_on:
            for length, names in group.other:
                e = t + length
                if e <= w or e > n:
                    continue
                if _canon(s[t:e]) in names and (e == n or s[e] not in _NOT_AFTER_TLD):
                    return e
        if ascii_ok and ascii_key in group.ascii:
            return w
    m = _PUNYCODE_TLD.match(s, t)
    return m.end() if m else None


# --- the host ------------------------------------------------------------------------------------


def _label_end(s: str, a: int) -> int:
    return _LABEL_RUN.match(s, a).end()  # type: ignore[union-attr]


def _host_after_first_dot(s: str, r: int) -> tuple[int | None, int | None]:
    """Where a host whose first label ends at the dot s[r] ends.

    Returns (end when a later label is the registrable one, end when the first label is).  The
    first depends only on the labels after the dot; the second holds only for a first label
    without "_" (validDomainName allows "-" but not "_"), which depends on where it starts.
    """
    labels_end = _SUBDOMAINS.match(s, r + 1).end()  # type: ignore[union-attr]
    dots = [r]
    while (d := s.find(".", dots[-1] + 1, labels_end)) != -1:
        dots.append(d)
    # validSubdomain* is greedy: the most labels before the name and its top-level domain first.
    for j in range(len(dots) - 1, 0, -1):
        if "_" not in s[dots[j - 1] + 1 : dots[j]]:
            e = _tld_end(s, dots[j] + 1)
            if e is not None:
                return e, None
    return None, _tld_end(s, r + 1)


class _Match(NamedTuple):
    """One match of twitter-text's extractUrl expression."""

    before: str  # the preceding character ("" at the start of the text)
    start: int  # of the URL (its scheme, or its host)
    scheme: str  # as written, with "://"
    host_start: int
    host_end: int
    path: str | None  # with its "/"
    query: str | None
    end: int
    split: bool  # the host begins with the second UTF-16 unit of a character beyond U+FFFF


def _scheme_before(s: str, h: int) -> int | None:
    """Start of an http:// or https:// written straight before s[h:], if any."""
    if h < 7 or s[h - 3 : h] != "://":
        return None
    if h >= 8:
        word = s[h - 8 : h - 3]
        if word.isascii() and word.lower() == "https":
            return h - 8
    word = s[h - 7 : h - 3]
    if word.isascii() and word.lower() == "http":
        return h - 7
    return None


class _Scanner:
    """extractUrl's matches in order, each found from the next dot rather than every position."""

    __slots__ = ("_reversed", "s")

    def __init__(self, s: str) -> None:
        self.s = s
        self._reversed: str | None = None

    def _run_start(self, r: int) -> int:
        """Start of the run of label characters that ends at r."""
        if self._reversed is None:
            self._reversed = self.s[::-1]
        n = len(self.s)
        return r - (_label_end(self._reversed, n - r) - (n - r))

    def next_match(self, last: int) -> _Match | None:
        """The first match starting at `last` or later (JavaScript's lastIndex)."""
        s = self.s
        r = s.find(".", last + 1)
        while r != -1:
            if s[r - 1] not in _NOT_DOMAIN_CHAR:
                found = self._match_at_dot(last, r)
                if found is not None:
                    return found
            r = s.find(".", r + 1)
        return None

    def _match_at_dot(self, last: int, r: int) -> _Match | None:
        """The first match whose host begins with the label that ends at the dot s[r]."""
        s = self.s
        run = self._run_start(r)
        lowest = -1
        later = first = None
        for before, start, host, split in self._starts(last, run, r):
            if lowest < 0:  # the labels after the dot are read once, for the first candidate
                later, first = _host_after_first_dot(s, r)
                if later is None and first is None:
                    return None
                # Any domain character of the run may begin the host when a later label is the
                # registrable name; otherwise only one after the last "_" of the first label.
                lowest = run if later is not None else max(run, s.rfind("_", run, r) + 1)
            if host >= lowest:
                return self._finish(before, start, host, later, first, split)
        return None

    def _starts(self, last: int, run: int, r: int) -> Iterator[tuple[str, int, int, bool]]:
        """(preceding character, start, host start, split) of each match that twitter-text tries
        for a host beginning in the run s[run:r], in its order, whatever follows the dot.

        The preceding character is part of the match: twitter-text tries each position p from
        lastIndex, as a preceding character and then (at 0 only) as the start of the text.
        """
        s = self.s
        q = _scheme_before(s, run)
        if q is not None and s[run] not in _NOT_DOMAIN_CHAR:
            p = q - 1
            if (p >= last and s[p] not in _NOT_BEFORE) or (q == 0 and last == 0):
                yield (s[p] if p >= 0 else ""), q, run, False
        for p in range(max(run - 1, last), max(r, 1)):
            ch = s[p]
            if ch > "\uffff":
                # JavaScript reads this character as two UTF-16 units: the first one precedes
                # the link and the second one is where its host begins.
                yield ch, p, p, True
            if ch not in _NOT_BEFORE and p + 1 < r and s[p + 1] not in _NOT_DOMAIN_CHAR:
                yield ch, p + 1, p + 1, False
            if p == 0 and last == 0 and run == 0 and s[0] not in _NOT_DOMAIN_CHAR:
                yield "", 0, 0, False

    def _finish(
        self,
        before: str,
        start: int,
        host: int,
        later: int | None,
        first: int | None,
        split: bool,
    ) -> _Match:
        host_end = later if later is not None else first
        assert host_end is not None
        tail = _TAIL.match(self.s, host_end)
        assert tail is not None  # every part is optional
        _port, path, query = tail.groups()
        scheme = self.s[start:host]
        return _Match(before, start, scheme, host, host_end, path, query, tail.end(), split)


# --- validity (isValidUrl and idna.toAscii) ------------------------------------------------------


def _utf16_len(s: str) -> int:
    return len(s) if s.isascii() else len(s.encode("utf-16-le", "surrogatepass")) // 2


@lru_cache(maxsize=1024)
def _punycode_label_length(label: str) -> int:
    """Length of punycode.toASCII(label) in punycode.js 1.4.1 (twitter-text's dependency)."""
    label = _IDNA_SEPARATORS.sub(".", label)
    total = label.count(".")
    for part in label.split("."):
        if not _NOT_PRINTABLE.search(part):
            total += len(part)
        else:
            total += 4 + len(part.encode("punycode", "surrogatepass"))
    return total


def ascii_domains(domain: str) -> list[tuple[int, int]]:
    """Spans of validAsciiDomain's matches in a host (its ASCII names, left to right)."""
    out: list[tuple[int, int]] = []
    n = len(domain)
    pos = 0
    while (m := _ASCII_LABEL_RUN.search(domain, pos)) is not None:
        dots: list[int] = []
        a = m.start()
        while (label := _ASCII_LABEL_RUN.match(domain, a)) is not None:
            b = label.end()
            if b >= n or domain[b] != ".":
                break
            dots.append(b)
            a = b + 1
        end = next((e for d in reversed(dots) if (e := _tld_end(domain, d + 1)) is not None), None)
        if end is None:
            pos = m.end()
        else:
            out.append((m.start(), end))
            pos = end
    return out


def _valid(url: str, scheme: str, domain: str) -> bool:
    if len(scheme or "https://") + _utf16_len(url) > MAX_URL_LENGTH:
        return False
    if domain[:4] == "xn--" and not ascii_domains(domain):
        return False  # punycode cannot hold other characters
    if len(domain) <= MAX_LABEL_LENGTH and not _NOT_PRINTABLE.search(domain):
        return True  # labels are never empty
    return all(
        1
        <= (_punycode_label_length(label) if _NOT_PRINTABLE.search(label) else len(label))
        <= MAX_LABEL_LENGTH
        for label in domain.split(".")
    )


# --- extraction ----------------------------------------------------------------------------------


def _count_end(text: str, start: int, end: int, url: str) -> tuple[int, bool]:
    """Where parseTweet stops skipping: `url`'s length in UTF-16 units after `start`.

    That is `end` unless twitter-text's url is shorter than the text it covers (a host such as
    「example.com日本.jp/path」 yields the url `example.com/path` over the whole span).  The skip
    may end inside a character beyond U+FFFF (True): X then weighs its second half on its own.
    """
    if text.startswith(url, start) and start + len(url) == end:
        return end, False
    units = _utf16_len(url)
    i = start
    while i < end and units > 0:
        units -= 2 if text[i] > "\uffff" else 1
        i += 1
    return i, units < 0


def find_links(text: str) -> list[Link]:
    """Every link X finds in text (twitter-text's extractUrlsWithIndices), in order."""
    if "." not in text:
        return []
    scanner = _Scanner(text)
    links: list[Link] = []
    last = 0
    while (m := scanner.next_match(last)) is not None:
        last = m.end
        domain = text[m.host_start : m.host_end]
        url = text[m.start : m.end]
        if m.split:
            low = chr(0xDC00 + ((ord(domain[0]) - 0x10000) & 0x3FF))
            if not _valid(low + url[1:], m.scheme, low + domain[1:]):
                continue
        elif not _valid(url, m.scheme, domain):
            continue
        path = (m.path or "") + (m.query or "")
        if m.scheme:
            end = m.end
            tco = _TCO.match(url) if m.host_end - m.host_start == 4 else None
            if tco is not None:
                if len(tco.group(1)) > MAX_TCO_SLUG_LENGTH:
                    continue
                url = tco.group()
                end = m.start + len(url)
                path = url[len(m.scheme) + 4 :]
            scheme = m.scheme[:-3].lower()
            links.append(Link(m.start, end, url, scheme, domain.lower(), path, end))
            continue
        if m.before in _NOT_BEFORE_BARE:
            continue
        names = [domain[a:b] for a, b in ascii_domains(domain)]
        if not names:
            continue
        # twitter-text places each name with indexOf from the end of the previous one, which is
        # where it matched unless the same name came earlier in the host.
        b = 0
        for i, name in enumerate(names):
            a = domain.find(name, b)
            b = a + len(name)
            start = m.host_start + a
            if i < len(names) - 1 or not m.path:
                links.append(
                    Link(start, m.host_start + b, name, "", name.lower(), "", start + b - a)
                )
            else:
                url = name + url[len(domain) :]
                count_end, split = _count_end(text, start, m.end, url)
                links.append(Link(start, m.end, url, "", name.lower(), path, count_end, split))
    return links
