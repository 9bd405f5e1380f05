"""G-5-1-e civil-service duties: political campaigning, confidentiality markers, NG words."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ahocorasick

from kagami.contentchecks.i18n import _
from kagami.contentchecks.model import Hit
from kagami.contentchecks.registry import rule
from kagami.contentchecks.text import nfkc, run_pattern

if TYPE_CHECKING:
    from kagami.contentchecks.engine import Context

DATA = Path(__file__).resolve().parent.parent / "data"

# --- political campaigning ----------------------------------------------------------------------

_SENTENCE_RE = re.compile(r"[^。！!？?\n]+[。！!？?\n]*")
_POLITICAL_TARGET_RE = re.compile(
    r"候補|政党|[^\s、。]党(?![員首])|議員|陣営|後援会|住民投票|リコール|[^\s、。]{1,6}案に|[^\s、。]{1,6}条例案"
)
# Every alternative starts with a literal character, which lets sre skip through the text quickly.
_CALL_RE = re.compile(
    r"応援(?:を|して|しよう|しましょう|お願い|よろしく|ください)"
    r"|支持(?:を|して|しよう|しましょう|お願い|ください)|ご支援|ご支持|清き一票|一票を"
    r"|に(?:の)?投票(?:を|して|しよう|しましょう|お願い)|へ(?:の)?投票(?:を|して|しよう|しましょう|お願い)"
    r"|投票(?:お願い|よろしく)|当選させ|落選させ|落とそう"
    r"|賛成(?:しよう|しましょう|に一票|してください|の声を)|反対(?:しよう|しましょう|に一票|してください|の声を)"
    r"|賛成票を|反対票を|署名(?:を|して)(?:お願い|ください)"
)


@rule(
    "conduct.political",
    "G-5-1-e",
    "error",
    _(
        "特定の候補者・政党・議案への支持や反対を呼びかける表現です。公務員の政治的行為の制限に触れるおそれがあります。"
    ),
    suggestion=_("選挙の日時・場所・投票方法など、中立的な情報だけにしてください。"),
)
def political(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-e: a call to support or oppose a candidate, party or ballot measure."""
    norm = ctx.norm
    if not _CALL_RE.search(norm):
        return
    previous: tuple[int, int] | None = None
    for s in _SENTENCE_RE.finditer(norm):
        sentence = s.group()
        start = s.start()
        if _CALL_RE.search(sentence):
            if _POLITICAL_TARGET_RE.search(sentence):
                hit_start: int | None = start
            elif previous and _POLITICAL_TARGET_RE.search(norm[previous[0] : previous[1]]):
                hit_start = previous[0]  # 「〇〇候補の演説会です。ぜひ応援を」
            else:
                hit_start = None
            if hit_start is not None:
                end = s.end()
                while end > hit_start and norm[end - 1] == "\n":
                    end -= 1
                yield ctx.hit(hit_start, end)
        previous = (start, s.end())


# --- confidentiality markers --------------------------------------------------------------------

_CONFIDENTIAL_RE = re.compile(
    r"部外秘|社外秘|庁外秘|極秘|厳秘|取扱注意|取り扱い注意|取扱い注意|内部資料|関係者限り|庁内限り|内部限り|㊙"
    r"|[\[【(<《〔「『]\s*(?:秘|非公開|取扱注意)\s*[\]】)>》〕」』]"
    r"|^[ \t]*(?:秘|非公開)[ \t]*(?:[:：].*)?$",
    re.MULTILINE,
)
# Every match of _CONFIDENTIAL_RE in the normalised text (where ㊙ is 秘) contains one of these.
_CONFIDENTIAL_KEYS = ("秘", "注意", "内部資料", "限り", "非公開")


@rule(
    "conduct.confidential",
    "G-5-1-e",
    "error",
    _("「{marker}」は内部文書の取扱区分です。公開してよい内容か確かめてください。"),
)
def confidential(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-e: confidentiality markers (部外秘, 【秘】, 取扱注意, 内部資料, 非公開 as a marker)."""
    text = ctx.text  # ㊙ must be seen before NFKC turns it into 秘
    view_norm = ctx.norm
    if any(k in view_norm for k in _CONFIDENTIAL_KEYS):
        for m in _CONFIDENTIAL_RE.finditer(view_norm):
            start, end = ctx.view.span(m.start(), m.end())
            yield Hit(start, end, params={"marker": text[start:end].strip()})
    i = text.find("㊙")
    while i != -1:
        yield Hit(i, i + 1, params={"marker": "㊙"})
        i = text.find("㊙", i + 1)


# --- NG words -----------------------------------------------------------------------------------


_FOLD_RE = run_pattern("[A-Z\u30a1-\u30f6]")
# ASCII upper → lower case, katakana ァ..ヶ → hiragana ぁ..ゖ.
_FOLD_TABLE = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)} | {
    c: c - 0x60 for c in range(0x30A1, 0x30F7)
}


def _fold_run(m: re.Match[str]) -> str:
    return m.group().translate(_FOLD_TABLE)


def fold_normalised(s: str) -> str:
    """jaconv.kata2hira plus ASCII lower case, one character for one."""
    # Only runs of the characters that change are translated: str.translate would look every
    # other character up in the table too, and most of a post is kanji and hiragana.
    return _FOLD_RE.sub(_fold_run, s)


def fold(s: str) -> str:
    return fold_normalised(nfkc(s))


@dataclass(frozen=True)
class _NgEntry:
    word: str
    safe: tuple[str, ...]


@lru_cache(maxsize=1)
def builtin_ng_words() -> tuple[tuple[str, tuple[str, ...]], ...]:
    entries = []
    for line in (DATA / "ng_words.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, _tab, safe = line.partition("\t")
        entries.append((word.strip(), tuple(s for s in safe.split(",") if s.strip())))
    return tuple(entries)


def _automaton(ctx: Context, extra: tuple[str, ...]) -> Any:
    key = ("ng_automaton", extra)
    cache = ctx.config.cache
    found = cache.get(str(key))
    if found is not None:
        return found
    auto = ahocorasick.Automaton()
    entries: dict[str, _NgEntry] = {}
    for word, safe in [*builtin_ng_words(), *((w, ()) for w in extra)]:
        folded = fold(word)
        if not folded:
            continue
        previous = entries.get(folded)
        safe_f = tuple(fold(s) for s in safe) + (previous.safe if previous else ())
        entries[folded] = _NgEntry(word, safe_f)
    for folded, entry in entries.items():
        auto.add_word(folded, (folded, entry))
    auto.make_automaton()
    cache[str(key)] = auto
    return auto


def _inside_safe_word(folded_text: str, start: int, end: int, safe: tuple[str, ...]) -> bool:
    for s in safe:
        lo = max(0, end - len(s))
        i = folded_text.find(s, lo, start + len(s))
        while i != -1 and i <= start:
            if i + len(s) >= end:
                return True
            i = folded_text.find(s, i + 1, start + len(s))
    return False


@rule(
    "conduct.ng-word",
    "G-5-1-e",
    "warning",
    _("「{word}」は差別的・攻撃的な表現とされることがあります。"),
    suggestion=_("別の表現に言い換えてください。"),
    options={"words": (list, [])},
)
def ng_word(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-e: discriminatory or offensive expressions from the built-in and configured lists."""
    auto = _automaton(ctx, tuple(opts.get("words", ())))
    folded = fold_normalised(ctx.norm)
    for end_index, (word, entry) in auto.iter(folded):
        start = end_index - len(word) + 1
        end = end_index + 1
        if _inside_safe_word(folded, start, end, entry.safe):
            continue
        s, e = ctx.view.span(start, end)
        yield Hit(s, e, params={"word": ctx.text[s:e]})
