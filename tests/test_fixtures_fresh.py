"""The committed fixture and demo pages are exactly what ``python -m tools.make_fixtures`` writes.

The pages under tests/fixtures/pages/ and configs/demo/pages/ are generated from the hand-written stories
in tests/fixtures/pages/stories/. Without this check a hand edit of a page (or a generator change not
followed by a rerun) would leave the committed copies and the generator silently disagreeing, and the
next regeneration would undo or redo that change unseen. The generator runs as its own process, the way
a contributor runs it, into a scratch folder; nothing in the repository is written.
"""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "fixtures" / "pages"
DEMO = ROOT / "configs" / "demo" / "pages"
# the generator's outputs; stories/ (its input) and anything else in these folders is not compared
PAGE_GLOBS = ("*.html", "*.expected.txt", "cases.json")
DEMO_GLOBS = ("originals/*.html", "reposts/*.html")


def _files(folder: Path, globs: tuple[str, ...]) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for g in globs for p in folder.glob(g)}


def _differences(committed: dict[str, bytes], fresh: dict[str, bytes], label: str) -> list[str]:
    out = [f"{label}/{n}: committed but not generated" for n in sorted(committed.keys() - fresh.keys())]
    out += [f"{label}/{n}: generated but not committed" for n in sorted(fresh.keys() - committed.keys())]
    for name in sorted(committed.keys() & fresh.keys()):
        if committed[name] != fresh[name]:
            diff = difflib.unified_diff(
                committed[name].decode("utf-8", "replace").splitlines(),
                fresh[name].decode("utf-8", "replace").splitlines(),
                "committed",
                "regenerated",
                lineterm="",
                n=0,
            )
            out.append(f"{label}/{name} differs:\n" + "\n".join(list(diff)[:12]))
    return out


def test_regenerating_the_fixture_and_demo_pages_changes_nothing(tmp_path: Path) -> None:
    pages, demo = tmp_path / "pages", tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "tools.make_fixtures", "--pages", str(pages), "--demo", str(demo)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    committed_pages = _files(PAGES, PAGE_GLOBS)
    committed_demo = _files(DEMO, DEMO_GLOBS)
    # an empty folder on either side would make the comparison vacuous
    assert len(committed_pages) > 20
    assert len(committed_demo) > 10
    problems = _differences(committed_pages, _files(pages, PAGE_GLOBS), "tests/fixtures/pages")
    problems += _differences(committed_demo, _files(demo, DEMO_GLOBS), "configs/demo/pages")
    assert not problems, (
        "the committed pages differ from what the generator writes; rerun "
        "`.venv/bin/python -m tools.make_fixtures` (and commit its output) or fix the generator:\n"
        + "\n".join(problems)
    )
