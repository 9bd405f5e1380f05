"""A staff member composes a post in a real browser: the live check (htmx under the strict
CSP) marks findings while typing, and the screens pass axe-core."""

from datetime import date

import pytest

from kagami.registry import workflow as registry
from kagami.registry.models import Platform
from kagami.registry.wording import policy_draft, terms_draft
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_registry import _sign_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_live_check_marks_findings_while_typing(
    page: object, live_server: object, cast: object
) -> None:
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
    registry.accept_report(
        actor=cast.takahashi,  # type: ignore[attr-defined]
        report=registry.file_start_report(
            actor=head, account=account, start_date=date(2026, 11, 1)
        ),
    )

    _sign_in(page, live_server, cast.tanaka)  # type: ignore[attr-defined]
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/posts/new/")  # type: ignore[attr-defined]
    page.get_by_label("鏡野町【公式】（X（旧Twitter））").check()  # type: ignore[attr-defined]
    page.get_by_label("本文", exact=False).first.fill("①の会場で開催します。")  # type: ignore[attr-defined]
    page.locator(".finding-item").first.wait_for(timeout=10000)  # type: ignore[attr-defined]
    assert "機種依存文字" in page.locator("#findings").inner_text()  # type: ignore[attr-defined]
    assert page.locator("mark.finding").count() >= 1  # type: ignore[attr-defined]
    assert_accessible(page)
    assert not [e for e in console_errors if "Content Security Policy" in e]
