"""Passwords of any length and any characters get an answer, never a server error: zxcvbn only
takes 72 characters, the generator makes up to 128, and 128 is the documented maximum."""

import secrets
import string
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import PASSWORD
from kagami.orgs.passwords import (
    MAX_PASSWORD_LENGTH,
    ZxcvbnValidator,
    input_problems,
    strength_problems,
)
from kagami.vault import workflow
from kagami.vault.forms import CredentialForm, RotationForm
from kagami.vault.models import Credential
from kagami.vault.passwords import MAX_GENERATED, generate_password, password_problems
from kagami.vault.tests.conftest import STRONG

WORDS = "trombone-velvet-quasar-91-marigold-anvil-tundra-58-lantern-cobalt-fjord-"


def strong(length: int) -> str:
    """A strong password of exactly `length` characters (random, no repetition)."""
    alphabet = string.ascii_letters + string.digits + "-_#%"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def test_the_maximum_is_the_generators_maximum() -> None:
    assert MAX_PASSWORD_LENGTH == MAX_GENERATED == 128
    assert "128文字まで" in ZxcvbnValidator().get_help_text()


@pytest.mark.parametrize("length", [73, 100, 128])
def test_long_passwords_up_to_the_maximum_are_judged_not_refused(length: int) -> None:
    assert strength_problems(strong(length), [], 3) == []
    assert input_problems(strong(length)) == []
    ZxcvbnValidator().validate(strong(length))


@pytest.mark.parametrize("length", [129, 10_000])
def test_a_password_over_the_maximum_is_refused_with_its_length(length: int) -> None:
    with pytest.raises(ValidationError, match=f"128文字以内.*{length}文字") as refused:
        ZxcvbnValidator().validate("x" * length)
    assert refused.value.code == "password_unusable"
    # The strength check alone never raises, whatever the length.
    assert strength_problems("a" * length, [], 3)
    assert strength_problems(strong(length), [], 3) == []


def test_what_follows_the_first_72_characters_adds_strength_but_repetition_does_not() -> None:
    weak_start = "a" * 72
    assert strength_problems(weak_start, [], 3)
    assert strength_problems(weak_start + strong(20), [], 3) == []
    assert strength_problems(weak_start + "aaaa", [], 3)
    assert strength_problems("password" * 16, [], 3)  # 128 characters, one word repeated
    assert strength_problems(weak_start + "password", [], 3)  # a weak end adds nothing
    assert strength_problems("yakuba" * 12 + "yakuba2026", ["yakuba"], 3)
    head = WORDS[:72]
    assert strength_problems(head, [], 3) == []
    assert strength_problems(head + head[:56], [], 3) == []  # the strong start still counts


@pytest.mark.parametrize("password", ["correct\x00horse battery staple", "lone\ud800surrogate-x9!"])
def test_nul_and_unpaired_surrogates_are_refused(password: str) -> None:
    assert input_problems(password) == [
        "パスワードに改行・タブなどの制御文字や、表示できない文字は使えません。"
    ]
    with pytest.raises(ValidationError, match="制御文字"):
        ZxcvbnValidator().validate(password)


@pytest.mark.parametrize("length", [73, 128, 129, 10_000])
def test_djangos_validation_chain_answers_for_any_length(cast: Any, length: int) -> None:
    password = strong(length)
    if length <= MAX_PASSWORD_LENGTH:
        validate_password(password, cast.tanaka)
    else:
        with pytest.raises(ValidationError, match="128文字以内"):
            validate_password(password, cast.tanaka)


@pytest.mark.parametrize(
    ("length", "accepted"), [(73, True), (128, True), (129, False), (10_000, False)]
)
def test_the_password_change_screen_answers_for_any_length(
    client: Any, cast: Any, login: Any, length: int, accepted: bool
) -> None:
    login(client, cast.tanaka)
    password = strong(length)
    response = client.post(
        reverse("orgs:password_change"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    if accepted:
        assert response.status_code == 302
    else:
        assert response.status_code == 200
        assert "128文字以内" in response.content.decode()


# The vault -----------------------------------------------------------------------------------
@pytest.mark.parametrize("length", [73, 128])
def test_the_vault_gate_takes_long_passwords(cast: Any, account: Any, length: int) -> None:
    assert password_problems(strong(length), account=account, user=cast.suzuki) == []
    assert password_problems(generate_password(length), account=account) == []


@pytest.mark.parametrize(
    "password", ["x" * 129, strong(10_000), "velvet\x00quasar-trombone", "velvet\udfffquasar-91"]
)
def test_the_vault_gate_refuses_unusable_input_and_stores_nothing(
    cast: Any, account: Any, password: str
) -> None:
    problems = password_problems(password, account=account)
    assert problems and ("128文字以内" in problems[0] or "制御文字" in problems[0])
    with pytest.raises(Exception, match=r"128文字以内|制御文字"):
        workflow.store_credential(
            actor=cast.suzuki, account=account, login_id="kagamino_town", password=password
        )
    assert not Credential.objects.exists()


def _credential_data(cast: Any, password: str) -> dict[str, Any]:
    return {
        "login_id": "kagamino_town",
        "password": password,
        "password_again": password,
        "two_factor_method": "app",
        "custodian": cast.suzuki.pk,
        "rotation_interval_days": 90,
    }


@pytest.mark.parametrize(
    ("password", "error"),
    [
        (strong(73), None),
        (strong(128), None),
        ("x" * 129, "128文字以内"),
        ("x" * 10_000, "128文字以内"),
        ("velvet\x00quasar-trombone-91", "制御文字"),
        ("velvet\ud800quasar-trombone-91", "制御文字"),
    ],
)
def test_the_vault_forms_say_what_is_wrong_with_the_password(
    cast: Any, account: Any, password: str, error: str | None
) -> None:
    form = CredentialForm(_credential_data(cast, password), account=account, editing=False)
    rotation = RotationForm({"new_password": password, "new_password_again": password})
    if error is None:
        assert form.is_valid(), form.errors
        assert rotation.is_valid(), rotation.errors
    else:
        assert not form.is_valid() and error in " ".join(form.errors["password"])
        assert not rotation.is_valid() and error in " ".join(rotation.errors["new_password"])
    assert "maxlength" not in str(form["password"])  # the browser must not cut a paste short


@pytest.mark.parametrize(("length", "stored"), [(128, True), (129, False), (10_000, False)])
def test_the_vault_screens_answer_for_any_length(
    client: Any, cast: Any, login: Any, account: Any, length: int, stored: bool
) -> None:
    login(client, cast.suzuki)
    password = strong(length)
    response = client.post(
        reverse("vault:credential_new", args=[account.pk]), _credential_data(cast, password)
    )
    assert response.status_code == (302 if stored else 200)
    assert Credential.objects.exists() is stored


def test_a_long_rotation_is_recorded_and_an_over_long_one_explained(
    client: Any, cast: Any, login: Any, credential: Credential
) -> None:
    login(client, cast.suzuki)
    url = reverse("vault:rotation_record", args=[credential.account.pk])
    too_long = "y" * 129
    refused = client.post(url, {"new_password": too_long, "new_password_again": too_long})
    assert refused.status_code == 200 and "128文字以内" in refused.content.decode()
    password = strong(128)
    assert password != STRONG
    response = client.post(url, {"new_password": password, "new_password_again": password})
    assert response.status_code == 302
