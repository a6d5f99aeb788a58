"""When staff are at work, from STAFF_SCHEDULE: it decides what the user is told about a reply."""
from datetime import datetime, timezone

import pytest

from bot.settings import load_settings
from bot.staff_hours import describe_schedule, parse_schedule, staff_at_work

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


# --- STAFF_SCHEDULE in words: what the bot says when STAFF_HOURS is not set -------------

@pytest.mark.parametrize("schedule, timezone, said", [
    ("Mon-Fri 09:00-17:00", "UTC", "Monday to Friday, 9am to 5pm UTC"),
    ("Mon-Fri 08:30-17:30", "Europe/London", "Monday to Friday, 8:30am to 5:30pm London time"),
    ("mon-fri 9:00-12:00", "America/New_York", "Monday to Friday, 9am to noon New York time"),
    ("Sat 10:00-13:00", "UTC", "Saturday, 10am to 1pm UTC"),
    ("Mon-Sun 00:00-23:59", "UTC", "every day, midnight to 11:59pm UTC"),
    ("Fri-Mon 08:00-11:00", "UTC", "Friday to Monday, 8am to 11am UTC"),
    ("Mon-Fri 09:00-17:00; Sat 10:00-13:00", "Australia/Sydney",
     "Monday to Friday, 9am to 5pm and Saturday, 10am to 1pm Sydney time"),
    ("Mon-Thu 09:00-17:00; Fri 09:00-13:00; Sun 12:00-14:00", "UTC",
     "Monday to Thursday, 9am to 5pm; Friday, 9am to 1pm and Sunday, noon to 2pm UTC"),
])
def test_the_schedule_is_said_in_words_with_its_time_zone(schedule, timezone, said):
    assert describe_schedule(schedule, timezone) == said


@pytest.mark.parametrize("bad", ["weekdays 9 to 5", "", "Mon-Fri 17:00-09:00", "Mon 10:00-10:00"])
def test_a_schedule_that_cannot_be_said_honestly_is_refused(bad):
    with pytest.raises(ValueError):
        describe_schedule(bad, "UTC")


@pytest.fixture
def clean_environment(monkeypatch, tmp_path):
    for name in ("STAFF_HOURS", "STAFF_SCHEDULE", "STAFF_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("bot.settings.load_dotenv", lambda *args, **kwargs: None)  # a developer's .env stays out
    return monkeypatch


def test_by_default_staff_hours_are_the_default_schedule_in_words(clean_environment):
    # The same hours as the old fixed default, "Monday to Friday, 9am to 5pm", now with their zone.
    assert load_settings().staff_hours == "Monday to Friday, 9am to 5pm UTC"


def test_without_staff_hours_the_schedule_and_its_zone_are_said(clean_environment):
    clean_environment.setenv("STAFF_SCHEDULE", "Mon-Fri 08:00-16:00; Sat 09:00-12:00")
    clean_environment.setenv("STAFF_TIMEZONE", "Europe/Dublin")
    assert load_settings().staff_hours == (
        "Monday to Friday, 8am to 4pm and Saturday, 9am to noon Dublin time")


def test_staff_hours_when_set_win_over_the_schedule(clean_environment):
    clean_environment.setenv("STAFF_SCHEDULE", "Mon-Fri 08:00-16:00")
    clean_environment.setenv("STAFF_HOURS", "weekdays 8am to 4pm, except public holidays")
    assert load_settings().staff_hours == "weekdays 8am to 4pm, except public holidays"


def test_the_next_staffed_time_is_now_at_work_else_the_start_of_the_next_block():
    from datetime import datetime, timezone as tz
    from bot.staff_hours import next_staffed_time
    friday_18 = datetime(2026, 12, 4, 18, 0, tzinfo=tz.utc)  # a Friday evening
    assert next_staffed_time("Mon-Fri 09:00-17:00", "UTC", friday_18) == datetime(2026, 12, 7, 9, 0, tzinfo=tz.utc)
    assert next_staffed_time("Mon-Fri 09:00-17:00; Sat 10:00-13:00", "UTC", friday_18) == \
        datetime(2026, 12, 5, 10, 0, tzinfo=tz.utc)
    friday_10 = datetime(2026, 12, 4, 10, 0, tzinfo=tz.utc)
    assert next_staffed_time("Mon-Fri 09:00-17:00", "UTC", friday_10) == friday_10
    # 9am in Sydney on Monday is Sunday 22:00 UTC (summer time there).
    assert next_staffed_time("Mon-Fri 09:00-17:00", "Australia/Sydney", friday_18) == \
        datetime(2026, 12, 6, 22, 0, tzinfo=tz.utc)
