"""G-5-1-d links: third-party and shortened links, plain http, quoting users' posts.

The links are the ones X would make (`ctx.urls`, from `link_extractor`), with offsets into the
original text: 「詳しくはhttp://…をご覧ください」 is read as the platform reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from kagami.contentchecks.i18n import _
from kagami.contentchecks.link_extractor import Link
from kagami.contentchecks.model import Hit
from kagami.contentchecks.registry import rule
from kagami.contentchecks.text import host_in

if TYPE_CHECKING:
    from kagami.contentchecks.engine import Context

SHORTENERS = frozenset(
    [
        "bit.ly",
        "bitly.com",
        "t.co",
        "tinyurl.com",
        "goo.gl",
        "ow.ly",
        "is.gd",
        "v.gd",
        "buff.ly",
        "t.ly",
        "cutt.ly",
        "rebrand.ly",
        "tiny.cc",
        "shorturl.at",
        "x.gd",
        "j.mp",
        "amzn.to",
        "amzn.asia",
        "s.id",
        "rb.gy",
        "urx.nu",
        "urx2.nu",
        "qr.paps.jp",
        "lnkd.in",
        "dlvr.it",
        "ift.tt",
        "trib.al",
        "shorturl.asia",
        "00m.in",
        "onl.bz",
        "onl.sh",
    ]
)
_GOV_GEO_RE = re.compile(
    r"(?:^|\.)(?:pref|city|town|vill|metro|ward)\.[a-z0-9-]+(?:\.[a-z0-9-]+)?\.jp$"
)

# (host pattern, path pattern with the account name as group 1) for posts of users.
_POST_URLS: tuple[tuple[frozenset[str], re.Pattern[str]], ...] = (
    (
        frozenset({"twitter.com", "x.com", "mobile.twitter.com", "www.twitter.com", "www.x.com"}),
        re.compile(r"/([A-Za-z0-9_]{1,15})/status(?:es)?/\d+"),
    ),
    (frozenset({"bsky.app"}), re.compile(r"/profile/([^/]+)/post/\w+")),
    (
        frozenset({"threads.net", "www.threads.net", "threads.com", "www.threads.com"}),
        re.compile(r"/@([\w.]+)/post/[\w-]+"),
    ),
    (
        frozenset({"instagram.com", "www.instagram.com"}),
        re.compile(r"/(?:([\w.]+)/)?(?:p|reel)/[\w-]+"),
    ),
    (
        frozenset({"facebook.com", "www.facebook.com", "m.facebook.com"}),
        re.compile(r"/([\w.]+)/(?:posts|videos)/[\w-]+"),
    ),
)
_MASTODON_POST_RE = re.compile(r"/@([\w.]+)/\d{6,}")
_RT_RE = re.compile(r"(?<![A-Za-z0-9])(?:RT|QT|rt|qt)\s*:?\s*@([A-Za-z0-9_.]+)")
SOCIAL_HOSTS = frozenset(h for hosts, _p in _POST_URLS for h in hosts)


def is_government(host: str) -> bool:
    return host.endswith((".go.jp", ".lg.jp")) or bool(_GOV_GEO_RE.search(host))


def post_author(url: Link) -> str | None:
    """The account whose post the URL points to ("" when unknown), None if not a post URL."""
    for hosts, pattern in _POST_URLS:
        if url.host in hosts:
            m = pattern.match(url.path)
            if m:
                return (m.group(1) or "").lower()
            return None
    m = _MASTODON_POST_RE.match(url.path)
    if m:
        return m.group(1).lower()
    return None


def _is_own_account_link(ctx: Context, url: Link) -> bool:
    if url.host not in SOCIAL_HOSTS:
        return False
    first = url.path.strip("/").split("/")[0].lstrip("@").lower() if url.path else ""
    return bool(first) and first in ctx.config.account_set


@rule(
    "link.third-party",
    "G-5-1-d",
    "warning",
    _(
        "「{host}」は町の公式サイトでも官公庁のサイトでもありません。リンク先の内容に責任を持てるか確かめてください。"
    ),
)
def third_party(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-d: a link to a domain that is neither official nor government."""
    official = ctx.config.domain_set
    for url in ctx.urls:
        host = url.host
        if host_in(host, official) or is_government(host) or host in SHORTENERS:
            continue
        if post_author(url) is not None or _is_own_account_link(ctx, url):
            continue  # reported by link.user-quote, or the town's own account
        yield Hit(url.start, url.end, params={"host": host})


@rule(
    "link.shortener",
    "G-5-1-d",
    "warning",
    _("短縮URL「{host}」はリンク先が分かりません。"),
    suggestion=_("リンク先の完全なURLを書いてください。"),
)
def shortener(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-d: a shortened link that hides its destination."""
    for url in ctx.urls:
        if url.host in SHORTENERS:
            yield Hit(url.start, url.end, params={"host": url.host})


@rule(
    "link.insecure",
    "G-5-1-d",
    "warning",
    _("暗号化されていない http:// のリンクです。"),
)
def insecure(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-d: a plain http:// link; the fix is https://."""
    for url in ctx.urls:
        if url.scheme == "http":
            yield Hit(url.start, url.end, fix="https://" + url.url[7:])


@rule(
    "link.user-quote",
    "G-5-1-d",
    "warning",
    {
        "url": _("利用者の投稿（{account}）へのリンクです。引用・転載してよいか確かめてください。"),
        "rt": _(
            "利用者の投稿（@{account}）を引用・転載しています。引用してよいか確かめてください。"
        ),
    },
)
def user_quote(ctx: Context, opts: Mapping[str, Any]) -> Iterator[Hit]:
    """G-5-1-d: quoting or reposting a user's post (「RT @…」, status URLs of users)."""
    own = ctx.config.account_set
    for url in ctx.urls:
        author = post_author(url)
        if author is None or (author and author in own):
            continue
        yield Hit(url.start, url.end, params={"account": author or url.host}, variant="url")
    norm = ctx.norm
    if "@" in norm:
        for m in _RT_RE.finditer(norm):
            account = m.group(1).lower()
            if account not in own:
                yield ctx.hit(m.start(), m.end(), params={"account": m.group(1)}, variant="rt")
