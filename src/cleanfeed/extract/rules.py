"""Spam and boilerplate rules: the versioned table in ``rules.toml`` and the code that applies it.

A ``RuleSet`` is immutable; ``RuleSet.default()`` loads the shipped table and ``extend`` returns a new
set with site rules added (given as dicts, e.g. from a source's ``rules = [...]`` in the config).
Text rules run on *normalized* paragraphs, so one Simplified table covers Traditional and
pinyin-annotated pages too.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

RuleKind = Literal["line", "phrase", "tail", "edge", "heading", "selector", "caption", "meta", "structural"]
KINDS: frozenset[str] = frozenset(
    ("line", "phrase", "tail", "edge", "heading", "selector", "caption", "meta", "structural")
)
META_FIELDS = frozenset(("editor", "original_title", "author"))
# Han characters, CJK extensions included ({HAN} in rule patterns).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"


@dataclass(frozen=True, slots=True)
class Rule:
    """One named rule. ``pattern`` is compiled from the table's regex; ``host`` limits a site rule."""

    name: str
    kind: RuleKind
    description: str = ""
    pattern: re.Pattern[str] | None = None
    selector: str | None = None
    max_len: int = 120
    field: str | None = None
    enabled: bool = True
    host: str | None = None
    off_hosts: tuple[str, ...] = ()  # hosts a site config switched this rule off for

    def applies_to(self, host: str | None) -> bool:
        if host is not None and any(_host_in(host, h) for h in self.off_hosts):
            return False
        return self.host is None or (host is not None and _host_in(host, self.host))


def _host_in(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def rule_from_dict(data: Mapping[str, Any], host: str | None = None) -> Rule:
    """Build a rule from a table or config entry; raises ``ValueError`` naming what is wrong."""
    name = data.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[\w.\-]+", name):
        raise ValueError(f"rule name must be a plain word, got {name!r}")
    kind = data.get("kind")
    if kind not in KINDS:
        raise ValueError(f"rule {name}: kind must be one of {sorted(KINDS)}, got {kind!r}")
    unknown = set(data) - {
        "name",
        "kind",
        "description",
        "pattern",
        "selector",
        "max_len",
        "field",
        "enabled",
        "host",
    }
    if unknown:
        raise ValueError(f"rule {name}: unknown keys {sorted(unknown)}")
    pattern = None
    if kind not in ("selector", "structural"):
        raw = data.get("pattern")
        if not isinstance(raw, str) or not raw:
            raise ValueError(f"rule {name}: a {kind} rule needs a non-empty 'pattern'")
        try:
            pattern = re.compile(raw.replace("{HAN}", HAN))
        except re.error as exc:
            raise ValueError(f"rule {name}: bad pattern: {exc}") from exc
    selector = data.get("selector")
    if kind == "selector" and (not isinstance(selector, str) or not selector.strip()):
        raise ValueError(f"rule {name}: a selector rule needs a CSS 'selector'")
    fld = data.get("field")
    if kind == "meta":
        if fld not in META_FIELDS:
            raise ValueError(f"rule {name}: meta rules need field in {sorted(META_FIELDS)}")
        if pattern is not None and "value" not in pattern.groupindex:
            raise ValueError(f"rule {name}: meta pattern needs a (?P<value>...) group")
    if kind == "edge" and pattern is not None:
        # Edge rules are joined into one alternation (extract/edges.py) and peeled repeatedly.
        if pattern.groupindex:
            raise ValueError(f"rule {name}: an edge pattern must not define named groups")
        if pattern.fullmatch(""):
            raise ValueError(f"rule {name}: an edge pattern must not match the empty string")
    max_len = data.get("max_len", 120)
    if not isinstance(max_len, int) or max_len <= 0:
        raise ValueError(f"rule {name}: max_len must be a positive integer")
    rule_host = data.get("host", host)
    return Rule(
        name=name,
        kind=kind,
        description=str(data.get("description", "")),
        pattern=pattern,
        selector=selector if isinstance(selector, str) else None,
        max_len=max_len,
        field=fld if isinstance(fld, str) else None,
        enabled=bool(data.get("enabled", True)),
        host=rule_host.lower() if isinstance(rule_host, str) and rule_host else None,
    )


@dataclass(frozen=True)
class RuleSet:
    """An ordered, immutable collection of rules with the table version it came from."""

    rules: tuple[Rule, ...]
    version: int = 0
    _by_kind: dict[str, tuple[Rule, ...]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        groups: dict[str, list[Rule]] = {}
        for r in self.rules:
            groups.setdefault(r.kind, []).append(r)
        self._by_kind.update({k: tuple(v) for k, v in groups.items()})

    @classmethod
    def default(cls) -> RuleSet:
        """The shipped table (``extract/rules.toml``)."""
        return _default_ruleset()

    @classmethod
    def from_toml(cls, text: str) -> RuleSet:
        data = tomllib.loads(text)
        version = data.get("version", 0)
        entries = data.get("rule", [])
        if not isinstance(version, int) or not isinstance(entries, list):
            raise ValueError("a rule table needs an integer 'version' and [[rule]] entries")
        return cls(tuple(rule_from_dict(e) for e in entries), version)

    def extend(self, rules: Iterable[Mapping[str, Any]], host: str | None = None) -> RuleSet:
        """A new set with ``rules`` added (limited to ``host`` and its subdomains when given).

        A dict naming an existing rule with only ``enabled = false`` switches that rule off.
        """
        out = list(self.rules)
        for data in rules:
            if set(data) <= {"name", "enabled", "host"} and data.get("enabled") is False:
                # Switching a rule off for one host keeps it for every other host.
                name = data.get("name")
                if name not in {r.name for r in out}:
                    raise ValueError(f"cannot switch off unknown rule {name!r}")
                off = data.get("host", host)
                out = [
                    _disable(r, off if isinstance(off, str) else None) if r.name == name else r for r in out
                ]
                continue
            out.append(rule_from_dict(data, host=host))
        return RuleSet(tuple(out), self.version)

    def for_host(self, host: str | None) -> RuleSet:
        """Only the enabled rules that apply to ``host``."""
        kept = tuple(r for r in self.rules if r.enabled and r.applies_to(host))
        return RuleSet(kept, self.version)

    def of(self, kind: str) -> tuple[Rule, ...]:
        return self._by_kind.get(kind, ())

    def enabled(self, name: str) -> bool:
        return any(r.name == name for r in self.rules)

    def names(self) -> list[str]:
        return [r.name for r in self.rules]


def _disable(rule: Rule, host: str | None) -> Rule:
    if not host:
        return replace(rule, enabled=False)
    return replace(rule, off_hosts=(*rule.off_hosts, host.lower()))


@lru_cache(maxsize=1)
def _default_ruleset() -> RuleSet:
    text = resources.files("cleanfeed.extract").joinpath("rules.toml").read_text(encoding="utf-8")
    return RuleSet.from_toml(text)


def count_removed(removed: Counter[str], name: str, text: str) -> None:
    n = len("".join(text.split()))
    if n:
        removed[name] += n
