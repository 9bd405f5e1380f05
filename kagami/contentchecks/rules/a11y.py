"""G-5-1-b web accessibility: characters screen readers stumble on, alt text, emoji, hashtags."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kagami.contentchecks.i18n import _
from kagami.contentchecks.model import Hit
from kagami.contentchecks.registry import rule
from kagami.contentchecks.text import EMOJI_RE, CharSet, run_pattern

if TYPE_CHECKING:
    from kagami.contentchecks.engine import Context

DATA = Path(__file__).resolve().parent.parent / "data"

# --- machine-dependent characters ---------------------------------------------------------------

# Compatibility characters that are standard in Japanese text, or have their own rule.
_ALLOWED = frozenset("～〜－￠￡￢∥")
_SCAN_RANGES = (
    (0x2000, 0x3400),
    (0xFE10, 0xFE70),
    (0xFF00, 0xFFEF),
    (0x1D400, 0x1D800),
    (0x1F100, 0x1F1E6),
)
_FIXES = {"℡": "電話", "№": "No.", "㎡": "平方メートル", "㎥": "立方メートル", "㏍": "K.K."}


def _encodes(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _is_machine_dependent(ch: str) -> bool:
    if ch in _ALLOWED or unicodedata.category(ch) in ("Zs", "Cf", "Cc", "Cn", "Co"):
        return False
    if 0xFF01 <= ord(ch) <= 0xFF5E or 0xFF61 <= ord(ch) <= 0xFF9F:
        return False  # full-width ASCII is standard; half-width kana has its own rule
    if EMOJI_RE.fullmatch(ch):
        return False
    name = unicodedata.name(ch, "")
    if "CIRCLED" in name or "PARENTHESIZED" in name or "ROMAN NUMERAL" in name:
        return True
    in_sjis = _encodes(ch, "shift_jis")
    if unicodedata.normalize("NFKC", ch) != ch and not in_sjis:
        return True
    # The cp932 trick: in Windows' code page but not in JIS X 0208 (NEC and IBM extensions).
    return not in_sjis and _encodes(ch, "cp932")


@lru_cache(maxsize=1)
def machine_dependent_chars() -> frozenset[str]:
    return frozenset(
        chr(c) for lo, hi in _SCAN_RANGES for c in range(lo, hi) if _is_machine_dependent(chr(c))
    )


@lru_cache(maxsize=1)
def machine_dependent_set() -> CharSet:
    return CharSet([ord(c) for c in machine_dependent_chars()])


def suggest_replacement(ch: str) -> str | None:
    if ch in _FIXES:
        return _FIXES[ch]
    name = unicodedata.name(ch, "")
    folded = unicodedata.normalize("NFKC", ch)
    if "CIRCLED" in name or "PARENTHESIZED" in name:
        inner = folded.strip("()")
        if inner == ch or not inner:
            try:
                inner = str(int(unicodedata.numeric(ch)))
            except ValueError:
                return None
        return f"({inner})"
    if folded != ch:
        return folded
    return None


@rule(
    "a11y.machine-dependent-char",
    "G-5-1-b",
    "error",
    _(
        "「{char}」は機種依存文字です。環境によって表示されなかったり、読み上げソフトで正しく読まれなかったりします。"
    ),
)
def machine_dependent_char(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-b: circled numbers, Roman numerals, ㈱, ㍻ and other machine-dependent characters."""
    text = ctx.text
    if text.isascii():
        return
    for m in machine_dependent_set().finditer(text):
        ch = m.group()
        yield Hit(m.start(), m.end(), params={"char": ch}, fix=suggest_replacement(ch))


# --- half-width katakana ------------------------------------------------------------------------

_HALFWIDTH_RE = run_pattern("[\uff61-\uff9f]")


@rule(
    "a11y.halfwidth-katakana",
    "G-5-1-b",
    "error",
    _("半角カタカナ「{run}」は読み上げや表示が乱れることがあります。全角で書いてください。"),
)
def halfwidth_katakana(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-b: half-width katakana (ｶﾀｶﾅ); the fix is the full-width form."""
    text = ctx.text
    if text.isascii():
        return
    for m in _HALFWIDTH_RE.finditer(text):
        run = m.group()
        yield Hit(m.start(), m.end(), params={"run": run}, fix=unicodedata.normalize("NFKC", run))


# --- spaced words -------------------------------------------------------------------------------

_J = "\u3041-\u3096\u30a1-\u30fa\u30fc\u3005\u4e00-\u9fff"
_SPACED_RE = re.compile(
    rf"(?<![{_J}\w])[{_J}](?:[ \u3000]+[{_J}]){{2,}}(?![{_J}\w])"
    rf"|(?<![{_J}\w])[{_J}][ \u3000]+[{_J}](?![{_J}\w])"
)
_SPACES_RE = re.compile("[ \u3000]+")
# What every match of _SPACED_RE contains, written to start with the space: a class first lets sre
# skip through the text quickly, and spaces are far rarer than the letters around them.
_SPACED_CORE_RE = re.compile(f"[ \u3000](?<=[{_J}][ \u3000])[ \u3000]*[{_J}]")


@rule(
    "a11y.spaced-word",
    "G-5-1-b",
    "warning",
    _("「{word}」の字と字の間に空白があります。読み上げソフトが別々の語として読んでしまいます。"),
)
def spaced_word(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-b: spaces inside a word used for layout (「お　知　ら　せ」)."""
    text = ctx.text
    if (" " not in text and "\u3000" not in text) or not _SPACED_CORE_RE.search(text):
        return
    for m in _SPACED_RE.finditer(text):
        word = _SPACES_RE.sub("", m.group())
        yield Hit(m.start(), m.end(), params={"word": word}, fix=word)


# --- alt text -----------------------------------------------------------------------------------

_FILENAME_RE = re.compile(
    r"(?:[\w\-. ()]+\.(?:jpe?g|png|gif|webp|heic|heif|bmp|tiff?|svg|avif))|(?:img|dsc|dscn|dscf|pxl|image|photo|screenshot|スクリーンショット)[_\- ]?[\d_\-]+",
    re.IGNORECASE,
)
_PLACEHOLDERS = frozenset(
    [
        "image",
        "img",
        "picture",
        "pic",
        "photo",
        "photograph",
        "alt",
        "alttext",
        "untitled",
        "noimage",
        "none",
        "null",
        "no画像",
        "画像",
        "写真",
        "イメージ",
        "図",
        "絵",
        "画像1",
        "写真1",
        "代替テキスト",
        "なし",
        "無し",
        "ありません",
        "未設定",
        "チラシ",
        "ポスター",
        "test",
        "テスト",
    ]
)
_ALT_STRIP = re.compile(r"[\s\-_.。、・:：()「」【】\[\]]+")


@lru_cache(maxsize=1024)  # staff reuse alt texts, and the compose screen re-checks the same ones
def alt_problem(alt: str | None) -> str | None:
    """ "missing", "filename", "placeholder" or None for a usable alt text."""
    if alt is None or not alt.strip():
        return "missing"
    folded = unicodedata.normalize("NFKC", alt).strip().lower()
    if _FILENAME_RE.fullmatch(folded):
        return "filename"
    if _ALT_STRIP.sub("", folded) in _PLACEHOLDERS or not _ALT_STRIP.sub("", folded):
        return "placeholder"
    return None


@rule(
    "a11y.missing-alt",
    "G-5-1-b",
    "error",
    {
        "missing": _("{n}枚目の画像に代替テキストがありません。"),
        "filename": _("{n}枚目の画像の代替テキスト「{alt}」はファイル名です。"),
        "placeholder": _("{n}枚目の画像の代替テキスト「{alt}」では内容が伝わりません。"),
    },
    suggestion={
        "missing": _(
            "画像に写っているもの・書かれている文字（日時、場所、問い合わせ先など）を文章で入力してください。"
        ),
        "filename": _("画像に写っているもの・書かれている文字を文章で入力してください。"),
        "placeholder": _("画像に写っているもの・書かれている文字を文章で入力してください。"),
    },
)
def missing_alt(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-b: an image without alt text, or with a file name or placeholder as alt text."""
    for i, image in enumerate(ctx.post.images, start=1):
        problem = alt_problem(image.alt)
        if problem is not None:
            yield Hit(None, None, params={"n": i, "alt": image.alt or ""}, variant=problem)


# --- emoji --------------------------------------------------------------------------------------

# Emoji that stand for a word when they label information (「📅11/3 📍奥津」).
LABEL_EMOJI: Mapping[str, str] = {
    "📅": "日時",
    "🗓": "日時",
    "📆": "日時",
    "⏰": "時間",
    "⌚": "時間",
    "🕐": "時間",
    "🕘": "時間",
    "📍": "場所",
    "📌": "場所",
    "🏠": "場所",
    "🏢": "場所",
    "📞": "電話",
    "☎": "電話",
    "📱": "電話",
    "✉": "メール",
    "📧": "メール",
    "📩": "メール",
    "💴": "料金",
    "💰": "料金",
    "🅿": "駐車場",
    "🚗": "駐車場",
    "🔗": "リンク",
}
_LABEL_RE = re.compile(
    "(?<![^\\s。、！!？?）)】」])("
    + "|".join(re.escape(e) for e in sorted(LABEL_EMOJI, key=len, reverse=True))
    + ")\ufe0f?[ \u3000:：]*(?=[\\w(（〒+＋])",
    re.MULTILINE,
)


@rule(
    "a11y.emoji-overuse",
    "G-5-1-b",
    "warning",
    {
        "default": _(
            "絵文字が{count}個あります（目安は{limit}個まで）。読み上げソフトはすべての絵文字の名前を読み上げます。"
        ),
        "label": _(
            "絵文字「{emoji}」が「{word}」という言葉の代わりに使われています。読み上げでは意味が伝わりません。"
        ),
    },
    suggestion={"default": _("絵文字を減らし、情報は文字で書いてください。")},
    options={"limit": (int, 5)},
)
def emoji_overuse(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-b: more emoji than the configured limit, or emoji standing for words."""
    text = ctx.text
    emoji = ctx.emoji
    if not emoji:
        return
    limit = opts.get("limit", 5)
    if len(emoji) > limit:
        yield Hit(None, None, params={"count": len(emoji), "limit": limit})
    for m in _LABEL_RE.finditer(text):
        word = LABEL_EMOJI[m.group(1)]
        yield Hit(
            m.start(),
            m.end(),
            params={"emoji": m.group(1), "word": word},
            variant="label",
            fix=f"{word}：",
        )


# --- hashtags -----------------------------------------------------------------------------------

# "#" before the lookbehind (which spans it) so that sre skips to the literal.
HASHTAG_RE = re.compile(r"#(?<![\w&/#]#)(?!\d+(?!\w))(\w+)")


@lru_cache(maxsize=1)
def _base_words() -> frozenset[str]:
    lines = (DATA / "hashtag_words.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.lower() for line in lines if not line.startswith(";") for w in line.split())


def _words_for(ctx: Context) -> frozenset[str]:
    cache = ctx.config.cache
    words = cache.get("hashtag_words")
    if words is None:
        extra = {
            label
            for d in ctx.config.official_domains
            for label in d.split(".")
            if label not in ("www", "lg", "jp", "go", "town", "city", "pref", "vill")
        }
        words = _base_words() | frozenset(extra)
        cache["hashtag_words"] = words
    return words  # type: ignore[no-any-return,unused-ignore]


def segment(tag: str, words: frozenset[str]) -> list[str] | None:
    """Split a lower-case tag into known words (digits allowed as their own parts), or None."""
    n = len(tag)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        prefix = best[i]
        if prefix is None:
            continue
        for j in range(n, i, -1):
            part = tag[i:j]
            if part in words or part.isdigit() or part == "_":
                cand = [*prefix, part]
                current = best[j]
                if current is None or len(cand) < len(current):
                    best[j] = cand
    return best[n]


@rule(
    "a11y.hashtag-readability",
    "G-5-1-b",
    "info",
    _("ハッシュタグ「#{tag}」は単語の区切りが分からず、読み上げソフトが正しく読めません。"),
)
def hashtag_readability(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-b: a Latin multi-word hashtag written in one case (#kagaminotownevent)."""
    norm = ctx.norm
    if "#" not in norm:
        return
    for m in HASHTAG_RE.finditer(norm):
        tag = m.group(1)
        if not tag.isascii() or not any(c.isalpha() for c in tag):
            continue
        if not (tag.islower() or tag.isupper()) or len(tag) < 6:
            continue
        parts = segment(tag.lower(), _words_for(ctx))
        if parts is None or sum(1 for p in parts if p.isalpha()) < 2:
            continue
        camel = "".join(p.capitalize() for p in parts)
        yield ctx.hit(m.start(), m.end(), params={"tag": tag}, fix=f"#{camel}")
