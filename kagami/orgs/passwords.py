"""Password strength beyond Django's validators: zxcvbn on NFKC-normalised input.

zxcvbn knows only English words, so we normalise full-width input first (ｙａｍａｄａ１９８５ is
as weak as yamada1985) and pass Japanese words the attacker would try first as user inputs.
"""

import unicodedata
from typing import Any

import jaconv
import zxcvbn
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Romanised and kana forms of words every town password guesser tries.
COMMON_JAPANESE_INPUTS = [
    "yakuba",
    "yakusho",
    "shiyakusho",
    "machi",
    "chou",
    "town",
    "city",
    "kouhou",
    "koho",
    "soumu",
    "somu",
    "password",
    "pasuwado",
    "やくば",
    "やくしょ",
    "まち",
    "こうほう",
    "そうむ",
    "ぱすわーど",
]


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def password_user_inputs(user: Any = None, extra: list[str] | None = None) -> list[str]:
    """Words tied to the town, the user and their departments (kanji, kana and romaji)."""
    words = [
        settings.KAGAMI_TOWN_NAME,
        *settings.KAGAMI_TOWN_WORDS,
        *COMMON_JAPANESE_INPUTS,
        *(extra or []),
    ]
    if user is not None:
        for attr in ("email", "staff_number", "display_name", "display_name_kana"):
            value = getattr(user, attr, None)
            if value:
                words.append(str(value))
                words.extend(str(value).replace("@", " ").replace(".", " ").split())
        if getattr(user, "pk", None):
            for membership in user.active_memberships():
                words += [membership.department.name, membership.department.name_kana]
    words = [normalise(word) for word in words if word]
    # Kana also as romaji: "たなか" is typed "tanaka" on a keyboard.
    romaji = [jaconv.kana2alphabet(jaconv.kata2hira(word)) for word in words]
    return sorted({*words, *(word for word in romaji if word.isascii())})


def strength_problems(password: str, user_inputs: list[str], min_score: int) -> list[str]:
    """Reasons, in the user's language, why `password` is guessable; empty if it is not."""
    result = zxcvbn.zxcvbn(normalise(password)[:100], user_inputs=user_inputs)
    if result["score"] >= min_score:
        return []
    problems = [_("このパスワードは推測されやすい組み合わせです。")]
    sequences = {match.get("pattern") for match in result.get("sequence", [])}
    if "dictionary" in sequences:
        problems.append(_("辞書にある単語や、氏名・町名・所属名などが含まれています。"))
    if "date" in sequences or "year" in sequences:
        problems.append(_("日付や年が含まれています。"))
    if "repeat" in sequences or "sequence" in sequences or "spatial" in sequences:
        problems.append(_("同じ文字の繰り返しや、キーボードの並び・連番が含まれています。"))
    problems.append(_("関係のない単語をいくつか組み合わせた、長いパスワードにしてください。"))
    return problems


class ZxcvbnValidator:
    """Django password validator refusing passwords zxcvbn scores below `min_score`."""

    def __init__(self, min_score: int = 3) -> None:
        self.min_score = min_score

    def validate(self, password: str, user: Any = None) -> None:
        problems = strength_problems(password, password_user_inputs(user), self.min_score)
        if problems:
            raise ValidationError(" ".join(problems), code="password_guessable")

    def get_help_text(self) -> str:
        return _(
            "氏名・町名・所属名・日付・キーボードの並びを含まない、推測されにくいものにしてください。"
        )
