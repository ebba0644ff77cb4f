"""A misbehaving HTTP server on 127.0.0.1 for fault tests, written on raw sockets (http.server cannot send
an RST, lie about Content-Length or stall mid-header).

Every connection is served by its own daemon thread and answered with ``Connection: close``. Routes:

=========================  ==========================================================================
``/good/<n>.html``         a distinct, valid Chinese article (``marker(n)`` is in its text)
``/good-gzip/<n>.html``    the same, gzip-encoded
``/to-good/<n>``           301 -> ``/good/<n>.html``
``/hang``                  reads the request, never answers
``/hang-headers``          sends the status line, then stalls before the headers end
``/reset``                 reads the request, then RST (SO_LINGER 0)
``/reset-mid``             sends headers and half the body, then RST
``/close``                 closes without a byte
``/status/<code>``         that status with a small HTML body
``/retry-after/<s>``       429 with ``Retry-After: <s>``
``/flaky/<n>``             429 ``Retry-After: 1`` on the first request, then the good page ``n``
``/fail-once/<n>``         503 while ``server.phase == 1``, the good page ``n`` afterwards
``/loop``                  302 to itself;  ``/chain/<k>``: k redirects before a good page
``/gzip-bomb``             10 GiB of zeros in ~10 MB of gzip (Content-Length set)
``/gzip-endless``          a gzip stream of zeros that never ends (chunked)
``/br-bomb``               1 GiB of zeros in ~200 KB of brotli
``/endless``               chunked HTML forever, as fast as the client reads
``/drip``                  Content-Length 1000, one byte per second
``/png``                   a PNG labelled image/png;   ``/octet``: HTML labelled application/octet-stream
``/png-as-html``           PNG bytes labelled text/html
``/truncated``             Content-Length 100000, 60 bytes sent, then close
``/bad-chunked``           a malformed chunk size
``/bad-status``            a status line that is not HTTP
``/huge-header``           one 1 MB header line
``/huge-length``           Content-Length: 10^12 (sends a little, then closes)
``/bad-gzip``              Content-Encoding: gzip over bytes that are not gzip
``/empty``                 200 with an empty body
=========================  ==========================================================================
"""

from __future__ import annotations

import contextlib
import gzip
import random
import socket
import struct
import threading
import zlib
from collections import Counter
from collections.abc import Callable
from functools import lru_cache

_WORDS_TEXT = (
    "经济 发展 城市 农村 企业 市场 政府 部门 项目 建设 工作 会议 记者 表示 介绍 数据 "
    "显示 全国 地区 增长 服务 改革 创新 科技 教育 医疗 交通 能源 环境 保护 安全 文化 "
    "旅游 消费 投资 出口 进口 产业 制度 政策 居民 群众 学生 教师 医生 工人 农民 专家 "
    "学者 代表 委员 干部 社区 街道 乡镇 村庄 学校 医院 工厂 公司 今年 去年 目前 近日 "
    "同时 此外"
)
WORDS = tuple(_WORDS_TEXT.split())
_DIGITS = "零一二三四五六七八九"

# Faults a ``urls`` source lists, with whether the fetch must fail. ``/fail-once`` and ``/flaky`` recover.
FAULT_PATHS = (
    "/hang", "/hang-headers", "/reset", "/reset-mid", "/close", "/status/500", "/status/503", "/status/404",
    "/retry-after/1", "/loop", "/chain/12", "/gzip-bomb", "/gzip-endless", "/br-bomb", "/endless", "/drip",
    "/png", "/octet", "/png-as-html", "/truncated", "/bad-chunked", "/bad-status", "/huge-header",
    "/huge-length", "/bad-gzip", "/empty",
)  # fmt: skip


def marker(n: int) -> str:
    """A token unique to good page ``n`` (Chinese digits: survives any normalization)."""
    return "编号" + "".join(_DIGITS[int(d)] for d in str(n)) + "号稿件"


def good_page(n: int) -> bytes:
    rnd = random.Random(n * 7919)  # distinct word sequences: good pages are never near-duplicates
    paras = ["".join(rnd.choice(WORDS) for _ in range(rnd.randint(20, 28))) + "。" for _ in range(5)]
    paras[0] = marker(n) + "，" + paras[0]
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>第{n}号新闻</title></head>'
        f'<body><div class="article"><h1>第{n}号新闻：{paras[1][:10]}</h1>{body}</div></body></html>'
    ).encode()


@lru_cache(maxsize=1)
def _zero_block() -> bytes:
    """1 MiB of zeros as raw deflate ending in a full flush: repeating it extends the stream by 1 MiB."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    comp.compress(b"\0" * (1 << 20))
    comp.flush(zlib.Z_FULL_FLUSH)  # first block primes the state; the next ones are identical
    return comp.compress(b"\0" * (1 << 20)) + comp.flush(zlib.Z_FULL_FLUSH)


_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"


@lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """10 GiB of zeros in ~10 MB (the CRC trailer is bogus: a client that reads it all is already lost)."""
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty final block ends the stream
    return _GZIP_HEADER + _zero_block() * 10240 + final + struct.pack("<II", 0, 0)


@lru_cache(maxsize=1)
def br_bomb() -> bytes:
    import brotli  # type: ignore[import-untyped]

    comp = brotli.Compressor(quality=1)
    zeros = b"\0" * (1 << 20)
    return b"".join([comp.process(zeros) for _ in range(1024)] + [comp.finish()])


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40


class FaultServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.hits: Counter[str] = Counter()
        self.connections = 0
        self.phase = 1
        self.delay = 0.0  # seconds before each good page: crash tests need a run that takes a while
        # Extra fixed responses by exact path: (status line, headers, body). Tests add redirects, sitemaps.
        self.custom: dict[str, tuple[str, dict[str, str], bytes]] = {}
        self.stop = threading.Event()
        self._lock = threading.Lock()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(128)
        self._sock.settimeout(0.1)
        self.host, self.port = host, self._sock.getsockname()[1]
        self.base = f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self.stop.set()
        self._thread.join(5)
        self._sock.close()

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -----------------------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        try:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            parts = line.split(" ")
            path = parts[1].split("?", 1)[0] if len(parts) >= 2 else "/"
            with self._lock:
                self.hits[path] += 1
            self._route(path)(conn, path)
        except OSError:
            pass  # the client gave up: that is what most faults are for
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    @staticmethod
    def _respond(
        conn: socket.socket, status: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> None:
        hdrs = {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(body))}
        hdrs.update(headers or {})
        head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
        conn.sendall(head.encode("latin-1") + b"Connection: close\r\n\r\n" + body)

    def _wait(self, seconds: float) -> bool:
        """Sleep unless the server is stopping; False means stop."""
        return not self.stop.wait(seconds)

    def _route(self, path: str) -> Callable[[socket.socket, str], None]:
        if path in self.custom:
            status, headers, body = self.custom[path]
            return lambda conn, _path: self._respond(conn, status, body, headers)
        for prefix, handler in self._ROUTES:
            if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
                return lambda conn, path: handler(self, conn, path)
        return self._not_found

    # -- handlers -----------------------------------------------------------------------------------------
    def _not_found(self, conn: socket.socket, path: str) -> None:
        self._respond(conn, "404 Not Found", b"not found")

    def _good(self, conn: socket.socket, path: str) -> None:
        n = int(path.rsplit("/", 1)[1].split(".", maxsplit=1)[0])
        if self.delay and not self._wait(self.delay):
            return
        self._respond(conn, "200 OK", good_page(n))

    def _good_gzip(self, conn: socket.socket, path: str) -> None:
        n = int(path.rsplit("/", 1)[1].split(".", maxsplit=1)[0])
        self._respond(conn, "200 OK", gzip.compress(good_page(n)), {"Content-Encoding": "gzip"})

    def _to_good(self, conn: socket.socket, path: str) -> None:
        self._respond(
            conn, "301 Moved Permanently", b"", {"Location": f"/good/{path.rsplit('/', 1)[1]}.html"}
        )

    def _hang(self, conn: socket.socket, path: str) -> None:
        self.stop.wait()

    def _hang_headers(self, conn: socket.socket, path: str) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
        self.stop.wait()

    @staticmethod
    def _rst(conn: socket.socket) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()  # linger 0: the kernel sends RST instead of FIN

    def _reset(self, conn: socket.socket, path: str) -> None:
        self._rst(conn)

    def _reset_mid(self, conn: socket.socket, path: str) -> None:
        body = good_page(0)
        conn.sendall(
            f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body[: len(body) // 2]
        )
        self._wait(0.1)
        self._rst(conn)

    def _close(self, conn: socket.socket, path: str) -> None:
        conn.close()

    def _status(self, conn: socket.socket, path: str) -> None:
        code = int(path.rsplit("/", 1)[1])
        self._respond(conn, f"{code} Status", b"<html><body><p>error page</p></body></html>")

    def _retry_after(self, conn: socket.socket, path: str) -> None:
        self._respond(conn, "429 Too Many Requests", b"slow down", {"Retry-After": path.rsplit("/", 1)[1]})

    def _flaky(self, conn: socket.socket, path: str) -> None:
        if self.hits[path] == 1:
            self._respond(conn, "429 Too Many Requests", b"slow down", {"Retry-After": "1"})
        else:
            self._good(conn, path)

    def _fail_once(self, conn: socket.socket, path: str) -> None:
        if self.phase == 1:
            self._respond(conn, "503 Service Unavailable", b"down")
        else:
            self._good(conn, path)

    def _loop(self, conn: socket.socket, path: str) -> None:
        self._respond(conn, "302 Found", b"", {"Location": path})

    def _chain(self, conn: socket.socket, path: str) -> None:
        k = int(path.rsplit("/", 1)[1])
        where = f"/chain/{k - 1}" if k > 1 else "/good/999.html"
        self._respond(conn, "302 Found", b"", {"Location": where})

    def _gzip_bomb(self, conn: socket.socket, path: str) -> None:
        self._respond(conn, "200 OK", gzip_bomb(), {"Content-Encoding": "gzip"})

    def _gzip_endless(self, conn: socket.socket, path: str) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        block = _zero_block()
        conn.sendall(b"%x\r\n%s\r\n" % (len(_GZIP_HEADER), _GZIP_HEADER))
        while not self.stop.is_set():
            conn.sendall(b"%x\r\n%s\r\n" % (len(block), block))

    def _br_bomb(self, conn: socket.socket, path: str) -> None:
        self._respond(conn, "200 OK", br_bomb(), {"Content-Encoding": "br"})

    def _endless(self, conn: socket.socket, path: str) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = ("<p>" + "无尽的正文" * 200 + "</p>").encode()
        frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        while not self.stop.is_set():
            conn.sendall(frame)

    def _drip(self, conn: socket.socket, path: str) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(1000):
            conn.sendall(b"<")
            if not self._wait(1.0):
                return

    def _png(self, conn: socket.socket, path: str) -> None:
        self._respond(conn, "200 OK", PNG, {"Content-Type": "image/png"})

    def _octet(self, conn: socket.socket, path: str) -> None:
        self._respond(conn, "200 OK", good_page(1000), {"Content-Type": "application/octet-stream"})

    def _png_as_html(self, conn: socket.socket, path: str) -> None:
        self._respond(conn, "200 OK", PNG, {"Content-Type": "text/html"})

    def _truncated(self, conn: socket.socket, path: str) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n" + b"<p>" * 20
        )

    def _bad_chunked(self, conn: socket.socket, path: str) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n"
        )

    def _bad_status(self, conn: socket.socket, path: str) -> None:
        conn.sendall(b"SPDY/9 banana\r\n\r\n<html></html>")

    def _huge_header(self, conn: socket.socket, path: str) -> None:
        self._respond(conn, "200 OK", good_page(1001), {"X-Junk": "a" * (1 << 20)})

    def _huge_length(self, conn: socket.socket, path: str) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000000000000\r\n\r\n<p>"
        )

    def _bad_gzip(self, conn: socket.socket, path: str) -> None:
        self._respond(conn, "200 OK", b"this is not gzip at all" * 10, {"Content-Encoding": "gzip"})

    def _empty(self, conn: socket.socket, path: str) -> None:
        self._respond(conn, "200 OK", b"")

    _ROUTES: tuple[tuple[str, Callable[..., None]], ...] = (
        ("/good/", _good),
        ("/good-gzip/", _good_gzip),
        ("/to-good/", _to_good),
        ("/hang", _hang),
        ("/hang-headers", _hang_headers),
        ("/reset", _reset),
        ("/reset-mid", _reset_mid),
        ("/close", _close),
        ("/status/", _status),
        ("/retry-after/", _retry_after),
        ("/flaky/", _flaky),
        ("/fail-once/", _fail_once),
        ("/loop", _loop),
        ("/chain/", _chain),
        ("/gzip-bomb", _gzip_bomb),
        ("/gzip-endless", _gzip_endless),
        ("/br-bomb", _br_bomb),
        ("/endless", _endless),
        ("/drip", _drip),
        ("/png", _png),
        ("/octet", _octet),
        ("/png-as-html", _png_as_html),
        ("/truncated", _truncated),
        ("/bad-chunked", _bad_chunked),
        ("/bad-status", _bad_status),
        ("/huge-header", _huge_header),
        ("/huge-length", _huge_length),
        ("/bad-gzip", _bad_gzip),
        ("/empty", _empty),
    )
