"""G-5-1-c personal information: phone numbers, e-mail, My Number, addresses, names."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from kagami.contentchecks import nlp
from kagami.contentchecks.i18n import _
from kagami.contentchecks.model import Hit
from kagami.contentchecks.registry import rule
from kagami.contentchecks.text import finditer_from, host_in

if TYPE_CHECKING:
    from kagami.contentchecks.engine import Context

# --- phone numbers ------------------------------------------------------------------------------

# The leading lookahead names the characters a number can start with: it fails faster at every
# other position than the lookbehind does.
PHONE_RE = re.compile(
    r"(?=[+0(])(?<![0-9A-Za-z+\-.])(?P<intl>\+81[- ]?(?:\(0\)[- ]?)?|(?=0|\(0))"
    r"(?P<body>\(?\d{1,5}\)?[- ]?\(?\d{1,4}\)?[- ]?\d{3,4})(?![0-9A-Za-z\-])"
)
# Where a PHONE_RE match can start, as a class first so that sre skips to it.
_PHONE_START_RE = re.compile(r"[+0(](?<![0-9A-Za-z+\-.][+0(])(?:(?<=\+)81|(?<=\()0|(?<=0))")
_SEP_RE = re.compile(r"[-() ]+")


@dataclass(frozen=True, slots=True)
class Phone:
    start: int
    end: int
    digits: str
    kind: str  # mobile, fixed, ip, tollfree, navi, other


def classify_phone(digits: str) -> str | None:
    n = len(digits)
    if not digits.startswith("0"):
        return None
    if n == 11:
        if digits[:3] in ("070", "080", "090"):
            return "mobile"
        if digits[:3] == "050":
            return "ip"
        if digits[:4] == "0800":
            return "tollfree"
        if digits[:3] in ("020", "060"):
            return "other"
        return None
    if n == 10:
        if digits[:4] == "0120":
            return "tollfree"
        if digits[:4] == "0570":
            return "navi"
        if digits[1] == "0" or digits[:4] == "0800" or (digits[2] == "0" and digits[1] in "256789"):
            return None  # 00 (international), or a mobile/IP/M2M prefix one digit short
        return "fixed"
    return None


def scan_phones(ctx: Context) -> list[Phone]:
    norm = ctx.norm
    out: list[Phone] = []
    if "0" not in norm:
        return out
    for m in finditer_from(_PHONE_START_RE, PHONE_RE, norm):
        body = m.group("body")
        groups = [g for g in _SEP_RE.split(body) if g]
        digits = "".join(groups)
        if m.group("intl"):
            digits = "0" + digits.removeprefix("0")
        kind = classify_phone(digits)
        if kind is None:
            continue
        if kind == "fixed" and len(groups) == 3:
            first = len(groups[0]) - (0 if m.group("intl") else 1)
            if first + len(groups[1]) != 5:
                continue  # area code + exchange is always 5 digits
        out.append(Phone(m.start(), m.end(), digits, kind))
    return out


@rule(
    "pii.phone",
    "G-5-1-c",
    "warning",
    {
        "mobile": _("携帯電話の番号「{number}」が含まれています。個人の番号ではありませんか。"),
        "fixed": _("町の公式番号として登録されていない電話番号「{number}」が含まれています。"),
        "ip": _("IP電話の番号「{number}」が含まれています。個人の番号ではありませんか。"),
        "tollfree": _(
            "町の公式番号として登録されていないフリーダイヤル「{number}」が含まれています。"
        ),
        "navi": _("町の公式番号として登録されていないナビダイヤル「{number}」が含まれています。"),
        "other": _("町の公式番号として登録されていない番号「{number}」が含まれています。"),
    },
    suggestion={
        k: _("担当課の代表番号など、公開してよい番号か確かめてください。")
        for k in ("mobile", "fixed", "ip", "tollfree", "navi", "other")
    },
)
def phone(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-c: a phone number that is not on the municipality's official list."""
    official = ctx.config.phone_set
    for p in ctx.memo("phones", scan_phones):
        if p.digits in official:
            continue
        start, end = ctx.view.span(p.start, p.end)
        yield Hit(
            start,
            end,
            params={"number": ctx.text[start:end]},
            variant=p.kind,
            severity="error" if p.kind == "mobile" else None,
        )


# --- e-mail -------------------------------------------------------------------------------------

# The first character of the local part comes before the lookbehind (which then spans it), so
# that the pattern starts with a plain class and sre skips to the ASCII in a Japanese post.
EMAIL_RE = re.compile(
    r"[A-Za-z0-9._%+\-](?<![0-9A-Za-z._%+\-][A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]*@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,})(?![0-9A-Za-z\-])"
)


@rule(
    "pii.email",
    "G-5-1-c",
    "warning",
    _(
        "町の公式ドメイン以外のメールアドレス「{address}」が含まれています。個人のアドレスではありませんか。"
    ),
    suggestion=_("担当課の公式アドレスに差し替えてください。"),
)
def email(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-c: an e-mail address outside the official domains."""
    norm = ctx.norm
    if "@" not in norm:
        return
    domains = ctx.config.email_domain_set
    for m in EMAIL_RE.finditer(norm):
        if host_in(m.group("domain").lower(), domains):
            continue
        start, end = ctx.view.span(m.start(), m.end())
        yield Hit(start, end, params={"address": ctx.text[start:end]})


# --- My Number ----------------------------------------------------------------------------------

MYNUMBER_RE = re.compile(r"(?<![0-9\-])(\d{4})[ -]?(\d{4})[ -]?(\d{4})(?![0-9\-])")
_MYNUMBER_CORE_RE = re.compile(r"\d{4}[ -]?\d{4}[ -]?\d{4}")  # in every match, and faster


def my_number_check_digit(first11: str) -> int:
    s = sum(int(first11[11 - n]) * (n + 1 if n <= 6 else n - 5) for n in range(1, 12))
    r = s % 11
    return 0 if r <= 1 else 11 - r


def is_my_number(digits: str) -> bool:
    return (
        len(digits) == 12
        and digits.isdigit()
        and my_number_check_digit(digits[:11]) == int(digits[11])
    )


@rule(
    "pii.my-number",
    "G-5-1-c",
    "error",
    _("個人番号（マイナンバー）と思われる12桁の番号が含まれています。"),
    suggestion=_("個人番号は公開してはいけません。削除してください。"),
)
def my_number(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-c: a 12-digit Individual Number with a valid check digit."""
    norm = ctx.norm
    if not _MYNUMBER_CORE_RE.search(norm):
        return
    for m in MYNUMBER_RE.finditer(norm):
        if is_my_number("".join(m.groups())):
            yield ctx.hit(m.start(), m.end())


# --- addresses ----------------------------------------------------------------------------------

_PLACE = "[\u4e00-\u9fff\u3005\u30a1-\u30faヶケ]"
_PLACE_TAIL_RE = re.compile(f"{_PLACE}{{1,12}}$")
ADDRESS_RE = re.compile(
    r"(?=[\d一二三四五六七八九十])"
    r"(?:(?:\d+|[一二三四五六七八九十]+)丁目\s*\d+\s*(?:番地?|-)\s*(?:\d+\s*(?:号)?)?"
    r"|(?<![\d\-])\d+番地(?:の?\d+)?(?:-\d+)?"
    r"|(?<![\d\-])\d+番\d+号"
    r"|(?<=[\u4e00-\u9fff\u3005ヶ]{2})\d{1,4}-\d{1,4}(?:-\d{1,4})?(?![\d\-]))"
)
_KNUMS = "一二三四五六七八九十"
# Where an ADDRESS_RE match can start: the start of a run of digits (or of kanji numerals) that is
# followed by 丁目, 番 or "-".  A match never starts inside a run of its kind: it would start earlier.
_ADDRESS_START_RE = re.compile(
    rf"[\d{_KNUMS}](?:(?<=\d)(?<!\d\d)|(?<=[{_KNUMS}])(?<![{_KNUMS}]{{2}}))[\d{_KNUMS}]*(?:丁目|番|-)"
)
_DIGIT_RE = re.compile(r"\d")
# Without 丁目 or 番 only ADDRESS_RE's last form can match: 1-4 digits after two kanji, then "-".
_BLOCK_HINT_RE = re.compile(
    r"-(?:(?<=[\u4e00-\u9fff\u3005ヶ]{2}\d-)|(?<=[\u4e00-\u9fff\u3005ヶ]{2}\d\d-)"
    r"|(?<=[\u4e00-\u9fff\u3005ヶ]{2}\d{3}-)|(?<=[\u4e00-\u9fff\u3005ヶ]{2}\d{4}-))"
)
_NOT_ADDRESS_BEFORE = ("電話", "番号", "TEL", "FAX", "第", "号", "コード", "問合せ", "問い合わせ")


def _allowed_address(ctx: Context, place: str, num: str) -> bool:
    keys = ctx.config.address_keys
    num = re.sub(r"\s+", "", num)
    if not place:
        return any(num in k for k in keys)
    return any(any(place[i:] + num in k for k in keys) for i in range(len(place) - 1))


@rule(
    "pii.address",
    "G-5-1-c",
    "warning",
    _("番地まで特定できる住所「{address}」が含まれています。個人の住所ではありませんか。"),
    suggestion=_(
        "公共施設の住所なら設定の public_addresses に登録してください。個人の住所なら削除してください。"
    ),
)
def address(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-c: a residential address down to block or house number."""
    norm = ctx.norm
    if not _DIGIT_RE.search(norm) and "丁目" not in norm:
        return
    if "丁目" not in norm and "番" not in norm and not _BLOCK_HINT_RE.search(norm):
        return
    phones = None
    for m in finditer_from(_ADDRESS_START_RE, ADDRESS_RE, norm):
        num = m.group()
        tail = _PLACE_TAIL_RE.search(norm, max(0, m.start() - 12), m.start())
        place = tail.group() if tail else ""
        begin = tail.start() if tail else m.start()
        if "丁目" not in num and "番" not in num:
            if phones is None:
                phones = ctx.memo("phones", scan_phones)
            if any(p.start < m.end() and begin < p.end for p in phones):
                continue
            before = norm[max(0, m.start() - 5) : m.start()]
            if any(before.endswith(w) for w in _NOT_ADDRESS_BEFORE) or "〒" in before:
                continue
        if _allowed_address(ctx, place, num):
            continue
        start, end = ctx.view.span(begin, m.end())
        yield Hit(start, end, params={"address": ctx.text[start:end]})


# --- person names -------------------------------------------------------------------------------

# Honorifics and ages are scanned apart and merged: no character can be part of both, so this
# finds what one alternation would, and the honorifics alone start with literals, which sre skips
# to quickly instead of trying the age's lookbehind at every position.
HONORIFIC_RE = re.compile(
    r"さん|さま|様(?![式子々相態])|くん|君(?![主臨])|ちゃん|氏(?![名族])|殿(?![堂下])|先生"
)
AGE_RE = re.compile(r"\(\s*\d{1,3}\s*(?:歳|才)?\s*\)|(?<!\d)\d{1,3}\s*(?:歳|才)")
_PAREN_DIGIT_RE = re.compile(r"\(\s*\d")  # in every parenthesised age
_AGE_START_RE = re.compile(r"[(\d](?:(?<=\()\s*\d|(?<=\d)(?<!\d\d)\d{0,2}\s*[歳才])")


def _honorifics(norm: str) -> list[tuple[int, int, bool]]:
    """(start, end, is an age) of every honorific or age, in text order."""
    found = [(m.start(), m.end(), False) for m in HONORIFIC_RE.finditer(norm)]
    if "歳" in norm or "才" in norm:
        ages = finditer_from(_AGE_START_RE, AGE_RE, norm)
    else:
        # Only the bracketed form can match, and a literal "(" first is what sre finds fastest.
        ages = finditer_from(_PAREN_DIGIT_RE, AGE_RE, norm)
    extra = [(m.start(), m.end(), True) for m in ages]
    if extra:
        found.extend(extra)
        found.sort()
    return found


_COLLECTIVE_TAIL = (
    "皆",
    "みな",
    "お客",
    "お子",
    "各位",
    "利用者",
    "参加者",
    "方々",
    "お母",
    "お父",
)
_WINDOW = 14
# Characters after the honorific given to Sudachi, so that a word merely starting with one
# (さんま, さまざま, さんぽ, くんせい) is seen whole rather than cut at the honorific.
_AFTER = 3


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


@lru_cache(maxsize=4096)
def _tokens(window: str) -> tuple[tuple[int, int, str, str, str], ...]:
    """(begin, end, and the first three part-of-speech levels) of each of Sudachi's tokens.

    Cached: the compose screen checks nearly the same text at every pause in typing, and one call
    to Sudachi costs about as much as all the other rules together.
    """
    # Sudachi cannot encode a lone surrogate (JSON input may hold one); U+FFFD keeps the offsets.
    window = _SURROGATE_RE.sub("\ufffd", window)
    return tuple(
        (tok.begin(), tok.end(), *tok.part_of_speech()[:3])
        for tok in nlp.tokenizer().tokenize(window)
    )


def _name_start(ctx: Context, p: int, q: int, *, whole_word: bool) -> int | None:
    """Start (in norm) of the personal name that ends at p, found by Sudachi in a small window.

    The name must end exactly at p and, when `whole_word`, the honorific [p, q) must end a token.
    """
    norm = ctx.norm
    ws = max(0, p - _WINDOW)
    we = min(len(norm), q + _AFTER) if whole_word else q
    tokens = _tokens(norm[ws:we])
    if whole_word and not any(end == q - ws for _b, end, *_pos in tokens):
        return None
    start: int | None = None
    for begin, end, pos0, pos1, pos2 in reversed(tokens):
        if begin >= p - ws:
            continue
        if start is None and end != p - ws:
            return None  # a word running across the honorific
        if pos0 == "空白" and start is not None:
            continue
        if pos1 == "固有名詞" and pos2 == "人名":
            start = ws + begin
            continue
        break
    return start


@rule(
    "pii.person-name",
    "G-5-1-c",
    "warning",
    _("個人名「{name}」が含まれています。本人の同意を得ていますか。"),
    suggestion=_("同意がなければ、名前を伏せるか「参加者」などの表現にしてください。"),
)
def person_name(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-c: a personal name with an honorific or a personal-context word such as an age."""
    norm = ctx.norm
    if norm.isascii():
        return
    facilities = ctx.config.facility_keys
    last_end = -1
    for p, end, is_age in _honorifics(norm):
        before = norm[max(0, p - 4) : p]
        if p == 0 or before.endswith(_COLLECTIVE_TAIL):
            continue
        start = _name_start(ctx, p, end, whole_word=not is_age)
        if start is None or start < last_end:
            continue
        if any(
            f in norm[max(0, start - len(f)) : end + len(f)] and norm[start:end] in f
            for f in facilities
        ):
            continue  # part of one of the town's facility names
        last_end = end
        s, e = ctx.view.span(start, end)
        yield Hit(s, e, params={"name": ctx.text[s:e]})
