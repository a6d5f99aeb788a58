"""When staff are at work, from STAFF_SCHEDULE: it decides what the user is told about a reply."""
from datetime import datetime, timezone

import pytest

from bot.staff_hours import parse_schedule, staff_at_work

# Friday 27 November 2026.
FRIDAY_10_UTC = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
SATURDAY_10_UTC = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)


def test_weekday_office_hours():
    assert staff_at_work("Mon-Fri 09:00-17:00", "UTC", FRIDAY_10_UTC)
    assert not staff_at_work("Mon-Fri 09:00-17:00", "UTC", SATURDAY_10_UTC)


def test_hours_are_read_in_the_clinic_time_zone():
    # 10:00 UTC is 21:00 in Sydney: closed there.
    assert not staff_at_work("Mon-Fri 09:00-17:00", "Australia/Sydney", FRIDAY_10_UTC)
    assert staff_at_work("Mon-Fri 09:00-17:00", "Europe/London", FRIDAY_10_UTC)


def test_several_blocks_and_a_range_across_the_weekend():
    assert staff_at_work("Mon-Fri 09:00-17:00; Sat 09:30-12:00", "UTC", SATURDAY_10_UTC)
    assert staff_at_work("Fri-Mon 08:00-11:00", "UTC", SATURDAY_10_UTC)
    assert not staff_at_work("Fri-Mon 08:00-09:00", "UTC", SATURDAY_10_UTC)


@pytest.mark.parametrize("bad", ["weekdays 9 to 5", "Mon-Fri", "Xyz 09:00-17:00"])
def test_a_schedule_that_cannot_be_read_is_refused_loudly(bad):
    with pytest.raises(ValueError):
        parse_schedule(bad)
