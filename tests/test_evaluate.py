"""The evaluation metric and the ``cleanfeed eval`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleanfeed.cli import main
from cleanfeed.evaluate import canon, evaluate_dirs, prediction, score_pair
from cleanfeed.models import Article

PARA = "记者从国家统计局获悉，今年前三季度全国规模以上工业增加值同比增长百分之五点二，经济运行总体平稳。"


def test_canon_folds_width_script_and_whitespace() -> None:
    assert canon("統計局 發布\n數據，ＡＢ") == "统计局发布数据,AB"


def test_score_pair() -> None:
    assert score_pair("浙江两会观察", "浙江两会观察") == (1.0, 1.0, 1.0)
    assert score_pair("浙江兩會觀察", "浙江两会 观察") == (
        1.0,
        1.0,
        1.0,
    )  # Traditional gold, Simplified output
    assert score_pair("浙江两会观察", "") == (0.0, 0.0, 0.0)
    assert score_pair("", "") == (1.0, 1.0, 1.0)
    p, r, f = score_pair("甲乙丙丁", "甲乙丙丁戊己")  # 3 of 5 predicted bigrams are right, all 3 gold found
    assert (p, r) == (pytest.approx(0.6), 1.0) and f == pytest.approx(0.75)
    assert score_pair("甲乙丙丁", "戊己庚辛")[2] == 0.0


def test_prediction_does_not_repeat_the_title() -> None:
    assert prediction(Article(title="标题", text="正文")) == "标题\n正文"
    assert prediction(Article(title="标题", text="标题\n正文")) == "标题\n正文"
    assert prediction(Article(title=None, text="正文")) == "正文"


def _set(tmp_path: Path) -> Path:
    root = tmp_path / "myset"
    (root / "html").mkdir(parents=True)
    (root / "gold").mkdir()
    page = (
        f"<html><head><title>统计局发布数据</title></head><body><h1>统计局发布数据</h1><p>{PARA}</p></body>"
    )
    (root / "html" / "a.html").write_text(page, encoding="utf-8")
    (root / "gold" / "a.txt").write_text(f"统计局发布数据\n{PARA}\n", encoding="utf-8")
    (root / "html" / "b.htm").write_bytes(b"%PDF-1.4" + b"\x00" * 64)  # dropped: scores 0
    (root / "gold" / "b.txt").write_text("某条新闻\n正文。\n", encoding="utf-8")
    (root / "gold" / "c.txt").write_text("没有对应的页面\n正文。\n", encoding="utf-8")  # missing: scores 0
    return root


def test_evaluate_dirs_scores_every_gold_page(tmp_path: Path) -> None:
    root = _set(tmp_path)
    res = evaluate_dirs(root / "html", root / "gold")
    assert res.n == 3
    assert res.docs["a"] == (1.0, 1.0, 1.0)
    assert res.docs["b"] == res.docs["c"] == (0.0, 0.0, 0.0)
    assert res.drops == {"b": "binary"}
    assert res.mean()[2] == pytest.approx(1 / 3)
    assert evaluate_dirs(root, root).docs == res.docs  # set folders with html/ and gold/ work too


def test_cli_eval_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _set(tmp_path)
    assert main(["eval", str(root / "html"), str(root / "gold")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("myset: n=3 ") and "F1=0.333" in out
    assert main(["eval", str(root / "html"), str(root / "gold"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["n"] == 3 and data["F"] == pytest.approx(1 / 3) and data["docs"]["a"] == [1.0, 1.0, 1.0]
    assert main(["eval", str(root / "nope"), str(root / "gold")]) == 2
