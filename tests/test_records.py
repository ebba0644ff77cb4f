"""The record boundary: one JSON shape for every kind of record, exact round trips, ids per page and story."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from cleanfeed.models import RECORD_SCHEMA_VERSION, Article, record_json_schema
from cleanfeed.write import link_record

CST = timezone(timedelta(hours=8))


def full_article() -> Article:
    return Article(
        url="https://news.example.cn/a/1.html",
        canonical_url="https://www.example.cn/",
        source="portal",
        title="标题",
        original_title="原标题",
        text="第一段。\n第二段。",
        published_at=datetime(2026, 11, 20, 9, 30, tzinfo=CST),
        author="王逸飞",
        editor="张三",
        agency="新华社",
        dateline="新华社北京11月19日电",
        captions=["图为现场。", "图为会场。"],
        lang="zh",
        fetched_at=datetime(2026, 12, 7, 5, 0, 1, 250_000, tzinfo=timezone.utc),
        duplicate_of="https://orig.example.cn/1.html",
        duplicate_of_id="0123456789abcdef",
        dup_kind="partial",
        similarity=0.91,
        dup_share=0.5,
        removed={"editor": 12, "my_site_rule": 3},
        converted=True,
        normalized={"punct": 2, "t2s_chars": 40},
        flags=["mojibake_repaired:鍙戝睍->发展"],
        story_index=1,
        original=False,
        path="/data/crawl.warc.gz",
        warc_offset=0,
    ).finalize()


def kinds() -> dict[str, Article]:
    link = {"repost_id": "r" * 16, "repost_url": "https://b/1", "duplicate_of": "https://a/1"}
    return {
        "full": full_article(),
        "bare": Article(text="只有正文。").finalize(),
        "reject": Article.rejected("fetch:status_404", url="https://a/404", source="s"),
        "link": link_record({**link, "original_id": "o" * 16, "kind": "near", "similarity": 0.93}),
    }


def _no_null_no_empty_list(value: Any, where: str = "") -> None:
    assert value is not None, f"null at {where}"
    if isinstance(value, list):
        assert value, f"empty list at {where}"
        for i, v in enumerate(value):
            _no_null_no_empty_list(v, f"{where}[{i}]")
    elif isinstance(value, dict):
        for k, v in value.items():
            _no_null_no_empty_list(v, f"{where}.{k}")


@pytest.mark.parametrize("kind", ["full", "bare", "reject", "link"])
def test_every_record_kind_has_one_shape_without_nulls_or_empty_lists(kind: str) -> None:
    rec = json.loads(kinds()[kind].model_dump_json())
    assert list(rec) == list(json.loads(kinds()["full"].model_dump_json()))  # same keys, same order
    _no_null_no_empty_list(rec, kind)
    types = {k: type(v) for k, v in rec.items()}
    assert types == {k: type(v) for k, v in json.loads(kinds()["full"].model_dump_json()).items()}


def test_json_values_of_a_full_record() -> None:
    rec = json.loads(full_article().model_dump_json())
    assert rec["published_at"] == "2026-11-20T09:30:00.000+08:00"
    assert rec["fetched_at"] == "2026-12-07T05:00:01.250+00:00"
    assert rec["captions"] == "图为现场。\n图为会场。"
    removed = {r["rule"]: r["chars"] for r in rec["removed"]}
    assert removed["editor"] == 12 and removed["my_site_rule"] == 3
    assert rec["removed"][-1] == {"rule": "my_site_rule", "chars": 3}  # site rules after the shipped table
    assert sum(removed.values()) == 15  # every other rule listed with 0
    assert {n["kind"]: n["count"] for n in rec["normalized"]}["t2s_chars"] == 40


def test_empty_values_are_typed() -> None:
    rec = json.loads(Article(text="正文。").model_dump_json())
    assert rec["duplicate_of"] == "" and rec["published_at"] == ""
    assert rec["similarity"] == 0.0 and isinstance(rec["similarity"], float)
    assert rec["story_index"] == 0 and rec["captions"] == "" and rec["flags"] == ""
    assert rec["warc_offset"] == -1  # not from a WARC (0 is the first record's offset)
    assert all(r["chars"] == 0 for r in rec["removed"]) and rec["removed"]
    assert all(n["count"] == 0 for n in rec["normalized"]) and rec["normalized"]


@pytest.mark.parametrize("kind", ["full", "bare", "reject", "link"])
def test_reading_a_record_back_gives_the_same_article(kind: str) -> None:
    art = kinds()[kind]
    back = Article.model_validate_json(art.model_dump_json())
    if art.story_index is None:
        back.story_index = None  # 0 and None both mean "the lead story"
    assert back == art


def test_version_1_records_still_read() -> None:
    old = {"id": "x", "url": "https://a/1", "text": "t", "removed": {"editor": 3}, "normalized": {"punct": 1}}
    old |= {"duplicate_of": None, "captions": ["c"], "similarity": None}
    art = Article.model_validate(old)
    assert art.removed == {"editor": 3} and art.captions == ["c"] and art.duplicate_of is None


def test_ids_are_per_page_and_story_not_per_canonical() -> None:
    a = Article(url="https://a/1", canonical_url="https://site/", text="x").finalize()
    b = Article(url="https://a/2", canonical_url="https://site/", text="x").finalize()
    assert a.id != b.id  # a site-wide canonical must not merge two pages
    again = Article(url="https://a/1", canonical_url="https://other/", text="changed").finalize()
    assert again.id == a.id  # same page, same id on every rerun
    story1 = Article(url="https://a/1", text="x", story_index=1).finalize()
    assert story1.id not in (a.id, b.id)
    redirected = Article(url="https://a/final", text="x").finalize(origin="https://a/1")
    assert redirected.id == a.id  # the id follows the requested URL, not where redirects ended


def test_reject_ids_count_attempts_and_differ_from_the_article() -> None:
    first = Article.rejected("fetch:status_500", url="https://a/1")
    second = Article.rejected("fetch:status_500", url="https://a/1", attempt=2)
    article = Article(url="https://a/1", text="x").finalize()
    assert len({first.id, second.id, article.id}) == 3
    assert Article.rejected("fetch:status_500", url="https://a/1").id == first.id


def test_schema_is_exact() -> None:
    jsonschema = pytest.importorskip("jsonschema", reason="test extra not installed")
    schema = record_json_schema()
    assert schema["$id"].endswith(f"record-v{RECORD_SCHEMA_VERSION}.json")
    v = jsonschema.Draft202012Validator(schema)
    for art in kinds().values():
        v.validate(json.loads(art.model_dump_json()))
    good = json.loads(full_article().model_dump_json())
    assert set(schema["required"]) == set(good) == set(schema["properties"])
    assert list(v.iter_errors({}))
    for bad in (
        {**good, "extra": 1},
        {**good, "duplicate_of": None},
        {**good, "removed": {"editor": 1}},
        {**good, "removed": [{"rule": "editor"}]},
        {**good, "similarity": "1.0"},
        {k: x for k, x in good.items() if k != "duplicate_of_id"},
    ):
        assert list(v.iter_errors(bad)), bad
