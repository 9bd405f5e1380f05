"""The fixed test cast of the suite (STYLE.md): one small town, the same people everywhere.

田中 (staff, 総務課), 鈴木 (head, 総務課), 佐藤 (staff of another department, no access to
総務課), 高橋 (policy division), 伊藤 (auditor).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest

PASSWORD = "correct horse battery staple"


@dataclass
class Cast:
    somu: object
    sangyo: object
    kikaku: object
    tanaka: object
    suzuki: object
    sato: object
    takahashi: object
    ito: object


@pytest.fixture(autouse=True)
def japanese() -> Iterator[None]:
    """Every test starts in Japanese, the product's default language."""
    from django.utils import translation

    with translation.override("ja"):
        yield


@pytest.fixture
def cast(db: None) -> Cast:
    from kagami.orgs.models import Department, Membership, Role, User
    from kagami.registry.models import Platform
    from kagami.registry.platforms import load_catalogue

    load_catalogue(Platform)  # data from migrations is gone after a transactional test

    somu = Department.objects.create(code="somu", name="総務課", sort_order=1)
    sangyo = Department.objects.create(code="sangyo", name="産業観光課", sort_order=2)
    kikaku = Department.objects.create(
        code="kikaku", name="企画課", is_policy_division=True, sort_order=3
    )
    since = date(2020, 4, 1)

    def person(
        login: str,
        number: str,
        name: str,
        department: object = None,
        role: str = Role.STAFF,
        **extra: object,
    ) -> User:
        user = User.objects.create_user(
            email=f"{login}@town.example.lg.jp",
            password=PASSWORD,
            staff_number=number,
            display_name=name,
            **extra,
        )
        if department is not None:
            Membership.objects.create(user=user, department=department, role=role, valid_from=since)
        return user

    return Cast(
        somu=somu,
        sangyo=sangyo,
        kikaku=kikaku,
        tanaka=person("tanaka", "1001", "田中 一郎", somu),
        suzuki=person("suzuki", "1002", "鈴木 花子", somu, Role.HEAD),
        sato=person("sato", "2001", "佐藤 健", sangyo),
        takahashi=person("takahashi", "3001", "高橋 誠", kikaku),
        ito=person("ito", "9001", "伊藤 正", is_auditor=True),
    )


def verified_login(client: object, user: object) -> None:
    """Sign `user` in with the second factor already passed, as after a real TOTP login."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _created = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    client.force_login(user, backend="kagami.orgs.auth.StaffLoginBackend")  # type: ignore[attr-defined]
    session = client.session  # type: ignore[attr-defined]
    session["otp_device_id"] = device.persistent_id
    session.save()


@pytest.fixture
def login():
    """`login(client, user)`: signed in and past MFA."""
    return verified_login
