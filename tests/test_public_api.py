"""The public surface outside checks rely on."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import cleanfeed


def test_clean_html_returns_article_with_title_and_text() -> None:
    html = "<html><body><h1>标题</h1><p>第一段正文内容。</p><p>第二段正文内容。</p></body></html>"
    art = cleanfeed.clean_html(html, url="https://x.test/a")
    assert isinstance(art, cleanfeed.Article)
    assert art.title
    assert "第一段正文内容" in art.text


def test_clean_html_rejects_empty_bytes_with_reason() -> None:
    with pytest.raises(cleanfeed.Drop) as info:
        cleanfeed.clean_html(b"")
    assert info.value.reason


def test_cli_clean_prints_one_json_record_per_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.html"
    good.write_text("<html><body><h1>标题</h1><p>这是一个正文段落，内容足够长。</p></body></html>", encoding="utf-8")
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    out = subprocess.run([sys.executable, "-m", "cleanfeed", "clean", str(good), str(empty)],
                         capture_output=True, text=True, check=True).stdout
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 2
    assert records[0]["reject_reason"] is None and records[0]["text"]
    assert records[1]["reject_reason"]
