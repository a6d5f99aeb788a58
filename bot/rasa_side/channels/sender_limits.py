"""How fast one sender, and one network address, may send to the public channels.

One visitor sending as fast as a script can would otherwise take the Rasa server's time
from everyone else, a person in crisis included. Each key (a conversation, a Telegram
chat, a client address) has a rate with a burst, kept as a generic cell rate algorithm
(GCRA: one "theoretical arrival time" per key, so no timers and no queues):
- within the burst, a message goes on at once;
- a little over it, it is held until its turn (at most MAX_HOLD_SECONDS), so what a quick
  typist sends is only slowed, never lost, and stays in order (each message reserves the
  next slot when it arrives);
- beyond that it is refused, and the channel tells the sender plainly to send it again
  in a moment (with the emergency number), rather than dropping it without a word.
The limits are per Rasa process: with several replicas a sender may get a little more.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Sequence, Tuple

MAX_HOLD_SECONDS = 10.0
# Forgotten keys are dropped once there are this many (a key idle long enough is at rest).
PRUNE_ABOVE = 10_000


@dataclass(frozen=True)
class Rate:
    burst: int
    per_second: float

    @property
    def interval(self) -> float:
        return 1.0 / self.per_second


# One conversation or chat: 8 messages at once, then one every 2 s (30 a minute) - more
# than anyone types, even in distress.
PER_SENDER = Rate(burst=8, per_second=0.5)
# One address (a family's router, a clinic's waiting room): several people at once.
PER_ADDRESS = Rate(burst=40, per_second=3.0)


class SenderLimits:
    def __init__(self, max_hold_seconds: float = MAX_HOLD_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.max_hold = max_hold_seconds
        self.clock = clock
        self._due: Dict[str, float] = {}  # key -> when its next message would be exactly on rate

    def admit(self, keys: Sequence[Tuple[str, Rate]]) -> Optional[float]:
        """Seconds to hold the message before it goes on (0: at once), or None to refuse it.
        A refused message reserves nothing, so a flood refused does not push back what
        comes after it."""
        now = self.clock()
        holds = []
        for key, rate in keys:
            due = max(self._due.get(key, now), now)
            holds.append(max(0.0, due - now - (rate.burst - 1) * rate.interval))
        hold = max(holds, default=0.0)
        if hold > self.max_hold:
            return None
        for key, rate in keys:
            self._due[key] = max(self._due.get(key, now), now) + rate.interval
        if len(self._due) > PRUNE_ABOVE:
            self._due = {key: due for key, due in self._due.items() if due > now}
        return hold
