"""The rules: each looks at one comment (its folded views) and returns findings.

Every rule matches on the views of `normalise.fold` and reports spans of the original text.
Words are matched in a context window (a target, a demand, an invitation near the word), never
alone when a word has an everyday meaning (ゴミ収集, 燃やすごみ, 神対応, 殺到).  Written in
hiragana where the kana view folds katakana into hiragana.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from kagami.screening.facts import Facts, handle_key
from kagami.screening.model import Comment
from kagami.screening.normalise import LOOKALIKE_CHARS, Folded, fold, fold_kana, key

Level = Literal["remove", "review"]


@dataclass(frozen=True)
class Hit:
    level: Level
    category: str
    start: int
    end: int
    reason: str


@dataclass
class Ctx:
    comment: Comment
    facts: Facts
    f: Folded
    official_author: bool

    def hit(self, level: Level, category: str, a: int, b: int, reason: str) -> Hit:
        start, end = self.f.span(a, b)
        return Hit(level, category, start, end, reason)

    def whole(self, level: Level, category: str, reason: str) -> Hit:
        return Hit(level, category, 0, len(self.f.orig), reason)


def _c(pattern: str) -> re.Pattern[str]:
    """A pattern for the kana view: katakana in it is folded like the text."""
    return re.compile(fold_kana(pattern))


def _k(pattern: str) -> re.Pattern[str]:
    """A pattern for the compact view, where katakana stays katakana."""
    return re.compile(pattern)


def near(text: str, a: int, b: int, pattern: re.Pattern[str], window: int) -> re.Match[str] | None:
    """A match of pattern within `window` characters of [a, b) (not overlapping it)."""
    lo, hi = max(0, a - window), min(len(text), b + window)
    for m in pattern.finditer(text, lo, hi):
        if m.end() <= a or m.start() >= b:
            return m
    return None


_REPORTED_AFTER = _k(
    r"^[」』\"'”’)）\s]*(?:と|って|とか|などと|なんて|という|との)(?:言|い[わっう]|書|脅|コメント|投稿|意見|主張|声|人|考え|の(?:こと|書き込み))"
)


def reported(ctx: Ctx, a: int, b: int) -> bool:
    """The words are quoted as something someone else said (「死ね」と言われた), not said."""
    _start, end = ctx.f.span(a, b)
    return bool(_REPORTED_AFTER.match(ctx.f.orig[end : end + 16]))


# --- who a comment is about ----------------------------------------------------------------------

_TITLES = (
    "さん|さま|様|氏|課長補佐|課長|係長|部長|主任|主事|主査|室長|所長|館長|次長|副町長|"
    "参事|技師|保健師|くん|君|ちゃん|先生|議員"
)
_NOT_NAMES = _c(
    r"^(?:皆|みな|お客|客|町民|住民|区民|職員|担当|担当者|窓口|受付|役場|役所|町|市|村|関係者|"
    r"近所|業者|店員|運転手|保護者|利用者|参加者|生徒|児童|子供|子ども|お子|隣|家族|大家|"
    r"医者|医師|先生方|御|ご|皆様|方|地域|農家|漁師|農協|郵便屋|八百屋|花屋|本屋|魚屋|"
    r"運営|主催者|事務局|町長|議員|議会|教育委員会|警察|消防|自衛隊|神|仏|お疲れ|"
    r"学校|幼稚園|保育園|地元|県|国|政府|総理|首相|大臣|知事|市長|村長)$"
)
_PERSON_TITLE = _k(
    rf"([一-龥々]{{1,4}}|[一-龥々]{{1,3}}[ぁ-ん]{{1,3}}(?=ちゃん|くん)|[ァ-ヴ][ァ-ヴー]{{1,5}}(?=さん|ちゃん|くん))"
    rf"(?:{_TITLES})"
)
_DEPT_PERSON = _c(r"[一-龥]{1,6}(?:課|係|室|センター|窓口|支所)の?([一-龥々]{2,3})(?![一-龥々])")
_UNNAMED = _c(
    r"(?:あの|その|窓口の|受付の|担当の|電話の|対応した|電話に出た|役場の)"
    r"(?:職員|女|男|人|おばさん|おばちゃん|おっさん|おじさん|ばばあ|じじい|兄ちゃん|姉ちゃん|"
    r"若いの|奴|やつ|野郎|担当者|担当)"
)
_PUBLIC_FIGURE = _c(r"(?:副?町長|議長|教育長)")
_ORGANISATION = _c(
    r"(?:役場|役所|町役場|[一-龥]{1,5}課|教育委員会|町政|行政|この町|議員|議会|町議|[一-龥〇○]{0,4}党|町の職員|職員ども|職員たち|"
    r"職員ら|職員共|公務員|お前ら|おまえら|てめえら|あんたら)"
)
_PLACE_AFTER = _c(
    r"^(?:地区|町|村|小|中|小学校|中学校|高校|橋|川|山|屋|商店|病院|駅|公園|神社|寺|線|通り)"
)


@dataclass(frozen=True)
class Target:
    kind: Literal["staff", "person", "unnamed", "public", "org"]
    start: int
    end: int
    name: str


def targets(ctx: Ctx) -> list[Target]:
    t = ctx.f.kana
    out: list[Target] = []
    for name in ctx.facts.staff_names:
        k = key(name)
        if not k:
            continue
        for m in re.finditer(re.escape(k), t):
            if not _PLACE_AFTER.match(t[m.end() :]):
                out.append(Target("staff", m.start(), m.end(), name))
    for m in _PERSON_TITLE.finditer(t):
        name = m.group(1)
        stripped = re.sub(r"^.*?(?:の|は|が)", "", name)
        if _NOT_NAMES.match(name) or _NOT_NAMES.match(stripped):
            continue
        if re.search(r"(?:屋|者|員|民|様|家|店|課|係|室|町|局|長)$", name):
            continue
        kind: Literal["staff", "person"] = "person"
        if any(key(s) in name for s in ctx.facts.staff_names):
            kind = "staff"
        out.append(Target(kind, m.start(), m.end(), name))
    for m in _DEPT_PERSON.finditer(t):
        name = m.group(1)
        if _NOT_NAMES.match(name) or name in _DEPT_NOUNS:
            continue
        out.append(Target("person", m.start(), m.end(), name))
    for m in _UNNAMED.finditer(t):
        out.append(Target("unnamed", m.start(), m.end(), m.group()))
    for m in _PUBLIC_FIGURE.finditer(t):
        out.append(Target("public", m.start(), m.end(), m.group()))
    for m in _ORGANISATION.finditer(t):
        out.append(Target("org", m.start(), m.end(), m.group()))
    return out


_DEPT_NOUNS = frozenset(
    [
        "対応",
        "職員",
        "担当",
        "担当者",
        "窓口",
        "電話",
        "仕事",
        "態度",
        "説明",
        "連中",
        "人達",
        "方々",
        "連絡",
        "案内",
        "回答",
        "返事",
        "処理",
        "手続",
        "判断",
        "責任",
        "課長",
        "係長",
        "人間",
        "皆様",
        "対処",
        "方針",
        "業務",
        "事業",
        "予算",
        "計画",
        "工事",
        "発表",
        "投稿",
        "告知",
        "受付",
    ]
)


def _nearest_target(targets_: list[Target], a: int, b: int, window: int) -> Target | None:
    best: Target | None = None
    best_d = window + 1
    order = {"staff": 0, "person": 1, "unnamed": 2, "public": 3, "org": 4}
    for tg in targets_:
        if tg.end <= a:
            d = a - tg.end
        elif tg.start >= b:
            d = tg.start - b
        else:
            d = 0
        if d <= window and (best is None or (order[tg.kind], d) < (order[best.kind], best_d)):
            best, best_d = tg, d
    return best


# --- defamation / insults ------------------------------------------------------------------------

# Strong insults: abusive whoever they are aimed at.
_STRONG = _c(
    r"死ね(?!る|ば|な|ない|ず)|死ーね|しーね|(?<![0-9])4ね(?![ぇえーばんなる])|死ねばいい|死んで(?:くれ|しまえ|ほしい|欲しい)|しんで(?:くれ|しまえ)|しね(?![えぇーばんなるたてよ])|氏ね|たひね|くたばれ|消えろ|"
    r"(?<![紙木糸鉄星])くず(?![れしさすせそかきくけこも餅湯鉄])|屑|人間の(?:ごみ|くず)|かす(?:野郎|ども|が)|"
    r"ごみ(?:職員|野郎|ども|人間|役人|町長|以下)|"
    r"きもい|きもすぎ|気持ち悪い(?:顔|奴|やつ|女|男|ばばあ|じじい)|不細工|ぶさいく|"
    r"くそ(?:ばばあ|じじい|野郎|女|男|職員|役人|町長)|ばばあ|じじい|"
    r"低能|池沼|能無し|のうなし|脳みそ(?:腐|空|ない)|"
    r"売国奴|無能|むのう|役立たず|やくたたず|給料泥棒|税金泥棒|月給泥棒|寄生虫|老害"
)
# Katakana-only insults (matched on the compact view: カスタマー, ハゲしい are not insults).
_STRONG_KATA = _k(
    r"(?<![ァ-ヴー])(?:カス|ブス|ハゲ|デブ|ガイジ)(?![ァ-ヴー])|"
    r"(?<![ァ-ヴー])ゴミ(?=以下|同然|野郎|ども|だろ|だな|やな|じゃ|すぎ|人間|職員|役人|町長|$)"
)
# Mild words: an insult only when aimed at a named person, and then only for review.
_MILD = _c(
    r"ばか(?![りげにしさ])|馬鹿|あほ(?!ちゃう|ちゃ|か|やな|くさ|らし)|頭(?:おかしい|悪い|わるい)|"
    r"辞めろ|やめろ|辞めちまえ|やめちまえ|首にしろ|クビにしろ|くびにしろ|出てこい|でてこい|"
    r"詐欺師|嘘つき|うそつき|ぼけ(?![るた])|間抜け|まぬけ"
)
# Damaging claims about a person (unverifiable): review, never removed on the words alone.
_CLAIMS = _c(
    r"汚職|横領|着服|賄賂|わいろ|不倫|癒着|裏金|逮捕され|前科|犯罪者|痴漢|盗撮|薬物|覚醒剤|ヤクザ|やくざ|"
    r"暴力団"
)
# Aimed at the organisation, these are criticism, not insults (役場は無能, 税金泥棒).
_ORG_CRITICISM = frozenset(
    [
        "無能",
        "むのう",
        "役立たず",
        "やくたたず",
        "給料泥棒",
        "税金泥棒",
        "月給泥棒",
        "寄生虫",
        "老害",
        "能無し",
        "のうなし",
        "低能",
    ]
)
_DEATH = _c(r"死ね|しね|氏ね|たひね|くたばれ|死ーね|しーね|4ね|死んで|しんで")


def defamation(ctx: Ctx, tgs: list[Target]) -> Iterator[Hit]:
    t = ctx.f.kana
    matches = [m for m in _STRONG.finditer(t)]
    matches += [m for m in _STRONG_KATA.finditer(ctx.f.compact)]
    for m in matches:
        if reported(ctx, m.start(), m.end()):
            continue
        word = m.group()
        tg = _nearest_target(tgs, m.start(), m.end(), 14)
        death = bool(_DEATH.match(word))
        if tg is None:
            if death:
                yield ctx.hit("remove", "other", m.start(), m.end(), "「死ね」などの暴言です")
            continue
        if tg.kind in ("staff", "person"):
            yield ctx.hit(
                "remove",
                "defamation",
                min(tg.start, m.start()),
                max(tg.end, m.end()),
                f"特定の人物（{tg.name}）を名指しで侮辱しています",
            )
        elif tg.kind == "unnamed":
            yield ctx.hit(
                "remove" if death else "review",
                "defamation",
                min(tg.start, m.start()),
                max(tg.end, m.end()),
                "特定の職員を侮辱している可能性があります",
            )
        elif word in _ORG_CRITICISM:
            continue  # 「役場は無能」「町長は税金泥棒」: harsh criticism of the town and its leaders
        elif tg.kind == "public":
            yield ctx.hit(
                "remove",
                "defamation",
                min(tg.start, m.start()),
                max(tg.end, m.end()),
                f"{tg.name}を侮辱しています（政策への批判ではありません）",
            )
        else:
            yield ctx.hit(
                "remove" if death else "review",
                "defamation",
                min(tg.start, m.start()),
                max(tg.end, m.end()),
                f"{tg.name}に対する暴言です",
            )
    for m in _MILD.finditer(t):
        tg = _nearest_target(tgs, m.start(), m.end(), 16)
        if (
            tg is not None
            and tg.kind in ("staff", "person")
            and not reported(ctx, m.start(), m.end())
        ):
            yield ctx.hit(
                "review",
                "defamation",
                min(tg.start, m.start()),
                max(tg.end, m.end()),
                f"特定の人物（{tg.name}）への中傷の可能性があります",
            )
    for m in _CLAIMS.finditer(t):
        tg = _nearest_target(tgs, m.start(), m.end(), 12)
        if tg is not None and tg.kind in ("staff", "person", "unnamed", "public"):
            yield ctx.hit(
                "review",
                "defamation",
                min(tg.start, m.start()),
                max(tg.end, m.end()),
                f"特定の人物（{tg.name}）について根拠の分からない不名誉な主張です",
            )


# --- discrimination ------------------------------------------------------------------------------

_GROUPS = _c(
    r"[一-龥〇○]{1,4}地区の(?:人間|人|奴|やつ|連中|者)|出身者|外国人|外人|がいじん|中国人|韓国人|朝鮮人|在日|ベトナム人|フィリピン人|ブラジル人|インド人|"
    r"ネパール人|インドネシア人|黒人|アジア人|移民|難民|技能実習生|実習生|部落|同和|障害者|障がい者|"
    r"障碍者|しょうがいしゃ|ゲイ|げい|ホモ|ほも|れず|おかま|同性愛者?|lgbt|アイヌ|"
    r"生活保護|なまぽ|被災者|よそ者|よそもの|移住者"
)
_HOSTILE_REMOVE = _c(
    r"出ていけ|出て行け|でていけ|出てけ|でてけ|帰れ(?![なずまるばた])|かえれ(?![なずまるばた])|"
    r"追い出せ|追い出そう|叩き出せ|たたき出せ|駆除|皆殺し|みなごろし|死ね|しね(?![えぇー])|"
    r"ごきぶり|害虫|うじ虫|うじむし|寄生虫|劣等|ばい菌|ばいきん|根絶やし|排除しろ|排除すべき"
)
_HOSTILE_REVIEW = _c(
    r"(?<!が)いらない|要らない|来るな|くるな|入れるな|住ませるな|住むな|犯罪者|犯罪ばかり|民度|"
    r"信用できない|気持ち悪い|きもい"
)
_SLURS = _c(r"支那人|しな人|土人|穢多|えた非人|非人|にがー|鮮人|ちょん(?:ども|は|が|ら|め)")
_SLURS_KATA = _k(r"(?<![ァ-ヴー])(?:ガイジ|チョン|ニガー)(?![ァ-ヴー])|池沼")
_SLURS_OLD = _c(r"在日特権|きちがい|気違い|基地外|めくら|つんぼ|かたわ|びっこ")


def discrimination(ctx: Ctx) -> Iterator[Hit]:
    t = ctx.f.kana
    for m in _SLURS.finditer(t):
        yield ctx.hit("remove", "discrimination", m.start(), m.end(), "差別的な表現です")
    for m in _SLURS_KATA.finditer(ctx.f.compact):
        yield ctx.hit("remove", "discrimination", m.start(), m.end(), "差別的な表現です")
    for m in _SLURS_OLD.finditer(t):
        if not reported(ctx, m.start(), m.end()):
            yield ctx.hit(
                "review", "discrimination", m.start(), m.end(), "差別的な表現の可能性があります"
            )
    for g in _GROUPS.finditer(t):
        h = near(t, g.start(), g.end(), _HOSTILE_REMOVE, 20)
        if h is not None and not reported(ctx, h.start(), h.end()):
            yield ctx.hit(
                "remove",
                "discrimination",
                min(g.start(), h.start()),
                max(g.end(), h.end()),
                f"属性（{g.group()}）を理由に排除・攻撃しています",
            )
            continue
        h = near(t, g.start(), g.end(), _HOSTILE_REVIEW, 14)
        if h is not None and not reported(ctx, h.start(), h.end()):
            yield ctx.hit(
                "review",
                "discrimination",
                min(g.start(), h.start()),
                max(g.end(), h.end()),
                f"属性（{g.group()}）に対する差別的な表現の可能性があります",
            )


# --- privacy -------------------------------------------------------------------------------------

_SEP = r"[-‐‑‒–—―−ー－()\s]?"
_MOBILE = _c(rf"(?<!\d)0[789]0{_SEP}\d{{4}}{_SEP}\d{{4}}(?!\d)")
_FIXED = _c(rf"(?<!\d)0\d{{1,4}}{_SEP}\d{{1,4}}{_SEP}\d{{4}}(?!\d)")
_EMAIL = _c(r"[a-z0-9._%+-]+@([a-z0-9-]+(?:\.[a-z0-9-]+)+)")
_MYNUMBER = _c(r"(?<!\d)(\d{4})[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
_MYNUMBER_WORD = _c(r"まいなんばー|マイナンバー|個人番号")
_ADDRESS_NUM = _c(r"\d+番地|\d+丁目|\d+-\d+(?:-\d+)?(?!\d)|\d+番\d+号")
_SENSITIVE = _c(
    r"住所|に住んで|病気|入院|通院|病院に|癌|がん(?:で|に|だ)|うつ病|鬱|精神科|障害者手帳|妊娠|"
    r"離婚|逮捕|前科|生活保護|借金|不倫|陽性|感染した|自己破産|刑務所|"
    r"[一-龥]{1,6}(?:小学校|中学校|高校|保育園|幼稚園)(?:\d年|[一二三四五六]年)"
)
_SENSITIVE_STRONG = _c(
    r"住所|住んで|逮捕|前科|生活保護|精神科|うつ病|鬱|癌|がん|不倫|刑務所|自己破産|借金|障害者手帳|"
    r"小学校|中学校|高校|保育園|幼稚園"
)
_GOSSIP = _c(r"らしい|だって|んだって|って噂|噂|うわさ|ここだけの|知ってる|晒|くせに")
_EXPOSE = _c(
    r"特定(?:した|しました|済|できた)|晒(?:す|し|せ|そう|され)|さら(?:す|せ|そう)|住所(?:は|判明)|家(?:は|知って)"
)


def _mynumber_ok(digits: str) -> bool:
    s = sum(int(digits[11 - n]) * (n + 1 if n <= 6 else n - 5) for n in range(1, 12))
    r = s % 11
    return int(digits[11]) == (0 if r <= 1 else 11 - r)


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def privacy(ctx: Ctx, tgs: list[Target]) -> Iterator[Hit]:
    norm = ctx.f.norm
    official = ctx.facts.phone_digits

    def nspan(a: int, b: int) -> tuple[int, int]:
        return ctx.f.span(a, b, view="norm")

    phones: list[tuple[int, int]] = []
    for m in _MOBILE.finditer(norm):
        s, e = nspan(m.start(), m.end())
        phones.append((m.start(), m.end()))
        yield Hit("remove", "privacy", s, e, "携帯電話の番号が公開されています")
    for m in _FIXED.finditer(norm):
        if any(a <= m.start() < b for a, b in phones):
            continue
        d = _digits(m.group())
        if len(d) != 10 or d in official or d.startswith(("0120", "0800", "0570")):
            continue
        s, e = nspan(m.start(), m.end())
        yield Hit("review", "privacy", s, e, "電話番号が公開されています")
    for m in _MYNUMBER.finditer(norm):
        d = "".join(m.groups())
        s, e = nspan(m.start(), m.end())
        if _mynumber_ok(d):
            yield Hit("remove", "privacy", s, e, "マイナンバー（個人番号）と思われる番号です")
        elif near(norm, m.start(), m.end(), re.compile("マイナンバー|個人番号"), 12):
            yield Hit("review", "privacy", s, e, "マイナンバー（個人番号）の可能性がある番号です")
    for m in _EMAIL.finditer(norm):
        host = m.group(1)
        if host in ctx.facts.domain_set or any(
            host.endswith("." + d) for d in ctx.facts.domain_set
        ):
            continue
        s, e = nspan(m.start(), m.end())
        yield Hit("review", "privacy", s, e, "個人のメールアドレスが公開されています")
    t = ctx.f.kana
    people = [tg for tg in tgs if tg.kind in ("staff", "person", "unnamed")]
    for m in _SENSITIVE.finditer(t):
        tg = _nearest_target(people, m.start(), m.end(), 12)
        if tg is not None:
            if not (_SENSITIVE_STRONG.search(m.group()) or _GOSSIP.search(t)):
                continue  # 「山田さんが入院したので代わりに来ました」
            yield ctx.hit(
                "remove",
                "privacy",
                min(tg.start, m.start()),
                max(tg.end, m.end()),
                f"特定の人物（{tg.name}）の住所・健康・経歴などを暴露しています",
            )
    for m in _ADDRESS_NUM.finditer(t):
        tg = _nearest_target(people, m.start(), m.end(), 14)
        if tg is not None and re.search(r"家|宅|住|住所", t[max(0, m.start() - 14) : m.end() + 8]):
            yield ctx.hit(
                "remove",
                "privacy",
                min(tg.start, m.start()),
                max(tg.end, m.end()),
                f"特定の人物（{tg.name}）の住所を暴露しています",
            )
    for m in _EXPOSE.finditer(t):
        tg = _nearest_target(people, m.start(), m.end(), 12)
        if tg is not None:
            yield ctx.hit(
                "remove",
                "privacy",
                min(tg.start, m.start()),
                max(tg.end, m.end()),
                f"特定の人物（{tg.name}）の個人情報を暴こうとしています",
            )


# --- harassment ----------------------------------------------------------------------------------

_STAFF_WORDS = _c(
    r"職員|担当者|担当の|窓口の|受付の|あの(?:女|男|人|おばさん|おっさん|職員)|課長|係長|主任|"
    r"電話に出た|対応した"
)
_DETAILS = _c(
    r"住所|自宅|家(?!族)|住んで|電話番号|携帯|本名|ふるねーむ|フルネーム|顔写真|顔|家族|子供|"
    r"子ども|嫁|奥さん|旦那|生年月日|車のナンバー|車(?:を|が|は)?見つけ|ナンバー|通勤|帰り道|帰宅|勤務時間|名前|氏名"
)
_DEMAND = _c(
    r"教えろ|教えて|おしえろ|晒せ|晒す|晒し|さらせ|さらす|公開しろ|公開して|出せ|調べ(?:た|る|て|上げ)|"
    r"特定|知りたい|教えなさい|明かせ|答えろ|書け|知って(?:る|い)(?:人|奴|やつ|方)|わかる人|分かる人|"
    r"誰か知|どこ(?![かろ])|どちら|見つけたら"
)
_PUBLIC_DETAIL = _c(r"課|係|窓口の電話|役場|役所|部署|担当課|代表|問い合わせ先|連絡先")
_EXPOSE_STRONG = _c(r"晒|さら[すせそし]|特定")
_NEGATIVE = _c(
    r"対応|態度|最悪|ひどい|酷い|許さ|許せ|ふざけ|謝罪|謝れ|責任|辞め|やめ|クビ|くび|無能|"
    r"いい加減|また|まだ|何度|出てこい|でてこい|説明しろ|おかしい|文句|苦情|訴え"
)


_DOX = _c(
    r"(?:住所|家|自宅|勤務先|実家)(?:を|も)?特定|特定した(?:ぞ|から|で)|特定してやる|晒してやる|"
    r"さらしてやる|(?:自宅|家)に押しかけ|(?:自宅|家)まで(?:行|押しかけ)|押しかけてやる"
)
_PRIVATE_LIFE = _c(
    r"既婚|独身|彼氏|彼女(?:いる|は)|結婚して|下の名前|いんすた|sns|ふぇいすぶっく|らいん|連絡先|"
    r"年齢|何歳|歳は|どこ住み|どこに住んで|住んでる"
)


def harassment(ctx: Ctx, tgs: list[Target]) -> Iterator[Hit]:
    t = ctx.f.kana
    staff = [tg for tg in tgs if tg.kind in ("staff", "person", "unnamed")]
    for m in _DOX.finditer(t):
        yield ctx.hit(
            "remove", "harassment", m.start(), m.end(), "個人を特定・晒す・押しかけると言っています"
        )
    for m in _PRIVATE_LIFE.finditer(t):
        tg = _nearest_target(staff, m.start(), m.end(), 12)
        if tg is not None and (
            tg.kind in ("staff", "unnamed") or re.search(r"職員|担当|窓口|受付", t)
        ):
            yield ctx.hit(
                "review",
                "harassment",
                m.start(),
                m.end(),
                "職員の私生活・個人的な連絡先を尋ねています",
            )
    for m in _DETAILS.finditer(t):
        demand = near(t, m.start(), m.end(), _DEMAND, 12)
        if demand is None:
            continue
        tg = _nearest_target(staff, m.start(), m.end(), 14)
        sw = near(t, m.start(), m.end(), _STAFF_WORDS, 14)
        if tg is None and sw is None:
            continue
        word = m.group()
        if word in ("名前", "氏名") and not _EXPOSE_STRONG.search(demand.group()):
            continue  # 「担当者の名前を教えてください」 asks who is responsible
        # 「担当課の電話番号を教えてください」 is an enquiry about a public contact.
        if word in ("電話番号", "住所") and tg is None:
            window = t[max(0, m.start() - 10) : m.start()]
            if _PUBLIC_DETAIL.search(window) and not re.search(r"個人|自宅|私用", window):
                continue
        lo = min(x for x in (m.start(), demand.start(), *(v.start for v in [tg] if v)) if x >= 0)
        hi = max(m.end(), demand.end(), *(v.end for v in [tg] if v))
        yield ctx.hit("remove", "harassment", lo, hi, "職員の個人情報を求めています")
    for m in _EXPOSE_STRONG.finditer(t):
        tg = _nearest_target(staff, m.start(), m.end(), 12)
        if tg is not None and tg.kind in ("staff", "unnamed"):
            yield ctx.hit(
                "remove",
                "harassment",
                min(tg.start, m.start()),
                max(tg.end, m.end()),
                "職員を晒す・特定すると言っています",
            )


def staff_mentions(ctx: Ctx, tgs: list[Target]) -> list[Target]:
    """Public-facing staff named in a critical (not thankful) comment: harassment history."""
    t = ctx.f.kana
    if re.search(r"ありがと|感謝|助かり|助かった|親切|丁寧|お世話に|お疲れ様|おつかれさま", t):
        return []
    return [tg for tg in tgs if tg.kind == "staff"]


# --- crime: threats and illegal trade ------------------------------------------------------------

_THREAT = _c(
    r"(?:ぶっ|ぶち)?殺(?:す(?!気)|してやる|してやろう|したろ|すぞ|しに行)|ぶっころ(?!が)|ころす(?!気)|"
    r"ころしてやる|殺害(?:する|予告|してやる)|"
    r"刺(?:すぞ|してやる|しに行)|さしてやる|"
    r"燃やし(?:てやる|に行)|燃やすぞ|もやしてやる|火(?:を)?(?:つけ|付け|放)(?:てやる|たろ(?!うそく)|るぞ|に行|ます)|"
    r"放火(?:する|してやる|します|予告)|爆破(?:する|してやる|します|予告)|"
    r"爆弾(?:を)?(?:仕掛け|しかけ|置|送|持って)|爆弾が(?:仕掛け|しかけ)|"
    r"ガソリン(?:を)?(?:まい|撒い|まく|撒く|かけ)|灯油(?:を)?(?:まい|撒い|まく|撒く)|"
    r"待ち伏せ|まちぶせ|襲(?:撃|いに|ってやる|うぞ)|殴(?:ってやる|りに行|るぞ|りこみ|り込み)|"
    r"(?:ぶん|ぶち)殴|夜道に(?:気をつけ|きをつけ)|覚えてろ|おぼえてろ|"
    r"ただじゃ(?:おかない|済まない|すまない)|タダじゃ(?:おかない|済まない|すまない)|"
    r"皆殺し|みなごろし|血祭り|ぶっ壊してやる|壊しに行|暴れてやる|暴れに行|吹っ飛ばす|ふっとばす|"
    r"吹き飛ばしてやる|(?:刃物|包丁|ナイフ|ダイナマイト|灯油|ガソリン)(?:を)?持って.{0,8}?(?:行く|行きます|いく|乗り込)"
)
_ILLEGAL_GOODS = _c(
    r"大麻|覚醒剤|覚せい剤|しゃぶ|mdma|コカイン|こかいん|危険ドラッグ|脱法|偽造|拳銃|銃|"
    r"口座(?:売|買)|口座を(?:売|買)|闇ばいと|闇バイト|受け子|出し子|運び屋"
)
_TRADE = _c(
    r"売(?:ります|る|ってます|ってる)|買(?:います|い取|取)|譲(?:ります|る)|手に入|格安|在庫|取引|"
    r"連絡|dm|募集|即日|高額|稼|あります|あるよ|売ってる"
)


_THREAT_VEILED = _c(
    r"顔(?:を)?覚えた|覚悟しと|覚悟しろ|待ってるからな|待っとるけえな|ただで済むと思|"
    r"どうなっても知らん|どうなっても知らない|後悔させ|痛い目|思い知らせ|殺してやりたい|"
    r"燃やしてやりたい|ぶん殴りたい|殴ってやりたい|なんばー(?:を)?控え"
)


def crime(ctx: Ctx) -> Iterator[Hit]:
    t = ctx.f.kana
    for m in _THREAT_VEILED.finditer(t):
        if not reported(ctx, m.start(), m.end()):
            yield ctx.hit("review", "crime", m.start(), m.end(), "脅迫と受け取れる表現です")
    for m in _THREAT.finditer(t):
        if reported(ctx, m.start(), m.end()):
            continue
        if re.match(
            r"(?:な|なんて|とか|わけ|訳|つもりは)(?:い|な|ありません|ない)",
            t[m.end() : m.end() + 8],
        ):
            continue
        yield ctx.hit(
            "remove",
            "crime",
            m.start(),
            m.end(),
            "危害を加える予告・脅迫です（警察への相談も検討）",
        )
    for m in _ILLEGAL_GOODS.finditer(t):
        if near(t, m.start(), m.end(), _TRADE, 12) is not None:
            yield ctx.hit("remove", "crime", m.start(), m.end(), "違法な物品・犯罪への勧誘です")


# --- falsehood -----------------------------------------------------------------------------------

_DISASTER = _c(
    r"ダム|だむ|堤防|川|河川|橋|山|原発|火山|地震|津波|大雨|洪水|土砂|停電|断水|井戸|水道|浄水場|"
    r"ウイルス|ういるす|ワクチン|わくちん|ライオン|らいおん|猛獣|熊|くま|暴動|略奪|避難|役場|町"
)
_EVENT = _c(
    r"決壊|崩壊|爆発|氾濫|はんらん|流され|毒|汚染|放射能|襲って|逃げ出し|逃げた|倒壊|噴火|"
    r"切れた|切れる|大津波|大地震|地震が(?:来る|くる|起き)|津波が(?:来る|くる)|全滅|死者|隠蔽|隠して|沈む"
)
_RUMOUR = _c(
    r"(?<=[たるだ])って|らしい|って(?:よ|さ|話|噂)|そうだ|みたい|噂|うわさ|確定|確実|隠蔽|隠して|との情報|"
    r"拡散|逃げろ|にげろ|今すぐ|急げ|予言|間違いない|本当らしい|マジで"
)
_URGENT = _c(
    r"拡散(?:して|希望|お願い|しろ|せよ|を|よろしく)|逃げろ|にげろ|逃げて|今すぐ逃げ|急げ|確定情報"
)
_POISON = _c(r"(?:井戸|水道|浄水場|給食|貯水池).{0,8}毒")
_QUESTION = _c(
    r"[?？]|ですか|ますか|でしょうか|ですかね|本当|ほんと(?:う)?(?:に|ですか|\?)?|大丈夫|"
    r"教えて|知りたい|どこ(?![かろ])|いつ(?!も|か)|何時|なんじ|どう(?:すれば|したら|なって)"
)


def falsehood(ctx: Ctx) -> Iterator[Hit]:
    t = ctx.f.kana
    norm = ctx.f.norm
    if _QUESTION.search(norm) and not re.search(r"逃げろ|にげろ", t):
        return  # a question about a disaster is answered (routed), not removed
    for e in _EVENT.finditer(t):
        d = near(t, e.start(), e.end(), _DISASTER, 20) or (_DISASTER.fullmatch(e.group()) and e)
        if not d and not re.match(r"(?:大地震|大津波|地震が|津波が|噴火)", e.group()):
            continue
        r = near(t, e.start(), e.end(), _RUMOUR, 20)
        if r is None:
            continue
        urgent = _URGENT.search(t) or _POISON.search(t)
        level: Level = "remove" if urgent else "review"
        yield ctx.hit(
            level,
            "falsehood",
            min(e.start(), r.start()),
            max(e.end(), r.end()),
            "根拠の示されていない災害などのうわさ（デマの可能性）です",
        )
        return


# --- commercial, political, religious, obscene, ip -----------------------------------------------

_COMMERCIAL_STRONG = _c(
    r"【副業】|月(?:収|給)\d+万|月\d+万(?:円)?(?:稼|以上|可能|も夢|保証)|日給\d+万|"
    r"在宅(?:で|わーくで)(?:稼|月\d+万|簡単)|稼げ(?:る|ます|ました|た)|iphone(?:ぷれぜんと|が当たる)|ふぉろー(?:と|&)?(?:rt|りつい|りぽすと)で(?:応募|当たる|もらえ)|稼ぎ方|儲か(?:る|ります)|もうかる|不労所得|権利収入|"
    r"(?:投資|とうし)(?:案件|で稼|の話|で月|詳細)|"
    r"出会い(?:系|を探|たい|募集)|セフレ|せふれ|即金|相互ふぉろー|ふぉろわー(?:購入|を?増や)|"
    r"簡単に(?:稼|儲)|誰でも(?:稼|儲|簡単)|"
    r"パパ活|ぱぱ活|ママ活|まま活|援助交際|援交"
)
_COMMERCIAL_WEAK = _c(
    r"ぷろふ(?:見て|みて|へ|のりんく|参照|に|から)|らいん(?:追加|登録|で)|line(?:追加|登録|@|で)|"
    r"dm(?:ください|下さい|して|で詳細|待って|まって|お待ち)|詳しくは(?:ぷろふ|dm|りんく)|"
    r"無料(?:ぷれぜんと|配布|登録)|先着\d+名|期間限定|今だけ|お得|クーポン|くーぽん|"
    r"販売中|ご購入|お買い求め|通販|セール|せーる|割引"
)


_TRUSTED_HOST = re.compile(
    r"(?:^|\.)(?:lg\.jp|go\.jp|ac\.jp|ed\.jp|nhk\.or\.jp|(?:pref|city|town|vill)\.[a-z0-9-]+\.[a-z.]+)$"
)


def trusted(host: str, facts: Facts) -> bool:
    """Official, government and public-broadcaster hosts."""
    return _host_in(host, facts.domain_set) or bool(_TRUSTED_HOST.search(host))


_COMMERCIAL_TOPIC = _c(
    r"副業|ふくぎょう|仮想通貨|暗号資産|ビットコイン|びっとこいん|fx|高収入|在宅わーく"
)
_COMMERCIAL_PITCH = _c(
    r"稼|儲|利益|配当|増や|もらえ|ぷれぜんと|月\d+万|\d+万円|簡単|詳しく|ぷろふ|dm|line|らいん|紹介|"
    r"募集|すまほで|始めません|興味ある人|教えます"
)


def commercial(ctx: Ctx, has_link: bool) -> Iterator[Hit]:
    t = ctx.f.kana
    strong = list(_COMMERCIAL_STRONG.finditer(t))
    for m in _COMMERCIAL_TOPIC.finditer(t):
        if near(t, m.start(), m.end(), _COMMERCIAL_PITCH, 20) and not re.search(
            r"詐欺|注意|気をつけ|禁止|ですか|ますか", t
        ):
            strong.append(m)
    weak = list(_COMMERCIAL_WEAK.finditer(t))
    if strong:
        m = strong[0]
        yield ctx.hit("remove", "commercial", m.start(), m.end(), "営利目的の勧誘・宣伝です")
    elif len(weak) >= 2 or (weak and has_link):
        m = weak[0]
        yield ctx.hit("review", "commercial", m.start(), m.end(), "宣伝・勧誘の可能性があります")


_ELECTION = _c(r"候補|党|議員|立候補|選挙|選|出馬|公約|当選|落選")
_VOTE_CALL = _c(
    r"清き一票|一票を|に一票|へ一票|投票(?:を)?(?:お願い|よろしく|して(?:ください|下さい|ね|ほしい))|"
    r"(?:応援|支持|支援)(?:を)?(?:お願い|よろしく)|に入れて|に投票しよう|へ投票しよう|を推し|"
    r"に投票して(?:ください|下さい|ね|ほしい)|(?:党|候補|議員|先生|氏|さん)を?よろしく|"
    r"当選させ|落選させ|落とそう|落とせ|に投票するな|へ投票するな|には入れるな|に入れるな|"
    r"を勝たせ|に任せよう|を選ぼう|を選んで"
)


def political(ctx: Ctx) -> Iterator[Hit]:
    t = ctx.f.kana
    for m in _VOTE_CALL.finditer(t):
        if (
            "一票" in m.group()
            or m.group().startswith("に投票して")
            or _ELECTION.search(m.group()) is not None
            or near(t, m.start(), m.end(), _ELECTION, 20) is not None
        ):
            yield ctx.hit(
                "remove", "political", m.start(), m.end(), "選挙運動・政治活動の呼びかけです"
            )
            return


_RELIGION = _c(
    r"様の教え|の教えで|お布施|入信|布教|[一-龥ァ-ヴー〇○]{1,6}教(?=の|会|団|に|へ|で|を|は|が)|神様|神の|神は|主いえす|いえす|きりすと|仏様|信仰|教会|教団|宗教|聖書|お題目|題目|えほば|"
    r"創価|幸福の科学|統一教会|霊界|守護霊|霊能|波動|御利益|ご利益|教祖|信者"
)
_RELIGION_STRONG = _c(
    r"入信|布教|お布施|救われ(?:ます|る|ましょう)|信じ(?:なさい|れば|ましょう)|悔い改め|"
    r"入会(?:すれば|しませんか|して)|幸せになれ|救って(?:くれ|もらえ|いただけ)|"
    r"お布施(?:を)?(?:すれば|で|して)|祈りましょう|お祈りしましょう|壺|開運|除霊"
)
_RELIGION_WEAK = _c(
    r"集会|せみなー|来てください|来ませんか|参加しませんか|お待ちして|ご一緒に|一緒に学|学びませんか"
)


def religious(ctx: Ctx) -> Iterator[Hit]:
    t = ctx.f.kana
    for m in _RELIGION_STRONG.finditer(t):
        if m.group().startswith(("入信", "布教", "お布施")):
            yield ctx.hit("remove", "religious", m.start(), m.end(), "宗教の勧誘です")
            return
    for m in _RELIGION.finditer(t):
        s = near(t, m.start(), m.end(), _RELIGION_STRONG, 24)
        if s is not None:
            yield ctx.hit(
                "remove",
                "religious",
                min(m.start(), s.start()),
                max(m.end(), s.end()),
                "宗教の勧誘です",
            )
            return
        w = near(t, m.start(), m.end(), _RELIGION_WEAK, 20)
        if w is not None:
            yield ctx.hit(
                "review",
                "religious",
                min(m.start(), w.start()),
                max(m.end(), w.end()),
                "宗教活動への勧誘の可能性があります",
            )
            return


_OBSCENE = _c(
    r"せっくす|(?<![a-z])sex(?![a-z])|えろ(?:い|すぎ|画像|動画|写真|ー)|ちんこ|ちんぽ|まんこ|"
    r"ぱいぱん|ぱんちら|おっぱい|巨乳|爆乳|乳首|勃起|射精|おなにー|犯したい|犯すぞ|やらせろ|"
    r"むらむら|児童ぽるの|ぽるの|裸(?:が|を)?見たい|脱がせ|脱いで|ぬーど|えっち(?:な|したい|しよ)|"
    r"ろりこん|ろり(?:最高|たまらん)|ぱんつ(?:見え|みえ)|下着(?:見え|みえ|の写真)"
)
_CHILD = _c(r"子|娘|少女|女児|小学生|中学生|女子|生徒|児童|jk|jc|js|幼女|園児")
_CHILD_SEXUAL = _c(
    r"太もも|ふともも|脚が|足が|胸|唇|興奮|たまらん|たまらない|そそる|抱きたい|触りたい|舐め|"
    r"ぺろぺろ|はぁはぁ|ハァハァ|えっち|食べちゃいたい"
)


_CHILD_PHOTO = _c(
    r"(?:幼女|少女|jk|jc|js|女子小学生|女子中学生|女子高生)の?(?:写真|画像|制服|水着)*"
    r".{0,14}?(?:もっと|保存|ください|下さい|たまらん|最高)"
)


def obscene(ctx: Ctx) -> Iterator[Hit]:
    t = ctx.f.kana
    for m in _CHILD_PHOTO.finditer(t):
        yield ctx.hit(
            "review",
            "obscene",
            m.start(),
            m.end(),
            "子どもの写真を性的に扱っている可能性があります",
        )
        return
    for m in _OBSCENE.finditer(t):
        yield ctx.hit("remove", "obscene", m.start(), m.end(), "わいせつな表現です")
        return
    if _ASK.search(t):
        return  # 「子どもの太ももに湿疹が…小児科は開いていますか」
    for m in _CHILD_SEXUAL.finditer(t):
        if near(t, m.start(), m.end(), _CHILD, 14) is not None:
            yield ctx.hit("remove", "obscene", m.start(), m.end(), "子どもを性的に扱う表現です")
            return


_PIRACY = _c(
    r"漫画村|まんが村|海賊版|ふる動画|全(?:ぺーじ|話|巻)無料|"
    r"(?:新刊|漫画|まんが|映画|新作|あにめ|どらま).{0,12}無料で(?:読|見|観)(?:める|れる)さいと|違法あっぷ|違法アップ|無断転載(?:します|した|ok)|"
    r"(?:映画|あにめ|漫画|まんが|どらま|新作)(?:が|を)?(?:全話|全巻)?(?:無料|ただ|タダ)で(?:見|観|読)"
)


def ip(ctx: Ctx) -> Iterator[Hit]:
    t = ctx.f.kana
    for m in _PIRACY.finditer(t):
        yield ctx.hit("remove", "ip", m.start(), m.end(), "著作権を侵害するコンテンツへの誘導です")
        return


# --- spam (one comment) ---------------------------------------------------------------------------

_LAUGH = frozenset("w笑草ーっ!?")


def meaningless(ctx: Ctx) -> Iterator[Hit]:
    c = ctx.f.compact
    if not c:
        return
    distinct = set(c)
    if ((len(c) >= 6 and len(distinct) == 1) or (len(c) >= 10 and len(distinct) <= 2)) and not (
        distinct <= _LAUGH
    ):
        yield ctx.whole("remove", "spam", "意味のない文字列の連続です")
        return
    # The same chunk repeated many times (「拡散拡散拡散拡散拡散」).
    m = re.search(r"(.{2,10}?)\1{5,}", c)
    if m and not set(m.group(1)) <= _LAUGH:
        yield ctx.hit("review", "spam", m.start(), m.end(), "同じ語句の繰り返しです")
        return
    ascii_run = re.search(r"[a-z]{14,}", c)
    if ascii_run and not re.search(r"[aeiou]{1}.*[aeiou].*[aeiou]", ascii_run.group()):
        yield ctx.hit("review", "spam", ascii_run.start(), ascii_run.end(), "意味のない文字列です")


# --- malware: phishing and look-alike links -------------------------------------------------------

_DOT = r"(?:\.|\[\.\]|\(\.\)|\[dot\]|\(dot\))"
_URL = _k(
    rf"(?:(?:h(?:tt|xx|\*\*)ps?|ttps?)(?::|\[:\])//)?"
    rf"((?:[a-z0-9](?:[a-z0-9_-]{{0,62}})?{_DOT})+[a-z]{{2,24}})(?![a-z0-9])(/[!-~]*)?"
)
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
        "s.id",
        "rb.gy",
        "urx.nu",
        "qr.paps.jp",
        "lnkd.in",
        "onl.bz",
        "onl.sh",
    ]
)
_BAD_TLDS = frozenset(
    [
        "xyz",
        "top",
        "icu",
        "click",
        "buzz",
        "tk",
        "ml",
        "ga",
        "cf",
        "gq",
        "cn",
        "ru",
        "live",
        "shop",
        "online",
        "site",
        "club",
        "vip",
        "work",
        "loan",
        "win",
        "cam",
        "rest",
        "monster",
        "sbs",
        "cfd",
        "bond",
    ]
)
_FILE = _k(r"\.(?:exe|apk|scr|bat|cmd|msi|vbs|js|jar|zip|rar|7z|iso|lnk|dmg|pif)(?:[?#]|$)")
_LURE = _c(
    r"当選|受取|受け取|ログイン|ろぐいん|認証|本人確認|給付金|還付|支給|プレゼント|無料|特典|"
    r"アカウント(?:が)?(?:停止|凍結|ロック)|停止され|凍結され|クリック|タップ|ダウンロード|"
    r"インストール|動画はこちら|画像はこちら|こちらから|こちらをご確認|お手続き|手続きを|"
    r"至急|緊急|未払い|口座|カード情報|パスワード|確認してください|ご確認ください"
)
_GENERIC_LABELS = frozenset(
    [
        "www",
        "town",
        "city",
        "vill",
        "pref",
        "lg",
        "go",
        "jp",
        "co",
        "or",
        "ne",
        "ac",
        "ed",
        "gr",
        "com",
        "net",
        "org",
        "info",
        "gov",
        "official",
    ]
)
_SKELETON = str.maketrans({"0": "o", "1": "l", "i": "l", "3": "e", "5": "s", "_": "", "-": ""})


_LURE_STRONG = _c(r"当選|受取|受け取|ろぐいん|認証してください|停止されます|至急")


def skeleton(s: str) -> str:
    return s.lower().replace("rn", "m").replace("vv", "w").translate(_SKELETON).replace(".", "")


def _distance(a: str, b: str) -> int:
    if abs(len(a) - len(b)) > 2:
        return 3
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _host_in(host: str, domains: frozenset[str]) -> bool:
    parts = host.split(".")
    return any(".".join(parts[i:]) in domains for i in range(len(parts)))


def town_labels(facts: Facts) -> frozenset[str]:
    """The distinctive labels of the official domains and handles (kagamino)."""
    labels: set[str] = set()
    for d in facts.domain_set:
        labels.update(p for p in d.split(".") if p not in _GENERIC_LABELS and len(p) >= 4)
    if not labels:  # no domain: the handles' distinctive parts
        for h in facts.handle_keys:
            for p in re.split(r"[_.\-]", h):
                if p not in _GENERIC_LABELS and len(p) >= 5:
                    labels.add(p)
    return frozenset(skeleton(x) for x in labels)


@dataclass(frozen=True)
class Link:
    start: int
    end: int
    host: str
    path: str


def links(ctx: Ctx) -> list[Link]:
    out = []
    for m in _URL.finditer(ctx.f.norm):
        host = re.sub(_DOT, ".", m.group(1)).strip(".")
        if "." not in host or (host.replace(".", "").isdigit() and not m.group(0).startswith("h")):
            continue
        tld = host.rsplit(".", 1)[1]
        scheme = m.group(0).lower().startswith(("h", "t", "w")) or "/" in (m.group(2) or "")
        if (
            not scheme
            and tld not in ("jp", "com", "net", "org", "ly", "co", "io", "me", "gl")
            and (tld not in _BAD_TLDS)
        ):
            continue  # 「3.5kg」「ver.2」: not a host
        s, e = ctx.f.span(m.start(), m.end(), view="norm")
        out.append(Link(s, e, host, m.group(2) or ""))
    return out


_WARNING = _c(r"本物|偽|にせ|詐欺|注意|ふぃっしんぐ|怪しい|あやしい|不審|ですか|でしょうか|[?？]")


def malware(ctx: Ctx, found: list[Link]) -> Iterator[Hit]:
    if _WARNING.search(ctx.f.kana) and not _LURE_STRONG.search(ctx.f.kana):
        return  # a resident asking about, or warning of, a suspicious link: routed
    domains = ctx.facts.domain_set
    labels = town_labels(ctx.facts)
    lure = _LURE.search(ctx.f.kana) is not None
    for link in found:
        host = link.host
        written = ctx.f.orig[link.start : link.end]
        if any(ch in LOOKALIKE_CHARS for ch in written):
            yield Hit(
                "remove",
                "malware",
                link.start,
                link.end,
                "キリル文字などの紛らわしい文字を使った偽のリンクです",
            )
            continue
        if _host_in(host, domains):
            continue
        sk = skeleton(host)
        lookalike = any(
            skeleton(d) == sk or (_distance(host, d) <= 2 and len(d) >= 8) for d in domains
        )
        if not lookalike and any(label in sk for label in labels):
            lookalike = (
                bool(
                    re.search(
                        r"lg|town|city|gov|official|login|support|secure|verify|kyuf|cash", host
                    )
                )
                or lure
            )
        if lookalike:
            yield Hit(
                "remove",
                "malware",
                link.start,
                link.end,
                "町の公式ドメインに似せた偽サイトのリンクです",
            )
        elif _FILE.search(link.path):
            yield Hit(
                "remove",
                "malware",
                link.start,
                link.end,
                "不審なファイルのダウンロードへのリンクです",
            )
        elif (
            _host_in(host, SHORTENERS)
            or host.rsplit(".", 1)[1] in _BAD_TLDS
            or re.fullmatch(r"[\d.]+", host)
        ):
            yield Hit(
                "remove" if lure else "review",
                "malware",
                link.start,
                link.end,
                "誘導文つきの不審なリンク（フィッシングの疑い）です"
                if lure
                else "行き先の分からないリンクです",
            )
        elif lure and re.search(
            r"当選|受取|受け取|ろぐいん|認証|本人確認|停止|凍結|還付|未払い|かーど情報|ぱすわーど",
            ctx.f.kana,
        ):
            yield Hit(
                "review", "malware", link.start, link.end, "フィッシングの疑いがあるリンクです"
            )


# --- impersonation ---------------------------------------------------------------------------------

_CLAIM_WORDS = _c(r"公式|official|役場|役所|町長|広報|事務局|教育委員会|観光協会|防災|担当者|職員")
_DEPT = _c(r"[一-龥]{1,6}(?:課|係|室|センター|支所)$|[一-龥]{1,6}(?:課|係|室)[^一-龥]")
_HANDLE_CLAIM = re.compile(
    r"town|official|koho|kouhou|yakuba|city|gov|staff|info|pr(?![a-z])|bousai"
)
_TEXT_CLAIM = _c(
    r"^(?:【|\[)?(?:{town})(?:役場)?(?:公式)?(?:】|\])|^(?:{town})?役場(?:です|より|から)|"
    r"(?:{town}|役場)(?:公式)?(?:より|から)(?:の)?(?:お知らせ|ご案内|ご連絡|連絡)|"
    r"(?:{town}|役場)(?:の)?(?:職員|担当者|担当)です|^町の公式(?:です|あかうんと)"
)


_NOT_A_CLAIM = _c(r"非公式|ふぁん|応援|在住|好き|まとめ|民$|町民|住民|出身|移住")
_ANNOUNCE = _c(
    r"対応します|確認します|ご連絡します|連絡します|お知らせします|お手続き|手続きを|こちら|dm|"
    r"ご応募|当選|受付します|お送りします"
)


def impersonation(ctx: Ctx) -> Iterator[Hit]:
    if ctx.official_author:
        return
    author = ctx.comment.author
    facts = ctx.facts
    handle = handle_key(author.handle) if author.handle else ""
    name = key(author.name) if author.name else ""
    reason = ""
    if handle:
        hs = skeleton(handle)
        for official in facts.handle_keys:
            d = _distance(handle, official)
            if hs == skeleton(official) or (
                len(official) >= 6 and (d <= 1 or (d <= 2 and bool(_HANDLE_CLAIM.search(handle))))
            ):
                reason = f"公式アカウント（@{official}）に似せたハンドルです"
                break
        if not reason:
            labels = town_labels(facts)
            if any(label in hs for label in labels) and _HANDLE_CLAIM.search(handle):
                reason = "町の公式アカウントを名乗るハンドルです"
    if not reason and name and not _NOT_A_CLAIM.search(name):
        town, stem = facts.town_key, facts.town_stem
        if name in facts.name_keys:
            reason = "公式アカウントの表示名をかたっています"
        elif any(_distance(name, n) <= 1 and len(n) >= 5 for n in facts.name_keys):
            reason = "公式アカウントの表示名に似せています"
        elif name in (town, stem, town + "役場", stem + "町役場"):
            reason = "町を名乗る公式でないアカウントです"
        elif stem and stem in name and (_CLAIM_WORDS.search(name) or _DEPT.search(name)):
            reason = "町・部署・職員を名乗る公式でないアカウントです"
        elif re.search(fold_kana(r"公式|official"), name) and re.search(
            r"役場|役所|町長|課|町(?:公式|役場|$)", name
        ):
            reason = "町・部署を名乗る公式でないアカウントです"
    if reason:
        yield ctx.whole("remove", "impersonation", reason)
        return
    town_alt = "|".join(re.escape(x) for x in {facts.town_key, facts.town_stem} if x)
    claim = _TEXT_CLAIM.pattern.replace("{town}", town_alt or "鏡野町")
    m = re.search(claim, ctx.f.kana)
    if m and re.search(fold_kana(r"職員|担当"), m.group()) and not _ANNOUNCE.search(ctx.f.kana):
        return  # 「役場の職員ですが、個人的な意見です」
    if m:
        level: Level = "remove" if _LURE.search(ctx.f.kana) else "review"
        yield ctx.hit(
            level,
            "impersonation",
            m.start(),
            m.end(),
            "公式でないアカウントが町・職員を名乗っています",
        )


# --- route: enquiries and reports for a department -------------------------------------------------

_ROUTES: tuple[tuple[str, re.Pattern[str], re.Pattern[str] | None], ...] = (
    (
        "なりすまし・詐欺・不審なリンクについての通報",
        _c(
            r"偽(?:物|者|あかうんと|さいと|の)|にせもの|詐欺|なりすまし|成りすまし|ふぃっしんぐ|迷惑めーる|不審な|怪しい|名乗る"
        ),
        _c(r"注意|ですか|でしょうか|本物|届き|来ました|きました|あります|見つけ|ありました|[?？]"),
    ),
    (
        "街灯・信号の不具合の通報",
        _c(r"街灯|防犯灯|外灯|電灯|照明|信号|ライト"),
        _c(
            r"切れ|つかない|点かない|付かない|つきません|消え|壊れ|点滅|ちかちか|暗い|真っ暗|故障|付けて|設置"
        ),
    ),
    (
        "道路の破損の通報",
        _c(
            r"道|道路|路面|舗装|あすふぁると|穴|ガードレール|側溝|マンホール|歩道|橋|カーブミラー|標識"
        ),
        _c(
            r"陥没|穴が|穴あい|穴空|穴開|壊れ|破損|割れ|ひび|崩れ|凹|へこ|でこぼこ|段差|危ない|"
            r"危険|落ち|外れ|傾い|曲が|剥が|はが|ずれ|冠水|水たまり|揺れ|がたがた|"
            r"直(?:して|せ|さん|し|る)|修理|補修"
        ),
    ),
    (
        "野生動物の出没の通報",
        _c(r"熊|くま|クマ|猪|いのしし|猿|さる|鹿|しか|ハチ|蜂|スズメバチ|蛇|まむし"),
        _c(
            r"出た|出ました|出没|見た|見ました|見かけ|目撃|いた|いました|巣|うろうろ|歩いて|駆除|被害|荒らさ"
        ),
    ),
    (
        "避難・防災についての問い合わせ",
        _c(
            r"避難所|避難場所|避難指示|避難勧告|避難|防災|ハザード|ダム|放流|警報|土砂|冠水|"
            r"氾濫|決壊|地震|津波|台風|大雨|停電"
        ),
        None,
    ),
    (
        "倒木・土砂・道路状況の通報",
        _c(r"倒木|木が倒れ|土砂|落石|崖崩れ|がけ崩れ|通行止め|通れ"),
        _c(r"倒木|木が倒れ|土砂|落石|崖崩れ|がけ崩れ|通行止め|通れ"),
    ),
    (
        "除雪・路面凍結についての通報",
        _c(r"除雪|雪かき|大雪|積雪|凍結|立ち往生|雪が"),
        _c(
            r"してくれ|して(?:ください|ほしい|欲しい)|遅い|まだ|されて(?:い)?(?:ない|ません)|"
            r"できない|できません|しています|してます|危ない|危険|滑"
        ),
    ),
    (
        "施設・設備の不具合の通報",
        _c(
            r"施設|公民館|体育館|図書館|トイレ|遊具|公園|ベンチ|暖房|冷房|エアコン|手すり|屋根|"
            r"フェンス|柵|看板|案内板|掲示板|バス停|水飲み|蛇口|ドア|窓(?!口)|照明"
        ),
        _c(
            r"壊れ|故障|破損|割れ|ぐらぐら|外れ|使えない|使えません|動かない|動きません|漏れ|剥が|はが|錆び|さび"
        ),
    ),
    (
        "生活環境についての相談",
        _c(r"空き家|空家|草|騒音|野焼き|カラス|野良猫|野良犬|違法駐車|放置車|放置自転車|悪臭|煙"),
        _c(r"困って|迷惑|ひどい|うるさい|伸び放題|散らか|荒らさ|どうにか|何とか|なんとか"),
    ),
    (
        "水道についての問い合わせ",
        _c(r"水道|断水|水が出|濁|漏水|水漏れ|下水|浄化槽"),
        None,
    ),
    (
        "ごみ収集についての問い合わせ",
        _c(r"ごみ|ゴミ|収集|粗大|分別|不法投棄|資源回収"),
        _c(
            r"来ません|来ない|こない|回収されて(?:い)?(?:ない|ません)|回収されず|持って(?:いって|行って)(?:くれ)?(?:ない|ません)|持って行かれ|残って|放置|捨てられ|散乱|不法投棄"
        ),
    ),
    (
        "手続き・窓口についての問い合わせ",
        _c(
            r"手続|申請|届出|証明書|住民票|戸籍|マイナンバー|保険|年金|税|給付|助成|補助|支援金|"
            r"窓口|開庁|受付|予約|申込|申し込"
        ),
        _c(
            r"まだ(?:もらって|届い|来て|振り込まれ)|届かない|届いてない|届いていない|振り込まれてない"
        ),
    ),
    (
        "施設・催しについての問い合わせ",
        _c(
            r"駐車場|会場|施設|図書館|公民館|体育館|温泉|キャンプ|イベント|祭|開催|営業|時間|入場|料金"
        ),
        None,
    ),
)
_PROBLEM_ONLY = frozenset(
    {
        "なりすまし・詐欺・不審なリンクについての通報",
        "道路の破損の通報",
        "街灯・信号の不具合の通報",
        "野生動物の出没の通報",
        "除雪・路面凍結についての通報",
        "施設・設備の不具合の通報",
        "生活環境についての相談",
    }
)
_ASK = _c(
    r"[?？]|ですか|ますか|でしょうか|ですかね|かな$|かな[?？。]|教えて|知りたい|どこ(?![かろ])|いつ(?!も|か|まで)|何時|なんじ|"
    r"いくつ|いくら(?!い)|何人|何台|何日|何曜|どう(?:すれば|したら|やって)|どのよう|ありますか|できますか|開いて|やって(?:ます|る)|"
    r"大丈夫|可能|必要|お願いします|お願いいたします|対応(?:して|を)|直して|見て(?:ください|もら)|"
    r"確認(?:して|を)|連絡(?:します|しました|を)|通報"
)
_ENQUIRY = _c(
    r"ですか|ますか|でしょうか|教えて|知りたい|いくつ|いくら(?!い)|何人|何台|何日|何曜|どこ(?![かろ])|"
    r"いつ(?!も|か|まで)|何時|どう(?:すれば|したら)|ありますか|できますか|可能|必要"
)
_RHETORIC = _c(
    r"なんで|なぜ|何故|どうして|いつまで|何考え|なに考え|ふざけ|意味(?:ある|あんの|ない)|"
    r"必要(?:ある|あんの)|誰が得|だれが得|どうなってんの|どうなってる(?:ん|の)|税金の無駄|馬鹿|ばか|"
    r"あほ|正気|恥ずかしく|どういう(?:教育|つもり|神経|こと)|しっかりしろ|ちゃんとしろ|はよせえ|はよしろ|なんしょん|何しょん"
)


def route(ctx: Ctx) -> str | None:
    t = ctx.f.kana
    norm_ask = _ASK.search(t) is not None or bool(re.search(r"[?？]", ctx.f.orig))
    for reason, subject, problem in _ROUTES:
        for s in subject.finditer(t):
            if problem is not None:
                if near(t, s.start(), s.end(), problem, 14) or problem.search(
                    t, s.start(), min(len(t), s.end() + 14)
                ):
                    return reason
                if reason in _PROBLEM_ONLY:
                    continue
            if norm_ask and not _RHETORIC.search(t):
                return reason
    if norm_ask and not _RHETORIC.search(t) and _ENQUIRY.search(t):
        return "問い合わせ"
    return None


# --- all of them -----------------------------------------------------------------------------------


def findings(comment: Comment, facts: Facts, official_author: bool) -> list[Hit]:
    ctx = Ctx(comment, facts, fold(comment.text), official_author)
    tgs = targets(ctx)
    found_links = links(ctx)
    out: list[Hit] = []
    out.extend(impersonation(ctx))
    out.extend(crime(ctx))
    out.extend(harassment(ctx, tgs))
    out.extend(defamation(ctx, tgs))
    out.extend(discrimination(ctx))
    out.extend(privacy(ctx, tgs))
    out.extend(malware(ctx, found_links))
    out.extend(falsehood(ctx))
    out.extend(commercial(ctx, any(not trusted(x.host, facts) for x in found_links)))
    out.extend(political(ctx))
    out.extend(religious(ctx))
    out.extend(obscene(ctx))
    out.extend(ip(ctx))
    out.extend(meaningless(ctx))
    return out


def route_of(comment: Comment) -> str | None:
    return route(Ctx(comment, Facts(), fold(comment.text), False))
