"""One publishability rule (G-4-2, G-4-3) and effective dates of end and suspension reports:
an accepted report whose date is later keeps the account publishing (and listed) until that
day in Asia/Tokyo, when `apply_scheduled_account_changes` makes the change."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kagami.audit.models import AuditEvent
from kagami.public.directory import accounts
from kagami.public.views import live_links
from kagami.registry import reports, workflow
from kagami.registry.models import END_CHECKLIST, AccountState, OfficialAccount, Report
from kagami.registry.testing import documented_account, imported_account, publishing_account

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2027, 1, 10, 10, 0, tzinfo=TOKYO)
END_DAY = date(2027, 1, 31)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def account_of(cast: Any, handle: str = "kagamino_town") -> OfficialAccount:
    return publishing_account(
        head=cast.suzuki,
        policy_officer=cast.takahashi,
        department=cast.somu,
        handle=f"@{handle}",
        url=f"https://x.com/{handle}",
    )


def stop(cast: Any, account: OfficialAccount, end_kind: str, on: date) -> Report:
    report = reports.file_end_report(
        actor=cast.suzuki,
        account=account,
        end_kind=end_kind,
        end_date=on,
        reason="事業の終了に伴い運用を終了します。",
        disposition="lock",
        checklist=dict.fromkeys(END_CHECKLIST, True),
    )
    reports.accept_report(actor=cast.takahashi, report=report)
    account.refresh_from_db()
    return report


def tokyo(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TOKYO)


def test_an_end_effective_later_is_scheduled_and_the_account_publishes_until_that_day(
    cast: Any,
) -> None:
    account = account_of(cast)
    report = stop(cast, account, "end", END_DAY)
    assert account.state == AccountState.START_REPORTED  # nothing changed yet
    assert (account.scheduled_state, account.scheduled_on) == (AccountState.ENDED, END_DAY)
    assert account.scheduled_report == report
    accepted = AuditEvent.objects.filter(action="registry.report_accepted").order_by("seq").last()
    assert accepted is not None
    assert accepted.data["scheduled"] == {"state": "ended", "on": "2027-01-31"}

    assert account.can_publish  # the closing post can still go out
    the_evening_before = tokyo(END_DAY - timedelta(days=1), 23, 59)
    assert account.publishable_at(the_evening_before)
    assert not account.publishable_at(tokyo(END_DAY))
    # The day is counted in Asia/Tokyo: 15:00 UTC on the 30th is already the 31st there.
    assert not account.publishable_at(datetime(2027, 1, 30, 15, 0, tzinfo=UTC))
    assert account.publishing_blocker(tokyo(END_DAY)) == (
        "2027-01-31に運用を終了するため、このアカウントからは投稿できません。"
    )
    assert list(OfficialAccount.objects.publishable_at(the_evening_before)) == [account]
    assert not OfficialAccount.objects.publishable_at(tokyo(END_DAY)).exists()


def test_the_scheduled_change_is_applied_on_its_day_once_and_audited(
    cast: Any, frozen: Any
) -> None:
    account = account_of(cast)
    report = stop(cast, account, "suspend", END_DAY)
    assert workflow.apply_scheduled_account_changes(tokyo(END_DAY - timedelta(days=1), 23, 59)) == 0
    frozen.move_to(tokyo(END_DAY, 0, 5))
    assert workflow.apply_scheduled_account_changes() == 1
    account.refresh_from_db()
    assert account.state == AccountState.SUSPENDED
    assert (account.scheduled_state, account.scheduled_on, account.scheduled_report) == (
        "",
        None,
        None,
    )
    event = AuditEvent.objects.get(action="registry.scheduled_change_applied")
    assert event.actor is None
    assert event.data == {
        "from": "start_reported",
        "to": "suspended",
        "scheduled_on": "2027-01-31",
        "report": report.document_number,
    }
    assert workflow.apply_scheduled_account_changes() == 0


@pytest.mark.parametrize("days", [0, -3])
def test_an_effective_date_today_or_past_applies_at_once(cast: Any, days: int) -> None:
    account = account_of(cast)
    stop(cast, account, "end", NOW.date() + timedelta(days=days))
    assert account.state == AccountState.ENDED and account.scheduled_on is None
    assert not account.can_publish


def test_a_later_acceptance_replaces_the_earlier_schedule(cast: Any) -> None:
    account = account_of(cast)
    stop(cast, account, "suspend", END_DAY)
    stop(cast, account, "end", date(2027, 1, 20))
    assert (account.scheduled_state, account.scheduled_on) == (
        AccountState.ENDED,
        date(2027, 1, 20),
    )


def test_the_directory_lists_an_account_until_its_end_and_shows_a_suspension_on_its_day(
    cast: Any, frozen: Any
) -> None:
    ending = account_of(cast)
    stop(cast, ending, "end", END_DAY)
    pausing = account_of(cast, "kagamino_somu")
    stop(cast, pausing, "suspend", END_DAY)
    entries = {e.id: e for e in accounts(live_links())}
    assert set(entries) == {ending.pk, pausing.pk}
    assert not entries[pausing.pk].is_suspended
    frozen.move_to(tokyo(END_DAY, 0, 1))  # the day has come; the tick has not run yet
    entries = {e.id: e for e in accounts(live_links())}
    assert set(entries) == {pausing.pk}
    assert entries[pausing.pk].is_suspended and entries[pausing.pk].state == "suspended"


def test_one_rule_answers_for_one_account_and_for_a_bulk_query(cast: Any) -> None:
    """The worker selects with the queryset and explains with `publishing_blocker`: the
    three must agree in every situation."""
    planned = documented_account(
        head=cast.suzuki,
        department=cast.somu,
        handle="@kagamino_plan",
        url="https://x.com/kagamino_plan",
    )
    started = account_of(cast, "kagamino_started")
    active = account_of(cast, "kagamino_active")
    workflow.begin_operation(actor=cast.suzuki, account=active)
    suspended = account_of(cast, "kagamino_suspended")
    stop(cast, suspended, "suspend", NOW.date())
    ended = account_of(cast, "kagamino_ended")
    stop(cast, ended, "end", NOW.date())
    ending_later = account_of(cast, "kagamino_later")
    stop(cast, ending_later, "end", END_DAY)
    imported = imported_account(policy_officer=cast.takahashi)
    everyone = [planned, started, active, suspended, ended, ending_later, imported]

    for when, expected in [
        (NOW, {started, active, ending_later}),
        (tokyo(END_DAY), {started, active}),
    ]:
        fresh = [OfficialAccount.objects.get(pk=a.pk) for a in everyone]
        by_instance = {a for a in fresh if a.publishable_at(when)}
        explained = {a for a in fresh if a.publishing_blocker(when) is None}
        in_bulk = set(OfficialAccount.objects.publishable_at(when))
        assert by_instance == explained == in_bulk == expected
        assert all(a.publishing_blocker(when) for a in fresh if a not in expected)


def test_accepting_a_later_end_over_http_says_when_it_takes_effect(
    cast: Any, client: Any, login: Any
) -> None:
    account = account_of(cast)
    report = reports.file_end_report(
        actor=cast.suzuki,
        account=account,
        end_kind="end",
        end_date=END_DAY,
        reason="事業の終了に伴い運用を終了します。",
        disposition="lock",
        checklist=dict.fromkeys(END_CHECKLIST, True),
    )
    login(client, cast.takahashi)
    response = client.post(
        f"/registry/reports/{report.pk}/", {"action": "accept", "comment": ""}, follow=True
    )
    page = response.content.decode()
    assert "2027-01-31 に「終了」になります。前日までは投稿できます" in page
    detail = client.get(f"/registry/{account.pk}/").content.decode()
    assert "2027-01-31 から「終了」になります" in detail
