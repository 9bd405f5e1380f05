"""G-5-1-a accuracy: weekdays, era years, dates and times that cannot be right."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from kagami.contentchecks.eras import (
    WEEKDAYS,
    era_last_year,
    era_of,
    era_of_year,
    era_range,
    era_to_western,
    era_year_number,
    format_era,
    nearest_date,
    valid_date,
)
from kagami.contentchecks.i18n import _
from kagami.contentchecks.model import JST, Hit
from kagami.contentchecks.registry import rule
from kagami.contentchecks.text import finditer_from

if TYPE_CHECKING:
    from kagami.contentchecks.engine import Context

_ERA = r"明治|大正|昭和|平成|令和"
_WD = r"(?:\(\s*(?P<w1>[月火水木金土日])(?:曜日?)?\s*(?:[・,、/]\s*(?:祝|祝日|休日|振休|祭日)\s*)?\)|(?P<w2>[月火水木金土日])曜日)"

DATE_RE = re.compile(
    rf"(?=[0-9明大昭平令])(?:(?:(?P<era>{_ERA})\s*(?P<ey>元|\d{{1,2}})|(?<!\d)(?P<wy>\d{{4}}))\s*年"
    rf"(?:\s*\([^()]{{1,12}}\))?\s*)?"
    rf"(?:(?<![\d.])(?P<month>\d{{1,2}})\s*月\s*|(?<![\d/.])(?P<sm>\d{{1,2}})/(?=\d{{1,2}}\s*\())?"
    rf"(?<![\d.])(?P<day>\d{{1,2}})(?:\s*日|(?=\s*\(\s*[月火水木金土日]))"
    rf"(?P<wd>\s*{_WD})?"
)
assert tuple(DATE_RE.groupindex) == ("era", "ey", "wy", "month", "sm", "day", "wd", "w1", "w2")

# Where a DATE_RE match can start: an era, or a digit with no digit before it whose run (at most 4
# digits) is followed by 年, 月, /, 日 or (.  It begins with a character class, so sre finds it
# quickly, where DATE_RE (a lookahead first) is tried at every position of the text.
_DATE_START_RE = re.compile(
    r"[0-9明大昭平令](?:(?<=[0-9])(?<!\d[0-9])\d{0,3}\s*[年月/日(]|(?<=[明大昭平令]))"
)


def _date_matches(norm: str) -> Iterator[re.Match[str]]:
    """DATE_RE.finditer(norm), trying DATE_RE only where a match can start."""
    return finditer_from(_DATE_START_RE, DATE_RE, norm)


# Dates written in kanji numerals: 十一月二十四日（火）, 令和八年十一月二十四日, 二〇二六年一月十日.
_KNUM = "[〇一二三四五六七八九十]"
KANJI_DATE_RE = re.compile(
    rf"(?:(?:(?P<era>{_ERA})\s*(?P<ey>元|{_KNUM}{{1,3}})|(?P<wy>[〇一二三四五六七八九]{{4}}))\s*年\s*)?"
    rf"(?<!{_KNUM})(?:(?P<month>{_KNUM}{{1,3}})\s*月\s*)?(?P<day>{_KNUM}{{1,3}})\s*日"
    rf"(?P<wd>\s*{_WD})?"
)
_KANJI_DATE_HINT_RE = re.compile(rf"{_KNUM}\s*月\s*{_KNUM}")  # in every match; found quickly
_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}


def kanji_number(s: str) -> int | None:
    """The value of 一 to 九十九 (二十四) or of digits written one by one (二〇二六); else None."""
    if "十" in s:
        tens, _ten, ones = s.partition("十")
        if len(tens) > 1 or len(ones) > 1 or "十" in ones or tens == "〇":
            return None
        return (_KANJI_DIGITS[tens] if tens else 1) * 10 + (_KANJI_DIGITS[ones] if ones else 0)
    value = 0
    for ch in s:
        value = value * 10 + _KANJI_DIGITS[ch]
    return value


# A date as written: start (of the month, or of the day when the month is left out), end, month,
# day, year as written, weekday, and the weekday's span.  A plain tuple: posts hold several dates
# and a NamedTuple costs a Python call to build.
_RawDate = tuple[int, int, int | None, int, int | None, str | None, int, int]


def _raw_dates(norm: str) -> list[_RawDate]:
    """Dates as written, in Arabic or kanji numerals, in text order."""
    out: list[_RawDate] = []
    for m in _date_matches(norm):
        # Groups by number (see DATE_RE): one call for all of them instead of one per name.
        era, ey, wy, month_s, sm, day_s, _wd, w1, w2 = m.groups()
        year: int | None = None
        if era:
            year = era_to_western(era, era_year_number(ey))
        elif wy:
            year = int(wy)
        if month_s:
            start, month = m.start(4), int(month_s)
        elif sm:
            start, month = m.start(5), int(sm)
        else:
            start, month = m.start(6), None
        wd_start, wd_end = m.span(8 if w1 else 9)
        out.append((start, m.end(), month, int(day_s), year, w1 or w2, wd_start, wd_end))
    if not _KANJI_DATE_HINT_RE.search(norm):
        return out
    taken = [(d[0], d[1]) for d in out]
    kanji: list[_RawDate] = []
    for m in KANJI_DATE_RE.finditer(norm):
        era, ey, wy, w1, w2, month_s = m.group("era", "ey", "wy", "w1", "w2", "month")
        month = kanji_number(month_s) if month_s else None
        day = kanji_number(m.group("day"))
        if (month_s and month is None) or day is None:
            continue
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        year = None
        if era:
            n = 1 if ey == "元" else kanji_number(ey)
            year = era_to_western(era, n) if n else None
        elif wy:
            year = kanji_number(wy)
        wd_group = "w1" if w1 else "w2"
        kanji.append(
            (
                m.start("month" if month_s else "day"),
                m.end(),
                month,
                day,
                year,
                w1 or w2,
                m.start(wd_group),
                m.end(wd_group),
            )
        )
    return sorted(out + kanji) if kanji else out


ERA_PAIR_RE = re.compile(
    rf"(?P<era>{_ERA})\s*(?P<ey>元|\d{{1,2}})\s*年\s*\(\s*(?P<wy>\d{{4}})\s*年?\s*\)"
    rf"|(?<!\d)(?P<wy2>\d{{4}})\s*年?\s*\(\s*(?P<era2>{_ERA})\s*(?P<ey2>元|\d{{1,2}})\s*年\s*\)"
)
# Where an ERA_PAIR_RE match can start: an era and its year, or a digit with no digit before it
# whose run of four is followed by an era in brackets.  A class first lets sre skip to them.
_ERA_PAIR_START_RE = re.compile(
    r"[明大昭平令\d](?:(?:(?<=明)治|(?<=大)正|(?<=昭)和|(?<=平)成|(?<=令)和)\s*[元\d]"
    r"|(?<=\d)(?<!\d\d)\d{3}\s*年?\s*\(\s*[明大昭平令])"
)
_ERA_NAME_RE = re.compile(_ERA)
ERA_DATE_RE = re.compile(
    rf"(?P<era>{_ERA})\s*(?P<ey>元|\d{{1,3}})\s*年(?:\s*(?P<month>\d{{1,2}})\s*月(?:\s*(?P<day>\d{{1,2}})\s*日)?)?"
)

# The hour's lookbehind comes after its first digit so that the pattern starts with \d, which
# lets sre skip quickly to the digits; it still says that no digit, "." or ":" comes before them.
TIME_RE = re.compile(
    r"(?P<h>\d(?<![\d.:]\d)\d{0,2})\s*時(?![間限点給速刻差代効])(?:\s*(?P<m>\d{1,3})\s*分(?!間))?"
)
_AMPM_RE = re.compile(r"(午前|午後)\s*$")
# Matches wherever TIME_RE finds an hour over 12 or a minute over 59, and in few other places:
# a 時 or 分 after a space, three digits, 13-99 (時) or 60-99 (分), or a digit other than 0-9.
# Each starts with a literal and looks back: sre finds a literal much faster than a class.
_LATE_HOUR_HINT_RE = re.compile(
    r"時(?:(?<=\s時)|(?<=\d\d\d時)|(?<=[^\D0-9]時)|(?<=[^\D0-9]\d時)|(?<=1[3-9]時)|(?<=[2-9]\d時))"
)
_LATE_MINUTE_HINT_RE = re.compile(
    r"分(?:(?<=\s分)|(?<=\d\d\d分)|(?<=[^\D0-9]分)|(?<=[^\D0-9]\d分)|(?<=[6-9]\d分))"
)


class DateRef(NamedTuple):
    start: int
    end: int
    year: int | None  # written or carried over from an earlier date in the post
    inferred: bool  # year resolved from publish_at
    month: int
    day: int
    resolved: date | None
    weekday: str | None
    wd_start: int
    wd_end: int


def _local_day(at: datetime) -> date:
    if at.tzinfo is not None:
        at = at.astimezone(JST)
    return at.date()


def _publish_day(ctx: Context) -> date:
    """The day the text was written for: dates without a year are read around it."""
    return _local_day(ctx.post.written_for or ctx.post.publish_at)


def scan_dates(ctx: Context) -> list[DateRef]:
    norm = ctx.norm
    if "月" not in norm and "/" not in norm and "日" not in norm:
        return []
    around: date | None = None
    out: list[DateRef] = []
    last_year: int | None = None
    last_month: int | None = None
    for start, end, raw_month, day, year, weekday, wd_start, wd_end in _raw_dates(norm):
        if raw_month is None and weekday is None:
            continue  # 「10日」 alone is a count as often as a date
        if raw_month is None and last_month is None:
            continue
        month = raw_month if raw_month is not None else last_month
        assert month is not None
        if year is not None:
            last_year = year
        elif last_year is not None:
            year = last_year
        inferred = False
        resolved: date | None = None
        if year is not None:
            if valid_date(year, month, day):
                resolved = date(year, month, day)
        else:
            if around is None:
                around = _publish_day(ctx)
            resolved = nearest_date(month, day, around)
            inferred = True
        last_month = month
        if weekday is None:
            wd_start = wd_end = -1
        out.append(
            DateRef(start, end, year, inferred, month, day, resolved, weekday, wd_start, wd_end)
        )
    return out


@rule(
    "accuracy.weekday-mismatch",
    "G-5-1-a",
    "error",
    {
        "default": _("{date}は{actual}曜日です（{written}曜日と書かれています）。"),
        "inferred": _(
            "{date}は{actual}曜日です（{written}曜日と書かれています）。年の記載がないため、公開日に最も近い{year}年の日付として確かめました。"
        ),
    },
)
def weekday_mismatch(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-a: the weekday written after a date is not the weekday of that date."""
    for d in ctx.memo("dates", scan_dates):
        if d.weekday is None or d.resolved is None:
            continue
        actual = WEEKDAYS[d.resolved.weekday()]
        if actual == d.weekday:
            continue
        start, end = ctx.view.span(d.wd_start, d.wd_end)
        yield Hit(
            start,
            end,
            params={
                "date": f"{d.resolved.year}年{d.month}月{d.day}日",
                "actual": actual,
                "written": d.weekday,
                "year": d.resolved.year,
            },
            variant="inferred" if d.inferred else "default",
            fix=actual + ctx.text[start + 1 : end],
        )


@rule(
    "accuracy.past-date",
    "G-5-1-a",
    "error",
    {
        "default": _(
            "{date}は、この投稿が公開される{published}の時点で過ぎています"
            "（{planned}に公開する予定で書かれた本文です）。"
        )
    },
    suggestion={"default": _("日付を直すか、投稿を取りやめてください。")},
)
def past_date(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-a: a date that was still to come on the day the post was written for but has
    passed by the time it goes out (a retry or a late send after a pause). Only with
    `written_for`: a post that goes out when planned may well report a past event."""
    if ctx.post.written_for is None:
        return
    planned, published = _local_day(ctx.post.written_for), _local_day(ctx.post.publish_at)
    if published <= planned:
        return
    for d in ctx.memo("dates", scan_dates):
        if d.resolved is not None and planned <= d.resolved < published:
            yield ctx.hit(
                d.start,
                d.end,
                params={
                    "date": f"{d.resolved.year}年{d.month}月{d.day}日",
                    "published": f"{published.month}月{published.day}日",
                    "planned": f"{planned.month}月{planned.day}日",
                },
            )


@rule(
    "accuracy.invalid-date",
    "G-5-1-a",
    "error",
    {
        "default": _("{month}月{day}日という日付はありません。"),
        "month": _("{month}月という月はありません。"),
        "leap": _("{year}年はうるう年ではないため、2月29日はありません。"),
    },
    suggestion={"default": _("{month}月の末日は{last}日です。日付を確かめてください。")},
)
def invalid_date(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-a: a month or day that does not exist (2月30日, 13月1日, 4月31日)."""
    for d in ctx.memo("dates", scan_dates):
        if d.resolved is not None:
            continue
        params: dict[str, Any] = {"month": d.month, "day": d.day}
        if not 1 <= d.month <= 12:
            yield ctx.hit(d.start, d.end, params=params, variant="month")
        elif d.month == 2 and d.day == 29:
            year = d.year if d.year is not None else _publish_day(ctx).year
            yield ctx.hit(d.start, d.end, params={**params, "year": year}, variant="leap")
        else:
            params["last"] = 29 if d.month == 2 else (30 if d.month in (4, 6, 9, 11) else 31)
            yield ctx.hit(d.start, d.end, params=params)


def _fix_pair(written_era: str, n: int, western: int, around: int, era_first: bool) -> str:
    era_western = era_to_western(written_era, n)
    # Trust whichever year is nearer the publishing year; on a tie trust the era.
    if abs(western - around) < abs(era_western - around):
        era, en = era_of_year(western)
        e, w = format_era(era, en), f"{western}年"
    else:
        e, w = format_era(written_era, n), f"{era_western}年"
    return f"{e}（{w}）" if era_first else f"{w}（{e}）"


@rule(
    "accuracy.era-mismatch",
    "G-5-1-a",
    "error",
    {
        "default": _("{era}{n}年は西暦{expected}年です（{western}年と書かれています）。"),
        "nonexistent": _("{era}{n}年はありません（{era}は{last}年までです）。"),
        "boundary": _("{date}は{era}ではなく{right}の期間です。"),
        "zero": _("{era}0年という年はありません。"),
    },
)
def era_mismatch(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-a: a Japanese era year that does not match the Western year or does not exist."""
    norm = ctx.norm
    if not _ERA_NAME_RE.search(norm):
        return
    around = _publish_day(ctx).year
    flagged: list[tuple[int, int]] = []
    for m in finditer_from(_ERA_PAIR_START_RE, ERA_PAIR_RE, norm):
        era_first = m.group("era") is not None
        era = m.group("era") or m.group("era2")
        ey = m.group("ey") or m.group("ey2")
        western = int(m.group("wy") or m.group("wy2"))
        n = era_year_number(ey)
        expected = era_to_western(era, n)
        if expected == western or n == 0:
            continue  # n == 0 is reported below
        flagged.append((m.start(), m.end()))
        yield ctx.hit(
            m.start(),
            m.end(),
            params={
                "era": era,
                "n": "元" if n == 1 else n,
                "expected": expected,
                "western": western,
            },
            fix=_fix_pair(era, n, western, around, era_first),
        )
    for m in ERA_DATE_RE.finditer(norm):
        if any(a <= m.start() < b for a, b in flagged):
            continue
        era = m.group("era")
        n = era_year_number(m.group("ey"))
        if n == 0:
            yield ctx.hit(m.start(), m.end(), params={"era": era}, variant="zero")
            continue
        western = era_to_western(era, n)
        last = era_last_year(era)
        start_day, end_day = era_range(era)
        year_end = m.start() + m.group(0).index("年") + 1
        if last is not None and western > last:
            right, rn = era_of_year(western)
            yield ctx.hit(
                m.start(),
                year_end,
                params={"era": era, "n": n, "last": last},
                variant="nonexistent",
                fix=format_era(right, rn),
            )
            continue
        if m.group("month") and m.group("day"):
            month, day = int(m.group("month")), int(m.group("day"))
            if not valid_date(western, month, day):
                continue
            d = date(western, month, day)
            if d < start_day or (end_day is not None and d > end_day):
                right, rn = era_of(d)
                yield ctx.hit(
                    m.start(),
                    year_end,
                    params={"date": f"{western}年{month}月{day}日", "era": era, "right": right},
                    variant="boundary",
                    fix=format_era(right, rn),
                )


@rule(
    "accuracy.invalid-time",
    "G-5-1-a",
    "error",
    {
        "ampm": _("「{ampm}{hour}時」という時刻はありません（午前・午後は12時まで）。"),
        "hour": _("{hour}時という時刻はありません。"),
        "hour_far": _("{hour}時という時刻はありません。"),
        "minute": _("{minute}分という時刻はありません（分は59まで）。"),
    },
    suggestion={"hour": _("翌日の午前{next}時のことなら、そのように書いてください。")},
)
def invalid_time(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-a: a time that does not exist (25時, 10時60分, 午後13時)."""
    norm = ctx.norm
    if "時" not in norm:
        return
    if not _LATE_HOUR_HINT_RE.search(norm) and not _LATE_MINUTE_HINT_RE.search(norm):
        return
    for m in TIME_RE.finditer(norm):
        hour = int(m.group("h"))
        minute = int(m.group("m")) if m.group("m") else None
        if hour <= 12 and (minute is None or minute < 60):
            continue
        before = _AMPM_RE.search(norm, max(0, m.start() - 4), m.start())
        ampm = before.group(1) if before else None
        start = before.start() if before else m.start()
        if ampm and hour > 12:
            fix = None
            if hour <= 23 and (minute is None or minute < 60):
                fix = f"午後{hour - 12}時" + (f"{minute}分" if minute is not None else "")
            params = {"ampm": ampm, "hour": hour}
            yield ctx.hit(start, m.end(), params=params, variant="ampm", fix=fix)
        elif hour > 24 or (hour == 24 and minute):
            variant = "hour" if hour < 48 else "hour_far"
            params = {"hour": hour, "next": hour - 24}
            yield ctx.hit(start, m.end(), params=params, variant=variant)
        elif minute is not None and minute >= 60:
            yield ctx.hit(start, m.end(), params={"minute": minute}, variant="minute")
