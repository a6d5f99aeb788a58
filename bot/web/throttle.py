"""Per-client-address throttling: failed staff logins, erasure requests."""
from __future__ import annotations

import time
from collections import defaultdict, deque
from typing import Deque, Dict


class AddressThrottle:
    """At most `limit` recorded attempts per client address in `window` seconds."""

    def __init__(self, limit: int, window: float = 600.0):
        self.limit, self.window = limit, window
        self._attempts: Dict[str, Deque[float]] = defaultdict(deque)

    def _recent(self, address: str) -> Deque[float]:
        attempts, cutoff = self._attempts[address], time.monotonic() - self.window
        while attempts and attempts[0] < cutoff:
            attempts.popleft()
        if not attempts:
            del self._attempts[address]  # an address seen once is not kept for ever
            return self._attempts[address]
        return attempts

    def blocked(self, address: str) -> bool:
        return len(self._recent(address)) >= self.limit

    def record(self, address: str) -> None:
        self._recent(address).append(time.monotonic())
