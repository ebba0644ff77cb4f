"""SSRF guard: refuse connections to loopback, private, link-local and cloud-metadata addresses.

The fetcher resolves each host *once* through :func:`resolve_checked` and connects to the address it
returns, so a DNS answer cannot change between the check and the connection (no rebinding window).
Every redirect hop goes through the same check.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass

from cleanfeed.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class AllowList:
    """Hosts exempt from the guard: exact names, ``*.suffix`` wildcards, IPs or CIDR networks."""

    names: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        names: set[str] = set()
        suffixes: list[str] = []
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip().lower().strip("[]")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            if entry.startswith("*."):
                suffixes.append(entry[1:])
            else:
                names.add(entry.rstrip("."))
        return cls(frozenset(names), tuple(suffixes), tuple(networks))

    def allows_name(self, host: str) -> bool:
        host = host.lower().strip("[]").rstrip(".")
        return host in self.names or any(host.endswith(s) for s in self.suffixes)

    def allows_ip(self, ip: IPAddress) -> bool:
        return any(ip in net for net in self.networks)


def _canonical(ip: IPAddress) -> IPAddress:
    """IPv4-mapped / NAT64-free forms of an IPv6 address, so ::ffff:127.0.0.1 is seen as loopback."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
    return ip


def is_public(ip: IPAddress) -> bool:
    """True for globally routable unicast addresses only (cloud metadata 169.254.169.254 is link-local,
    Alibaba's 100.100.100.200 is shared address space: both are refused)."""
    ip = _canonical(ip)
    return ip.is_global and not ip.is_multicast


def resolve_checked(host: str, port: int, allow: AllowList) -> str:
    """Resolve ``host`` once and return the address to connect to; raise ``FetchError`` if refused.

    Numeric spellings (``2130706433``, ``0177.0.0.1``, ``0x7f.1``) are resolved by the system resolver
    exactly as a connection would resolve them, so they are checked as the address they denote.
    """
    bare = host.strip("[]")
    try:
        infos = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError("dns_error", host, str(exc)) from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise FetchError("dns_error", host, "no address")
    if allow.allows_name(bare):
        return str(addresses[0])
    # Every answer must pass: a name resolving to one public and one private address is refused.
    for ip in addresses:
        if not (is_public(ip) or allow.allows_ip(_canonical(ip)) or allow.allows_ip(ip)):
            raise FetchError("blocked_address", host, f"{ip} is not a public address")
    return str(addresses[0])
