"""Failed-login throttling per client address, on top of the per-account lockout."""
from __future__ import annotations

import time
from collections import defaultdict, deque
from typing import Deque, Dict


class LoginThrottle:
    """At most `limit` failed logins per client address in `window` seconds, whatever the account."""

    def __init__(self, limit: int = 20, window: float = 600.0):
        self.limit, self.window = limit, window
        self._failures: Dict[str, Deque[float]] = defaultdict(deque)

    def _recent(self, address: str) -> Deque[float]:
        failures, cutoff = self._failures[address], time.monotonic() - self.window
        while failures and failures[0] < cutoff:
            failures.popleft()
        return failures

    def blocked(self, address: str) -> bool:
        return len(self._recent(address)) >= self.limit

    def failed(self, address: str) -> None:
        self._recent(address).append(time.monotonic())
