"""Command line: thin wrappers over library calls. Each command is ``_cmd_<name>(args) -> exit code``.

Exit codes: 0 ok; 1 finished with failed pages or sources; 2 usage or config error;
75 lock held or temporary failure (EX_TEMPFAIL: rerun later); 78 permanent failure that needs a person
(EX_CONFIG: unusable state database, unwritable output folder).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from cleanfeed import __version__
from cleanfeed.clean import clean_html, clean_html_all
from cleanfeed.dedup import DedupIndex
from cleanfeed.dedup.load import load_originals
from cleanfeed.errors import ConfigError, Drop, FetchError, LockHeld, NetworkDown, StateError, is_temporary
from cleanfeed.fetch import Fetcher
from cleanfeed.frontier import preview
from cleanfeed.log import LogProgress, RichProgress, is_tty, setup_logging
from cleanfeed.models import Article, Page
from cleanfeed.render import as_markdown, as_text
from cleanfeed.runner import run
from cleanfeed.scale import ScaleError
from cleanfeed.scale.cli import add_run_flags, register_status, scaled_runner
from cleanfeed.schema import SCHEMAS
from cleanfeed.settings import Settings, load_settings, parse_value
from cleanfeed.sources import describe
from cleanfeed.state import StateLock
from cleanfeed.view_commands import register as register_view_commands
from cleanfeed.write import OutputError

EXIT_OK, EXIT_FAILURES, EXIT_USAGE, EXIT_TEMPFAIL, EXIT_CONFIG = 0, 1, 2, 75, 78


def _emit(article: Article) -> None:
    sys.stdout.write(article.model_dump_json() + "\n")


def _is_url(name: str) -> bool:
    return name.lower().startswith(("http://", "https://"))


def _fetch_pages(urls: list[str], settings: Settings) -> dict[str, Page | FetchError]:
    """Each URL through the run's fetcher: SSRF guard, robots.txt, size caps, retries."""

    async def go() -> dict[str, Page | FetchError]:
        out: dict[str, Page | FetchError] = {}
        async with Fetcher(settings.fetch) as fetcher:
            for url in urls:
                try:
                    res = await fetcher.fetch(url)
                except FetchError as exc:
                    out[url] = exc
                else:
                    assert res.page is not None  # no validators sent: never a 304
                    out[url] = res.page
        return out

    return asyncio.run(go())


def _clean_one(name: str, args: argparse.Namespace, fetched: dict[str, Page | FetchError]) -> list[Article]:
    """The records of one input (a file, ``-`` for stdin, or an http(s) URL); a failure is a reject."""
    if _is_url(name):
        got = fetched[name]
        if isinstance(got, FetchError):
            detail = f": {got.detail}" if got.detail else ""
            print(f"cleanfeed: {name}: fetch failed: {got.reason}{detail}", file=sys.stderr)
            return [Article.rejected(f"fetch:{got.reason}", url=name)]
        url = got.final_url or got.url  # after redirects, like a run
        try:
            arts = clean_html_all(got.body, url=url, header_charset=got.charset)
        except Drop as drop:
            return [Article.rejected(drop.reason, url=name)]
        for art in arts:
            art.fetched_at = got.fetched_at
        return arts if args.all else arts[:1]
    if name == "-":
        url = args.url
        data = sys.stdin.buffer.read()
    else:
        path = Path(name)
        url = args.url or path.resolve().as_uri()
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(f"cleanfeed: {name}: {exc.strerror or exc}", file=sys.stderr)
            return [Article.rejected("unreadable", url=url)]
    try:
        return clean_html_all(data, url=url) if args.all else [clean_html(data, url=url)]
    except Drop as drop:
        return [Article.rejected(drop.reason, url=url)]


def _cmd_clean(args: argparse.Namespace) -> int:
    if args.files.count("-") > 1:
        print("cleanfeed: '-' (stdin) can be given once", file=sys.stderr)
        return EXIT_USAGE
    urls = [n for n in args.files if _is_url(n)]
    fetched: dict[str, Page | FetchError] = {}
    if urls:
        settings = _load_for(args)
        fetched = _fetch_pages(urls, settings)
    status = EXIT_OK
    first = True
    for name in args.files:
        for art in _clean_one(name, args, fetched):
            if art.reject_reason is not None and (
                art.reject_reason.startswith("fetch:") or art.reject_reason == "unreadable"
            ):
                status = EXIT_FAILURES
            if args.format == "json":
                _emit(art)
                continue
            if art.reject_reason is not None:
                # text and Markdown carry no reject record: say it, and let the exit code say it too
                print(f"cleanfeed: {name}: rejected ({art.reject_reason})", file=sys.stderr)
                status = EXIT_FAILURES
                continue
            render = as_markdown if args.format == "markdown" else as_text
            sys.stdout.write(
                ("" if first else ("\n---\n\n" if args.format == "markdown" else "\n")) + render(art)
            )
            first = False
    return status


def _cmd_eval(args: argparse.Namespace) -> int:
    from cleanfeed.evaluate import evaluate_dirs, format_result  # noqa: PLC0415  (opencc only when used)

    pages, gold = Path(args.pages_dir), Path(args.gold_dir)
    if not pages.is_dir() or not gold.is_dir():
        print(f"cleanfeed: not a folder: {pages if not pages.is_dir() else gold}", file=sys.stderr)
        return EXIT_USAGE
    result = evaluate_dirs(pages, gold)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        name = gold.name if gold.name != "gold" else gold.parent.name
        print(format_result(result, name))
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(SCHEMAS[args.what](), ensure_ascii=False, indent=2))
    return EXIT_OK


def _load_for(args: argparse.Namespace) -> Settings:
    """Settings with ``--set key.path=value`` applied last (defaults < TOML < env < command line)."""
    setup_logging(getattr(args, "log_format", "auto"))
    overrides: dict[str, object] = {}
    for item in getattr(args, "set", None) or []:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(item, "--set wants KEY=VALUE, e.g. fetch.timeout=5")
        overrides[key.strip().replace(".", "__")] = parse_value(raw)
    return load_settings(args.config, **overrides)


def _cmd_run(args: argparse.Namespace) -> int:
    try:
        settings = _load_for(args)
        if args.source:
            settings.source(args.source)  # an unknown name is a usage error, before the lock
    except ConfigError as exc:
        print(f"cleanfeed: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        opts = {
            "limit": args.limit,
            "source": args.source,
            "dry_run": args.dry_run,
            "reset_site_profile": args.reset_site_profile,
        }
        go = scaled_runner(args, settings) or run  # --executor: cleaning on datatrove tasks
        # a terminal gets the live display; cron and pipes get a progress log event every few seconds
        display = (
            RichProgress() if is_tty() and args.log_format != "json" else LogProgress(args.progress_every)
        )
        with display:
            result = go(settings, progress=display, **opts)
    except LockHeld as exc:
        print(f"cleanfeed: {exc}", file=sys.stderr)
        return EXIT_TEMPFAIL
    except ScaleError as exc:  # tasks not done: nothing written; a rerun redoes only those
        print(f"cleanfeed: run not committed, state unchanged: {exc}", file=sys.stderr)
        return EXIT_TEMPFAIL
    except (StateError, NetworkDown, OutputError, OSError, sqlite3.Error) as exc:  # state db, disk full, ...
        return _failed(exc)
    c = result.counts
    summary = (
        f"{c.get('articles', 0)} articles, {c.get('duplicates', 0)} duplicates, "
        f"{c.get('rejects', 0)} rejects, {c.get('skipped', 0)} skipped, "
        f"{c.get('not_modified', 0)} not modified"
    )
    if args.dry_run:
        where = "dry run: nothing written"
    else:
        where = f"output: {result.folder}" if result.folder else "nothing new: no output folder written"
    print(f"cleanfeed: {summary}; {where}", file=sys.stderr)
    if result.failed_pages:  # say why the exit code is 1: cron mails stderr, not the manifest
        print(
            f"cleanfeed: failed pages: {result.failed_pages} (rejects with their reasons in the output)",
            file=sys.stderr,
        )
    if result.failed_sources:
        print(f"cleanfeed: failed sources: {', '.join(result.failed_sources)}", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_FAILURES


def _failed(exc: BaseException) -> int:
    """75 when a later run may succeed as things are (disk full, busy), 78 when a person must act first."""
    if is_temporary(exc):
        print(
            f"cleanfeed: run not committed, state unchanged (temporary; rerun later): {exc}", file=sys.stderr
        )
        return EXIT_TEMPFAIL
    print(f"cleanfeed: run not committed, state unchanged (fix this, then rerun): {exc}", file=sys.stderr)
    return EXIT_CONFIG


def _cmd_sources(args: argparse.Namespace) -> int:
    try:
        settings = _load_for(args)
    except ConfigError as exc:
        print(f"cleanfeed: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not args.urls:
        for src in settings.sources:
            print(describe(src, settings))
        return EXIT_OK
    try:
        rows = preview(settings, source=args.source)
    except ConfigError as exc:
        print(f"cleanfeed: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for name, url, what in rows:
        print(f"{name}\t{what}\t{url}")
    return EXIT_FAILURES if any(what.startswith("error") for _, _, what in rows) else EXIT_OK


def _cmd_index(args: argparse.Namespace) -> int:
    if args.index and args.set:
        print(
            "cleanfeed: --set needs --config (with --index there are no settings to override)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    settings = None if args.index else _load_for(args)
    path = Path(args.index) if settings is None else settings.index_path
    path.parent.mkdir(parents=True, exist_ok=True)
    # With a config the index may live in the state database: hold the run lock while writing.
    lock = StateLock(settings.state_path) if settings is not None else contextlib.nullcontext()
    with lock, DedupIndex(path) as index:
        report = load_originals(index, [Path(f) for f in args.files], url=args.url, all_stories=args.all)
        total = len(index)
    for failure in report.failed:
        print(f"cleanfeed: {failure}", file=sys.stderr)
    print(
        f"indexed {report.added} originals ({report.skipped} skipped, {len(report.failed)} failed); "
        f"{total} articles in {path}",
        file=sys.stderr,
    )
    return EXIT_FAILURES if report.failed else EXIT_OK


def _positive(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"want a number of seconds > 0, got {raw!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cleanfeed",
        description="Turn Chinese news reposts into clean, deduplicated JSONL.",
        epilog="exit codes: 0 ok; 1 finished with failed pages or sources; 2 usage or config error; "
        "75 lock held or temporary failure (rerun later); 78 permanent failure (fix, then rerun)",
    )
    parser.add_argument("-V", "--version", action="version", version=f"cleanfeed {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("clean", help="clean HTML files, stdin or URLs; one record per page on stdout")
    p.add_argument("files", nargs="+", metavar="FILE", help="an HTML file, - for stdin, or an http(s) URL")
    p.add_argument("--all", action="store_true", help="one record per story on multi-story pages")
    p.add_argument("--url", help="the page URL of files and stdin (default: the file URI)")
    p.add_argument(
        "--format",
        choices=["json", "text", "markdown"],
        default="json",
        help="json: one record a line (default); text: title, blank line, paragraphs; markdown",
    )
    p.add_argument("--config", metavar="PATH", help="TOML config whose [fetch] settings fetch URLs")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override: fetch.max_bytes=2000000")
    p.set_defaults(func=_cmd_clean)

    p = sub.add_parser("schema", help="print the JSON Schema of output records (or of manifest.json)")
    p.add_argument(
        "what",
        nargs="?",
        choices=sorted(SCHEMAS),
        default="records",
        help="records: every line of every .jsonl file (default); links: links.jsonl, the same schema; "
        "manifest: manifest.json",
    )
    p.set_defaults(func=_cmd_schema)

    p = sub.add_parser("eval", help="score extraction against gold text (char-bigram P/R/F1)")
    p.add_argument("pages_dir", metavar="PAGES_DIR", help="<id>.html pages (or a set folder with html/)")
    p.add_argument("gold_dir", metavar="GOLD_DIR", help="<id>.txt gold text (or a set folder with gold/)")
    p.add_argument("--json", action="store_true", help="one JSON object with per-page scores")
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("index", help="load originals (JSONL records or HTML files) into the dedup index")
    p.add_argument("files", nargs="+", metavar="FILE", help="*.jsonl records; other files are HTML")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--index", metavar="PATH", help="the index database")
    where.add_argument("--config", metavar="PATH", help="TOML config; its dedup.path (or default) index")
    p.add_argument("--url", help="the page URL for HTML files (default: the file URI)")
    p.add_argument("--all", action="store_true", help="every story of multi-story HTML pages")
    p.add_argument("--log-format", choices=["auto", "json", "text"], default="auto")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override (with --config)")
    p.set_defaults(func=_cmd_index)

    commands = (
        ("run", _cmd_run, "fetch, clean and deduplicate every source once"),
        ("sources", _cmd_sources, "list the configured sources"),
    )
    for name, func, help_ in commands:
        p = sub.add_parser(name, help=help_)
        p.add_argument("--config", required=True, metavar="PATH", help="TOML config file")
        p.add_argument("--log-format", choices=["auto", "json", "text"], default="auto")
        p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override: fetch.timeout=5")
        if name == "run":
            p.add_argument("--dry-run", action="store_true", help="do the work; write no output or state")
            p.add_argument("--limit", type=int, metavar="N", help="process at most N pages")
            p.add_argument("--source", metavar="NAME", help="only this source")
            p.add_argument(
                "--reset-site-profile",
                action="store_true",
                help="forget each host's learned boilerplate lines (rule site_repeat) before this run",
            )
            add_run_flags(p)
            p.add_argument(
                "--progress-every",
                type=_positive,
                default=5.0,
                metavar="SECONDS",
                help="without a terminal: a progress log event this often (default 5)",
            )
        else:
            p.add_argument("--urls", action="store_true", help="read feeds and sitemaps; list each page URL")
            p.add_argument("--source", metavar="NAME", help="only this source (with --urls)")
        p.set_defaults(func=func)
    register_view_commands(sub)  # explain, report
    register_status(sub)  # scaled runs' tasks
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except ConfigError as exc:  # any command given a bad config: stop before work, name the key
        print(f"cleanfeed: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except LockHeld as exc:
        print(f"cleanfeed: {exc}", file=sys.stderr)
        return EXIT_TEMPFAIL
    except StateError as exc:
        print(f"cleanfeed: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
