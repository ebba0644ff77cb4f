"""Coverage-guided fuzzing with atheris (libFuzzer). Slow: run by ``make test-all``, which installs the
``fuzz`` extra (atheris ships wheels for Linux x86-64; elsewhere the test skips, saying so).

libFuzzer enforces what the property tests cannot from inside the process: a per-input time limit (10 s of
wall time: generous, as instrumentation and a loaded 2-core machine stretch it; a hang is a crash) and an
RSS limit (2 GB), and it steers inputs toward new code paths in decode/extract/normalize.
Targets raise only on a contract breach: anything but ``Drop`` from ``clean_html``/``decode_html``, an
``internal_error`` drop, a record that is not UTF-8 JSON, or ``normalize_text`` raising / not a fixed point.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

HARNESS = textwrap.dedent(
    """
    import sys
    import atheris

    with atheris.instrument_imports(include=["cleanfeed"]):
        import cleanfeed
        from cleanfeed.decode import decode_html

    def one_input(data: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(data)
        mode = fdp.ConsumeIntInRange(0, 2)
        if mode == 0:
            try:
                cleanfeed.clean_html(fdp.ConsumeBytes(fdp.remaining_bytes())).model_dump_json().encode()
            except cleanfeed.Drop as drop:
                if drop.reason == "internal_error":
                    raise RuntimeError(drop.detail) from drop
        elif mode == 1:
            label = fdp.ConsumeUnicodeNoSurrogates(12)
            try:
                text, _ = decode_html(fdp.ConsumeBytes(fdp.remaining_bytes()), header_charset=label or None)
                text.encode("utf-8")
            except cleanfeed.Drop:
                pass
        else:
            text = fdp.ConsumeUnicode(fdp.remaining_bytes())
            once = cleanfeed.normalize_text(text)
            once.encode("utf-8")
            assert cleanfeed.normalize_text(once) == once, "not a fixed point"

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
    """
)


def test_atheris_fuzz(tmp_path: Path) -> None:
    pytest.importorskip(
        "atheris", reason="atheris is not installed: pip install -e '.[fuzz]' (make test-all does)"
    )
    harness = tmp_path / "fuzz_harness.py"
    harness.write_text(HARNESS, encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "seed.html").write_bytes(
        "<html><head><meta charset=gbk><title>标题</title></head><body><h1>标题</h1>"
        "<p>记者从国家统计局获悉，今年前三季度经济运行总体平稳。</p></body></html>".encode()
    )
    cmd = [sys.executable, str(harness), str(corpus), "-runs=20000", "-max_total_time=240", "-timeout=10",
           "-rss_limit_mb=2048", "-max_len=65536", f"-artifact_prefix={tmp_path}/"]  # fmt: skip
    proc = subprocess.run(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=400, check=False
    )
    crashes = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("crash-", "timeout-", "oom-")))
    err = proc.stdout  # atheris prints the Python traceback on stdout, libFuzzer on stderr
    found = [
        i for i in (err.find("=== Uncaught"), err.find("Traceback"), err.find("ERROR: libFuzzer")) if i >= 0
    ]
    start = min(found, default=0)
    assert proc.returncode == 0, f"atheris found {crashes}:\n{err[start : start + 4000]}"
