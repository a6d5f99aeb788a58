"""Per-client-address throttling: failed staff logins, erasure and history requests."""
from __future__ import annotations

import ipaddress
import time
from collections import defaultdict, deque
from typing import Deque, Dict, Iterable

from aiohttp import web


def client_address(request: web.Request, trusted_proxies: Iterable[str]) -> str:
    """Who is asking: the connecting address, or, when that is one of our reverse proxies
    (deploy/nginx.conf sets X-Real-IP to the address it was reached from), the client's.
    A header from anyone else is ignored, so a client cannot choose its own address."""
    remote = request.remote or "unknown"
    if not _is_trusted(remote, trusted_proxies):
        return remote
    forwarded = (request.headers.get("X-Real-IP") or "").strip()
    try:
        return str(ipaddress.ip_address(forwarded))
    except ValueError:
        return remote


def _is_trusted(address: str, trusted_proxies: Iterable[str]) -> bool:
    """Whether `address` is one of the proxies, each an address or a network ("172.20.0.0/16")."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for proxy in trusted_proxies:
        try:
            if ip in ipaddress.ip_network(proxy, strict=False):
                return True
        except ValueError:
            continue
    return False


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
