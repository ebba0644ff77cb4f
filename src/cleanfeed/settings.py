"""Run settings: pydantic models and ``load_settings`` (defaults < TOML < ``CLEANFEED_*`` env < overrides).

Every key is validated before any work starts; a bad key raises ``ConfigError`` naming its dotted path
(``sources[2].url``, ``fetch.timeout``). Relative paths resolve against the config file's folder, so a
config behaves the same from cron (cwd = $HOME) and by hand.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from cleanfeed.errors import ConfigError
from cleanfeed.extract import RuleSet

ENV_PREFIX = "CLEANFEED_"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class OutputSettings(_Strict):
    dir: Path = Path("out")
    gzip: bool = False  # jsonl only
    report: bool = Field(
        default=True, description="write report.html and its explain pages beside the manifest"
    )
    format: Literal["jsonl", "parquet"] = "jsonl"  # parquet needs pyarrow: pip install 'cleanfeed[parquet]'

    @model_validator(mode="after")
    def _parquet_ready(self) -> OutputSettings:
        if self.format == "parquet":
            if self.gzip:
                raise ValueError("gzip applies to jsonl; parquet files are compressed (zstd) already")
            try:
                import pyarrow.parquet  # noqa: F401, PLC0415  (checked before any work, not mid-run)
            except ImportError:
                raise ValueError("format 'parquet' needs pyarrow: pip install 'cleanfeed[parquet]'") from None
        return self


class StateSettings(_Strict):
    path: Path = Path("state.db")
    site_profile: bool = Field(
        default=True,
        description="learn each host's recurring in-article lines in the state database and remove them "
        "(rule site_repeat); `cleanfeed run --reset-site-profile` forgets what was learned",
    )

    @field_validator("path")
    @classmethod
    def _a_file(cls, v: Path) -> Path:
        if str(v) in ("", "."):  # an empty CLEANFEED_STATE__PATH would name the config folder
            raise ValueError("must name a file")
        return v


class FetchSettings(_Strict):
    per_host_delay: float = Field(default=1.0, ge=0)
    per_host_concurrency: int = Field(default=2, ge=1)
    concurrency: int = Field(default=16, ge=1)
    timeout: float = Field(
        default=20.0, gt=0, le=3600, description="connect/read timeout of one network operation"
    )
    deadline: float = Field(
        default=120.0, gt=0, le=3600, description="overall limit of one request, body included"
    )
    max_bytes: int = Field(default=10_000_000, ge=1024)
    user_agent: str = "cleanfeed/0.1 (+https://github.com/cleanfeed/cleanfeed)"
    obey_robots: bool = True
    allow_private_hosts: list[str] = Field(default_factory=list)
    retries: int = Field(default=3, ge=0, le=20)
    backoff: float = Field(default=1.0, ge=0, description="first retry delay in seconds; doubles per attempt")
    max_retry_after: float = Field(
        default=120.0,
        ge=0,
        le=3600,
        description="the longest Retry-After waited for; a server asking for more is retried next run",
    )
    host_budget: float = Field(
        default=300.0,
        gt=0,
        le=86_400,
        description="seconds one host may cost in failing attempts and retry waits before its remaining "
        "pages are left for the next run",
    )
    max_redirects: int = Field(default=10, ge=0, le=10)
    max_failures: int = Field(
        default=5, ge=1, description="a URL failing in this many runs is no longer retried"
    )
    revisit: bool = Field(default=False, description="re-request done pages with a conditional GET")
    workers: int = Field(default=0, ge=0, description="cleaning processes; 0 cleans in the fetch loop")


class RunSettings(_Strict):
    deadline: float | None = Field(
        default=None,
        gt=0,
        le=7 * 86_400,
        description="wall-clock seconds for a run: after that no new page is started, what is in flight "
        "finishes, the run commits and exits 0, and the rest is left for the next run (said in the manifest)",
    )


class ScaleSettings(_Strict):
    """``cleanfeed run --executor``: cleaning on datatrove tasks (``cleanfeed.scale``); flags override."""

    executor: Literal["local", "ray", "slurm"] | None = Field(
        default=None, description="None: the single-process run; local, ray or slurm: datatrove tasks"
    )
    tasks: int = Field(default=4, ge=1, description="shards of the files and WARC pages")
    workers: int | None = Field(default=None, ge=1, description="tasks at once (default: all)")
    address: str | None = Field(default=None, description="ray: the cluster to join; none starts one")
    cpus_per_task: int = Field(default=1, ge=1)
    partition: str | None = Field(default=None, description="slurm: the partition")
    time: str = Field(default="02:00:00", description="slurm: time limit per task")
    venv: Path | None = Field(default=None, description="slurm: the virtualenv the tasks activate")


class DedupSettings(_Strict):
    enabled: bool = True
    policy: Literal["separate", "mark"] = "separate"
    path: Path | None = None


class _SourceBase(_Strict):
    name: str = Field(min_length=1)
    original: bool = False
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    rules: list[dict[str, Any]] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _plain_name(cls, v: str) -> str:
        if not re.fullmatch(r"[\w.\-]+", v):
            raise ValueError("use letters, digits, '_', '-' or '.'")
        return v

    @field_validator("include", "exclude")
    @classmethod
    def _regexes(cls, v: list[str]) -> list[str]:
        for pattern in v:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regex {pattern!r}: {exc}") from exc
        return v

    @field_validator("rules")
    @classmethod
    def _rules(cls, v: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if v:
            try:
                RuleSet.default().extend(v)
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"bad extract rule: {exc}") from exc
        return v

    def ruleset(self) -> RuleSet | None:
        """The shipped rules plus this source's ``rules`` (None when it adds none)."""
        return RuleSet.default().extend(self.rules) if self.rules else None

    def wants(self, url: str) -> bool:
        """URL filter: any ``include`` must match (when given), no ``exclude`` may."""
        if self.include and not any(re.search(p, url) for p in self.include):
            return False
        return not any(re.search(p, url) for p in self.exclude)


def _http_url(v: str) -> str:
    if not re.match(r"(?i)https?://[^/\s]+", v):
        raise ValueError("must be an http(s):// URL")
    return v


class _UrlSource(_SourceBase):
    url: str

    @field_validator("url")
    @classmethod
    def _check_url(cls, v: str) -> str:
        return _http_url(v)


class FeedSource(_UrlSource):
    kind: Literal["feed"]


class SitemapSource(_UrlSource):
    kind: Literal["sitemap"]


class UrlsSource(_SourceBase):
    kind: Literal["urls"]
    urls: list[str] = Field(default_factory=list)
    file: Path | None = None

    @model_validator(mode="after")
    def _one_of(self) -> UrlsSource:
        if not self.urls and self.file is None:
            raise ValueError('give `urls = [...]` or `file = "list.txt"`')
        return self


class FilesSource(_SourceBase):
    kind: Literal["files"]
    paths: list[str] = Field(min_length=1)


class WarcSource(_SourceBase):
    kind: Literal["warc"]
    path: Path


Source = Annotated[
    FeedSource | SitemapSource | UrlsSource | FilesSource | WarcSource, Field(discriminator="kind")
]


class Settings(_Strict):
    output: OutputSettings = Field(default_factory=OutputSettings)
    state: StateSettings = Field(default_factory=StateSettings)
    fetch: FetchSettings = Field(default_factory=FetchSettings)
    run: RunSettings = Field(default_factory=RunSettings)
    dedup: DedupSettings = Field(default_factory=DedupSettings)
    scale: ScaleSettings = Field(default_factory=ScaleSettings)
    sources: list[Source] = Field(default_factory=list)
    base_dir: Path = Field(default_factory=Path.cwd, description="folder relative paths resolve against")
    # the config file these settings came from and its bytes' SHA-256 (for the manifest); None without one
    _config_file: Path | None = PrivateAttr(default=None)
    _config_sha256: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        seen: set[str] = set()
        for src in self.sources:
            if src.name in seen:
                raise ValueError(f"duplicate source name {src.name!r}")
            seen.add(src.name)
        return self

    def resolve(self, path: Path) -> Path:
        path = path.expanduser()
        return Path(os.path.normpath(path if path.is_absolute() else self.base_dir / path))

    @property
    def output_dir(self) -> Path:
        return self.resolve(self.output.dir)

    @property
    def state_path(self) -> Path:
        return self.resolve(self.state.path)

    @property
    def index_path(self) -> Path:
        """The dedup index database: by default the state database itself (one commit covers both)."""
        if self.dedup.path is not None:
            return self.resolve(self.dedup.path)
        return self.state_path

    @property
    def index_shares_state(self) -> bool:
        return self.index_path == self.state_path

    def source(self, name: str) -> Source:
        for src in self.sources:
            if src.name == name:
                return src
        raise ConfigError("sources", f"no source named {name!r}")


def _dotted(loc: tuple[int | str, ...]) -> str:
    """``('sources', 0, 'feed', 'url')`` -> ``sources[0].url`` (the union tag is dropped)."""
    out = ""
    tags = {"feed", "sitemap", "urls", "files", "warc"}
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif i > 0 and isinstance(loc[i - 1], int) and part in tags:
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def parse_value(raw: str) -> Any:
    """Env values are TOML/JSON literals when they parse (``5``, ``true``, ``["a"]``), else strings."""
    try:
        return json.loads(raw)
    except ValueError:
        pass
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _set_dotted(data: dict[str, Any], parts: list[str], value: Any, key: str) -> None:
    node = data
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(key, "cannot override inside a non-table value")
        node = child
    node[parts[-1]] = value


def env_overrides(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``CLEANFEED_FETCH__TIMEOUT=5`` -> ``{"fetch": {"timeout": 5}}``."""
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name == "CLEANFEED_CONFIG":
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX) :].split("__") if p]
        if parts:
            _set_dotted(data, parts, parse_value(raw), ".".join(parts))
    return data


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def settings_from_dict(data: Mapping[str, Any], base_dir: Path | None = None, **overrides: Any) -> Settings:
    """Validate a config mapping; ``overrides`` use ``fetch__timeout=5`` or ``fetch={"timeout": 5}``."""
    merged = _merge(copy.deepcopy(dict(data)), env_overrides())
    for key, value in overrides.items():
        if value is None:  # an unset CLI option
            continue
        parts = key.split("__")
        if len(parts) > 1:
            _set_dotted(merged, parts, value, ".".join(parts))
        else:
            merged = _merge(merged, {key: value})
    if "base_dir" in merged:
        raise ConfigError("base_dir", "unknown key")
    try:
        return Settings.model_validate({**merged, "base_dir": base_dir or Path.cwd()})
    except ValidationError as exc:
        err = exc.errors()[0]
        key = _dotted(tuple(err["loc"])) or "<root>"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "union_tag_invalid":
            key, msg = f"{key}.kind", "must be one of feed, sitemap, urls, files, warc"
        elif err["type"] == "union_tag_not_found":
            key, msg = f"{key}.kind", "missing (feed, sitemap, urls, files or warc)"
        raise ConfigError(key, msg) from None


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Read a TOML config (or only defaults + env when ``path`` is None) and validate it."""
    if path is None:
        return settings_from_dict({}, None, **overrides)
    cfg = Path(path)
    try:
        raw = cfg.read_bytes()  # once: what is parsed is what is hashed
        data = tomllib.loads(raw.decode("utf-8"))
    except OSError as exc:
        raise ConfigError("<file>", f"cannot read {cfg}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("<file>", f"{cfg}: invalid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError("<file>", f"{cfg}: not UTF-8") from None
    settings = settings_from_dict(data, cfg.resolve().parent, **overrides)
    settings._config_file = cfg.resolve()
    settings._config_sha256 = hashlib.sha256(raw).hexdigest()
    return settings
