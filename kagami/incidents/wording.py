"""Model texts for trouble (G-6-1, G-6-3, G-6-4): what a correction, an apology, a holding
statement or an impersonation notice says, drafted from the kind's text. The policy division
edits them (`Wording`); these are the defaults.

Placeholders are written in Japanese in braces, e.g. {所属名}; those a draft knows are filled in,
the others stay for the writer to complete (never an error: the policy division edits these
texts freely).
"""

import re
from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

# key → (what it is for, the default text)
DEFAULTS: dict[str, tuple[object, str]] = {
    "holding": (
        _("対応中のお知らせ（炎上時）"),
        "【お知らせ】{投稿日}に本アカウントで発信した「{件名}」について、いただいたご意見を受け、"
        "事実関係を確認しています。確認でき次第、本アカウントと町ホームページでお知らせします。"
        "（{所属名}）",
    ),
    "correction": (
        _("訂正"),
        "【訂正】{投稿日}の投稿で、{誤りの箇所}に誤りがありました。正しくは「{正}」です"
        "（誤：「{誤}」）。お詫びして訂正いたします。（{所属名}）",
    ),
    "apology": (
        _("お詫び（何があったか→影響→原因→再発防止）"),
        "【お詫び】{投稿日}、本アカウントで{何があったか}を発信しました。"
        "{影響}。原因は{原因}です。今後は{再発防止策}を徹底します。"
        "ご迷惑とご心配をおかけしたことを、深くお詫び申し上げます。（{所属名}）",
    ),
    "deletion": (
        _("削除のお知らせ"),
        "【お知らせ】{投稿日}に本アカウントで発信した「{件名}」は、{理由}のため削除しました。"
        "（{所属名}）",
    ),
    "explanation": (
        _("説明"),
        "【ご説明】{投稿日}に本アカウントで発信した「{件名}」について、ご説明します。{説明}"
        "（{所属名}）",
    ),
    "impersonation": (
        _("なりすましへの注意喚起"),
        "【ご注意ください】{町名}{所属名}の公式アカウントを装った偽のアカウント（{偽アカウント}）"
        "が見つかりました。町の公式アカウントは、町ホームページの公式アカウント一覧に載っている"
        "ものだけです。町がメッセージや友だち申請で、お金や個人情報をお願いすることはありません。"
        "偽のアカウントからの連絡には応じないでください。公式アカウント一覧: {公式一覧URL}",
    ),
    "hijack": (
        _("乗っ取りのお知らせ"),
        "【お知らせ】{町名}の公式アカウント（{アカウント}）が第三者に不正に操作され、町と関係のない"
        "投稿が行われました。不審な投稿のリンクは開かず、メッセージにも応じないでください。"
        "現在、復旧と原因の確認を進めています。（{所属名}）",
    ),
    "press_release": (
        _("報道資料（なりすまし）"),
        "{町名}の公式SNSアカウントを装った偽アカウントについて（注意喚起）\n\n"
        "{発見日}、{町名}{所属名}の公式アカウントを装った偽のアカウントを確認しました。\n"
        "偽アカウント: {偽アカウント}\n"
        "町は{依頼日}、{プラットフォーム}の運営者に削除を依頼しています。\n\n"
        "町の公式アカウントは、町ホームページの公式アカウント一覧（{公式一覧URL}）に掲載している"
        "ものだけです。町がメッセージなどでお金や個人情報をお願いすることはありません。"
        "偽アカウントからの連絡には応じず、不審な連絡は{所属名}までお知らせください。\n\n"
        "問い合わせ先: {所属名}",
    ),
}

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with the placeholders `values` knows filled in; unknown ones are left as they
    are, for the writer to complete."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def placeholders(text: str) -> list[str]:
    """The placeholders still in `text` (a draft not yet completed)."""
    return _PLACEHOLDER.findall(text)


def text_for(key: str, values: Mapping[str, str] | None = None) -> str:
    """The town's text for `key` (the policy division's version, else the default), filled."""
    from kagami.incidents.models import Wording

    kept = Wording.objects.filter(key=key).values_list("text", flat=True).first()
    return fill(kept if kept is not None else DEFAULTS[key][1], values or {})
