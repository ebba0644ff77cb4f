"""SSRF: loopback, private, link-local, metadata and other non-public addresses are refused unless the host
is in ``[fetch] allow_private_hosts`` -- in the guard itself (``netguard``) and end to end through
``cleanfeed run`` (first request, every redirect hop, and no second DNS lookup between check and connect)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import cleanfeed
from cleanfeed.errors import FetchError
from cleanfeed.netguard import AllowList, embedded_ipv4, is_public, resolve_checked
from faultserver import FaultServer, marker
from helpers.runlevel import read_all, run_cli, write_config

NOBODY = AllowList.parse([])

# Every spelling here denotes a non-public address; the system resolver (glibc inet_aton) accepts the
# numeric shorthands exactly as a connection would.
BLOCKED_LITERALS = [
    "127.0.0.1", "2130706433", "0177.0.0.1", "0x7f.1", "0x7f000001", "017700000001", "127.1",
    "127.0.0.1.", "::1", "[::1]", "::ffff:127.0.0.1", "[::ffff:7f00:1]", "::ffff:0:7f00:1", "::7f00:1",
    "2002:7f00:0001::", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:1", "fe80::1",
    "fe80::1%lo", "fc00::1", "fd00:ec2::254", "fec0::1", "169.254.169.254", "[::ffff:169.254.169.254]",
    "100.100.100.200", "100.64.0.1", "0.0.0.0", "0", "::", "10.0.0.1", "172.16.0.1", "192.168.1.1",
    "192.0.0.170", "198.18.0.1", "224.0.0.1", "ff02::1", "ff0e::1", "240.0.0.1", "255.255.255.255",
    "2001:db8::1", "3fff::1", "192.0.2.1", "localhost", "LOCALHOST", "localhost.", "ｌｏｃａｌｈｏｓｔ",
    "127。0。0。1",
]  # fmt: skip
PUBLIC_LITERALS = ["1.1.1.1", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]
# Host strings a C resolver reads differently from Python: refused before any lookup.
MALFORMED_HOSTS = [
    "localhost\x00.allowed.example",
    "127.0.0.1\x00",
    "a..b",
    "",
    "[",
    "a" * 300,
    "a b",
    "x\ty",
]


@pytest.mark.parametrize("host", BLOCKED_LITERALS)
def test_non_public_literals_are_refused(host: str) -> None:
    with pytest.raises(FetchError) as info:
        resolve_checked(host, 80, NOBODY)
    assert info.value.reason in {"blocked_address", "dns_error", "bad_host"}


@pytest.mark.parametrize("host", PUBLIC_LITERALS)
def test_public_literals_pass(host: str) -> None:
    assert ipaddress.ip_address(resolve_checked(host, 80, NOBODY))


@pytest.mark.parametrize("host", MALFORMED_HOSTS)
def test_malformed_hosts_are_refused_even_when_a_suffix_is_allowed(host: str) -> None:
    with pytest.raises(FetchError):
        resolve_checked(host, 80, AllowList.parse(["*.allowed.example"]))


@pytest.mark.parametrize(
    ("addr", "inner"),
    [("::ffff:127.0.0.1", "127.0.0.1"), ("::ffff:0:a00:1", "10.0.0.1"), ("::7f00:1", "127.0.0.1"),
     ("64:ff9b::a9fe:a9fe", "169.254.169.254"), ("64:ff9b:1::c0a8:1", "192.168.0.1"),
     ("2002:a00:1::", "10.0.0.1")],
)  # fmt: skip
def test_embedded_ipv4_is_found(addr: str, inner: str) -> None:
    assert str(embedded_ipv4(ipaddress.ip_address(addr))) == inner
    assert not is_public(ipaddress.ip_address(addr))


def test_allow_list_ip_network_and_names() -> None:
    allow = AllowList.parse(["127.0.0.1", "10.0.0.0/8", "intranet.example.", "*.corp.example", "[::1]"])
    assert resolve_checked("127.0.0.1", 80, allow) == "127.0.0.1"
    assert resolve_checked("::ffff:127.0.0.1", 80, allow) == "::ffff:7f00:1"  # same host, mapped form
    assert resolve_checked("10.1.2.3", 80, allow) == "10.1.2.3"
    assert resolve_checked("::1", 80, allow) == "::1"
    with pytest.raises(FetchError):
        resolve_checked("127.0.0.2", 80, allow)  # only the one address was allowed
    assert allow.allows_name("INTRANET.example") and allow.allows_name("intranet.example.")
    assert allow.allows_name("a.b.corp.example") and not allow.allows_name("corp.example")
    assert not allow.allows_name("evilcorp.example") and not allow.allows_name("corp.example.evil")


def test_allow_list_ignores_entries_that_could_match_everything() -> None:
    allow = AllowList.parse(["*", "*.", "", " ", "*.*"])
    for host in ("localhost", "anything.example", "a.b"):
        assert not allow.allows_name(host)


# -- names: resolution is checked, every answer must pass ---------------------------------------------------


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, list[str]]], list[str]]:
    """Map names to answers; other names go to the real resolver. Returns the log of names looked up."""
    looked_up: list[str] = []

    def install(table: dict[str, list[str]]) -> list[str]:
        real = socket.getaddrinfo

        def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
            name = host.decode() if isinstance(host, bytes) else str(host)
            looked_up.append(name)
            if name in table:
                out = []
                for ip in table[name]:
                    fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
                    sa = (ip, port, 0, 0) if fam == socket.AF_INET6 else (ip, port)
                    out.append((fam, socket.SOCK_STREAM, 6, "", sa))
                return out
            return real(host, port, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", fake)
        return looked_up

    return install


def test_name_resolving_to_private_is_refused(fake_dns: Callable[[dict[str, list[str]]], list[str]]) -> None:
    fake_dns(
        {"internal.example": ["10.0.0.5"], "meta.example": ["169.254.169.254"], "v6.example": ["fd00::1"]}
    )
    for name in ("internal.example", "meta.example", "v6.example", "internal.example.", "INTERNAL.example"):
        with pytest.raises(FetchError) as info:
            resolve_checked(name, 80, NOBODY)
        assert info.value.reason == "blocked_address"


def test_name_resolving_to_public_and_private_is_refused(
    fake_dns: Callable[[dict[str, list[str]]], list[str]],
) -> None:
    fake_dns({"mixed.example": ["93.184.216.34", "127.0.0.1"], "mixed6.example": ["2606:4700::1", "::1"]})
    for name in ("mixed.example", "mixed6.example"):
        with pytest.raises(FetchError):
            resolve_checked(name, 80, NOBODY)


def test_public_name_and_allow_listed_name(fake_dns: Callable[[dict[str, list[str]]], list[str]]) -> None:
    fake_dns({"public.example": ["93.184.216.34"], "intranet.example": ["10.0.0.5"]})
    assert resolve_checked("public.example", 80, NOBODY) == "93.184.216.34"
    assert resolve_checked("intranet.example", 80, AllowList.parse(["intranet.example"])) == "10.0.0.5"


def test_idna_names_are_looked_up_in_ascii(fake_dns: Callable[[dict[str, list[str]]], list[str]]) -> None:
    log = fake_dns({"xn--bcher-kva.example": ["10.0.0.9"]})
    with pytest.raises(FetchError):
        resolve_checked("bücher.example", 80, NOBODY)
    assert "xn--bcher-kva.example" in log
    assert resolve_checked("bücher.example", 80, AllowList.parse(["xn--bcher-kva.example"])) == "10.0.0.9"


# -- end to end through `cleanfeed run` ---------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as s:
        yield s


def _only_rejects(tmp: Path) -> dict[str, str]:
    recs = read_all(tmp / "out")
    return {str(r.get("url")): str(r.get("reject_reason")) for r in recs["rejects"]}


def test_loopback_server_not_allowed_is_never_contacted(server: FaultServer, tmp_path: Path) -> None:
    urls = [server.url("/good/1.html"), f"http://localhost:{server.port}/good/2.html",
            f"http://2130706433:{server.port}/good/3.html", f"http://[::ffff:127.0.0.1]:{server.port}/good/4.html",
            f"http://0x7f.1:{server.port}/good/5.html"]  # fmt: skip
    cfg = write_config(
        tmp_path, [{"name": "s", "kind": "urls", "urls": urls}], fetch={"allow_private_hosts": []}
    )
    res = run_cli(cfg, hard_limit_s=60)
    # A refused URL is a policy outcome (like robots.txt), so 0 and 1 are both acceptable; a crash is not.
    assert res.rc in (0, 1), f"exit {res.rc}\n{res.stderr[-2000:]}"
    assert server.connections == 0, f"the guard let {server.connections} connection(s) through: {server.hits}"
    rejects = _only_rejects(tmp_path)
    assert all("blocked" in rejects.get(u, "") for u in urls), rejects


@pytest.fixture
def second_loopback(server: FaultServer) -> Iterator[FaultServer]:
    """A server on 127.0.0.2 with the same port: the 'internal service' an attacker wants to reach."""
    try:
        other = FaultServer(host="127.0.0.2", port=server.port)
    except OSError as exc:
        pytest.skip(f"cannot bind 127.0.0.2:{server.port}: {exc}")
    with other:
        yield other


def test_redirect_to_non_allowed_private_address_is_refused_at_the_hop(
    server: FaultServer, second_loopback: FaultServer, tmp_path: Path
) -> None:
    targets = {
        "/r/internal": f"http://127.0.0.2:{server.port}/good/1.html",
        "/r/metadata": "http://169.254.169.254/latest/meta-data/",
        "/r/v6": f"http://[::1]:{server.port}/good/2.html",
        "/r/hex": f"http://0x7f000002:{server.port}/good/3.html",
        "/r/chain": "/r/internal",  # allowed hop first, then the private one
    }
    for path, loc in targets.items():
        server.custom[path] = ("302 Found", {"Location": loc}, b"")
    urls = [server.url(p) for p in targets] + [server.url("/good/9.html")]
    cfg = write_config(tmp_path, [{"name": "s", "kind": "urls", "urls": urls}])
    res = run_cli(cfg, hard_limit_s=60)
    # A refused URL is a policy outcome (like robots.txt), so 0 and 1 are both acceptable; a crash is not.
    assert res.rc in (0, 1), f"exit {res.rc}\n{res.stderr[-2000:]}"
    assert second_loopback.connections == 0, f"redirect reached 127.0.0.2: {second_loopback.hits}"
    rejects = _only_rejects(tmp_path)
    not_blocked = {
        p: rejects.get(server.url(p)) for p in targets if "blocked" not in rejects.get(server.url(p), "")
    }
    assert not not_blocked, f"redirect hops not refused by the guard: {not_blocked}"
    assert marker(9) in "".join(str(r.get("text")) for r in read_all(tmp_path / "out")["articles"])


def test_no_dns_rebinding_between_check_and_connect(
    server: FaultServer,
    second_loopback: FaultServer,
    tmp_path: Path,
    fake_dns: Callable[[dict[str, list[str]]], list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first lookup of rebind.test says 127.0.0.1 (allowed); every later one says 127.0.0.2 (not allowed).
    A fetcher that resolved again when connecting would reach the server on 127.0.0.2."""
    calls = {"n": 0}
    real = socket.getaddrinfo

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else str(host)  # anyio passes bytes
        if name.rstrip(".") == "rebind.test":
            calls["n"] += 1
            ip = "127.0.0.1" if calls["n"] == 1 else "127.0.0.2"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.chdir(tmp_path)
    url = f"http://rebind.test:{server.port}/good/1.html"
    cfg = write_config(tmp_path, [{"name": "s", "kind": "urls", "urls": [url]}], fetch={"retries": 0})
    result = cleanfeed.run(cleanfeed.load_settings(cfg))
    assert calls["n"] >= 1, "the fetcher never asked the resolver: the test did not exercise the guard"
    assert second_loopback.connections == 0, "connected to the re-resolved (unchecked) address"
    assert server.hits["/good/1.html"] == 1, f"checked address not used: {server.hits}"
    assert marker(1) in "".join(str(r.get("text")) for r in read_all(tmp_path / "out")["articles"])
    assert result.exit_code == 0


def test_sitemap_and_feed_cannot_point_the_crawler_inside(
    server: FaultServer, second_loopback: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entry points are attacker-controlled too: a sitemap on an allowed host listing internal URLs, and a
    feed whose own URL is internal, reach nothing (in process: ``cleanfeed.run``)."""
    inside = [f"http://127.0.0.2:{server.port}/good/1.html", f"http://localhost:{server.port}/good/2.html",
              "http://169.254.169.254/latest/meta-data/iam/", f"http://[::1]:{server.port}/good/3.html",
              f"http://0177.0.0.2:{server.port}/good/4.html", server.url("/good/5.html")]  # fmt: skip
    locs = "".join(f"<url><loc>{u}</loc></url>" for u in inside)
    sitemap = (
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
    )
    server.custom["/sitemap.xml"] = ("200 OK", {"Content-Type": "application/xml"}, sitemap.encode())
    second_loopback.custom["/feed.xml"] = ("200 OK", {"Content-Type": "application/xml"}, b"<rss/>")
    sources = [
        {"name": "sm", "kind": "sitemap", "url": server.url("/sitemap.xml")},
        {"name": "feed", "kind": "feed", "url": f"http://127.0.0.2:{server.port}/feed.xml"},
    ]
    monkeypatch.chdir(tmp_path)
    cfg = write_config(tmp_path, sources)
    result = cleanfeed.run(cleanfeed.load_settings(cfg))
    assert second_loopback.connections == 0, f"reached 127.0.0.2: {second_loopback.hits}"
    assert "feed" in result.failed_sources, f"an internal feed URL was not refused: {result.failed_sources}"
    recs = read_all(tmp_path / "out")
    arts = "".join(str(r.get("text")) for r in recs["articles"])
    # localhost resolves to 127.0.0.1, which is allow-listed by address: reaching it is by design.
    assert marker(5) in arts and marker(2) in arts, "allowed URLs of the sitemap were not delivered"
    rejects = {str(r.get("url")): str(r.get("reject_reason")) for r in recs["rejects"]}
    for url in (inside[0], inside[2], inside[3]):
        assert "blocked" in rejects.get(url, ""), f"{url}: {rejects.get(url)}"
    # httpx refuses the octal spelling as a URL: a bad_url reject is as good as blocked; a crash is not.
    assert any(r in rejects.get(inside[4], "") for r in ("blocked", "bad_url")), rejects.get(inside[4])


def test_allow_listed_name_is_reachable(
    server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"http://localhost:{server.port}/good/1.html"
    cfg = write_config(
        tmp_path, [{"name": "s", "kind": "urls", "urls": [url]}], fetch={"allow_private_hosts": ["localhost"]}
    )
    result = cleanfeed.run(cleanfeed.load_settings(cfg))
    assert result.exit_code == 0, result.manifest
    assert marker(1) in "".join(str(r.get("text")) for r in read_all(tmp_path / "out")["articles"])


@pytest.mark.parametrize("allowed", [True, False])
def test_ipv6_loopback_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, allowed: bool) -> None:
    try:
        v6 = FaultServer(host="::1")
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback: {exc}")
    with v6:
        monkeypatch.chdir(tmp_path)
        fetch = {"allow_private_hosts": ["::1"] if allowed else ["127.0.0.1"]}
        cfg = write_config(
            tmp_path, [{"name": "s", "kind": "urls", "urls": [v6.url("/good/1.html")]}], fetch=fetch
        )
        cleanfeed.run(cleanfeed.load_settings(cfg))
        delivered = marker(1) in "".join(str(r.get("text")) for r in read_all(tmp_path / "out")["articles"])
        assert delivered == allowed
        assert (v6.connections > 0) == allowed, f"connections: {v6.connections}"
