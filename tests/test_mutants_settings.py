"""Settings behaviour a mutation run found untested: the defaults the README documents, which values mean
"off" and which make no sense, path resolution, env/--set parsing, and errors that name the key.

Expected defaults are read from the README's configuration block (what users are told), not from the code.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

import cleanfeed
from cleanfeed.errors import ConfigError
from cleanfeed.settings import env_overrides, load_settings, parse_value, settings_from_dict

REPO = Path(__file__).resolve().parent.parent
URLS = {"name": "a", "kind": "urls", "urls": ["http://x.example/"]}


def _readme_config() -> dict[str, Any]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1]
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block, "README's configuration section has no toml block"
    return tomllib.loads(block.group(1))


def test_defaults_are_the_ones_the_readme_documents() -> None:
    doc = _readme_config()
    s = cleanfeed.Settings()
    checked = 0
    for section in ("output", "state", "fetch", "dedup"):
        model = getattr(s, section)
        for key, value in doc[section].items():
            if isinstance(value, str) and "…" in value:  # an elided example, not a default
                continue
            got = getattr(model, key)
            assert (str(got) if isinstance(got, Path) else got) == value, f"{section}.{key}"
            checked += 1
    assert checked >= 13
    assert s.run.deadline is None  # README: "optional"
    assert s.fetch.user_agent.startswith("cleanfeed/0.1 (+https://")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("fetch.per_host_delay", 0),  # no politeness delay: allowed (own servers)
        ("fetch.retries", 0),
        ("fetch.backoff", 0),
        ("fetch.max_retry_after", 0),  # never wait for a Retry-After: retried next run
        ("fetch.max_redirects", 0),  # follow none
        ("fetch.workers", 0),  # clean in the fetch loop
        ("fetch.per_host_concurrency", 1),
        ("fetch.concurrency", 1),
        ("fetch.max_failures", 1),
        ("fetch.max_bytes", 1_000_000),
        ("fetch.timeout", 0.5),
        ("fetch.deadline", 0.5),
        ("fetch.host_budget", 0.5),
        ("run.deadline", 0.5),
    ],
)
def test_values_at_the_edge_of_sense_are_accepted(key: str, value: float) -> None:
    section, name = key.split(".")
    s = settings_from_dict({section: {name: value}})
    assert getattr(getattr(s, section), name) == value


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("fetch.per_host_delay", -1),
        ("fetch.retries", -1),
        ("fetch.backoff", -0.5),
        ("fetch.max_retry_after", -1),
        ("fetch.max_redirects", -1),
        ("fetch.max_redirects", 1000),  # a redirect chain that long is a loop
        ("fetch.workers", -1),
        ("fetch.per_host_concurrency", 0),
        ("fetch.concurrency", 0),
        ("fetch.max_failures", 0),
        ("fetch.max_bytes", 0),
        ("fetch.max_bytes", 100),  # too small for any page: every page would be 'too_large'
        ("fetch.timeout", 0),
        ("fetch.timeout", 86_400),  # a day for one network operation is a typo, not a setting
        ("fetch.deadline", 0),
        ("fetch.deadline", 86_400),
        ("fetch.host_budget", 0),
        ("fetch.max_retry_after", 86_400),
        ("fetch.retries", 1000),
        ("run.deadline", 0),
        ("run.deadline", 30 * 86_400),
    ],
)
def test_senseless_values_are_refused_naming_the_key(key: str, value: float) -> None:
    section, name = key.split(".")
    with pytest.raises(ConfigError) as info:
        settings_from_dict({section: {name: value}})
    assert info.value.key == key


@pytest.mark.parametrize("path", ["", "."])
def test_state_path_must_name_a_file(path: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_dict({"state": {"path": path}})
    assert info.value.key == "state.path"


@pytest.mark.parametrize("name", ["xinhua", "news-1", "site.cn", "a_b", "新华"])
def test_plain_source_names_are_accepted(name: str) -> None:
    assert settings_from_dict({"sources": [{**URLS, "name": name}]}).sources[0].name == name


@pytest.mark.parametrize("name", ["a/b", "a b", "", "a:b", "../x"])
def test_source_names_that_cannot_be_a_file_name_part_are_refused(name: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_dict({"sources": [{**URLS, "name": name}]})
    assert info.value.key == "sources[0].name"


@pytest.mark.parametrize("url", ["http://x.example/rss", "HTTPS://X.EXAMPLE/rss", "https://x.example"])
def test_feed_urls_accepted(url: str) -> None:
    s = settings_from_dict({"sources": [{"name": "f", "kind": "feed", "url": url}]})
    assert s.sources[0].url == url  # type: ignore[union-attr]


@pytest.mark.parametrize("url", ["x.example/rss", "http:///rss", "http:// x.example", "file:///etc/passwd"])
def test_feed_urls_refused(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_dict({"sources": [{"name": "f", "kind": "sitemap", "url": url}]})
    assert info.value.key == "sources[0].url"
    assert "http" in info.value.message


def test_a_bad_filter_regex_is_named_in_the_message() -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_dict({"sources": [{**URLS, "exclude": ["ok", "[unclosed"]}]})
    assert info.value.key == "sources[0].exclude"
    assert "[unclosed" in info.value.message


def test_a_bad_extract_rule_says_so() -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_dict(
            {"sources": [{**URLS, "rules": [{"name": "r", "kind": "nonsense", "pattern": "x"}]}]}
        )
    assert info.value.key == "sources[0].rules"
    assert "rule" in info.value.message


def test_source_rules_extend_the_shipped_ones() -> None:
    rule = {"name": "site_footer", "kind": "phrase", "pattern": "本站由.*整理"}
    with_rules, plain = settings_from_dict(
        {"sources": [{**URLS, "rules": [rule]}, {**URLS, "name": "b"}]}
    ).sources
    rs = with_rules.ruleset()
    assert rs is not None and "site_footer" in {r.name for r in rs.rules}
    assert plain.ruleset() is None


@pytest.mark.parametrize(
    ("include", "exclude", "url", "wanted"),
    [
        ([], [], "http://x/any", True),
        ([r"/news/"], [], "http://x/news/1", True),
        ([r"/news/"], [], "http://x/video/1", False),
        ([r"/news/", r"/world/"], [], "http://x/world/1", True),  # any include
        ([], [r"\.pdf$"], "http://x/a.pdf", False),
        ([], [r"\.pdf$", r"/tag/"], "http://x/tag/a", False),  # any exclude
        ([], [r"\.pdf$"], "http://x/a.html", True),
    ],
)
def test_url_filters(include: list[str], exclude: list[str], url: str, wanted: bool) -> None:
    src = settings_from_dict({"sources": [{**URLS, "include": include, "exclude": exclude}]}).sources[0]
    assert src.wants(url) is wanted


def test_an_urls_source_may_read_its_list_from_a_file() -> None:
    s = settings_from_dict({"sources": [{"name": "u", "kind": "urls", "file": "list.txt"}]})
    assert s.sources[0].file == Path("list.txt")  # type: ignore[union-attr]


def test_paths_resolve_against_the_config_folder_and_are_normalized(tmp_path: Path) -> None:
    base = tmp_path / "cfg"
    s = settings_from_dict(
        {"output": {"dir": "../out"}, "state": {"path": str(tmp_path / "abs" / "s.db")}}, base_dir=base
    )
    assert s.output_dir == tmp_path / "out"  # no '..' left in the path
    assert s.state_path == tmp_path / "abs" / "s.db"  # absolute stays
    assert s.resolve(Path("~/x")) == Path.home() / "x"


def test_a_dedup_path_naming_the_state_file_shares_it(tmp_path: Path) -> None:
    s = settings_from_dict({"state": {"path": "s.db"}, "dedup": {"path": "./s.db"}}, base_dir=tmp_path)
    assert s.index_path == tmp_path / "s.db" and s.index_shares_state
    s2 = settings_from_dict({"state": {"path": "s.db"}, "dedup": {"path": "i.db"}}, base_dir=tmp_path)
    assert s2.index_path == tmp_path / "i.db" and not s2.index_shares_state


def test_source_lookup_by_name() -> None:
    s = settings_from_dict({"sources": [URLS, {**URLS, "name": "b"}]})
    assert s.source("b").name == "b"
    with pytest.raises(ConfigError) as info:
        s.source("zzz")
    assert info.value.key == "sources" and "zzz" in info.value.message


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("5", 5),
        ("2.5", 2.5),
        ("true", True),
        ("false", False),
        ('["127.0.0.1", "::1"]', ["127.0.0.1", "::1"]),
        ("'single quoted'", "single quoted"),  # a TOML literal string
        ("[1, 2,]", [1, 2]),  # TOML, not JSON
        ("separate", "separate"),  # neither: the raw string
        ("/srv/out", "/srv/out"),
        ("", ""),
    ],
)
def test_env_and_set_values_parse_as_literals_else_strings(raw: str, value: object) -> None:
    assert parse_value(raw) == value


def test_env_overrides_nest_lowercase_and_ignore_other_variables() -> None:
    env = {
        "CLEANFEED_FETCH__TIMEOUT": "5",
        "CLEANFEED_DEDUP__POLICY": "mark",
        "CLEANFEED_CONFIG": "/etc/cf.toml",  # names the file, not a key
        "CLEANFEED_": "x",
        "CLEANFEEDX_FETCH__TIMEOUT": "9",
        "HOME": "/root",
    }
    assert env_overrides(env) == {"fetch": {"timeout": 5}, "dedup": {"policy": "mark"}}


def test_env_overrides_read_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEANFEED_OUTPUT__GZIP", "true")
    assert env_overrides() == {"output": {"gzip": True}}
    assert settings_from_dict({}).output.gzip is True


def test_overrides_nested_or_whole_table_and_none_means_unset() -> None:
    s = settings_from_dict({"fetch": {"timeout": 7, "retries": 4}}, fetch={"timeout": 5}, output__gzip=None)
    assert (s.fetch.timeout, s.fetch.retries) == (5, 4)  # a table override merges, it does not replace
    assert s.output.gzip is False


def test_an_override_inside_a_plain_value_is_refused() -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_dict({"fetch": {"timeout": 7}}, fetch__timeout__x=1)
    assert info.value.key == "fetch.timeout.x"


def test_base_dir_cannot_be_set_from_a_config() -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_dict({"base_dir": "/"})
    assert (info.value.key, info.value.message) == ("base_dir", "unknown key")


def test_an_unknown_key_is_called_unknown() -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_dict({"fetch": {"timout": 5}})
    assert info.value.message == "unknown key"


@pytest.mark.parametrize(
    ("source", "word"),
    [
        ({"name": "a", "kind": "rss", "url": "http://x/"}, "feed"),
        ({"name": "a", "url": "http://x/"}, "missing"),
    ],
)
def test_a_bad_or_missing_kind_lists_the_kinds(source: dict[str, str], word: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_dict({"sources": [source]})
    assert info.value.key == "sources[0].kind"
    assert word in info.value.message and "warc" in info.value.message


def test_an_error_in_a_nested_source_field_names_its_index() -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_dict({"sources": [URLS, {"name": "w", "kind": "warc"}]})
    assert info.value.key == "sources[1].path"


def test_a_config_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_bytes('[output]\ndir = "输出"\n'.encode("gbk"))
    with pytest.raises(ConfigError) as info:
        load_settings(cfg)
    assert info.value.key == "<file>" and "UTF-8" in info.value.message and str(cfg) in info.value.message


def test_a_missing_config_names_the_file_and_why(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path / "nope.toml")
    assert "nope.toml" in info.value.message and "No such file" in info.value.message


def test_load_settings_without_a_file_gives_defaults_and_overrides() -> None:
    s = load_settings(None, fetch__retries=1)
    assert s.fetch.retries == 1 and s.sources == []


@pytest.mark.parametrize(
    ("source", "key"),
    [
        ({"name": "f", "kind": "files", "paths": []}, "sources[0].paths"),
        ({"name": "u", "kind": "urls", "urls": "http://x.example/"}, "sources[0].urls"),  # not a list
        ({"name": "w", "kind": "warc", "path": 5}, "sources[0].path"),
    ],
)
def test_errors_inside_each_source_kind_name_the_field(source: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_dict({"sources": [source]})
    assert info.value.key == key


def test_an_env_value_inside_another_env_value_is_refused_naming_it() -> None:
    env = {"CLEANFEED_FETCH": "5", "CLEANFEED_FETCH__TIMEOUT": "1"}
    with pytest.raises(ConfigError) as info:
        env_overrides(env)
    assert info.value.key == "fetch.timeout" and info.value.message


def test_invalid_toml_is_a_file_error(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[fetch\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(cfg)
    assert info.value.key == "<file>" and str(cfg) in info.value.message


def test_an_unset_option_before_a_set_one_does_not_hide_it() -> None:
    s = settings_from_dict({}, output__gzip=None, fetch__retries=1, dedup__policy="mark")
    assert (s.output.gzip, s.fetch.retries, s.dedup.policy) == (False, 1, "mark")


def test_an_error_of_the_whole_config_is_keyed_root() -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_dict({"sources": [URLS, URLS]})
    assert info.value.key == "<root>" and "duplicate" in info.value.message


def test_overrides_leave_the_callers_mapping_alone() -> None:
    data = {"fetch": {"timeout": 7}, "sources": [URLS]}
    settings_from_dict(data, fetch__timeout=5, fetch={"retries": 1})
    assert data == {"fetch": {"timeout": 7}, "sources": [URLS]}
