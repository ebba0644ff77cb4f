"""``requires-python`` says what the code needs: the stdlib modules and features it uses decide the floor."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _floor() -> tuple[int, int]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    m = re.fullmatch(r">=\s*3\.(\d+)", meta["project"]["requires-python"].strip())
    assert m, "requires-python must be a plain '>=3.N' floor"
    return (3, int(m.group(1)))


def _uses_311_features() -> list[str]:
    """Uses of what first shipped in 3.11 (below that the import fails or the call does not exist)."""
    found = []
    for path in sorted((ROOT / "src/cleanfeed").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + (
                    [node.module] if isinstance(node, ast.ImportFrom) else []
                )
                if "tomllib" in names:
                    found.append(f"{path.name}: tomllib")
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                dotted = f"{node.value.id}.{node.attr}"
                if dotted == "asyncio.timeout":
                    found.append(f"{path.name}: asyncio.timeout")
    return found


def test_requires_python_covers_what_the_code_uses() -> None:
    floor = _floor()
    uses = _uses_311_features()
    if uses:
        assert floor >= (3, 11), f"requires-python {floor} but the code uses 3.11 features: {uses}"
    assert sys.version_info[:2] >= floor, "the interpreter running the tests is below the declared floor"


def test_tool_targets_match_the_floor() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    major, minor = _floor()
    assert meta["tool"]["ruff"]["target-version"] == f"py{major}{minor}"
    assert meta["tool"]["mypy"]["python_version"] == f"{major}.{minor}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"Python ≥ {major}.{minor}" in readme
