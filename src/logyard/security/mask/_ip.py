"""Client IP truncation: keep the network, drop the host part (``/24`` and ``/48`` by default).

``89.70.203.191`` → ``89.70.203.0``; ``2a00:1fa0:fad7:d9c2::1`` → ``2a00:1fa0:fad7::``.
Results are cached: the same addresses come back event after event.
"""

from __future__ import annotations

import ipaddress
import re

__all__ = ["IpTruncator"]

_CACHE_MAX = 65536
_V4 = re.compile(r"([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})")


class IpTruncator:
    """Truncates addresses to ``ipv4_prefix`` / ``ipv6_prefix`` bits."""

    __slots__ = ("_cache", "ipv4_prefix", "ipv6_prefix")

    def __init__(self, ipv4_prefix: int = 24, ipv6_prefix: int = 48) -> None:
        if not 0 <= ipv4_prefix <= 32 or not 0 <= ipv6_prefix <= 128:
            raise ValueError(
                f"mask: ip prefixes must be 0-32 and 0-128, got /{ipv4_prefix} and "
                f"/{ipv6_prefix}; use 32 and 128 to keep addresses whole"
            )
        self.ipv4_prefix = ipv4_prefix
        self.ipv6_prefix = ipv6_prefix
        self._cache: dict[str, str | None] = {}

    def __call__(self, ip: str) -> str | None:
        """The truncated address, or ``None`` when ``ip`` is not an address."""
        try:
            return self._cache[ip]
        except KeyError:
            pass
        out = self._truncate(ip)
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[ip] = out
        return out

    def _truncate(self, ip: str) -> str | None:
        m = _V4.fullmatch(ip)
        if m is not None:  # the common case, without ipaddress objects
            a, b, c, d = (int(x) for x in m.groups())
            if a > 255 or b > 255 or c > 255 or d > 255:
                return None
            bits = self.ipv4_prefix
            v = (a << 24 | b << 16 | c << 8 | d) & (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF
            return f"{v >> 24}.{v >> 16 & 255}.{v >> 8 & 255}.{v & 255}"
        text = ip.strip()
        if "%" in text:  # IPv6 zone id: fe80::1%eth0
            text = text.split("%", 1)[0]
        try:
            addr = ipaddress.ip_address(text)
        except ValueError:
            return None
        prefix = self.ipv4_prefix if addr.version == 4 else self.ipv6_prefix
        net = ipaddress.ip_network(f"{addr}/{prefix}", strict=False)
        return str(net.network_address)
