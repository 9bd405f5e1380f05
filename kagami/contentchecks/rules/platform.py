"""Platform limits for every target account: length as each counts it, media, hashtags."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from kagami.contentchecks.i18n import _
from kagami.contentchecks.model import Hit
from kagami.contentchecks.platforms import (
    BLUESKY_MAX_BYTES,
    PLATFORMS,
    Platform,
    hashtag_spans,
    measure,
    platform_key,
    within_bound,
)
from kagami.contentchecks.registry import rule

if TYPE_CHECKING:
    from kagami.contentchecks.engine import Context


def targets(ctx: Context) -> tuple[Platform, ...]:
    return _targets(tuple(ctx.post.platforms))


@lru_cache(maxsize=256)
def _targets(names: tuple[str, ...]) -> tuple[Platform, ...]:
    seen: list[Platform] = []
    for name in names:
        key = platform_key(name)
        if key is not None and PLATFORMS[key] not in seen:
            seen.append(PLATFORMS[key])
    return tuple(seen)


@rule(
    "platform.length",
    "platform",
    "error",
    {
        "default": _(
            "{platform}の上限{limit}文字{unit}を超えています（{count}文字{unit}、{over}文字超過）。"
        ),
        "bytes": _("{platform}の上限{limit}バイトを超えています（{count}バイト）。"),
    },
    suggestion={
        "default": _("{over}文字分短くするか、投稿を分けてください。"),
        "bytes": _("絵文字や特殊な文字を減らしてください。"),
    },
    options={"limits": (dict, {})},
)
def length(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """platform: text longer than a target platform counts it (X weighted, Bluesky graphemes, …)."""
    overrides = opts.get("limits", {})
    text = ctx.text
    for p in targets(ctx):
        limit = overrides.get(p.key, p.max_length)
        if p.key == "bluesky" and len(text) * 4 > BLUESKY_MAX_BYTES:
            size = len(text.encode("utf-8", "surrogatepass"))
            if size > BLUESKY_MAX_BYTES:
                params = {"platform": p.label, "limit": BLUESKY_MAX_BYTES, "count": size}
                yield Hit(None, None, params=params, variant="bytes")
        if within_bound(text, p.counting, limit):
            continue
        m = measure(text, p.counting, limit, ctx.urls, ctx.emoji)
        params = {"platform": p.label, "limit": limit, "unit": p.unit, "count": m.count}
        if m.count > limit:
            params["over"] = m.count - limit
            start = m.overflow_at
            yield Hit(start, len(text) if start is not None else None, params=params)


@rule(
    "platform.media-required",
    "platform",
    "error",
    _("{platform}には画像か動画が必要です（文字だけの投稿はできません）。"),
    suggestion=_("画像を添付するか、投稿先から{platform}を外してください。"),
)
def media_required(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """platform: an Instagram post (or another media-only platform) without an image."""
    if ctx.post.images:
        return
    for p in targets(ctx):
        if p.media_required:
            yield Hit(None, None, params={"platform": p.label})


@rule(
    "platform.hashtag-count",
    "platform",
    "error",
    _("{platform}のハッシュタグは{limit}個までです（{count}個あります）。"),
    suggestion=_("ハッシュタグを{over}個減らしてください。"),
    options={"limits": (dict, {})},
)
def hashtag_count(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """platform: more hashtags than the platform allows (Instagram 5, Threads 1)."""
    overrides = opts.get("limits", {})
    spans = None
    for p in targets(ctx):
        limit = overrides.get(p.key, p.max_hashtags)
        if limit is None:
            continue
        if spans is None:
            spans = hashtag_spans(ctx.norm)
        if len(spans) > limit:
            start = ctx.view.span(*spans[limit])[0]
            end = ctx.view.span(*spans[-1])[1]
            params = {
                "platform": p.label,
                "limit": limit,
                "count": len(spans),
                "over": len(spans) - limit,
            }
            yield Hit(start, end, params=params)
