"""Whether staff are at work now, from STAFF_SCHEDULE, so the bot can say honestly when a reply will come.

STAFF_SCHEDULE is a list of day ranges with hours, separated by ";", for example
"Mon-Fri 09:00-17:00; Sat 10:00-13:00". Times are in STAFF_TIMEZONE (an IANA name).
`describe_schedule` turns it into the sentence the bot says ("Monday to Friday, 9am to
5pm UTC"), used when STAFF_HOURS is not set, so the two cannot disagree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import List, Optional
from zoneinfo import ZoneInfo

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_BLOCK = re.compile(
    r"^\s*(?P<first>[a-z]{3})[a-z]*(?:\s*-\s*(?P<last>[a-z]{3})[a-z]*)?\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$"
)


@dataclass(frozen=True)
class StaffedBlock:
    weekdays: frozenset
    start: time
    end: time
    # The days as written ("Mon-Fri": 0 and 4), for describing the block in words.
    first_day: int = 0
    last_day: int = 6

    def covers(self, moment: datetime) -> bool:
        return moment.weekday() in self.weekdays and self.start <= moment.time() < self.end


def parse_schedule(schedule: str) -> List[StaffedBlock]:
    blocks = []
    for part in filter(None, (p.strip() for p in schedule.lower().split(";"))):
        match = _BLOCK.match(part)
        if not match or match["first"] not in DAYS or (match["last"] and match["last"] not in DAYS):
            raise ValueError(f"STAFF_SCHEDULE part {part!r} is not like 'Mon-Fri 09:00-17:00'")
        first = DAYS.index(match["first"])
        last = DAYS.index(match["last"] or match["first"])
        days = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
        blocks.append(StaffedBlock(frozenset(days), time.fromisoformat(match["start"].zfill(5)),
                                   time.fromisoformat(match["end"].zfill(5)), first, last))
    return blocks


def staff_at_work(schedule: str, timezone: str, now: Optional[datetime] = None) -> bool:
    local = (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo(timezone))
    return any(block.covers(local) for block in parse_schedule(schedule))


def next_staffed_time(schedule: str, timezone: str, now: Optional[datetime] = None) -> Optional[datetime]:
    """When staff are next at work: `now` if they are, else the start of the next staffed block
    (in UTC), or None for a schedule with no hours. The widget shows it in the visitor's own zone."""
    zone = ZoneInfo(timezone)
    local = (now or datetime.now(ZoneInfo("UTC"))).astimezone(zone)
    blocks = parse_schedule(schedule)
    if any(block.covers(local) for block in blocks):
        return local.astimezone(ZoneInfo("UTC"))
    starts = []
    for ahead in range(8):
        day = (local + timedelta(days=ahead)).date()
        for block in blocks:
            start = datetime.combine(day, block.start, tzinfo=zone)
            if day.weekday() in block.weekdays and start > local:
                starts.append(start)
    return min(starts).astimezone(ZoneInfo("UTC")) if starts else None


def _clock(moment: time) -> str:
    """09:00 -> "9am", 17:30 -> "5:30pm", 12:00 -> "noon", 00:00 -> "midnight"."""
    if moment.minute == 0 and moment.hour in (0, 12):
        return "midnight" if moment.hour == 0 else "noon"
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def _days(block: StaffedBlock) -> str:
    if len(block.weekdays) == 7:
        return "every day"
    if block.first_day == block.last_day:
        return DAY_NAMES[block.first_day]
    return f"{DAY_NAMES[block.first_day]} to {DAY_NAMES[block.last_day]}"


def describe_schedule(schedule: str, timezone: str) -> str:
    """STAFF_SCHEDULE in words, with its time zone: "Mon-Fri 09:00-17:00" in UTC is
    "Monday to Friday, 9am to 5pm UTC"; "Mon-Fri 09:00-17:00; Sat 10:00-13:00" in
    Europe/London is "Monday to Friday, 9am to 5pm and Saturday, 10am to 1pm London time".
    Raises ValueError on a schedule parse_schedule refuses."""
    blocks = parse_schedule(schedule)
    if not blocks:
        raise ValueError("STAFF_SCHEDULE is empty: set it, or say the hours in STAFF_HOURS")
    for block in blocks:
        if block.end <= block.start:
            raise ValueError(f"STAFF_SCHEDULE block {_clock(block.start)}-{_clock(block.end)} ends before it "
                             "starts (overnight hours are not supported); set STAFF_HOURS to say the hours")
    parts = [f"{_days(block)}, {_clock(block.start)} to {_clock(block.end)}" for block in blocks]
    said = parts[0] if len(parts) == 1 else "; ".join(parts[:-1]) + " and " + parts[-1]
    # No brackets: the responses often put {staff_hours} in brackets of their own.
    zone = "UTC" if timezone.upper() in ("UTC", "ETC/UTC", "Z") else f"{timezone.split('/')[-1].replace('_', ' ')} time"
    return f"{said} {zone}"
