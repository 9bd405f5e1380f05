"""The built-in platform catalogue (G-2, G-3). Loaded by a data migration; administrators may
change these rows or add platforms in the admin site."""

from typing import Any

from django.utils.translation import gettext_noop as _

HIGH_ANONYMITY_NOTE = _(
    "匿名性が高いため、匿名性の低いSNS（Facebook など）に比べて批判や苦情が投稿されやすい傾向があります"
    "（ガイドライン3）。炎上時の対応手順とコメントへの対応方針をあらかじめ決めてください。"
)

# `handle_url_path`: where the handle sits in an account's URL. Facebook (page ids,
# profile.php?id=), LINE (lin.ee short links) and YouTube (/channel/UC…) leave it blank: their
# account URLs need not carry the handle.
#
# `can_delete_posts`, `can_edit_posts`, `can_lookup_users`: what the platform's API allows
# besides posting, as each adapter in kagami.publishing.adapters documents it with the page that
# says so (a test there keeps both in step). Absent means False; platforms posted by hand
# (YouTube, TikTok, note) have none.
PLATFORMS: list[dict[str, Any]] = [
    {
        "code": "facebook",
        "can_delete_posts": True,
        "can_edit_posts": True,
        "name": "Facebook",
        "anonymity": "low",
        "risk_note": _(
            "実名での利用が基本のため、匿名性の高いSNSに比べて批判や苦情が投稿される可能性は低いとされます"
            "（ガイドライン3）。コメントは削除・非表示にできます。"
        ),
        "comment_control": "delete",
        "publishing_mode": "api",
        "url_hosts": ["facebook.com", "fb.com"],
        "handle_hint": "kagamino.town",
    },
    {
        "code": "x",
        "can_delete_posts": True,
        "can_lookup_users": True,
        "name": "X（旧Twitter）",
        "anonymity": "high",
        "risk_note": HIGH_ANONYMITY_NOTE,
        "comment_control": "hide",
        "publishing_mode": "api",
        "url_hosts": ["x.com", "twitter.com"],
        "handle_hint": "@kagamino_town",
        "handle_url_path": "/{handle}",
    },
    {
        "code": "instagram",
        "can_delete_posts": True,
        "daily_post_limit": 50,  # Instagram Graph API content_publishing_limit
        "name": "Instagram",
        "anonymity": "medium",
        "risk_note": _(
            "画像・動画が中心です。写っている人の同意と代替テキストに注意してください。"
        ),
        "comment_control": "delete",
        "publishing_mode": "api",
        "url_hosts": ["instagram.com"],
        "handle_hint": "kagamino_town",
        "handle_url_path": "/{handle}",
    },
    {
        "code": "line",
        "name": "LINE公式アカウント",
        "anonymity": "medium",
        "risk_note": _(
            "利用者とのやり取りは1対1のトークです。地方公共団体プランは1自治体1アカウントに限られます。"
        ),
        "comment_control": "none",
        "publishing_mode": "api",
        "url_hosts": ["line.me", "lin.ee"],
        "handle_hint": "@kagamino",
    },
    {
        "code": "youtube",
        "name": "YouTube",
        "anonymity": "high",
        "risk_note": HIGH_ANONYMITY_NOTE,
        "comment_control": "delete",
        "publishing_mode": "manual",
        "url_hosts": ["youtube.com", "youtu.be"],
        "handle_hint": "@kagamino_town",
    },
    {
        "code": "threads",
        "can_delete_posts": True,
        "daily_post_limit": 250,  # Threads API: 250 API-published posts per 24 hours
        "name": "Threads",
        "anonymity": "medium",
        "risk_note": _("返信は非表示にできますが、削除はできません。"),
        "comment_control": "hide",
        "publishing_mode": "api",
        "url_hosts": ["threads.net", "threads.com"],
        "handle_hint": "@kagamino_town",
        "handle_url_path": "/@{handle}",
    },
    {
        "code": "bluesky",
        "can_delete_posts": True,
        "can_lookup_users": True,
        "name": "Bluesky",
        "anonymity": "high",
        "risk_note": HIGH_ANONYMITY_NOTE,
        "comment_control": "restrict",
        "publishing_mode": "api",
        "url_hosts": ["bsky.app"],
        "handle_hint": "kagamino-town.bsky.social",
        "handle_url_path": "/profile/{handle}",
    },
    {
        "code": "mastodon",
        "can_delete_posts": True,
        "can_edit_posts": True,
        "can_lookup_users": True,
        "name": "Mastodon",
        "anonymity": "high",
        "risk_note": _(
            "サーバーごとに規則が異なります。他人の返信は削除できず、ブロック・ミュートだけです。"
        ),
        "comment_control": "restrict",
        "publishing_mode": "api",
        "url_hosts": [],
        "handle_hint": "@kagamino@example.social",
        "handle_url_path": "/@{handle}",
    },
    {
        "code": "tiktok",
        "name": "TikTok",
        "anonymity": "high",
        "risk_note": HIGH_ANONYMITY_NOTE,
        "comment_control": "delete",
        "publishing_mode": "manual",
        "url_hosts": ["tiktok.com"],
        "handle_hint": "@kagamino_town",
        "handle_url_path": "/@{handle}",
    },
    {
        "code": "note",
        "name": "note",
        "anonymity": "medium",
        "risk_note": _("長い記事に向いています。コメントは削除できます。"),
        "comment_control": "delete",
        "publishing_mode": "manual",
        "url_hosts": ["note.com"],
        "handle_hint": "kagamino_town",
        "handle_url_path": "/{handle}",
    },
]


def load_catalogue(platform_model: Any) -> None:
    """Create the built-in platforms that are missing (used by the data migration, and by the
    test cast after a transactional test emptied the tables)."""
    # A historical model (in a migration) may predate some of the catalogue's columns.
    fields = {f.name for f in platform_model._meta.get_fields()}
    for order, row in enumerate(PLATFORMS):
        known = {key: value for key, value in row.items() if key in fields}
        platform_model.objects.get_or_create(
            code=row["code"], defaults={**known, "sort_order": order}
        )
