"""SSRF guard edges a mutation run found untested: reserved IPv6 space, the IPv4-compatible boundary, host
spellings (brackets, case, trailing dot, the 253-character limit) and what each refusal says.

The refusal reason is a record field (``reject_reason``): a run that reports ``dns_error`` as something
else misleads whoever reads the rejects, so the codes are checked as well as the refusal itself.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from cleanfeed.errors import FetchError
from cleanfeed.netguard import AllowList, embedded_ipv4, is_public, normalize_host, resolve_checked

NOBODY = AllowList.parse([])


# IANA reserves these IPv6 blocks (RFC 4291 §2.4 "unassigned"): Python calls them is_global, but nothing
# legitimate is reached there, so the guard must refuse them.
@pytest.mark.parametrize("addr", ["4000::1", "6000::1", "e000::1", "f000::1"])
def test_reserved_ipv6_space_is_not_public(addr: str) -> None:
    assert not is_public(ipaddress.ip_address(addr))
    with pytest.raises(FetchError) as info:
        resolve_checked(addr, 80, NOBODY)
    assert info.value.reason == "blocked_address"


@pytest.mark.parametrize(
    ("addr", "inner"),
    [("::", None), ("::1", None), ("::2", "0.0.0.2"), ("::a00:1", "10.0.0.1"), ("::808:808", "8.8.8.8")],
)
def test_ipv4_compatible_form_except_unspecified_and_loopback(addr: str, inner: str | None) -> None:
    """``::`` and ``::1`` are themselves; from ``::2`` on, ``::a.b.c.d`` carries an IPv4 address."""
    got = embedded_ipv4(ipaddress.ip_address(addr))
    assert (str(got) if got is not None else None) == inner


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("[2001:DB8::A]", "2001:db8::a"),  # a bracketed URL literal: brackets off, one spelling
        ("2001:DB8::A", "2001:db8::a"),
        ("[::1]", "::1"),
        ("WWW.EXAMPLE.COM.", "www.example.com"),  # the root dot names the same host
        ("MAILBOX.", "mailbox"),
        ("  news.example  ", "news.example"),
        ("bücher.example", "xn--bcher-kva.example"),
    ],
)
def test_host_spellings_normalize_to_one_form(host: str, expected: str) -> None:
    assert normalize_host(host) == expected


@pytest.mark.parametrize("host", ["[::1", "::1]", "[example.com", "", ".", "[]"])
def test_unbalanced_brackets_and_empty_hosts_are_refused(host: str) -> None:
    with pytest.raises(ValueError):
        normalize_host(host)


def _name(length: int) -> str:
    """A host name of exactly ``length`` characters made of valid short labels."""
    labels, size = [], 0
    while size < length:
        room = length - size - (1 if labels else 0)
        label = "a" * min(63, room)
        size += len(label) + (1 if labels else 0)
        labels.append(label)
    name = ".".join(labels)
    assert len(name) == length
    return name


@pytest.mark.parametrize(("length", "ok"), [(252, True), (253, True), (254, False), (300, False)])
def test_host_names_longer_than_253_characters_are_refused(length: int, ok: bool) -> None:
    """253 is DNS's limit on a name's text form (RFC 1035 §3.1 and 2181 §11)."""
    name = _name(length)
    if ok:
        assert normalize_host(name) == name
        assert normalize_host(name + ".") == name  # the root dot does not count
    else:
        with pytest.raises(ValueError):
            normalize_host(name)


def test_allow_list_never_allows_a_host_it_cannot_read() -> None:
    allow = AllowList.parse(["*.allowed.example", "allowed.example"])
    for host in ("localhost\x00.allowed.example", "a b.allowed.example", "", "a..allowed.example"):
        assert not allow.allows_name(host)


# -- refusals: the reason code and the host they name --------------------------------------------------------


def _resolver(monkeypatch: pytest.MonkeyPatch, answer: Any) -> list[tuple[Any, ...]]:
    """Replace the system resolver for one test: ``answer`` is a list of addresses or an exception."""
    calls: list[tuple[Any, ...]] = []

    def fake(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        calls.append((host, port))
        if isinstance(answer, BaseException):
            raise answer
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in answer
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return calls


def test_a_malformed_host_is_bad_host_and_never_looked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _resolver(monkeypatch, ["93.184.216.34"])
    with pytest.raises(FetchError) as info:
        resolve_checked("a b.example", 80, NOBODY)
    assert info.value.reason == "bad_host"
    assert info.value.url == "a b.example"
    assert info.value.detail  # says why
    assert calls == []


def test_a_resolver_failure_is_dns_error_with_its_message(monkeypatch: pytest.MonkeyPatch) -> None:
    _resolver(monkeypatch, socket.gaierror(-2, "Name or service not known"))
    with pytest.raises(FetchError) as info:
        resolve_checked("gone.example", 80, NOBODY)
    assert info.value.reason == "dns_error"
    assert info.value.url == "gone.example"
    assert "Name or service not known" in info.value.detail


def test_an_empty_answer_is_dns_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _resolver(monkeypatch, [])
    with pytest.raises(FetchError) as info:
        resolve_checked("empty.example", 443, NOBODY)
    assert (info.value.reason, info.value.url) == ("dns_error", "empty.example")
    assert info.value.detail


def test_an_answer_that_is_not_an_address_is_dns_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _resolver(monkeypatch, ["not-an-address"])
    with pytest.raises(FetchError) as info:
        resolve_checked("odd.example", 80, NOBODY)
    assert (info.value.reason, info.value.url) == ("dns_error", "odd.example")
    assert "not-an-address" in info.value.detail


def test_a_blocked_answer_names_the_host_and_the_address(monkeypatch: pytest.MonkeyPatch) -> None:
    _resolver(monkeypatch, ["93.184.216.34", "10.1.2.3"])
    with pytest.raises(FetchError) as info:
        resolve_checked("mixed.example", 80, NOBODY)
    assert (info.value.reason, info.value.url) == ("blocked_address", "mixed.example")
    assert "10.1.2.3" in info.value.detail


def test_the_lookup_is_for_the_normalized_name_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _resolver(monkeypatch, ["93.184.216.34"])
    assert resolve_checked("News.Example.", 8080, NOBODY) == "93.184.216.34"
    assert calls == [("news.example", 8080)]


def test_a_cidr_written_with_host_bits_allows_its_network() -> None:
    allow = AllowList.parse(["10.1.2.3/8"])  # what people type: an address and the network's size
    assert allow.allows_ip(ipaddress.ip_address("10.200.0.1"))
    assert not allow.allows_ip(ipaddress.ip_address("11.0.0.1"))


def test_entries_after_an_empty_or_unusable_one_still_count() -> None:
    allow = AllowList.parse(["", "bad host!", "intranet.example", "  ", "*.corp.example", "10.0.0.0/8"])
    assert allow.allows_name("intranet.example") and allow.allows_name("a.corp.example")
    assert allow.allows_ip(ipaddress.ip_address("10.0.0.1"))


def test_a_bracketed_ipv6_entry_allows_a_name_resolving_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    _resolver(monkeypatch, ["::1"])
    assert resolve_checked("v6.internal.example", 80, AllowList.parse(["[::1]"])) == "::1"
    with pytest.raises(FetchError):
        resolve_checked("v6.internal.example", 80, NOBODY)


@pytest.mark.parametrize(
    ("host", "word"),
    [("", "empty"), ("a" * 254, "long"), ("a b.example", "misread"), ("x" * 64 + ".example", "valid")],
)
def test_a_bad_host_says_what_is_wrong_with_it(host: str, word: str) -> None:
    with pytest.raises(FetchError) as info:
        resolve_checked(host, 80, NOBODY)
    assert info.value.reason == "bad_host"
    assert word in info.value.detail
