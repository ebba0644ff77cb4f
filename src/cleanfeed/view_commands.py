"""The ``explain`` and ``report`` subcommands (registered on the main parser by ``cli.build_parser``)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from cleanfeed.errors import ConfigError, FetchError

EXIT_OK, EXIT_FAILURES, EXIT_USAGE = 0, 1, 2


def _read(target: str, url: str | None) -> tuple[bytes, str | None, str | None]:
    """``(html, url, header charset)`` of a file, an http(s) URL or ``-`` (stdin)."""
    if target == "-":
        return sys.stdin.buffer.read(), url, None
    if target.startswith(("http://", "https://")):
        from cleanfeed.fetch import Fetcher  # noqa: PLC0415  (httpx client: only for URLs)
        from cleanfeed.settings import FetchSettings  # noqa: PLC0415

        async def get() -> tuple[bytes, str | None, str | None]:
            async with Fetcher(FetchSettings()) as fetcher:  # robots.txt and the SSRF guard apply
                page = (await fetcher.fetch(target)).page
            assert page is not None  # (no conditional headers were sent, so never 304)
            return page.body, url or page.final_url or page.url, page.charset

        return asyncio.run(get())
    from cleanfeed.sources.local import page_url  # noqa: PLC0415

    path = Path(target)
    data = path.read_bytes()
    # The URL a files source would give it: site rules and metadata depend on the host.
    return data, url or page_url(data) or path.resolve().as_uri(), None


def _cmd_explain(args: argparse.Namespace) -> int:
    from cleanfeed.explain import explain, render_html  # noqa: PLC0415

    try:
        html, url, charset = _read(args.page, args.url)
    except OSError as exc:
        print(f"cleanfeed: {args.page}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILURES
    except FetchError as exc:
        print(f"cleanfeed: {args.page}: {exc}", file=sys.stderr)
        return EXIT_FAILURES
    exp = explain(html, url, header_charset=charset)
    text = exp.model_dump_json(indent=2) + "\n" if args.json else render_html(exp)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"cleanfeed: {exp.verdict}; wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from cleanfeed.report import ReportError, write_report  # noqa: PLC0415
    from cleanfeed.settings import load_settings  # noqa: PLC0415

    try:
        settings = load_settings(args.config) if args.config else None
    except ConfigError as exc:
        print(f"cleanfeed: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        out = write_report(
            Path(args.run_folder), settings=settings, out=Path(args.output) if args.output else None
        )
    except ReportError as exc:
        print(f"cleanfeed: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"cleanfeed: report not written: {exc}", file=sys.stderr)
        return EXIT_FAILURES
    print(f"cleanfeed: wrote {out}", file=sys.stderr)
    return EXIT_OK


def register(sub: Any) -> None:
    """Add ``explain`` and ``report`` to the ``cleanfeed`` subcommands."""
    p = sub.add_parser("explain", help="why each block of a page was kept or removed (offline HTML)")
    p.add_argument("page", metavar="PAGE|URL|-", help="an HTML file, an http(s) URL, or - for stdin")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    p.add_argument("--json", action="store_true", help="the same explanation as JSON data")
    p.add_argument("--url", help="the page URL (default: its canonical link, else the file URI)")
    p.set_defaults(func=_cmd_explain)

    p = sub.add_parser("report", help="a run folder as offline HTML: charts, tables, explain pages")
    p.add_argument("run_folder", metavar="RUN_FOLDER", help="a run's output folder (holds manifest.json)")
    p.add_argument("-o", "--output", metavar="FILE", help="default: RUN_FOLDER/report.html")
    p.add_argument(
        "--config", metavar="PATH", help="the run's config: finds local pages to write explain pages for"
    )
    p.set_defaults(func=_cmd_report)
