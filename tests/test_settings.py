"""Settings: validation names the key; defaults < TOML < env < overrides; paths resolve to the config."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

import cleanfeed
from cleanfeed.settings import (
    FeedSource,
    FilesSource,
    SitemapSource,
    UrlsSource,
    WarcSource,
    env_overrides,
    load_settings,
    settings_from_dict,
)

REPO = Path(__file__).resolve().parent.parent


def _write(tmp: Path, text: str) -> Path:
    cfg = tmp / "sub" / "c.toml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(text, encoding="utf-8")
    return cfg


def test_defaults() -> None:
    s = cleanfeed.Settings()
    assert s.fetch.per_host_delay == 1.0 and s.fetch.obey_robots and s.fetch.max_bytes == 10_000_000
    assert s.dedup.policy == "separate" and s.output.gzip is False


def test_relative_paths_resolve_against_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = _write(tmp_path, '[output]\ndir = "o"\n[state]\npath = "s/state.db"\n')
    monkeypatch.chdir(tmp_path)
    s = cleanfeed.load_settings(cfg)
    assert s.output_dir == tmp_path / "sub" / "o"
    assert s.state_path == tmp_path / "sub" / "s" / "state.db"
    # The dedup index shares the state database unless dedup.path names another file.
    assert s.index_path == s.state_path and s.index_shares_state
    s2 = cleanfeed.load_settings(cfg, dedup__path="idx/index.db")
    assert s2.index_path == tmp_path / "sub" / "idx" / "index.db" and not s2.index_shares_state


def test_precedence_defaults_toml_env_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _write(tmp_path, "[fetch]\ntimeout = 7\nconcurrency = 3\nretries = 4\n")
    monkeypatch.setenv("CLEANFEED_FETCH__TIMEOUT", "5")
    monkeypatch.setenv("CLEANFEED_FETCH__CONCURRENCY", "9")
    monkeypatch.setenv("CLEANFEED_FETCH__ALLOW_PRIVATE_HOSTS", '["127.0.0.1"]')
    s = load_settings(cfg, fetch__concurrency=11)
    assert s.fetch.timeout == 5  # env beats TOML
    assert s.fetch.concurrency == 11  # override beats env
    assert s.fetch.retries == 4  # TOML beats default
    assert s.fetch.allow_private_hosts == ["127.0.0.1"]
    assert s.fetch.per_host_delay == 1.0


def test_env_parsing() -> None:
    env = {"CLEANFEED_FETCH__OBEY_ROBOTS": "false", "CLEANFEED_OUTPUT__DIR": "/x/y", "OTHER": "1"}
    assert env_overrides(env) == {"fetch": {"obey_robots": False}, "output": {"dir": "/x/y"}}


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"fetch": {"timout": 5}}, "fetch.timout"),
        ({"bogus": {}}, "bogus"),
        ({"fetch": {"timeout": "soon"}}, "fetch.timeout"),
        ({"fetch": {"per_host_concurrency": 0}}, "fetch.per_host_concurrency"),
        ({"dedup": {"policy": "drop"}}, "dedup.policy"),
        ({"sources": [{"name": "a", "kind": "feed"}]}, "sources[0].url"),
        ({"sources": [{"name": "a", "kind": "rss", "url": "http://x/"}]}, "sources[0].kind"),
        ({"sources": [{"name": "a", "url": "http://x/"}]}, "sources[0].kind"),
        ({"sources": [{"name": "a", "kind": "feed", "url": "ftp://x/"}]}, "sources[0].url"),
        ({"sources": [{"name": "a", "kind": "feed", "url": "http://x/", "paths": []}]}, "sources[0].paths"),
        (
            {"sources": [{"name": "a", "kind": "urls", "urls": ["http://x/"], "include": ["("]}]},
            "sources[0].include",
        ),
        ({"sources": [{"name": "a", "kind": "urls"}]}, "sources[0]"),
        ({"sources": [{"name": "a b", "kind": "urls", "urls": ["http://x"]}]}, "sources[0].name"),
        (
            {"sources": [{"name": "a", "kind": "urls", "urls": ["http://x"], "rules": [{"x": 1}]}]},
            "sources[0].rules",
        ),
    ],
)
def test_errors_name_the_key(data: dict[str, object], key: str) -> None:
    with pytest.raises(cleanfeed.ConfigError) as info:
        settings_from_dict(data)
    assert info.value.key == key


def test_duplicate_source_names() -> None:
    src = {"name": "a", "kind": "urls", "urls": ["http://x/"]}
    with pytest.raises(cleanfeed.ConfigError, match="duplicate source name"):
        settings_from_dict({"sources": [src, src]})


def test_unreadable_and_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(cleanfeed.ConfigError) as info:
        load_settings(tmp_path / "missing.toml")
    assert info.value.key == "<file>"
    with pytest.raises(cleanfeed.ConfigError, match="invalid TOML"):
        load_settings(_write(tmp_path, "[fetch\n"))


def test_source_filters() -> None:
    src = FeedSource(name="f", kind="feed", url="http://x/rss", include=[r"/news/"], exclude=[r"\.pdf$"])
    assert src.wants("http://x/news/1.html")
    assert not src.wants("http://x/video/1.html")
    assert not src.wants("http://x/news/1.pdf")


@pytest.mark.parametrize("name", ["default.toml", "example-portals.toml"])
def test_shipped_configs_validate(name: str) -> None:
    s = load_settings(REPO / "configs" / name)
    assert s.sources


def _source_models() -> list[type[BaseModel]]:
    return [FeedSource, SitemapSource, UrlsSource, FilesSource, WarcSource]


def test_the_example_config_documents_every_key() -> None:
    """configs/example-portals.toml is the reference: each key of each section is there, set or commented
    out, with a comment on its line saying what it does; each source kind and each source key is shown."""
    text = (REPO / "configs" / "example-portals.toml").read_text(encoding="utf-8")
    sections: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        head = re.fullmatch(r"#?\s*\[{1,2}([\w.]+)\]{1,2}.*", line.strip())
        if head:
            current = head.group(1)
            continue
        sections.setdefault(current, []).append(line)
    for name, field in cleanfeed.Settings.model_fields.items():
        model = field.annotation
        if name in ("sources", "base_dir"):
            continue
        assert isinstance(model, type) and issubclass(model, BaseModel), name
        lines = sections.get(name, [])
        for key in model.model_fields:
            hits = [ln for ln in lines if re.match(rf"\s*#?\s*{key}\s*=", ln)]
            assert hits, f"[{name}] {key} is not in the example config"
            assert any("#" in ln.split("=", 1)[1] for ln in hits), f"[{name}] {key} has no comment"
    source_lines = sections.get("sources", [])
    for model in _source_models():
        kind = model.model_fields["kind"].annotation.__args__[0]  # type: ignore[union-attr]
        assert any(re.match(rf'\s*#?\s*kind\s*=\s*"{kind}"', ln) for ln in source_lines), kind
        for key in model.model_fields:
            assert any(re.match(rf"\s*#?\s*{key}\s*=", ln) for ln in source_lines), f"sources: {key}"
