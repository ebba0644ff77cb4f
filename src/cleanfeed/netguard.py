"""SSRF guard: refuse connections to loopback, private, link-local and cloud-metadata addresses.

The fetcher resolves each host *once* through :func:`resolve_checked` and connects to the address it
returns, so a DNS answer cannot change between the check and the connection (no rebinding window).
Every redirect hop goes through the same check.

What counts as "public": globally routable unicast only. IPv6 forms that carry an IPv4 address (mapped,
translated, compatible, NAT64, 6to4) are judged by the IPv4 address they lead to as well, because a
NAT64 gateway or a dual-stack kernel will deliver them there. Host names are validated before they reach
the C resolver: it stops reading at a NUL byte, so ``localhost\\x00.allowed.example`` would otherwise match
an allow-list suffix by its Python spelling and resolve as ``localhost``.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass

from cleanfeed.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Ranges Python's ``is_global`` (3.10/3.11) still calls global but that must never be fetched from.
_EXTRA_BLOCKED: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "fec0::/10",  # deprecated site-local: still routed inside some networks
        "3fff::/20",  # documentation (RFC 9637)
        "5f00::/16",  # SRv6 SIDs (RFC 9602)
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
    )
)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT (RFC 2765)
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d
# After IDNA encoding a host is LDH labels (underscore tolerated: it occurs in real DNS) or an IP literal.
_HOST_OK = re.compile(r"^[a-z0-9_.:-]+$")


def normalize_host(host: str) -> str:
    """The spelling used for allow-list matching and resolution: no brackets, lower case, IDNA (so a
    full-width or Unicode spelling matches its ASCII form), no trailing dot. Raises ``ValueError``."""
    bare = host.strip()
    if bare.startswith("[") and bare.endswith("]"):
        bare = bare[1:-1]
    bare = bare.rstrip(".")
    if not bare or len(bare) > 253:
        raise ValueError("empty or over-long host")
    try:
        ipaddress.ip_address(bare)
        return bare.lower()
    except ValueError:
        pass
    try:
        ascii_host = bare.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError(f"not a valid host name: {exc}") from None
    if not _HOST_OK.match(ascii_host) or ".." in ascii_host:
        raise ValueError("host name contains characters a resolver would misread")
    return ascii_host


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
            wildcard = entry.startswith("*.")
            try:
                name = normalize_host(entry[2:] if wildcard else entry)
            except ValueError:
                continue  # an entry no real host can match allows nothing (never everything)
            if wildcard:
                suffixes.append("." + name)
            else:
                names.add(name)
        return cls(frozenset(names), tuple(suffixes), tuple(networks))

    def allows_name(self, host: str) -> bool:
        try:
            host = normalize_host(host)
        except ValueError:
            return False
        return host in self.names or any(host.endswith(s) for s in self.suffixes)

    def allows_ip(self, ip: IPAddress) -> bool:
        return any(ip in net for net in self.networks)


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address leads to (mapped, translated, compatible, NAT64, 6to4), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _IPV4_TRANSLATED or any(ip in net for net in _NAT64):
        return low32
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:  # :: and ::1 are themselves unspecified / loopback
        return low32
    return None


def _canonical(ip: IPAddress) -> IPAddress:
    """The IPv4 address behind an IPv6 form, so ::ffff:127.0.0.1 is seen (and allow-listed) as loopback."""
    return embedded_ipv4(ip) or ip


def _globally_routable(ip: IPAddress) -> bool:
    if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return False
    return not any(ip.version == net.version and ip in net for net in _EXTRA_BLOCKED)


def is_public(ip: IPAddress) -> bool:
    """True for globally routable unicast addresses only (cloud metadata 169.254.169.254 is link-local,
    Alibaba's 100.100.100.200 is shared address space: both are refused). An IPv6 address carrying an IPv4
    one must be public in both readings."""
    inner = embedded_ipv4(ip)
    if inner is not None and not _globally_routable(inner):
        return False
    # NAT64/compatible/translated wrappers are not is_global themselves; the inner address decides.
    return inner is not None or _globally_routable(ip)


def resolve_checked(host: str, port: int, allow: AllowList) -> str:
    """Resolve ``host`` once and return the address to connect to; raise ``FetchError`` if refused.

    Numeric spellings (``2130706433``, ``0177.0.0.1``, ``0x7f.1``) are resolved by the system resolver
    exactly as a connection would resolve them, so they are checked as the address they denote.
    """
    try:
        bare = normalize_host(host)
    except ValueError as exc:
        raise FetchError("bad_host", host, str(exc)) from None
    try:
        infos = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:
        raise FetchError("dns_error", host, str(exc)) from exc
    try:
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    except ValueError as exc:  # a resolver answer that is not an IP address
        raise FetchError("dns_error", host, str(exc)) from None
    if not addresses:
        raise FetchError("dns_error", host, "no address")
    if allow.allows_name(bare):
        return str(addresses[0])
    # Every answer must pass: a name resolving to one public and one private address is refused.
    for ip in addresses:
        if not (is_public(ip) or allow.allows_ip(_canonical(ip)) or allow.allows_ip(ip)):
            raise FetchError("blocked_address", host, f"{ip} is not a public address")
    return str(addresses[0])
