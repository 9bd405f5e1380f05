from kagami.contentchecks import Config

from .helpers import found, spans

POL = "conduct.political"
CONF = "conduct.confidential"
NG = "conduct.ng-word"


def test_political_flags_calls_to_support_a_candidate():
    assert found("〇〇候補の演説会があります。ぜひ応援をお願いします！", POL) != []
    assert found("〇〇候補の演説会です、ぜひ応援をお願いします！", POL) != []
    assert found("△△党に投票をお願いします。", POL) != []
    assert found("住民投票では条例案に反対しましょう。", POL) != []


def test_political_accepts_neutral_election_information():
    text = (
        "11月29日(日)は鏡野町長選挙の投票日です。投票時間は午前7時から午後8時までです。"
        "期日前投票もご利用ください。立候補者の届出は選挙管理委員会で受け付けます。"
        "投票に行きましょう。"
    )
    assert found(text, POL) == []


def test_political_accepts_support_for_non_political_things():
    assert found("地元チームを応援しよう！", POL) == []


def test_confidential_flags_markers():
    text = "【部外秘】資料 (秘) 取扱注意 内部資料 ㊙ 【非公開】"
    assert spans(text, CONF) == ["部外秘", "(秘)", "取扱注意", "内部資料", "㊙", "【非公開】"]


def test_confidential_flags_a_marker_alone_on_a_line():
    assert spans("非公開\n会議資料", CONF) == ["非公開"]


def test_confidential_accepts_closed_meetings_in_a_sentence():
    assert found("審議会は非公開で行います。秘書課からのお知らせ。", CONF) == []


def test_ng_word_flags_listed_expressions_in_any_script():
    assert spans("そんな馬鹿な", NG) == ["馬鹿"]
    assert spans("ﾊﾞｶ バカ ばか", NG) == ["ﾊﾞｶ", "バカ", "ばか"]


def test_ng_word_accepts_ordinary_words_with_the_same_characters():
    text = "始まったばかりです。ページをめくらないで。かたわらに。お構いなく、おかまいなく。部落差別の解消を。郷土人形。はがき"
    assert found(text, NG) == []


def test_ng_word_adds_configured_words():
    config = Config.from_mapping({"rules": {"conduct.ng-word": {"words": ["ダメ人間"]}}})
    assert spans("だめ人間", NG, config=config) == ["だめ人間"]
    assert found("だめ人間", NG) == []


def test_ng_folding_matches_jaconv_kata2hira_and_lower():
    import jaconv

    from kagami.contentchecks.rules.conduct import fold_normalised

    text = "ヴァイオリン ABCｘ バカ ヶ月 カタカナ ひらがな 漢字 ー"
    assert fold_normalised(text) == jaconv.kata2hira(text).replace("ｘ", "ｘ").translate(
        str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
    )
