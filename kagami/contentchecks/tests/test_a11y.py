from kagami.contentchecks import Image

from .helpers import found, spans

MD = "a11y.machine-dependent-char"
HW = "a11y.halfwidth-katakana"
SP = "a11y.spaced-word"
ALT = "a11y.missing-alt"
EMOJI = "a11y.emoji-overuse"
TAG = "a11y.hashtag-readability"


def test_machine_dependent_char_flags_circled_numbers_with_parenthesised_fix():
    fs = found("①受付 ②検温 ⑳", MD)
    assert [f.suggestion for f in fs] == ["(1)", "(2)", "(20)"]
    assert fs[0].severity == "error" and fs[0].clause == "G-5-1-b"


def test_machine_dependent_char_flags_roman_numerals_and_compatibility_characters():
    text = "Ⅰ Ⅻ ⅰ ㈱ ㈲ ㍻ ㍼ ℡ ㌔ № ㎡ ⑴ ❶"
    fixes = {text[f.start : f.end]: f.suggestion for f in found(text, MD)}
    assert set(fixes) == set(text.split())
    assert fixes["㈱"] == "(株)"
    assert fixes["㍻"] == "平成"
    assert fixes["Ⅻ"] == "XII"
    assert fixes["℡"] == "電話"
    assert fixes["❶"] == "(1)"


def test_machine_dependent_char_accepts_standard_characters():
    text = "ABC abc 123 ＡＢＣ１２３ 10時〜12時 10時～12時 ※ → ℃ ♪ 「」（）・… 髙橋"
    assert found(text, MD) == []


def test_halfwidth_katakana_suggests_full_width():
    [f] = found("ｲﾍﾞﾝﾄ開催！", HW)
    assert f.suggestion == "イベント"
    assert (f.start, f.end) == (0, 5)


def test_halfwidth_katakana_accepts_full_width():
    assert found("イベント開催", HW) == []


def test_spaced_word_flags_letter_spaced_headings():
    assert spans("【お　知　ら　せ】", SP) == ["お　知　ら　せ"]
    assert spans("氏　名：", SP) == ["氏　名"]
    [f] = found("日 時 11月3日", SP)
    assert f.suggestion == "日時"


def test_spaced_word_accepts_normal_spacing():
    text = "鏡野町 お知らせ。 ごみ収集日 変更について 令和8年度 予算案 A 4 サイズ"
    assert found(text, SP) == []


def test_missing_alt_flags_images_without_or_with_file_name_alt():
    images = (
        Image(None, "職員撮影"),
        Image("IMG_1234.jpg", "職員撮影"),
        Image("画像", "x"),
        Image(" ", "x"),
    )
    fs = found("写真です", ALT, images=images)
    assert [f.message[:6] for f in fs] == [
        "1枚目の画像",
        "2枚目の画像",
        "3枚目の画像",
        "4枚目の画像",
    ]
    assert all(f.start is None and f.end is None for f in fs)
    assert "ファイル名" in fs[1].message


def test_missing_alt_accepts_descriptive_alt_text():
    alt = "秋祭りのチラシ。11月3日（火曜日・祝日）午前10時から、奥津温泉街で開催。"
    assert found("秋祭り", ALT, images=(Image(alt, "職員作成"),)) == []


def test_emoji_overuse_flags_more_than_the_limit():
    [f] = found("本日開催🎉🎉🎉🎉🎉🎉", EMOJI)
    assert "6個" in f.message
    assert f.start is None


def test_emoji_overuse_counts_sequences_as_one():
    assert found("家族で👨‍👩‍👧‍👦 🇯🇵 👍🏻 ☀️ 🌸", EMOJI) == []


def test_emoji_overuse_flags_emoji_standing_for_words():
    text = "📅11/3 📍奥津温泉"
    fs = found(text, EMOJI)
    assert [f.suggestion for f in fs] == ["日時：", "場所："]


def test_emoji_overuse_accepts_a_few_decorative_emoji():
    assert found("桜が見頃です🌸 ぜひお越しください😊", EMOJI) == []


def test_emoji_overuse_limit_comes_from_config():
    from kagami.contentchecks import Config

    config = Config.from_mapping({"rules": {"a11y.emoji-overuse": {"limit": 1}}})
    assert found("🌸😊", EMOJI, config=config) != []


def test_hashtag_readability_flags_one_case_multi_word_tags():
    [f] = found("#kagaminotownevent 開催", TAG)
    assert f.suggestion == "#KagaminoTownEvent"
    assert spans("#OKUTSUONSEN", TAG) == ["#OKUTSUONSEN"]


def test_hashtag_readability_accepts_camel_case_and_japanese_tags():
    assert found("#KagaminoTownEvent #鏡野町 #奥津温泉 #kagamino #event2026", TAG) == []
