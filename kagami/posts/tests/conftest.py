"""An X account of 総務課 that may publish, for the posts tests."""

import pytest

from kagami.registry.models import OfficialAccount
from kagami.registry.testing import publishing_account


@pytest.fixture
def account(cast: object) -> OfficialAccount:
    return publishing_account(head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu)  # type: ignore[attr-defined]
