"""The public surface outside checks rely on: names, signatures, CLI record shape."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import cleanfeed

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>浙江部署人工智能“加速跑”_新闻中心_某某网</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/news">新闻</a> <a href="/tech">科技</a></div>
<div class="article"><h1>浙江部署人工智能“加速跑”</h1>
<p>中新网杭州1月14日电（王逸飞）1月14日，浙江省第十四届人民代表大会第四次会议在杭州开幕。</p>
<p>过去一年，杭州一批新锐科创企业成为中国人工智能产业图谱中的“当红小生”，企业发展态势迅猛。</p>
<p>2025年，该省人工智能核心产业营收达6800亿元左右、增长20%以上，通用模型性能全球领先。</p>
<p>今年，浙江将深化国家数据要素综合试验区建设，加快打造行业高质量数据集。（完）</p>
<p>本文来自网友发表，不代表本网站观点和立场，如存在侵权问题，请与本网站联系删除！</p>
</div><div class="footer">Copyright © 2026 某某网 版权所有 京ICP备12345678号</div></body></html>"""

PUBLIC = {
    "Article",
    "CleanfeedError",
    "ConfigError",
    "DedupIndex",
    "Drop",
    "FetchError",
    "LockHeld",
    "Page",
    "Settings",
    "__version__",
    "clean_html",
    "clean_html_all",
    "load_settings",
    "normalize_report",
    "normalize_text",
    "run",
}


def test_all_is_pinned() -> None:
    # Adding a name is fine (extend PUBLIC); removing or renaming one breaks users.
    assert set(cleanfeed.__all__) >= PUBLIC
    for name in cleanfeed.__all__:
        assert getattr(cleanfeed, name) is not None


def test_clean_html_signature() -> None:
    params = list(inspect.signature(cleanfeed.clean_html).parameters.values())
    assert [p.name for p in params[:2]] == ["html", "url"]
    assert params[1].default is None


@pytest.mark.parametrize("as_bytes", [True, False])
def test_clean_html_returns_the_story_only(as_bytes: bool) -> None:
    art = cleanfeed.clean_html(PAGE.encode("utf-8") if as_bytes else PAGE, url="https://x.test/a")
    assert isinstance(art, cleanfeed.Article)
    assert art.title == "浙江部署人工智能“加速跑”"
    assert art.text.split("\n")[0].endswith("在杭州开幕。")
    assert "6800亿元" in art.text
    for spam in ("本文来自网友发表", "ICP", "首页", "版权所有"):
        assert spam not in art.text


def test_clean_html_rejects_empty_bytes_with_reason() -> None:
    with pytest.raises(cleanfeed.Drop) as info:
        cleanfeed.clean_html(b"")
    assert info.value.reason == "empty"


def test_cli_clean_prints_one_json_record_per_file(tmp_path: Path) -> None:
    good = tmp_path / "good.html"
    good.write_text(PAGE, encoding="utf-8")
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    out = subprocess.run(
        [sys.executable, "-m", "cleanfeed", "clean", str(good), str(empty)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 2
    assert records[0]["reject_reason"] == ""  # records carry no null: "" is "none"
    assert "6800亿元" in records[0]["text"]
    assert records[1]["reject_reason"] == "empty"
    assert set(records[0]) >= {"id", "url", "title", "text", "reject_reason", "removed", "content_hash"}
