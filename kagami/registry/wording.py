"""Model wording for a first draft of an operation policy (G-4-4) and terms of use (G-4-5).

Written for Kagami from the common shape of published municipal policies and terms
(research: jp-context §1.5, §1.6); a department edits the draft before filing it.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kagami.registry.models import WEEKDAYS, OfficialAccount, TermsCategory

WEEKDAY_LABELS = dict(zip(WEEKDAYS, ["月", "火", "水", "木", "金", "土", "日"], strict=True))


def _clock_text(value: str) -> str:
    """「08:30」 → 「8:30」, 「00:00」 → 「0:00」 (only the hour's leading zero goes)."""
    return value[1:] if len(value) == 5 and value.startswith("0") else value


def _span_text(span: object) -> str:
    """「8:30〜17:15」 for a stored [start, end]; "" for a malformed stored value."""
    if not (isinstance(span, list | tuple) and len(span) == 2):
        return ""
    start, end = span
    if not (isinstance(start, str) and isinstance(end, str)):
        return ""
    return f"{_clock_text(start)}〜{_clock_text(end)}"


def describe_hours(hours: dict[str, list[list[str]]]) -> str:
    """「月〜金 8:30〜17:15」 from the weekly schedule; days with the same hours are grouped,
    several spans of one day are joined by 「・」 and day groups by 「、」."""
    groups: list[tuple[list[str], str]] = []
    if not isinstance(hours, dict):
        hours = {}
    for day in WEEKDAYS:
        spans = "・".join(filter(None, (_span_text(span) for span in hours.get(day) or [])))
        if not spans:
            continue
        if (
            groups
            and groups[-1][1] == spans
            and WEEKDAYS.index(groups[-1][0][-1]) + 1 == WEEKDAYS.index(day)
        ):
            groups[-1][0].append(day)
        else:
            groups.append(([day], spans))
    if not groups:
        return _("定めていません")
    parts = []
    for days, spans in groups:
        label = (
            WEEKDAY_LABELS[days[0]]
            if len(days) == 1
            else f"{WEEKDAY_LABELS[days[0]]}〜{WEEKDAY_LABELS[days[-1]]}"
        )
        parts.append(f"{label} {spans}")
    return "、".join(parts)


def policy_draft(account: OfficialAccount) -> dict[str, str]:
    """A complete first draft of the six items of G-4-4 for `account`."""
    town = settings.KAGAMI_TOWN_NAME
    departments = (
        "・".join(d.name for d in account.departments.all()) or account.lead_department.name
    )
    return {
        "platform_text": _("%(platform)s を利用します。") % {"platform": account.platform.name},
        "account_text": _(
            "アカウント名: %(name)s\nユーザーID: %(handle)s\nURL: %(url)s\n運用者: %(town)s %(departments)s"
        )
        % {
            "name": account.name,
            "handle": account.handle,
            "url": account.url,
            "town": town,
            "departments": departments,
        },
        "purpose": _(
            "%(town)sの施策やイベント、暮らしに役立つ情報を、より多くの方に迅速に届けるため、"
            "また災害時などに必要な情報を発信するために運用します。"
        )
        % {"town": town},
        "content": _(
            "町のホームページや広報紙で公開している情報、イベントの開催案内と実施の様子、"
            "観光・特産品などの魅力、防災・緊急時の情報などを発信します。"
        ),
        "operation_method": _(
            "運用時間は原則として%(hours)s（土日祝日、年末年始を除く）とします。"
            "ただし、災害時など緊急の場合はこの限りではありません。"
            "コメントやメッセージには原則として個別に返信しません。"
            "ご意見・お問い合わせは、町のホームページのお問い合わせフォームまたは担当課へお寄せください。"
        )
        % {"hours": describe_hours(account.operation_hours)},
        "personal_information": _(
            "メッセージ等で個人情報を取得することはありません。"
            "投稿する写真などに個人が特定できる情報が含まれないよう確認し、"
            "掲載する場合は本人の同意を得ます。個人情報の取扱いは%(town)s個人情報保護関係規程によります。"
        )
        % {"town": town},
        "other": _(
            "フォローは原則として国・地方公共団体などの公的機関のアカウントに限ります。"
            "この運用方針は予告なく変更することがあります。"
        ),
    }


# (category, model text) of the usual prohibited posts, in the usual order.
TERMS_CLAUSES: list[tuple[str, str]] = [
    (
        TermsCategory.LAW,
        gettext_noop("法令に違反するもの、またはそのおそれがあるもの、公序良俗に反するもの"),
    ),
    (
        TermsCategory.DEFAMATION,
        gettext_noop("特定の個人・団体等を誹謗中傷し、名誉や信用を傷つけるもの"),
    ),
    (
        TermsCategory.DISCRIMINATION,
        gettext_noop("人種・国籍・信条・性別・障害・出身地などによる差別や、差別を助長するもの"),
    ),
    (TermsCategory.PRIVACY, gettext_noop("個人情報を含むもの、他人のプライバシーを侵害するもの")),
    (TermsCategory.IMPERSONATION, gettext_noop("町や第三者になりすましたもの")),
    (TermsCategory.FALSEHOOD, gettext_noop("虚偽の情報や、事実と異なる情報を広めるもの")),
    (TermsCategory.COMMERCIAL, gettext_noop("営利を目的とするもの、広告・宣伝・勧誘など")),
    (TermsCategory.POLITICAL, gettext_noop("政治活動・選挙運動を目的とするもの")),
    (TermsCategory.RELIGIOUS, gettext_noop("宗教活動・勧誘を目的とするもの")),
    (TermsCategory.CRIME, gettext_noop("犯罪行為を助長し、または予告・脅迫するもの")),
    (TermsCategory.OBSCENE, gettext_noop("わいせつな表現、暴力的な表現を含むもの")),
    (TermsCategory.IP, gettext_noop("著作権・肖像権・商標権など第三者の権利を侵害するもの")),
    (TermsCategory.MALWARE, gettext_noop("有害なプログラムや、不正なサイトへ誘導するもの")),
    (
        TermsCategory.SPAM,
        gettext_noop("投稿の内容と関係のないもの、同じ内容の繰り返し投稿、意味のない文字列"),
    ),
    (TermsCategory.HARASSMENT, gettext_noop("職員個人への執拗な攻撃")),
    (TermsCategory.OTHER, gettext_noop("その他、運用者が不適切と判断するもの")),
]


def terms_draft(account: OfficialAccount) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """A complete first draft of G-4-5: the items (b), (c) and the preamble, and the (a)
    clauses as (category, text)."""
    town = settings.KAGAMI_TOWN_NAME
    items = {
        "preamble": _(
            "この規約は、%(town)sが運用する「%(name)s」（以下「本アカウント」）をフォロー、"
            "コメント、共有などで利用するすべての方に適用されます。"
            "利用された方は、この規約に同意したものとみなします。"
            "次のいずれかに該当する投稿は、予告なく削除または非表示にすることがあります。"
        )
        % {"town": town, "name": account.name},
        "ip_ownership": _(
            "本アカウントに掲載する文章・写真・イラスト・動画などの著作権は、%(town)sまたは正当な権利者に帰属します。"
            "共有・リポストなど各サービスの機能による利用を除き、著作権法で認められた範囲を超えて利用することはできません。"
        )
        % {"town": town},
        "disclaimer": _(
            "%(town)sは、本アカウントに掲載した情報の正確性には万全を期していますが、"
            "利用者が掲載情報を用いて行う一切の行為について責任を負いません。"
            "利用者同士、または利用者と第三者との間のトラブル、リンク先のサイトの内容についても責任を負いません。"
            "サービス提供会社の都合により、予告なく運用を中断・終了することがあります。"
        )
        % {"town": town},
    }
    clauses = [(str(category), _(text)) for category, text in TERMS_CLAUSES]
    return items, clauses
