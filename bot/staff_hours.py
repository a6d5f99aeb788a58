"""Whether staff are at work now, from STAFF_SCHEDULE, so the bot can say honestly when a reply will come.

STAFF_SCHEDULE is a list of day ranges with hours, separated by ";", for example
"Mon-Fri 09:00-17:00; Sat 10:00-13:00". Times are in STAFF_TIMEZONE (an IANA name).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import List, Optional
from zoneinfo import ZoneInfo

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_BLOCK = re.compile(
    r"^\s*(?P<first>[a-z]{3})[a-z]*(?:\s*-\s*(?P<last>[a-z]{3})[a-z]*)?\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$"
)


@dataclass(frozen=True)
class StaffedBlock:
    weekdays: frozenset
    start: time
    end: time

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
                                   time.fromisoformat(match["end"].zfill(5))))
    return blocks


def staff_at_work(schedule: str, timezone: str, now: Optional[datetime] = None) -> bool:
    local = (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo(timezone))
    return any(block.covers(local) for block in parse_schedule(schedule))
