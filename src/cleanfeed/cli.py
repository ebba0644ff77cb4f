"""Command line: thin wrappers over library calls. Each command is ``_cmd_<name>(args) -> exit code``.

Exit codes: 0 ok; 1 finished with failed pages or sources; 2 usage or config error;
75 lock held or temporary failure (EX_TEMPFAIL).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from cleanfeed.clean import clean_html, clean_html_all
from cleanfeed.errors import Drop
from cleanfeed.models import Article

EXIT_OK, EXIT_FAILURES, EXIT_USAGE, EXIT_TEMPFAIL = 0, 1, 2, 75


def _emit(article: Article) -> None:
    sys.stdout.write(article.model_dump_json() + "\n")


def _cmd_clean(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for name in args.files:
        path = Path(name)
        url = args.url or path.resolve().as_uri()
        try:
            data = path.read_bytes()
        except OSError as exc:
            _emit(Article.rejected("unreadable", url=url))
            print(f"cleanfeed: {name}: {exc.strerror or exc}", file=sys.stderr)
            status = EXIT_FAILURES
            continue
        try:
            articles = clean_html_all(data, url=url) if args.all else [clean_html(data, url=url)]
        except Drop as drop:
            articles = [Article.rejected(drop.reason, url=url)]
        for art in articles:
            _emit(art)
    return status


def _cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(Article.model_json_schema(), ensure_ascii=False, indent=2))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cleanfeed", description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("clean", help="clean HTML files; one JSON record per file on stdout")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--all", action="store_true", help="one record per story on multi-story pages")
    p.add_argument("--url", help="the page URL (default: the file URI)")
    p.set_defaults(func=_cmd_clean)

    p = sub.add_parser("schema", help="print the JSON Schema of output records")
    p.set_defaults(func=_cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
