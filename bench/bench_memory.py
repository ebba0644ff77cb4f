"""Memory of `clean_html` over a long stream of pages: RSS sampled every 1,000 pages over 10,000.

Pages cycle through the bundled fixture pages (tests/fixtures/pages), each made unique by a changing
comment so no cache can serve a repeat. Flat means the last samples do not climb.

    python -m bench.run --only bench_memory          # --quick: 2,000 pages
"""

from __future__ import annotations

import contextlib
import resource
import time
from pathlib import Path
from typing import Any

import cleanfeed

CMD = "python -m bench.run --only bench_memory"


def _rss_now_mb() -> float:
    # Current (not peak) resident size: statm's second field, in pages.
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def run(ctx: Any) -> str:
    pages = [p.read_bytes() for p in sorted((ctx.root / "tests/fixtures/pages").glob("*.html"))]
    total = 2_000 if ctx.quick else 10_000
    samples: list[tuple[int, float]] = [(0, _rss_now_mb())]
    t0 = time.process_time()
    for i in range(1, total + 1):
        html = pages[i % len(pages)] + f"<!-- {i} -->".encode()
        with contextlib.suppress(cleanfeed.Drop):
            cleanfeed.clean_html(html, url=f"https://bench.test/{i}")
        if i % 1_000 == 0:
            samples.append((i, _rss_now_mb()))
    cpu = time.process_time() - t0
    rows = "\n".join(f"| {n:,} | {mb:.1f} |" for n, mb in samples)
    later = [mb for n, mb in samples if n >= total // 2]
    drift = later[-1] - later[0] if len(later) > 1 else 0.0
    return (
        "## clean_html memory over a long stream\n\n"
        f"Command: `{CMD}`" + (" --quick" if ctx.quick else "") + f". {total:,} pages cycling the "
        f"{len(pages)} fixture pages, {total / cpu:.0f} pages per CPU-second.\n\n"
        "| pages cleaned | RSS (MB) |\n|---:|---:|\n" + rows + "\n\n"
        f"RSS change over the second half of the stream: {drift:+.1f} MB.\n"
    )
