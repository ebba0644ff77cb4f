"""The command line as users run it: each command in a real subprocess (``python -m cleanfeed``)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from conftest import WORDS, SiteServer, write_config

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>长江禁渔五年成效显现_新闻网</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/n">新闻</a></div><div class="article">
<h1>长江禁渔五年成效显现</h1>
<p>记者从农业农村部获悉，长江十年禁渔实施五年来，流域水生生物资源恢复明显，江豚群体出现频率显著增加。</p>
<p>监测数据显示，长江干流鱼类资源量较禁渔前增加了约一倍，多个珍稀物种的分布范围持续扩大。</p>
<p>1. 下一步，有关部门将继续加强执法监管，巩固禁渔成果，推动长江生态环境持续向好。</p>
</div></body></html>"""
PARAS = [
    "记者从农业农村部获悉，长江十年禁渔实施五年来，流域水生生物资源恢复明显，江豚群体出现频率显著增加。",
    "监测数据显示，长江干流鱼类资源量较禁渔前增加了约一倍，多个珍稀物种的分布范围持续扩大。",
    "1. 下一步，有关部门将继续加强执法监管，巩固禁渔成果，推动长江生态环境持续向好。",
]


def cli(
    *args: str, stdin: str | bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLEANFEED_")}
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    proc = subprocess.run(
        [sys.executable, "-m", "cleanfeed", *args],
        input=data,
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    )


def generated_paragraphs(n: int) -> list[str]:
    """The paragraphs ``conftest.generated_page(n)`` serves, rebuilt from the same seed."""
    rnd = random.Random(n)
    return ["".join(rnd.choice(WORDS) for _ in range(rnd.randint(18, 26))) + "。" for _ in range(5)]


def test_version() -> None:
    for flag in ("--version", "-V"):
        proc = cli(flag)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == f"cleanfeed {version('cleanfeed')}"


def test_clean_reads_stdin() -> None:
    proc = cli("clean", "-", stdin=PAGE)
    assert proc.returncode == 0, proc.stderr
    [rec] = [json.loads(line) for line in proc.stdout.splitlines()]
    assert rec["title"] == "长江禁渔五年成效显现"
    assert rec["text"].split("\n") == PARAS
    proc = cli("clean", "--url", "https://example.cn/a.html", "-", stdin=PAGE)
    assert json.loads(proc.stdout)["url"] == "https://example.cn/a.html"


def test_clean_text_format_is_title_blank_line_paragraphs() -> None:
    proc = cli("clean", "--format", "text", "-", stdin=PAGE)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "长江禁渔五年成效显现\n\n" + "".join(p + "\n" for p in PARAS)


def test_clean_markdown_format_escapes_what_markdown_would_misread() -> None:
    proc = cli("clean", "--format", "markdown", "-", stdin=PAGE)
    assert proc.returncode == 0, proc.stderr
    escaped = [
        *PARAS[:2],
        "1\\. 下一步，有关部门将继续加强执法监管，巩固禁渔成果，推动长江生态环境持续向好。",
    ]
    assert proc.stdout == "# 长江禁渔五年成效显现\n\n" + "\n\n".join(escaped) + "\n"


def test_clean_text_format_reports_a_rejected_page(tmp_path: Path) -> None:
    (tmp_path / "empty.html").write_bytes(b"")
    proc = cli("clean", "--format", "text", str(tmp_path / "empty.html"))
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "rejected (empty)" in proc.stderr


def test_clean_stdin_only_once() -> None:
    assert cli("clean", "-", "-", stdin=PAGE).returncode == 2


def test_clean_missing_file_is_a_reject_and_exit_1(tmp_path: Path) -> None:
    proc = cli("clean", str(tmp_path / "nope.html"))
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["reject_reason"] == "unreadable"


ALLOW = 'fetch.allow_private_hosts=["127.0.0.1"]'


def test_clean_url_fetches_through_the_guarded_fetcher(site: SiteServer) -> None:
    url = f"{site.base}/gen/7.html"
    proc = cli("clean", "--set", ALLOW, "--set", "fetch.per_host_delay=0", url)
    assert proc.returncode == 0, proc.stderr
    rec = json.loads(proc.stdout)
    assert rec["url"] == url
    assert rec["reject_reason"] in (None, "")
    assert rec["text"].split("\n")[-5:] == generated_paragraphs(7)
    assert rec["fetched_at"]
    assert site.hits["/gen/7.html"] == 1


def test_clean_url_follows_redirects_and_reads_text(site: SiteServer) -> None:
    proc = cli("clean", "--format", "text", "--set", ALLOW, f"{site.base}/redirect/gen/3.html")
    assert proc.returncode == 0, proc.stderr
    title, body = proc.stdout.split("\n\n", 1)
    assert title.startswith("第3号新闻")
    assert body.endswith("".join(p + "\n" for p in generated_paragraphs(3)))


def test_clean_url_refuses_loopback_by_default(site: SiteServer) -> None:
    proc = cli("clean", f"{site.base}/gen/1.html")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["reject_reason"] == "fetch:blocked_address"
    assert "blocked_address" in proc.stderr
    assert site.hits.total() == 0


def test_clean_url_obeys_size_cap_robots_and_status(site: SiteServer, tmp_path: Path) -> None:
    big = PAGE.replace("</div>", "<p>" + "长江" * 1000 + "。</p></div>").encode("utf-8")
    site.routes["/big.html"] = lambda h: site.send(h, 200, big, {"Content-Type": "text/html; charset=utf-8"})
    base = site.base
    urls = [f"{base}/big.html", f"{base}/private/secret.html", f"{base}/status/404"]
    proc = cli("clean", "--set", ALLOW, "--set", "fetch.max_bytes=4096", "--set", "fetch.retries=0", *urls)
    assert proc.returncode == 1
    reasons = [json.loads(line)["reject_reason"] for line in proc.stdout.splitlines()]
    assert reasons == ["fetch:too_large", "fetch:robots_disallowed", "fetch:status_404"]
    assert site.hits["/private/secret.html"] == 0


def test_clean_url_takes_fetch_settings_from_a_config(site: SiteServer, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, site.base)  # allows 127.0.0.1
    proc = cli("clean", "--config", str(cfg), f"{site.base}/gen/2.html")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["text"].split("\n")[-5:] == generated_paragraphs(2)


def test_index_with_config_loads_originals(tmp_path: Path) -> None:
    """The README's form, ``index --config CONFIG FILE...``, used to crash on a missing ``--set``."""
    cfg = tmp_path / "c.toml"
    cfg.write_text('[state]\npath = "state/state.db"\n', encoding="utf-8")
    page = tmp_path / "orig.html"
    page.write_text(PAGE, encoding="utf-8")
    proc = cli("index", "--config", str(cfg), str(page))
    assert proc.returncode == 0, proc.stderr
    assert "indexed 1 originals" in proc.stderr
    assert (tmp_path / "state" / "state.db").exists()
    proc = cli("index", "--config", str(cfg), "--set", "dedup.path=other.db", str(page))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "other.db").exists()
    assert cli("index", "--index", str(tmp_path / "x.db"), "--set", "a.b=1", str(page)).returncode == 2


@pytest.mark.parametrize("command", ["run", "sources"])
def test_config_commands_need_a_config(command: str) -> None:
    proc = cli(command)
    assert proc.returncode == 2
    assert "--config" in proc.stderr


def test_schema_prints_the_record_and_manifest_schemas() -> None:
    from cleanfeed.models import record_json_schema
    from cleanfeed.schema import manifest_json_schema

    records = cli("schema")
    assert records.returncode == 0, records.stderr
    assert json.loads(records.stdout) == json.loads(cli("schema", "records").stdout) == record_json_schema()
    assert json.loads(cli("schema", "links").stdout) == record_json_schema()  # a link is a record
    schema = json.loads(records.stdout)
    assert set(schema["required"]) == set(schema["properties"]) and schema["additionalProperties"] is False
    manifest = cli("schema", "manifest")
    assert manifest.returncode == 0
    assert json.loads(manifest.stdout) == manifest_json_schema()
    assert {"cleanfeed_version", "config", "stages", "files"} <= set(json.loads(manifest.stdout)["required"])
    assert cli("schema", "nope").returncode == 2
