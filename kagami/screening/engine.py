"""`screen()`: verdicts for a run of comments, in order, with the run's history."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from kagami.screening.facts import Facts, handle_key
from kagami.screening.model import Category, Comment, Result
from kagami.screening.normalise import fold, key
from kagami.screening.rules import Ctx, Hit, findings, route_of, staff_mentions, targets

# One author: the same text this many times is spam (the first repeat may be an accidental double post).
REPEAT_LIMIT = 3
# One author: more than this many comments within FLOOD_WINDOW is a flood.
FLOOD_COUNT = 8
FLOOD_WINDOW = timedelta(minutes=5)
# Without times: more comments than this from one author in one run is a flood.
FLOOD_RUN = 15
# One author naming the same public-facing staff member critically: review from the 2nd, remove from the 3rd.
TARGET_REVIEW, TARGET_REMOVE = 2, 3


class Screener:
    """Screens comments one at a time, remembering the run (for the command line's stream)."""

    def __init__(self, facts: Facts | None = None) -> None:
        self.facts = facts or Facts.default()
        self._texts: Counter[tuple[str, str]] = Counter()
        self._times: dict[str, list[datetime]] = defaultdict(list)
        self._counts: Counter[str] = Counter()
        self._targets: Counter[tuple[str, str]] = Counter()

    def _author_key(self, comment: Comment) -> str | None:
        if comment.author.handle.strip():
            return "@" + handle_key(comment.author.handle)
        if comment.author.name.strip():
            return "name:" + key(comment.author.name)
        return None

    def screen(self, comment: Comment) -> Result:
        facts = self.facts
        official = (
            bool(comment.author.handle) and handle_key(comment.author.handle) in facts.handle_keys
        )
        hits = findings(comment, facts, official)
        who = self._author_key(comment)
        if who is not None and not official:
            hits.extend(self._history(comment, who))
        return _result(comment, hits)

    def _history(self, comment: Comment, who: str) -> list[Hit]:
        out: list[Hit] = []
        text_key = key(comment.text)
        n = len(comment.text)
        self._counts[who] += 1
        if text_key:
            self._texts[who, text_key] += 1
            repeats = self._texts[who, text_key]
            if repeats >= REPEAT_LIMIT:
                out.append(
                    Hit(
                        "remove",
                        "spam",
                        0,
                        n,
                        f"同じ投稿者が同じ内容を繰り返し投稿しています（{repeats}回目）",
                    )
                )
        flood = False
        if comment.at is not None:
            times = self._times[who]
            times.append(comment.at)
            try:
                recent = [t for t in times if abs(comment.at - t) <= FLOOD_WINDOW]
            except TypeError:  # naive and aware times mixed
                recent = []
            flood = len(recent) > FLOOD_COUNT
        elif self._counts[who] > FLOOD_RUN:
            flood = True
        if flood and not out:
            out.append(Hit("review", "spam", 0, n, "同じ投稿者による短時間の大量投稿です"))
        ctx = Ctx(comment, self.facts, fold(comment.text), False)
        for tg in {tg.name: tg for tg in staff_mentions(ctx, targets(ctx))}.values():
            self._targets[who, key(tg.name)] += 1
            count = self._targets[who, key(tg.name)]
            if count >= TARGET_REVIEW:
                start, end = ctx.f.span(tg.start, tg.end)
                out.append(
                    Hit(
                        "remove" if count >= TARGET_REMOVE else "review",
                        "harassment",
                        start,
                        end,
                        f"同じ投稿者が同じ職員（{tg.name}）を繰り返し名指ししています（{count}回目）",
                    )
                )
        return out


def _result(comment: Comment, hits: list[Hit]) -> Result:
    removes = [h for h in hits if h.level == "remove"]
    chosen = removes or [h for h in hits if h.level == "review"]
    if chosen:
        seen: set[tuple[str, int, int]] = set()
        cats = []
        for h in chosen:
            if (h.category, h.start, h.end) in seen:
                continue
            seen.add((h.category, h.start, h.end))
            cats.append(Category(h.category, h.start, h.end, h.reason))
        return Result(comment.id, "remove" if removes else "review", tuple(cats), None)
    reason = route_of(comment)
    if reason is not None:
        return Result(comment.id, "route", (), reason)
    return Result(comment.id, "keep", (), None)


def screen(comments: Iterable[Comment], facts: Facts | None = None) -> list[Result]:
    """Results for a run of comments, in order (earlier comments are the history of later ones)."""
    screener = Screener(facts)
    return [screener.screen(c) for c in comments]
