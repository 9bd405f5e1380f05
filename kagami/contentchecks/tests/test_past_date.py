"""accuracy.past-date (G-5-1-a): a date still to come when the post was approved for its time,
but passed by the time it actually goes out (a retry, a late send after a pause)."""

from datetime import datetime

from kagami.contentchecks import Post, check
from kagami.contentchecks.model import JST

PLANNED = datetime(2026, 12, 1, 9, 0, tzinfo=JST)


def past_dates(text: str, publish_at: datetime, written_for: datetime | None) -> list[str]:
    post = Post(text=text, publish_at=publish_at, written_for=written_for)
    return [text[f.start : f.end] for f in check(post) if f.rule == "accuracy.past-date"]


def test_a_date_of_the_planned_day_has_passed_when_sent_the_next_day() -> None:
    text = "本日12月1日（火）10時から健康まつりを開催します。"
    assert past_dates(text, datetime(2026, 12, 2, 9, 0, tzinfo=JST), PLANNED) == ["12月1日（火）"]


def test_a_later_date_that_has_not_come_yet_is_fine() -> None:
    text = "12月5日（土）に健康まつりを開催します。"
    assert past_dates(text, datetime(2026, 12, 2, 9, 0, tzinfo=JST), PLANNED) == []


def test_a_report_of_an_event_before_the_planned_day_is_fine() -> None:
    text = "11月28日に開催した健康まつりには300人が来場しました。"
    assert past_dates(text, datetime(2026, 12, 3, 9, 0, tzinfo=JST), PLANNED) == []


def test_nothing_is_found_when_the_post_goes_out_on_the_planned_day() -> None:
    text = "本日12月1日（火）10時から開催します。"
    assert past_dates(text, datetime(2026, 12, 1, 15, 0, tzinfo=JST), PLANNED) == []
    assert past_dates(text, datetime(2026, 12, 3, 9, 0, tzinfo=JST), None) == []


def test_a_yearless_date_is_read_as_the_author_meant_it_across_new_year() -> None:
    planned = datetime(2026, 12, 31, 9, 0, tzinfo=JST)
    text = "12月31日（木）は休館です。1月4日（月）から開館します。"
    assert past_dates(text, datetime(2027, 1, 2, 9, 0, tzinfo=JST), planned) == ["12月31日（木）"]


def test_it_is_an_error_with_a_message_naming_both_days() -> None:
    post = Post(
        text="12月1日に開催します。",
        publish_at=datetime(2026, 12, 2, 9, 0, tzinfo=JST),
        written_for=PLANNED,
    )
    (finding,) = [f for f in check(post) if f.rule == "accuracy.past-date"]
    assert finding.severity == "error" and finding.clause == "G-5-1-a"
    assert "12月2日" in finding.message and "12月1日" in finding.message
