"""When a post may go out (G-5-2): inside the working calendar and every target account's
operation hours, the next allowed slot, and when an after-the-fact report falls due (G-5-3)."""

from datetime import date, datetime, time

from django.conf import settings
from django.utils.translation import gettext as _

from kagami.lib.workcalendar import JST, next_allowed, within_hours
from kagami.posts.models import Post, working_calendar


def hours_problem(post: Post) -> str | None:
    """Why the requested time is outside the working calendar or an account's operation hours
    (G-5-2), with the next allowed time, or None when it is inside."""
    calendar = working_calendar()
    for target in post.targets.select_related("account"):
        hours = target.account.operation_hours
        if not within_hours(post.publish_at, hours, calendar):
            local = post.publish_at.astimezone(JST)
            reason = calendar.closure_reason(local.date())
            slot = next_allowed(post.publish_at, hours, calendar)
            message = (
                _("%(when)s は閉庁日（%(reason)s）です。")
                % {"when": f"{local:%Y-%m-%d}", "reason": reason}
                if reason
                else _("%(when)s は「%(account)s」の運用時間外です。")
                % {"when": f"{local:%Y-%m-%d %H:%M}", "account": target.account.name}
            )
            if slot:
                message += _("次に投稿できるのは %(slot)s です。") % {
                    "slot": f"{slot:%Y-%m-%d %H:%M}"
                }
            return message
    return None


def next_slot(post: Post) -> datetime | None:
    """The earliest time at or after the requested one inside every target account's hours."""
    calendar = working_calendar()
    accounts = [t.account for t in post.targets.select_related("account")]
    candidate: datetime | None = post.publish_at
    for _attempt in range(30):  # accounts with different hours: move until all agree
        if candidate is None:
            return None
        slots = [next_allowed(candidate, a.operation_hours, calendar) for a in accounts]
        if any(slot is None for slot in slots):
            return None
        latest = max(s for s in slots if s is not None)
        if latest == candidate:
            return candidate
        candidate = latest
    return None


def report_due(after: datetime) -> datetime:
    """End of the next working day (KAGAMI_REPORT_DUE_TIME, 17:15 by default): when the head
    should have confirmed an after-the-fact report (G-5-3)."""
    calendar = working_calendar()
    day = after.astimezone(JST).date()
    while True:
        day = date.fromordinal(day.toordinal() + 1)
        if calendar.is_working_day(day):
            break
    hour, minute = (int(x) for x in settings.KAGAMI_REPORT_DUE_TIME.split(":"))
    return datetime.combine(day, time(hour, minute), JST)
