"""Per-client-address throttling: failed staff logins, erasure and history requests."""
from __future__ import annotations

import time
from collections import defaultdict, deque
from typing import Deque, Dict, Iterable

from aiohttp import web

from bot import client_addresses as addresses


def client_address(request: web.Request, trusted_proxies: Iterable[str]) -> str:
    """Who is asking (bot/client_addresses.py): the client behind our proxy, never a header
    a client set itself."""
    return addresses.client_address(request.remote, request.headers.get("X-Real-IP"), trusted_proxies)


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
