"""A staff member composes a post in a real browser: the live check (htmx under the strict
CSP) marks findings while typing, and the screens pass axe-core."""

import pytest

from kagami.registry.testing import publishing_account
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_registry import _sign_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_live_check_marks_findings_while_typing(
    page: object, live_server: object, cast: object
) -> None:
    publishing_account(head=cast.suzuki, policy_officer=cast.takahashi, department=cast.somu)  # type: ignore[attr-defined]

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
