"""Fetch + clean + dedup + write throughput from a loopback server with 8 hosts, vs Scrapy; peak RSS.

The server (a small asyncio HTTP/1.1 server, in its own process) answers on 127.0.0.2-127.0.0.9, each with a
robots.txt, a sitemap and generated Chinese article pages (~6 KB). cleanfeed and Scrapy crawl the same
sitemaps under the same limits (per host 4, overall 32, no delay, robots.txt obeyed), both cleaning every
page with ``cleanfeed.clean_html`` and writing JSONL. Each crawler runs in its own process; peak RSS is that
process's ``ru_maxrss`` (children included).

Reproduce: ``python -m bench.run --only bench_fetch`` (``--quick`` for small sizes; ``BENCH_FETCH_PER_HOST``
and ``BENCH_FETCH_LONG_PER_HOST`` set the page counts per host).
"""

# ruff: noqa: E501 - the crawler and server scripts below are embedded verbatim, run in their own processes
from __future__ import annotations

import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

HOSTS = [f"127.0.0.{i}" for i in range(2, 10)]

SERVER = r"""
import asyncio, random, sys
HOSTS = sys.argv[1].split(","); PORT = int(sys.argv[2]); PER_HOST = int(sys.argv[3])
WORDS = ("经济 发展 城市 农村 企业 市场 政府 部门 项目 建设 工作 会议 记者 表示 介绍 数据 显示 全国 地区 增长 服务 改革 "
         "创新 科技 教育 医疗 交通 能源 环境 保护 安全 文化 旅游 消费 投资 出口 进口 产业 制度 政策 居民 群众 学生 教师 "
         "医生 工人 农民 专家 学者 代表 委员 干部 社区 街道 乡镇 村庄 学校 医院 工厂 公司 今年 去年 上半年 目前 近日 下一步 "
         "同时 此外 据悉 不断 持续 进一步 加快 推动 促进 完善 提升 稳步 明显 显著 积极 有效 全面 重点 基础 设施 平台").split()
def page(host, n):
    rnd = random.Random(f"{host}/{n}")
    paras = ["".join(rnd.choice(WORDS) for _ in range(rnd.randint(30, 45))) + "。" for _ in range(8)]
    nav = "".join(f'<li><a href="/c{i}">栏目{i}</a></li>' for i in range(30))
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>第{n}号新闻_{host}</title>'
            f'<link rel="canonical" href="http://{host}:{PORT}/p/{n}.html"></head><body><ul class="nav">{nav}</ul>'
            f'<div class="article"><h1>第{n}号新闻 {paras[0][:14]}</h1><div class="info">2026-11-20 来源：新华社</div>'
            f'{body}</div><div class="footer">版权所有 京ICP备00000000号 热点推荐 打开APP</div></body></html>').encode()
def sitemap(host):
    locs = "".join(f"<url><loc>http://{host}:{PORT}/p/{n}.html</loc></url>" for n in range(PER_HOST))
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + locs + "</urlset>").encode()
SITEMAPS = {}
async def handle(reader, writer):
    host = writer.get_extra_info("sockname")[0]
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            ctype = "text/html; charset=utf-8"
            if path == "/robots.txt":
                body, ctype = b"User-agent: *\nDisallow: /private/\n", "text/plain"
            elif path == "/sitemap.xml":
                body = SITEMAPS.setdefault(host, sitemap(host)); ctype = "application/xml"
            elif path.startswith("/p/"):
                body = page(host, int(path[3:-5]))
            else:
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"); await writer.drain(); continue
            writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()
async def main():
    servers = [await asyncio.start_server(handle, h, PORT, backlog=512) for h in HOSTS]
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))
asyncio.run(main())
"""

SCRAPY_SPIDER = r"""
import json, resource, sys, time
from scrapy.crawler import CrawlerProcess
from scrapy.spiders import SitemapSpider
import cleanfeed
HOSTS = sys.argv[1].split(","); PORT = int(sys.argv[2]); OUT = sys.argv[3]
out = open(OUT, "w", encoding="utf-8")
count = {"pages": 0}
class Bench(SitemapSpider):
    name = "bench"
    sitemap_urls = [f"http://{h}:{PORT}/sitemap.xml" for h in HOSTS]
    def parse(self, response):
        count["pages"] += 1
        try:
            art = cleanfeed.clean_html(response.body, url=response.url)
            out.write(art.model_dump_json() + "\n")
        except cleanfeed.Drop as drop:
            out.write(json.dumps({"url": response.url, "reject_reason": drop.reason}) + "\n")
t0 = time.perf_counter()
proc = CrawlerProcess({"LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": True, "CONCURRENT_REQUESTS": 32,
                       "CONCURRENT_REQUESTS_PER_DOMAIN": 4, "DOWNLOAD_DELAY": 0, "COOKIES_ENABLED": False,
                       "TELNETCONSOLE_ENABLED": False, "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7"})
proc.crawl(Bench)
proc.start()
out.close()
ru = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
cpu, child_cpu = (r.ru_utime + r.ru_stime for r in ru)
rss = max(r.ru_maxrss for r in ru)
print(json.dumps({"pages": count["pages"], "seconds": time.perf_counter() - t0, "rss_kb": rss, "cpu": cpu, "child_cpu": child_cpu}))
"""

CLEANFEED_RUN = r"""
import json, resource, sys, time
from cleanfeed.cli import main
t0 = time.perf_counter()
rc = main(["run", "--config", sys.argv[1], "--log-format", "json"])
ru = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
cpu, child_cpu = (r.ru_utime + r.ru_stime for r in ru)
rss = max(r.ru_maxrss for r in ru)
print(json.dumps({"rc": rc, "seconds": time.perf_counter() - t0, "rss_kb": rss, "cpu": cpu, "child_cpu": child_cpu}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.2", 0))
        return int(s.getsockname()[1])


def _config(work: Path, port: int, *, dedup: bool, workers: int) -> Path:
    sources = "".join(
        f'\n[[sources]]\nname = "h{i}"\nkind = "sitemap"\nurl = "http://{h}:{port}/sitemap.xml"\n'
        for i, h in enumerate(HOSTS)
    )
    cfg = work / "bench.toml"
    cfg.write_text(
        textwrap.dedent(f"""
        [output]
        dir = "out"
        [state]
        path = "state/state.db"
        [fetch]
        per_host_delay = 0.0
        per_host_concurrency = 4
        concurrency = 32
        obey_robots = true
        allow_private_hosts = ["127.0.0.0/8"]
        workers = {workers}
        [dedup]
        enabled = {"true" if dedup else "false"}
        """)
        + sources,
        encoding="utf-8",
    )
    return cfg


def _run_py(code: str, *args: str, timeout: float = 3600) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"benchmark child failed: {proc.stderr[-2000:]}")
    return dict(json.loads(lines[-1]))


def _cleanfeed(work: Path, port: int, *, dedup: bool, workers: int = 0) -> dict[str, Any]:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    res = _run_py(CLEANFEED_RUN, str(_config(work, port, dedup=dedup, workers=workers)))
    [folder] = [p for p in (work / "out").iterdir() if p.is_dir()]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    res["pages"] = sum(manifest["counts"].get(k, 0) for k in ("articles", "duplicates", "rejects"))
    res["counts"] = manifest["counts"]
    res["timings"] = manifest["timings"]
    return res


def _server(port: int, per_host: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, ",".join(HOSTS), str(port), str(per_host)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    if proc.stdout.readline().strip() != "ready":
        proc.kill()
        raise RuntimeError("bench server did not start")
    return proc


def _server_cpu(proc: subprocess.Popen[str]) -> float:
    """utime + stime of the server process, from /proc (Linux); 0 elsewhere."""
    try:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _measure(server: subprocess.Popen[str], fn: Any) -> dict[str, Any]:
    before = _server_cpu(server)
    res = dict(fn())
    res["server_cpu"] = _server_cpu(server) - before
    return res


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def _rate(r: dict[str, Any]) -> str:
    return f"{r['pages'] / r['seconds']:.0f}"


def run(ctx: Any) -> str:
    # throughput: 8 hosts x per_host pages; RSS: 8 x 12,500 = 100k pages (env overrides for a busy machine)
    per_host = int(os.environ.get("BENCH_FETCH_PER_HOST") or (150 if ctx.quick else 600))
    long_per_host = int(os.environ.get("BENCH_FETCH_LONG_PER_HOST") or (400 if ctx.quick else 12_500))
    work: Path = ctx.work / "fetch"
    rows: list[tuple[str, dict[str, Any]]] = []
    port = _free_port()
    server = _server(port, per_host)
    try:
        load = _load()
        for dedup, workers in ((False, 0), (False, 1), (True, 0), (True, 1)):
            name = f"cleanfeed, dedup {'on' if dedup else 'off'}" + (
                f", workers={workers}" if workers else ""
            )
            rows.append(
                (
                    name,
                    _measure(
                        server, lambda d=dedup, w=workers: _cleanfeed(work / "cf", port, dedup=d, workers=w)
                    ),
                )
            )
        try:
            import scrapy  # noqa: F401 - only to know whether the bench extra is installed

            work.mkdir(parents=True, exist_ok=True)
            rows.append(
                (
                    "Scrapy + clean_html (no dedup)",
                    _measure(
                        server,
                        lambda: _run_py(
                            SCRAPY_SPIDER, ",".join(HOSTS), str(port), str(work / "scrapy.jsonl")
                        ),
                    ),
                )
            )
        except ImportError:
            rows.append(("Scrapy (not installed: pip install -e '.[bench]')", {}))
    finally:
        server.kill()
        server.wait()
    port = _free_port()
    server = _server(port, long_per_host)
    try:
        long = _cleanfeed(work / "long", port, dedup=True)
    finally:
        server.kill()
        server.wait()
    shutil.rmtree(work, ignore_errors=True)
    lines = [
        "## Fetch + clean + dedup + write (bench_fetch)\n",
        f"Loopback server (asyncio, own process) on {len(HOSTS)} hosts {HOSTS[0]}-{HOSTS[-1]}, sitemaps of "
        f"{per_host} generated ~6 KB article pages per host ({per_host * len(HOSTS)} pages). Same limits for all: "
        "per host 4, overall 32, no delay, robots.txt obeyed; each crawler in its own process, cleaning every "
        f"page with `cleanfeed.clean_html` and writing JSONL. {os.cpu_count()} CPUs shared with the server.\n",
        f"Load average when the runs started: {load} (other processes compete for the CPUs, so the CPU "
        "columns are the steadier comparison. CPU ms/page: the crawler's main process, its cleaning workers "
        "(`workers`), and the server. Ceiling on 2 idle cores = min(1000 / main, 2000 / (main + workers + "
        "server)) pages/s: one process can use one core at most.)\n",
        "| crawler | pages | seconds | pages/s | CPU ms/page main | workers | server | ceiling pages/s, 2 idle cores "
        "| peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        if not r:
            lines.append(f"| {name} | | | | | | | | |")
            continue
        main_ms, child_ms, srv_ms = (1000 * r[k] / r["pages"] for k in ("cpu", "child_cpu", "server_cpu"))
        ceiling = min(1000 / main_ms, 2000 / (main_ms + child_ms + srv_ms))
        lines.append(
            f"| {name} | {r['pages']} | {r['seconds']:.1f} | {_rate(r)} | {main_ms:.1f} | {child_ms:.1f} "
            f"| {srv_ms:.1f} | {ceiling:.0f} | {r['rss_kb'] / 1024:.0f} |"
        )
    t = long["timings"]
    lines += [
        "",
        f"Long run (dedup on): {long['pages']} pages in {long['seconds']:.0f} s ({_rate(long)} pages/s), "
        f"peak RSS **{long['rss_kb'] / 1024:.0f} MB** (target < 1 GB). Time inside the run: fetch "
        f"{t.get('fetch_s', 0):.0f} s (summed over concurrent requests), clean {t.get('clean_s', 0):.0f} s, dedup "
        f"{t.get('dedup_s', 0):.0f} s, write {t.get('write_s', 0):.0f} s.",
        "",
        "Target: >= 200 pages/s for fetch + clean + write on 2 cores. `workers=1` moves cleaning to one "
        "worker process so fetching and cleaning use both cores; `seconds` start after imports.",
        "",
        "Reproduce: `python -m bench.run --only bench_fetch` (add `--quick` for a smoke run).",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    from dataclasses import dataclass

    @dataclass
    class _Ctx:
        work: Path
        quick: bool

    t0 = time.perf_counter()
    print(run(_Ctx(Path(__file__).parent / "_work", "--quick" in sys.argv)))
    print(f"({time.perf_counter() - t0:.0f} s, rss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} KB)")
