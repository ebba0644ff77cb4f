"""Shared fixtures: a real threaded HTTP server on 127.0.0.1 serving ``tests/fixtures/site``.

The server is a plain ``http.server`` (no cleanfeed code), so end-to-end tests exercise real sockets,
keep-alive, gzip, ETags and 304s, redirects, status codes and a slow-drip body.

Routes beyond the static files (``{{base}}`` in text files becomes ``http://127.0.0.1:<port>``):
``/status/<code>``, ``/redirect/<path>`` (301 to ``/<path>``), ``/loop`` (endless redirects), ``/slow``
(one byte every 0.3 s), ``/image.png``, ``<name>.xml.gz`` (gzip of ``<name>.xml``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

SITE = Path(__file__).parent / "fixtures" / "site"

# Property tests draw the same examples on every run (CI failures reproduce; no example database carried
# between runs). HYPOTHESIS_PROFILE=explore draws new ones; tests that set derandomize themselves keep it.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Fixture checks test the fixtures, not cleanfeed: count them apart from the tests."""
    n = sum(1 for r in terminalreporter.stats.get("passed", []) if "fixture_check" in r.keywords)
    if n:
        terminalreporter.write_line(f"of the passed: {n} fixture checks (they check fixtures, not cleanfeed)")


sys.path.insert(0, str(Path(__file__).parent))

Route = Callable[[BaseHTTPRequestHandler], None]
LAST_MODIFIED = "Wed, 18 Nov 2026 08:00:00 GMT"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


_WORDS = """
    经济 发展 城市 农村 企业 市场 政府 部门 项目 建设 工作 会议 记者 表示 介绍
    数据 显示 全国 地区 增长 服务 改革 创新 科技 教育 医疗 交通 能源 环境 保护
    安全 文化 旅游 消费 投资 出口 进口 产业 制度 政策 居民 群众 学生 教师 医生
    工人 农民 专家 学者 代表 委员 干部 社区 街道 乡镇 村庄 学校 医院 工厂 公司
    今年 去年 上半年 前三季度 目前 近日 下一步 同时 此外 据悉 不断 持续 进一步 加快 推动
    促进 完善 提升 稳步 明显 显著 积极 有效 全面 重点 基础 设施 平台 体系 机制
    规划 标准 质量 效率 水平 能力 成果 经验
"""
WORDS = _WORDS.split()


def generated_page(n: int, base: str) -> str:
    """A distinct article per ``n`` (random word sequences: pages are not near-duplicates of each other)."""
    rnd = random.Random(n)
    paras = ["".join(rnd.choice(WORDS) for _ in range(rnd.randint(18, 26))) + "。" for _ in range(5)]
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>第{n}号新闻</title>'
        f'<link rel="canonical" href="{base}/gen/{n}.html"></head><body><div class="article">'
        f"<h1>第{n}号新闻：{paras[0][:12]}</h1>{body}</div></body></html>"
    )


class SiteServer:
    def __init__(self, root: Path = SITE, host: str = "127.0.0.1") -> None:
        self.root = root
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.routes: dict[str, Route] = {}
        self.delay = 0.0  # seconds before each page response (kill-9 tests need a run that takes a while)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 5  # idle keep-alive connections end, so threads do not linger

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server._handle(self)

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://{host}:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(5)

    def page_hits(self) -> int:
        """Requests other than robots.txt, feeds and sitemaps."""
        return sum(n for p, n in self.hits.items() if not p.endswith((".txt", ".xml", ".gz")))

    # -- responses ---------------------------------------------------------------------------------------
    @staticmethod
    def send(
        h: BaseHTTPRequestHandler, status: int, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> None:
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path.split("?", 1)[0]
        with self._lock:
            self.hits[path] += 1
            self.requests.append((path, {k.lower(): v for k, v in h.headers.items()}))
        try:
            if path in self.routes:
                self.routes[path](h)
            elif path.startswith("/status/"):
                code = int(path.rsplit("/", 1)[1])
                self.send(h, code, b"error page", {"Content-Type": "text/html"})
            elif path.startswith("/redirect/"):
                self.send(h, 301, b"", {"Location": path[len("/redirect") :]})
            elif path == "/loop":
                self.send(h, 302, b"", {"Location": "/loop"})
            elif path == "/image.png":
                self.send(h, 200, PNG, {"Content-Type": "image/png"})
            elif path.startswith("/gen/") and path.endswith(".html"):
                if self.delay:
                    time.sleep(self.delay)
                body = generated_page(int(path[5:-5]), self.base).encode()
                self.send(h, 200, body, {"Content-Type": "text/html; charset=utf-8", "ETag": f'"g{path}"'})
            elif path == "/slow":
                self._drip(h)
            else:
                self._static(h, path)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _drip(self, h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        for _ in range(200):
            h.wfile.write(b"<")
            h.wfile.flush()
            time.sleep(0.3)

    def _static(self, h: BaseHTTPRequestHandler, path: str) -> None:
        rel = path.lstrip("/") or "index.html"
        gz = rel.endswith(".xml.gz")
        file = (self.root / (rel[:-3] if gz else rel)).resolve()
        if not file.is_relative_to(self.root.resolve()) or not file.is_file():
            self.send(h, 404, b"not found", {"Content-Type": "text/html"})
            return
        body = file.read_bytes()
        body = body.replace(b"{{base}}", self.base.encode())  # ASCII: safe in GBK too
        ctype = {".html": "text/html; charset=utf-8", ".xml": "application/xml", ".txt": "text/plain"}.get(
            file.suffix, "application/octet-stream"
        )
        if rel.endswith("gbk.html"):
            ctype = "text/html; charset=gbk"  # the only charset label this page has
        if gz:
            body, ctype = gzip.compress(body, mtime=0), "application/x-gzip"
        etag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
        if h.headers.get("If-None-Match") == etag:
            self.send(h, 304, b"", {"ETag": etag})
            return
        if self.delay and file.suffix == ".html":
            time.sleep(self.delay)
        headers = {"Content-Type": ctype, "ETag": etag, "Last-Modified": LAST_MODIFIED}
        if file.suffix == ".html" and "gzip" in h.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        self.send(h, 200, body, headers)


@pytest.fixture(autouse=True)
def _no_cleanfeed_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """``CLEANFEED_*`` variables of the developer's shell must not change what a test sees."""
    for name in list(os.environ):
        if name.startswith("CLEANFEED_"):
            monkeypatch.delenv(name)


@pytest.fixture
def site() -> Iterator[SiteServer]:
    server = SiteServer()
    try:
        yield server
    finally:
        server.close()


def write_config(
    tmp: Path,
    base: str,
    *,
    sources: str | None = None,
    extra: str = "",
    fetch: dict[str, Any] | None = None,
    output: str = "",
) -> Path:
    """A config for the fixture site: fast politeness settings, loopback allowed, state and output in tmp.

    ``fetch`` overrides ``[fetch]`` keys; ``output`` adds ``[output]`` lines; ``extra`` is appended as more
    TOML tables (``[dedup]`` ...).
    """
    if sources is None:
        sources = f"""
[[sources]]
name = "feed"
kind = "feed"
url = "{base}/feed.xml"
original = true

[[sources]]
name = "sitemap"
kind = "sitemap"
url = "{base}/sitemap_index.xml"
"""
    knobs: dict[str, Any] = {
        "per_host_delay": 0.0,
        "per_host_concurrency": 2,
        "concurrency": 8,
        "timeout": 5,
        "deadline": 3,
        "retries": 1,
        "backoff": 0.01,
        "allow_private_hosts": ["127.0.0.1"],
    }
    knobs.update(fetch or {})
    fetch_toml = "\n".join(f"{k} = {json.dumps(v)}" for k, v in knobs.items())
    text = f"""
[output]
dir = "out"
{output}
[state]
path = "state/state.db"
[fetch]
{fetch_toml}
{extra}
{sources}
"""
    cfg = tmp / "cleanfeed.toml"
    cfg.write_text(text, encoding="utf-8")
    return cfg


@pytest.fixture
def config_for() -> Callable[..., Path]:
    return write_config
