"""Hostile inputs at run level (``cleanfeed run`` in a subprocess):

- feeds and sitemaps are parsed without entity expansion: billion laughs, quadratic blowup, external entities
  (file and http) and external DTDs, in UTF-8 and in UTF-16/32 (which hide ``<!ENTITY`` from a byte-level
  scan), neither expand, leak, fetch nor hang (run < 30 s, peak RSS < 500 MB);
- output paths stay inside ``output.dir`` whatever a URL or title contains (``../``, NUL, 5000 characters);
- a config can never execute code: it is TOML only, values are data (YAML tags, Python, shell syntax and a
  ``.py`` config file all just error or stay strings).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

import cleanfeed
from faultserver import FaultServer, marker
from helpers.runlevel import files_under, read_all, run_cli, write_config

LAUGHS = "".join(
    f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10 if i else "lol" * 10}">' for i in range(10)
)  # 10^10 "lol"s if expanded
QUADRATIC = f'<!ENTITY big "{"x" * 100_000}">'
LEAK_MARKERS = ("root:x:0:0", "LEAKED", "lollollollollollollollollollollollollollollollol", "x" * 5000)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as s:
        s.custom["/evil.dtd"] = (
            "200 OK",
            {"Content-Type": "application/xml-dtd"},
            b'<!ENTITY leak "LEAKED">',
        )
        s.custom["/xxe-target"] = ("200 OK", {"Content-Type": "text/plain"}, b"LEAKED")
        yield s


def _docs(base: str) -> dict[str, tuple[str, str]]:
    """name -> (DOCTYPE internal subset or external id, body text that references the entity)."""
    return {
        "laughs": (f"[{LAUGHS}]", "&l9;"),
        "quadratic": (f"[{QUADRATIC}]", "&big;" * 2000),
        "xxe_file": ('[<!ENTITY ext SYSTEM "file:///etc/passwd">]', "&ext;"),
        "xxe_http": (f'[<!ENTITY ext SYSTEM "{base}/xxe-target">]', "&ext;"),
        "param_entity": (f'[<!ENTITY % p SYSTEM "{base}/evil.dtd"> %p;]', "&leak;"),
        "external_dtd": (f'SYSTEM "{base}/evil.dtd"', "&leak;"),
        "plain": ("", ""),  # control: a normal document whose good link must be followed
    }


def _feed(doctype: str, ref: str, good: str, enc: str) -> bytes:
    dt = f"<!DOCTYPE rss {doctype}>" if doctype else ""
    xml = (
        f'<?xml version="1.0" encoding="{enc}"?>{dt}<rss version="2.0"><channel><title>t{ref}</title>'
        f"<item><title>新闻{ref}</title><link>{good}</link><description>{ref}</description></item>"
        "</channel></rss>"
    )
    return xml.encode(enc)


def _sitemap(doctype: str, ref: str, good: str, enc: str) -> bytes:
    dt = f"<!DOCTYPE urlset {doctype}>" if doctype else ""
    xml = (
        f'<?xml version="1.0" encoding="{enc}"?>{dt}'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{good}</loc></url><url><loc>{good}?{ref}</loc></url></urlset>"
    )
    return xml.encode(enc)


@pytest.mark.parametrize(
    "enc",
    ["utf-8", pytest.param("utf-16", marks=pytest.mark.slow), pytest.param("utf-32", marks=pytest.mark.slow)],
)
def test_feed_and_sitemap_entities_never_expand(server: FaultServer, tmp_path: Path, enc: str) -> None:
    sources = []
    docs = _docs(server.base)
    for i, (name, (doctype, ref)) in enumerate(docs.items()):
        for kind, build in (("feed", _feed), ("sitemap", _sitemap)):
            n = 100 + 2 * i + (kind == "sitemap")
            path = f"/{kind}/{name}.xml"
            body = build(doctype, ref, server.url(f"/good/{n}.html"), enc)
            server.custom[path] = ("200 OK", {"Content-Type": "application/xml"}, body)
            sources.append({"name": f"{kind}-{name}", "kind": kind, "url": server.url(path)})
    cfg = write_config(tmp_path, sources)
    res = run_cli(cfg, hard_limit_s=90)
    assert res.rc is not None, "run hung on an XML bomb"
    assert res.rc in (0, 1), f"exit {res.rc}\n{res.stderr[-2000:]}"
    assert res.max_rss_mb is not None and res.max_rss_mb < 500, f"peak RSS {res.max_rss_mb} MB"
    assert server.hits["/xxe-target"] == 0 and server.hits["/evil.dtd"] == 0, (
        f"external entity fetched: {server.hits}"
    )
    for f in files_under(tmp_path / "out"):
        blob = f.read_bytes().decode("utf-8", "replace")
        leaked = [m[:20] for m in LEAK_MARKERS if m in blob]
        assert not leaked, f"{f.name}: entity content in output: {leaked}"
    # The control documents still work: their good page was fetched and delivered.
    arts = "".join(str(r.get("text")) for r in read_all(tmp_path / "out")["articles"])
    plain_i = list(docs).index("plain")
    assert marker(100 + 2 * plain_i) in arts, "the plain feed's article is missing"
    if enc != "utf-32":  # expat (sitemaps) has no UTF-32; real sitemaps never use it
        assert marker(101 + 2 * plain_i) in arts, "the plain sitemap's article is missing"


# -- output paths ------------------------------------------------------------------------------------------

EVIL_TITLES = [
    "../../../../../../tmp/cleanfeed-escape",
    "..\\..\\..\\windows",
    "a\x00b/../../x",
    "/" * 300,
    "名" * 5000,
]


def test_output_stays_inside_output_dir(server: FaultServer, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    urls = []
    for i, title in enumerate(EVIL_TITLES):
        body = good_body(i, title)
        path = f"/evil/{i}/..%2f..%2f..%2fescape%00.html"
        server.custom[path] = ("200 OK", {"Content-Type": "text/html; charset=utf-8"}, body)
        urls.append(server.url(path))
    long_path = "/evil/" + "a" * 5000 + ".html"
    server.custom[long_path] = ("200 OK", {"Content-Type": "text/html; charset=utf-8"}, good_body(50, "长"))
    urls += [
        server.url(long_path),
        server.url("/good/1.html/../../../../etc/passwd"),
        server.url("/%2e%2e/%2e%2e/x"),
    ]
    cfg = write_config(work, [{"name": "evil", "kind": "urls", "urls": urls}])
    siblings_before = set(tmp_path.parent.iterdir())
    outside_before = files_under(tmp_path)
    res = run_cli(cfg, hard_limit_s=60)
    assert res.rc in (0, 1), f"exit {res.rc}\n{res.stderr[-2000:]}"
    new = files_under(tmp_path) - outside_before
    allowed_roots = (work / "out", work / "state")
    escaped = [p for p in new if not any(p.is_relative_to(r) for r in allowed_roots)]
    assert not escaped, f"files written outside output.dir/state: {escaped}"
    assert set(tmp_path.parent.iterdir()) == siblings_before, "something was written next to the test folder"
    assert not Path("/tmp/cleanfeed-escape").exists()
    arts = "".join(str(r.get("text")) for r in read_all(work / "out")["articles"])
    assert marker(50) in arts, "the long-URL page was not delivered"


def good_body(n: int, title: str) -> bytes:
    from faultserver import good_page

    html = good_page(n).decode()
    return (
        html.replace(f"<title>第{n}号新闻</title>", f"<title>{title}</title>")
        .replace(f"<h1>第{n}号新闻", f"<h1>{title}")
        .encode("utf-8", "surrogatepass")
    )


# -- config -----------------------------------------------------------------------------------------------


PWN = "cleanfeed-pwned"


def _pwn_cmd(where: Path) -> str:
    return f"touch {where / PWN}"


@pytest.mark.parametrize(
    "template",
    [
        # YAML tags and other object-construction syntaxes: not TOML, so a config error.
        '!!python/object/apply:os.system ["{cmd}"]\n',
        '[output]\ndir: !!python/object/apply:os.system ["{cmd}"]\n',
        "output = __import__('os').system('{cmd}')\n",
        '{{"output": {{"dir": "x"}}, "__import__": "os"}}\n',
        # Valid TOML whose values look like code: they must stay strings (or fail validation).
        "[output]\ndir = \"$({cmd})\"\n[fetch]\nuser_agent = \"`{cmd}`\"\n",
        "[output]\ndir = \"__import__('os').system('{cmd}')\"\n",
        "[fetch]\ntimeout = \"__import__('os').system('{cmd}')\"\n",
        "[[sources]]\nname = \"s\"\nkind = \"__import__('os').system('{cmd}')\"\nurl = \"http://x.test/\"\n",
        "[[sources]]\nname = \"$({cmd})\"\nkind = \"files\"\npaths = [\"$({cmd})\"]\n",
        "[output]\ndir = \"out\"\n[__class__]\n__init__ = \"{cmd}\"\n",
    ],
    ids=["yaml_tag", "yaml_tag_value", "python_expr", "json", "shell_subst", "py_in_string", "py_in_number",
         "py_in_kind", "shell_in_paths", "dunder_table"],
)  # fmt: skip
def test_config_cannot_execute_code(tmp_path: Path, template: str) -> None:
    """In process through ``load_settings`` (the library interface): a config error or plain data."""
    cfg = tmp_path / "cleanfeed.toml"
    cfg.write_text(template.format(cmd=_pwn_cmd(tmp_path)), encoding="utf-8")
    try:
        settings = cleanfeed.load_settings(cfg)
    except cleanfeed.ConfigError:
        pass
    else:
        assert isinstance(settings, cleanfeed.Settings)
    assert not (tmp_path / PWN).exists(), "the config executed code"


def test_cli_yaml_config_is_a_clear_config_error(tmp_path: Path) -> None:
    cfg = tmp_path / "cleanfeed.toml"
    cfg.write_text(f'!!python/object/apply:os.system ["{_pwn_cmd(tmp_path)}"]\n', encoding="utf-8")
    res = run_cli(cfg, hard_limit_s=60)
    assert not (tmp_path / PWN).exists()
    assert res.rc == 2, f"exit {res.rc}: {res.stderr[-1500:]}"
    assert "Traceback" not in res.stderr, (
        f"a bad config crashed instead of a clear error:\n{res.stderr[-1500:]}"
    )


def test_python_file_as_config_is_not_executed(tmp_path: Path) -> None:
    cfg = tmp_path / "cleanfeed.py"
    cfg.write_text(f"import os\nos.system({_pwn_cmd(tmp_path)!r})\n", encoding="utf-8")
    res = run_cli(cfg, hard_limit_s=60)
    assert not (tmp_path / PWN).exists()
    assert res.rc == 2, f"exit {res.rc}: {res.stderr[-1500:]}"


def test_env_override_values_are_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = write_config(tmp_path, [{"name": "f", "kind": "files", "paths": [str(tmp_path / "none.html")]}])
    env = {
        "CLEANFEED_FETCH__TIMEOUT": f"__import__('os').system('{_pwn_cmd(tmp_path)}')",
        "CLEANFEED_FETCH__USER_AGENT": f"$({_pwn_cmd(tmp_path)})",
        "CLEANFEED_OUTPUT__DIR": f'"out"\n[x]\ny = "{_pwn_cmd(tmp_path)}"',
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with contextlib.suppress(cleanfeed.ConfigError):
        cleanfeed.load_settings(cfg)
    assert not (tmp_path / PWN).exists()


# -- hostile pages through a whole run --------------------------------------------------------------------

RUN_CASES = [
    "nesting_100k", "attributes_100k", "malformed_markup", "p_100k", "script_only", "png_as_html",
    "meta_gbk_utf8_bytes", "nul_flood", "utf16_bom_lone_surrogates", "page_50mb",
]  # fmt: skip


def test_hostile_pages_cannot_stall_a_run(server: FaultServer, tmp_path: Path) -> None:
    """A page that takes a parser 40 s must not hold the whole run (and every other page) hostage: each page
    ends up as an article or a reject within a bounded run time."""
    from helpers.hostile import CORPUS

    urls = []
    for name in RUN_CASES:
        data = CORPUS[name].make()
        body = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
        server.custom[f"/hostile/{name}"] = ("200 OK", {"Content-Type": "text/html"}, body)
        urls.append(server.url(f"/hostile/{name}"))
    urls += [server.url(f"/good/{n}.html") for n in range(3)]
    cfg = write_config(
        tmp_path, [{"name": "h", "kind": "urls", "urls": urls}], fetch={"max_bytes": 10_000_000}
    )
    res = run_cli(cfg, hard_limit_s=45)
    assert res.rc is not None, (
        f"run still going after 45 s: hostile pages stall the pipeline\n{res.stderr[-1500:]}"
    )
    assert res.rc in (0, 1), f"exit {res.rc}\n{res.stderr[-2000:]}"
    recs = read_all(tmp_path / "out")
    arts = "".join(str(r.get("text")) for r in recs["articles"])
    assert all(marker(n) in arts for n in range(3)), "good pages lost"
    seen = {str(r.get("url")) for s in ("articles", "duplicates", "rejects") for r in recs[s]}
    vanished = [u.rsplit("/", 1)[1] for u in urls if u not in seen]
    assert not vanished, f"pages with neither a record nor a reject: {vanished}"
    crashed = [
        str(r.get("url")).rsplit("/", 1)[1]
        for r in recs["rejects"]
        if r.get("reject_reason") == "internal_error"
    ]
    assert not crashed, f"pages that crashed a stage: {crashed}"
