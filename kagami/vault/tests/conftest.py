"""Fixtures of the vault tests: a fixed key, an account run by 総務課, TOTP codes."""

from typing import Any

import pytest
from cryptography.fernet import Fernet

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
STRONG = "trombone-velvet-quasar-91"
ANOTHER_STRONG = "marigold-anvil-tundra-58"


@pytest.fixture(autouse=True)
def vault_key(settings: Any) -> None:
    """Every vault test encrypts with KEY_A, whatever the test settings carry."""
    settings.KAGAMI_VAULT_KEYS = [KEY_A]
    settings.KAGAMI_VAULT_KEEP_OLD_DAYS = 30
    settings.KAGAMI_VAULT_REMIND_DAYS = 14


@pytest.fixture
def account(cast: Any) -> Any:
    """鏡野町【公式】 on X, run by 総務課 with 田中 as its operator."""
    from kagami.registry import workflow
    from kagami.registry.models import Platform

    return workflow.plan_account(
        actor=cast.suzuki,
        platform=Platform.objects.get(code="x"),
        name="鏡野町【公式】",
        handle="@kagamino_town",
        url="https://x.com/kagamino_town",
        lead_department=cast.somu,
        operators=[cast.tanaka],
    )


@pytest.fixture
def credential(cast: Any, account: Any) -> Any:
    from kagami.vault import workflow

    return workflow.store_credential(
        actor=cast.suzuki,
        account=account,
        login_id="kagamino_town",
        password=STRONG,
        recovery_email="sns-recovery@town.example.lg.jp",
        recovery_phone="0868-00-0000",
        two_factor_method="app",
        two_factor_storage="総務課の金庫の公用スマートフォン",
        custodian=cast.suzuki,
    )


def totp_code(user: Any) -> str:
    """The current code of `user`'s TOTP device, usable once more (replay guard reset)."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    device.last_t = -1
    device.save(update_fields=["last_t"])
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(code).zfill(device.digits)
