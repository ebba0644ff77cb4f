"""Network faults: a ``urls`` source lists every fault of ``tests/faultserver.py`` beside good pages.

Asserted for ``cleanfeed run`` (a subprocess, hard-killed at 120 s):
- every good page is delivered (including one behind a redirect, a gzip one, and one that answers 429 +
  Retry-After before succeeding) and every fault URL is recorded in ``rejects.jsonl`` with a reason;
- the exit code is 1 (finished with failures) and the whole run ends within a bound derived from the
  configured per-request deadline (here: deadline 2 s, 1 retry, Retry-After capped at 1 s) -- no hang;
- the run folder has a manifest; the next run requests the failed URLs again and delivers a page that
  failed with 503 the first time, without writing any earlier article twice.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from faultserver import FAULT_PATHS, FaultServer, good_page, marker
from helpers.runlevel import manifest, read_all, read_folder, run_cli, run_folders, write_config

GOOD = ["/good/1.html", "/good/2.html", "/good-gzip/3.html", "/to-good/4", "/flaky/5", "/good/6.html"]
GOOD_N = [1, 2, 3, 4, 5, 6]
# The reason recorded must say what went wrong (substring of reject_reason).
EXPECTED_REASON = {
    "/hang": "timeout", "/hang-headers": "timeout", "/drip": "timeout", "/gzip-bomb": "too_large",
    "/gzip-endless": "too_large", "/br-bomb": "too_large", "/endless": "too_large",
    "/huge-length": "too_large", "/loop": "redirect", "/chain/12": "redirect", "/png": "content_type",
    "/status/404": "404", "/status/503": "503", "/retry-after/1": "429",
}  # fmt: skip
MAX_RSS_MB = 600  # max_bytes is 2 MB; a 10 GiB gzip bomb must not be inflated
# A run takes ~28 faults, 8 at a time, each <= 2 x 2 s deadline + 1 s Retry-After + backoff: well under a
# minute. Killed past HANG_S it counts as hung (hang detection, not a speed test: no wall-clock bound here).
HANG_S = 180.0


@pytest.fixture
def faults() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


# -- the fault server does what it says (so the run-level test below can fail for the right reason) ------


def test_faultserver_selfcheck(faults: FaultServer) -> None:
    with httpx.Client(timeout=2.0, trust_env=False) as client:  # never via an env proxy
        assert client.get(faults.url("/good/1.html")).text == good_page(1).decode()
        assert marker(1) in client.get(faults.url("/good-gzip/1.html")).text
        r = client.get(faults.url("/retry-after/7"))
        assert r.status_code == 429 and r.headers["retry-after"] == "7"
        with pytest.raises(httpx.ReadTimeout):
            client.get(faults.url("/hang"), timeout=0.5)
        with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
            client.get(faults.url("/reset"))
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(faults.url("/truncated"))
        with client.stream("GET", faults.url("/gzip-bomb")) as resp:
            first = next(resp.iter_bytes())
            assert first and not first.strip(b"\0"), "bomb decompresses to zeros"
    # RST, not FIN: a raw recv sees ECONNRESET.
    with socket.create_connection((faults.host, faults.port), timeout=2) as sock:
        sock.sendall(b"GET /reset HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(ConnectionResetError):
            while sock.recv(1024):
                pass


# -- the run ----------------------------------------------------------------------------------------------


def _texts(records: list[dict[str, object]]) -> str:
    return "\n".join(str(r.get("text") or "") for r in records)


def test_run_survives_every_fault_and_retries_failures_next_run(faults: FaultServer, tmp_path: Path) -> None:
    urls = [faults.url(p) for p in GOOD + list(FAULT_PATHS) + ["/fail-once/7"]]
    cfg = write_config(tmp_path, [{"name": "faulty", "kind": "urls", "urls": urls}])

    first = run_cli(cfg, hard_limit_s=HANG_S)
    assert first.rc is not None, f"run hung: killed after {first.elapsed_s:.0f} s\n{first.stderr[-3000:]}"
    assert first.rc == 1, f"exit {first.rc} (want 1: finished with failures)\n{first.stderr[-3000:]}"
    [folder] = run_folders(tmp_path / "out")
    recs = read_folder(folder)
    got = _texts(recs["articles"])
    missing = [p for p, n in zip(GOOD, GOOD_N, strict=True) if marker(n) not in got]
    assert not missing, f"good pages not delivered: {missing}"
    rejected = {str(r.get("url")): r.get("reject_reason") for r in recs["rejects"]}
    unrecorded = [p for p in [*FAULT_PATHS, "/fail-once/7"] if not rejected.get(faults.url(p))]
    assert not unrecorded, f"faults with no reject record/reason: {unrecorded}; rejects: {rejected}"
    wrong = {p: rejected.get(faults.url(p)) for p, why in EXPECTED_REASON.items()}
    wrong = {p: r for p, r in wrong.items() if EXPECTED_REASON[p] not in str(r)}
    assert not wrong, f"reasons do not say what failed: {wrong}"
    assert first.max_rss_mb is not None and first.max_rss_mb < MAX_RSS_MB, f"peak RSS {first.max_rss_mb} MB"
    assert (folder / "manifest.json").is_file()
    assert manifest(folder), "empty manifest"

    # Second run: the server has recovered for /fail-once; every failed URL is asked again.
    hits_before = dict(faults.hits)
    faults.phase = 2
    second = run_cli(cfg, hard_limit_s=HANG_S)
    assert second.rc is not None, "second run hung"
    assert faults.hits["/fail-once/7"] > hits_before.get("/fail-once/7", 0)
    not_retried = [
        p for p in ("/status/503", "/hang", "/reset", "/truncated") if faults.hits[p] <= hits_before[p]
    ]
    assert not not_retried, f"failed URLs not retried on the next run: {not_retried}"
    every = read_all(tmp_path / "out")
    assert marker(7) in _texts(every["articles"]), "page that failed with 503 not delivered on the next run"
    ids = [r["id"] for r in every["articles"]]
    assert len(ids) == len(set(ids)), "an article was written twice across runs"
