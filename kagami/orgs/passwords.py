"""Password strength beyond Django's validators: zxcvbn on NFKC-normalised input.

zxcvbn knows only English words, so we normalise full-width input first (ｙａｍａｄａ１９８５ is
as weak as yamada1985) and pass Japanese words the attacker would try first as user inputs.

A password may be at most MAX_PASSWORD_LENGTH (128) characters, the longest the vault's
generator makes, and may not contain control characters or unpaired surrogates. zxcvbn itself
refuses input over 72 characters (its matching grows much faster than the length), so we score
the first 72 and let what follows only add strength (`_evaluate`).
"""

import unicodedata
from typing import Any

import jaconv
import zxcvbn
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_PASSWORD_LENGTH = 128
# zxcvbn's own default limit; longer input is scored in two parts (see strength_problems).
ZXCVBN_MAX_LENGTH = 72

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


def input_problems(password: str) -> list[str]:
    """Why `password` cannot be taken at all, whatever its strength: too long, or characters
    no keyboard types (control characters, unpaired surrogates)."""
    problems = []
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(
            _("パスワードは%(max)s文字以内にしてください（入力されたのは%(length)s文字です）。")
            % {"max": MAX_PASSWORD_LENGTH, "length": len(password)}
        )
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in password):
        problems.append(_("パスワードに改行・タブなどの制御文字や、表示できない文字は使えません。"))
    return problems


def _periodic(text: str, longest: int) -> bool:
    """Whether `text` is one unit of at most `longest` characters repeated (the last time
    perhaps cut short): abcabcab, or the first 72 characters typed twice."""
    return any(
        text[period:] == text[:-period] for period in range(1, min(longest, len(text) - 1) + 1)
    )


def _evaluate(password: str, user_inputs: list[str]) -> tuple[int, set[str]]:
    """zxcvbn's score and the kinds of pattern it found, for input of any length.

    The first 72 characters are scored as they are. What follows can only add strength: it
    counts when it is strong on its own, judged with the first part's words as known words, so
    an attacker must guess it whatever the first part is. A continued repetition (aaaa…,
    abcabc…, the first part typed twice) adds nothing; beyond 144 characters nothing is counted.
    """
    text = normalise(password[: 4 * ZXCVBN_MAX_LENGTH])
    head, tail = text[:ZXCVBN_MAX_LENGTH], text[ZXCVBN_MAX_LENGTH : 2 * ZXCVBN_MAX_LENGTH]
    result = zxcvbn.zxcvbn(head, user_inputs=user_inputs, max_length=ZXCVBN_MAX_LENGTH)
    score = int(result["score"])
    patterns = {match.get("pattern") for match in result.get("sequence", [])}
    if tail and not _periodic(head + tail, len(head)):
        known = [head] + [
            str(match[key])
            for match in result.get("sequence", [])
            for key in ("token", "base_token")
            if match.get(key)
        ]
        rest = zxcvbn.zxcvbn(tail, user_inputs=[*user_inputs, *known], max_length=ZXCVBN_MAX_LENGTH)
        score = max(score, int(rest["score"]))
    return score, patterns


def strength_problems(password: str, user_inputs: list[str], min_score: int) -> list[str]:
    """Reasons, in the user's language, why `password` is guessable; empty if it is not.

    Any length is accepted here (see `_evaluate`); refuse over-long input with
    `input_problems` first."""
    score, sequences = _evaluate(password, user_inputs)
    if score >= min_score:
        return []
    problems = [_("このパスワードは推測されやすい組み合わせです。")]
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
        problems = input_problems(password)
        if problems:
            raise ValidationError(" ".join(problems), code="password_unusable")
        problems = strength_problems(password, password_user_inputs(user), self.min_score)
        if problems:
            raise ValidationError(" ".join(problems), code="password_guessable")

    def get_help_text(self) -> str:
        return _(
            "氏名・町名・所属名・日付・キーボードの並びを含まない、推測されにくいものにしてください"
            "（%(max)s文字まで）。"
        ) % {"max": MAX_PASSWORD_LENGTH}
