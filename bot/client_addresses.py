"""Who is asking, by network address, when our own reverse proxy may stand in between.

Shared by the web app's throttles (bot/web/throttle.py) and the Rasa server's public
channels (bot/rasa_side/channels/sender_limits.py), so both count the same client.
"""
from __future__ import annotations

import ipaddress
from typing import Iterable, Optional


def client_address(remote: Optional[str], real_ip: Optional[str], trusted_proxies: Iterable[str]) -> str:
    """The connecting address, or, when that is one of our reverse proxies (deploy/nginx.conf
    sets X-Real-IP to the address it was reached from), the client's. A header from anyone
    else is ignored, so a client cannot choose its own address."""
    remote = remote or "unknown"
    if not is_trusted(remote, trusted_proxies):
        return remote
    try:
        return str(ipaddress.ip_address((real_ip or "").strip()))
    except ValueError:
        return remote


def is_trusted(address: str, trusted_proxies: Iterable[str]) -> bool:
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
