"""An active X account of 総務課, ready to publish, for the posts tests."""

from datetime import date

import pytest

from kagami.registry import workflow as registry
from kagami.registry.models import OfficialAccount, Platform
from kagami.registry.wording import policy_draft, terms_draft


@pytest.fixture
def account(cast: object) -> OfficialAccount:
    head = cast.suzuki  # type: ignore[attr-defined]
    account = registry.plan_account(
        actor=head,
        platform=Platform.objects.get(code="x"),
        name="鏡野町【公式】",
        handle="@kagamino_town",
        url="https://x.com/kagamino_town",
        lead_department=cast.somu,  # type: ignore[attr-defined]
    )
    registry.file_policy(
        actor=head,
        policy=registry.save_policy_draft(actor=head, account=account, items=policy_draft(account)),
    )
    items, clauses = terms_draft(account)
    registry.file_terms(
        actor=head,
        terms=registry.save_terms_draft(actor=head, account=account, items=items, clauses=clauses),
    )
    report = registry.file_start_report(actor=head, account=account, start_date=date(2026, 11, 1))
    registry.accept_report(actor=cast.takahashi, report=report)  # type: ignore[attr-defined]
    account.refresh_from_db()
    return account
