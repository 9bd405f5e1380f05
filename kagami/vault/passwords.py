"""Strong platform passwords (G-4-7): a generator and a gate that says why it refuses.

The gate reuses `kagami.orgs.passwords` (zxcvbn on NFKC input with the town's words, at most
MAX_PASSWORD_LENGTH characters) and adds the account's own words: its name, handle, platform and
departments. The generator makes passwords up to that same length.
"""

import re
import secrets
from typing import Any

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kagami.orgs.passwords import (
    MAX_PASSWORD_LENGTH,
    input_problems,
    normalise,
    password_user_inputs,
    strength_problems,
)
from kagami.registry.models import OfficialAccount
from kagami.vault import conf

LOWERCASE = "abcdefghijklmnopqrstuvwxyz"
UPPERCASE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
SYMBOLS = "!#$%&()*+,-./:;<=>?@[]^_{}~"
# Characters misread or mistyped when a password is read out or typed on a phone.
AMBIGUOUS = set("0Oo1lIi|5S2Z8B`'\".,:;")
READABLE_SYMBOLS = "-_+=#%@"
MIN_GENERATED = 8
MAX_GENERATED = MAX_PASSWORD_LENGTH


def generate_password(
    length: int | None = None,
    *,
    lowercase: bool = True,
    uppercase: bool = True,
    digits: bool = True,
    symbols: bool = True,
    readable: bool = False,
) -> str:
    """A random password with at least one character of every chosen class (G-4-7).

    `readable` leaves out characters that are easily confused (0/O, 1/l/I …) and awkward
    symbols, for entry on a phone.
    """
    length = length or conf.get("KAGAMI_VAULT_GENERATED_LENGTH")
    if not MIN_GENERATED <= length <= MAX_GENERATED:
        raise ValueError(f"length must be between {MIN_GENERATED} and {MAX_GENERATED}")
    classes = [
        chars
        for chars, chosen in (
            (LOWERCASE, lowercase),
            (UPPERCASE, uppercase),
            (DIGITS, digits),
            (READABLE_SYMBOLS if readable else SYMBOLS, symbols),
        )
        if chosen
    ]
    if readable:
        classes = ["".join(c for c in chars if c not in AMBIGUOUS) for chars in classes]
    if not classes:
        raise ValueError("choose at least one character class")
    alphabet = "".join(classes)
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if len(classes) > length or all(any(c in chars for c in password) for chars in classes):
            return password


def account_words(account: OfficialAccount) -> list[str]:
    """Words an attacker of this account tries first: its name, handle, platform, departments."""
    handle = account.handle.lstrip("@＠")
    words = [account.name, handle, *re.split(r"[_.\-]+", handle), str(account.platform)]
    for department in account.departments.all():
        words += [department.name, department.name_kana, department.code]
    words.append(account.lead_department.name)
    return [word for word in words if word]


def password_problems(
    password: str, *, account: OfficialAccount, login_id: str = "", user: Any = None
) -> list[str]:
    """Reasons why `password` is guessable for `account`; empty if it may be used (G-4-7)."""
    problems = input_problems(password)
    if problems:
        return problems
    minimum = conf.get("KAGAMI_VAULT_MIN_LENGTH")
    if len(password) < minimum:
        problems.append(
            _("パスワードが短すぎます（%(min)s文字以上にしてください）。") % {"min": minimum}
        )
    try:
        CommonPasswordValidator().validate(normalise(password))
    except ValidationError:
        problems.append(_("よく使われているパスワードの一覧に含まれています。"))
    extra = account_words(account) + ([login_id] if login_id else [])
    problems += strength_problems(
        password, password_user_inputs(user, extra=extra), conf.get("KAGAMI_VAULT_MIN_SCORE")
    )
    return problems
