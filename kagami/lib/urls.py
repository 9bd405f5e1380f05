"""Checking a URL before Kagami stores it, links to it or vouches for it.

One function, `public_https_url_problem`, used by the registry (account URLs, G-4-6), the
public directory and, for links in posts and recorded deliveries, by posts and publishing.

Python's `urllib` and browsers parse some URLs differently: for `https://evil.example\\@x.com/`
urllib says the host is `x.com`, a browser goes to `evil.example`. So anything the two could
read differently is refused outright instead of being parsed: backslashes, whitespace,
control characters and any `@` before the path.
"""

import re
import unicodedata
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

MAX_URL_LENGTH = 2000
MAX_HOST_LENGTH = 253
# A host label after IDNA encoding. Underscores occur in real host names, so they are allowed.
HOST_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
# WHATWG: a host whose last label is a number is an IPv4 address (127.1, 0x7f.1).
NUMERIC_LABEL = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$")


def _has_control_or_space(text: str) -> bool:
    return any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in text)


def _host_problem(host: str) -> str | None:
    """Why `host` (lower case, as urlsplit gives it) is not a public domain name."""
    shown = {"host": host[:100]}
    if host.startswith("[") or ":" in host:
        return _("IPアドレスではなく、ドメイン名のアドレスを入力してください。")
    try:
        ascii_host = host.encode("idna").decode("ascii")
        shown_again = ascii_host.encode("ascii").decode("idna")  # checks xn-- labels too
    except UnicodeError:
        return _("ホスト名「%(host)s」は正しくありません。") % shown
    if not host.isascii() and shown_again.rstrip(".") != host.rstrip("."):
        # IDNA would map it to another name (full-width letters, ß): not the name it shows.
        return _("ホスト名「%(host)s」は正しくありません。") % shown
    labels = ascii_host.rstrip(".").split(".")
    if len(ascii_host) > MAX_HOST_LENGTH or not all(HOST_LABEL.match(label) for label in labels):
        return _("ホスト名「%(host)s」は正しくありません。") % shown
    if NUMERIC_LABEL.match(labels[-1]):
        return _("IPアドレスではなく、ドメイン名のアドレスを入力してください。")
    if len(labels) < 2:
        return _("ホスト名「%(host)s」は公開されたドメイン名ではありません。") % shown
    return None


def public_https_url_problem(url: str) -> str | None:
    """Why `url` may not be stored as a public web address, in Japanese; None if it may.

    Accepted: an absolute `https://` URL of at most MAX_URL_LENGTH characters whose host is a
    domain name with at least two labels (non-ASCII names must be valid IDNA), with an optional
    port. Refused: other schemes (`http:`, `javascript:`, `data:` ...), a missing host, user
    information or any `@` before the path, backslashes, whitespace and control characters,
    IP addresses, and hosts that are not valid domain names.
    """
    if not url or not url.strip():
        return _("URLを入力してください。")
    if len(url) > MAX_URL_LENGTH:
        return _("URLが長すぎます（%(max)s文字まで）。") % {"max": MAX_URL_LENGTH}
    if _has_control_or_space(url):
        return _("URLに空白や改行、制御文字を含めることはできません。")
    if "\\" in url:
        return _("URLに「\\」（バックスラッシュ）を含めることはできません。")
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() != "https":
        return _("「https://」で始まるアドレスを入力してください。")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in authority:
        return _(
            "ホスト名の前に「@」を含むURLは使えません（別のサイトへ誘導するときに使われる形です）。"
        )
    if not authority:
        return _("URLにホスト名（例: x.com）がありません。")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return _("URLの形が正しくありません。")
    if not host:
        return _("URLにホスト名（例: x.com）がありません。")
    return _host_problem(host)
