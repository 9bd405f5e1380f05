"""The policy division's overview screens pass axe-core (WCAG 2.1 A/AA): audit log, reports,
the emergency pause, the sandbox network, the vault inventory, supervision and the calendar."""

import pytest

from tests.e2e.conftest import assert_accessible
from tests.e2e.test_registry import _sign_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/audit/",
    "/registry/",
    "/registry/reports/",
    "/publishing/pauses/",
    "/publishing/sandbox/",
    "/vault/",
    "/supervision/",
    "/posts/calendar/",
    "/posts/calendar/week/",
    "/accounts/notifications/",
    "/orgs/transfers/",
]


def test_overview_pages_are_accessible(page: object, live_server: object, cast: object) -> None:
    _sign_in(page, live_server, cast.takahashi)  # type: ignore[attr-defined]
    for path in PAGES:
        response = page.goto(f"{live_server.url}{path}")  # type: ignore[attr-defined]
        assert response.status == 200, path
        assert page.locator("h1").count() == 1, path  # type: ignore[attr-defined]
        assert_accessible(page)
