"""System checks for the incidents app (ids kagami.E030…)."""

from datetime import timedelta

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from kagami.lib.workcalendar import parse_clock


@register("kagami")
def check_office_hours(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    """KAGAMI_OFFICE_HOURS must read as HH:MM-HH:MM, opening before closing."""
    value = str(settings.KAGAMI_OFFICE_HOURS)
    opens, _sep, closes = value.partition("-")
    start, end = parse_clock(opens.strip()), parse_clock(closes.strip())
    if start is None or end is None or start >= end or end >= timedelta(days=1):
        return [
            Error(
                f"KAGAMI_OFFICE_HOURS is not a span of office hours: {value!r}.",
                hint="Write it as HH:MM-HH:MM, e.g. 08:30-17:15.",
                id="kagami.E030",
            )
        ]
    return []
