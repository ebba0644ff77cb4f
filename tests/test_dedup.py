"""Dedup: fingerprints, each kind (positive and negative), the persistent index, late links, the CLI."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import opencc
import pytest

from cleanfeed import Article, DedupIndex
from cleanfeed.dedup import Params, canonical, fingerprint
from cleanfeed.dedup.fingerprint import anchors, posting_keys
from cleanfeed.dedup.match import Doc, verify
from cleanfeed.dedup.records import order_key, stamp

FIX = Path(__file__).parent / "fixtures" / "dedup"


def text(name: str) -> str:
    return (FIX / f"{name}.txt").read_text(encoding="utf-8")


def art(name: str, body: str, *, converted: bool = False) -> Article:
    return Article(url=f"https://test/{name}", text=body, converted=converted).finalize()


def doc(body: str) -> Doc:
    return Doc(fingerprint(body).canon)


@pytest.fixture
def index(tmp_path: Path):  # type: ignore[no-untyped-def]
    with DedupIndex(tmp_path / "index.db") as idx:
        for name in ("seed_003_lead", "seed_001_original", "seed_002_original", "seed_004_original"):
            idx.add(art(name, text(name)), original=True)
        yield idx


# -- fingerprints ---------------------------------------------------------------------------------------
def test_canonical_folds_punctuation_width_and_thousands_separators() -> None:
    assert canonical("营收6,800亿元，增长２０％。") == canonical("营收 6800亿元, 增长20%.")
    assert canonical("第一句。第二句！") == "第一句\n第二句"


def test_canonical_strips_pinyin_glosses_only() -> None:
    assert canonical("焦點(diǎn)和經(jīng)濟") == canonical("焦點和經濟")
    assert "abc" in canonical("型号(abc)")  # no tone mark: not pinyin, kept


def test_anchors_keep_numbers_with_units_and_latin_words() -> None:
    found = anchors(canonical("营收6800亿元左右、增长20%以上，DeepSeek领先，3个"))
    assert {"6800亿", "20%", "deepseek"} <= found
    assert not any(a.startswith("3个") for a in found)


def test_fingerprint_marks_traditional_input_as_converted() -> None:
    trad = opencc.OpenCC("s2t").convert(text("seed_003_lead"))
    fp_trad, fp_simp = fingerprint(trad), fingerprint(text("seed_003_lead"))
    assert fp_trad.converted and not fp_simp.converted
    assert fp_trad.digest == fp_simp.digest


# -- kinds, pure verification ----------------------------------------------------------------------------
def test_spun_seed_000_verifies_against_the_lead_story_of_003() -> None:
    v = verify(doc(text("seed_000_raw")), doc(text("seed_003_lead")))
    assert v is not None and v.kind == "spun"


@pytest.mark.parametrize("other", ["seed_001_original", "seed_002_original", "seed_004_original"])
def test_spun_seed_000_does_not_verify_against_other_stories_on_the_same_topic(other: str) -> None:
    assert verify(doc(text("seed_000_raw")), doc(text(other))) is None


def test_adversarial_story_reusing_numbers_and_names_is_not_spun() -> None:
    # Sentences of another story on the same topic, carrying the lead story's figures and people.
    donor = text("seed_002_original").split("\n")
    facts = ["6800亿元", "8.7%", "147家", "94个", "15亿元"]
    names = ["王坚", "汪礼俊", "叶世阳", "蔡毅"]
    fake = "\n".join(f"{names[i % 4]}表示，{s}据统计为{facts[i % 5]}。" for i, s in enumerate(donor))
    assert verify(doc(fake), doc(text("seed_003_lead"))) is None


def test_partial_page_records_the_share_reused() -> None:
    lead = text("seed_003_lead").split("\n")
    chunk = lead[5:14]
    page = "\n".join(
        text("seed_001_original").split("\n")[:8] + chunk + text("seed_002_original").split("\n")[:6]
    )
    v = verify(doc(page), doc(text("seed_003_lead")))
    assert v is not None and v.kind == "partial"
    assert v.share is not None and 0.3 <= v.share <= 0.7


def test_excerpt_of_a_long_story_is_near() -> None:
    excerpt = "\n".join(text("seed_004_original").split("\n")[:9])
    v = verify(doc(excerpt), doc(text("seed_004_original")))
    assert v is not None and v.kind == "near"


def test_short_common_sentence_is_not_a_copy() -> None:
    assert verify(doc("推进人工智能同产业发展相结合。"), doc(text("seed_002_original"))) is None


# -- kinds through the index -----------------------------------------------------------------------------
def test_exact_copy_with_other_punctuation(index: DedupIndex) -> None:
    body = text("seed_001_original").replace("，", ", ").replace("。", ". ")
    m = index.match(art("copy", body))
    assert m is not None and m.kind == "exact" and m.duplicate_of == "https://test/seed_001_original"
    assert m.similarity == 1.0


@pytest.mark.parametrize(
    "seed,original", [("seed_001_raw", "seed_001_original"), ("seed_002_raw", "seed_002_original")]
)
def test_spam_wrapped_reposts_are_near(index: DedupIndex, seed: str, original: str) -> None:
    m = index.match(art(seed, text(seed)))
    assert m is not None and m.kind == "near" and m.original_id == art(original, "").id


def test_traditional_repost_with_pinyin_and_mojibake_is_cross_script(index: DedupIndex) -> None:
    m = index.match(art("trad", text("seed_004_raw")))
    assert m is not None and m.kind == "cross_script" and m.duplicate_of.endswith("seed_004_original")


def test_converted_exact_copy_is_cross_script(index: DedupIndex) -> None:
    m = index.match(art("conv", text("seed_003_lead"), converted=True))
    assert m is not None and m.kind == "cross_script" and m.similarity == 1.0


def test_seed_000_links_to_003_lead_as_spun(index: DedupIndex) -> None:
    m = index.match(art("spun", text("seed_000_raw")))
    assert m is not None and m.kind == "spun" and m.duplicate_of.endswith("seed_003_lead")


@pytest.mark.parametrize("name", ["seed_003_guochao", "seed_003_trade", "seed_003_subsidy"])
def test_unrelated_stories_do_not_match(index: DedupIndex, name: str) -> None:
    assert index.match(art(name, text(name))) is None


def test_article_never_matches_its_own_earlier_entry(index: DedupIndex) -> None:
    assert index.match(art("seed_003_lead", text("seed_003_lead"))) is None


def test_empty_text_matches_nothing(index: DedupIndex) -> None:
    assert index.match(Article(url="https://test/empty", text="")) is None


# -- the index: originals first, reposts of reposts, persistence, transactions ----------------------------
def test_originals_first_even_when_a_copy_was_indexed_earlier(tmp_path: Path) -> None:
    with DedupIndex(tmp_path / "i.db") as idx:
        idx.add(art("copy1", text("seed_001_raw")), original=False)
        idx.add(art("orig", text("seed_001_original")), original=True)
        m = idx.match(art("copy2", text("seed_001_raw") + "\n热点推荐"))
        assert m is not None and m.duplicate_of == "https://test/orig"


def test_repost_of_repost_links_to_the_first_copy(tmp_path: Path) -> None:
    with DedupIndex(tmp_path / "i.db") as idx:
        first = art("first", text("seed_002_raw"))
        assert idx.match(first) is None
        idx.add(first, original=False)
        second = art("second", text("seed_002_raw").replace("直接打开", "打开"))
        m = idx.match(second)
        idx.add(second, original=False)
        assert m is not None and m.duplicate_of == "https://test/first" and m.kind == "near"
        third = art("third", text("seed_002_raw") + "\n安装应用")
        m3 = idx.match(third)
        assert m3 is not None and m3.duplicate_of == "https://test/first"


def test_index_persists_across_reopen_and_keeps_its_parameters(tmp_path: Path) -> None:
    path = tmp_path / "i.db"
    with DedupIndex(path, params=Params(sample_bits=3)) as idx:
        idx.add(art("lead", text("seed_003_lead")), original=True)
    with DedupIndex(path) as idx:
        assert len(idx) == 1 and idx.params.sample_bits == 3
        m = idx.match(art("spun", text("seed_000_raw")))
        assert m is not None and m.kind == "spun"
        idx.add(art("o2", text("seed_002_original")), original=True)
    with DedupIndex(path) as idx:
        assert len(idx) == 2


def test_given_a_connection_the_index_never_commits(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        idx = DedupIndex(conn)
        idx.add(art("lead", text("seed_003_lead")), original=True)
        assert idx.match(art("spun", text("seed_000_raw"))) is not None
        idx.close()
        assert conn.in_transaction
        conn.execute("ROLLBACK")
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'dedup_docs'").fetchone()[0] == 0
        conn.execute("BEGIN")
        idx = DedupIndex(conn)
        idx.add(art("lead", text("seed_003_lead")), original=True)
        conn.execute("COMMIT")
    finally:
        conn.close()
    with DedupIndex(path) as reopened:
        assert len(reopened) == 1


def test_late_links_claim_earlier_reposts_once(tmp_path: Path) -> None:
    with DedupIndex(tmp_path / "i.db") as idx:
        for name in ("seed_000_raw", "seed_003_guochao"):
            idx.add(art(name, text(name)), original=False)
        spam_copy = art("spam", text("seed_003_lead") + "\n热点推荐\n打开APP，阅读全文")
        idx.add(spam_copy, original=False)
        copy_of_copy = art("copy_of_copy", spam_copy.text)  # exact copy of a copy: no postings of its own
        assert idx.match(copy_of_copy) is not None
        idx.add(copy_of_copy, original=False)
        assert idx.match(art("lead", text("seed_003_lead"))) is not None  # a repost would match the copies
        lead = art("lead", text("seed_003_lead"))
        lead.original = True
        assert idx.match(lead) is None  # an original is not a copy of its earlier reposts
        idx.add(lead, original=True)
        links = idx.late_links(lead)
        got = {link.repost_url: link.kind for link in links}
        assert got == {
            "https://test/seed_000_raw": "spun",
            "https://test/spam": "near",
            "https://test/copy_of_copy": "near",
        }
        assert all(link.duplicate_of == "https://test/lead" and link.original_id == lead.id for link in links)
        assert idx.late_links(lead) == []


def test_common_keys_are_stopped_and_matching_still_works(tmp_path: Path) -> None:
    with DedupIndex(tmp_path / "i.db", posting_cap=2) as idx:
        shared = "本文来自网友发表，不代表本网站观点和立场，如存在侵权问题，请与本网站联系删除！"
        for i, name in enumerate(("seed_003_guochao", "seed_003_trade", "seed_003_subsidy", "seed_003_lead")):
            idx.add(art(f"{name}{i}", text(name) + "\n" + shared), original=True)
        assert idx.match(art("q", text("seed_003_trade"))) is not None
        stopped = idx.conn.execute("SELECT count(*) FROM dedup_stop").fetchone()[0]
        assert stopped > 0
        assert idx.prune() >= 0


# -- the `cleanfeed index` command ------------------------------------------------------------------------
def test_cli_index_loads_jsonl_and_html_originals(tmp_path: Path) -> None:
    records = tmp_path / "originals.jsonl"
    rows = [
        Article(url="https://orig/lead", text=text("seed_003_lead")).model_dump_json(),
        Article.rejected("empty", url="https://orig/bad").model_dump_json(),
    ]
    records.write_text("\n".join(rows) + "\n", encoding="utf-8")
    paras = "".join(f"<p>{p}</p>" for p in text("seed_001_original").split("\n")[1:])
    page = tmp_path / "orig.html"
    page.write_text(
        f"<html><head><title>浙江两会观察</title></head><body><article><h1>浙江两会观察</h1>{paras}"
        "</article></body></html>",
        encoding="utf-8",
    )
    db = tmp_path / "index.db"
    proc = subprocess.run(
        [sys.executable, "-m", "cleanfeed", "index", "--index", str(db), str(records), str(page)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # originals are indexed, not emitted
    assert "indexed 2 originals (1 skipped" in proc.stderr
    with DedupIndex(db) as idx:
        m = idx.match(art("spun", text("seed_000_raw")))
        assert m is not None and m.duplicate_of == "https://orig/lead"
        m1 = idx.match(art("repost", text("seed_001_raw")))
        assert m1 is not None and m1.kind == "near" and m1.duplicate_of == page.resolve().as_uri()


def test_cli_index_reports_unreadable_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "cleanfeed", "index", "--index", str(tmp_path / "i.db"), str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and "JSONDecodeError" in proc.stderr
    assert json.dumps  # keep the import honest for readers: records are JSON lines


def test_shared_site_boilerplate_is_not_a_partial_copy(tmp_path: Path) -> None:
    disclaimer = (
        "免责声明：本文仅代表作者个人观点，与本网站无关。其原创性以及文中陈述文字和内容未经本站证实，对本文以及其中全部"
        "或者部分内容、文字的真实性、完整性、及时性本站不作任何保证或承诺，请读者仅作参考，并请自行核实相关内容。"
    )
    firsts = [
        text(n).split("\n")[1]
        for n in (
            "seed_003_trade",
            "seed_003_subsidy",
            "seed_003_semiconductor",
            "seed_003_guochao",
            "seed_001_original",
            "seed_002_original",
        )
    ]
    with DedupIndex(tmp_path / "i.db") as idx:
        for i, para in enumerate(firsts[:5]):
            idx.add(art(f"site{i}", para + "\n" + disclaimer), original=True)
        page = art("new", firsts[5] + "\n" + disclaimer)
        assert (
            verify(doc(page.text), doc(firsts[0] + "\n" + disclaimer)) is not None
        )  # the text alone says partial
        assert idx.match(page) is None  # the index knows the shared part is on every page


@pytest.mark.parametrize("seed", range(20))
def test_canonical_is_idempotent_and_blind_to_spacing_and_punctuation(seed: int) -> None:
    import random

    rng = random.Random(seed)
    base = text("seed_003_lead")[:400]
    noisy = "".join(
        ch + (rng.choice(["", "", " ", "、", "，", "\u3000", "“"]) if ch != "\n" else "") for ch in base
    )
    assert canonical(canonical(base)) == canonical(base)
    assert canonical(noisy).replace("\n", "") == canonical(base).replace("\n", "")


# -- the original among near-identical originals ----------------------------------------------------------
def _dated(name: str, body: str, published: str | None) -> Article:
    a = art(name, body)
    a.original = True
    a.published_at = datetime.fromisoformat(published) if published else None
    return a


@pytest.mark.parametrize("wire_first", [True, False])
def test_the_earlier_published_of_two_near_identical_originals_is_the_original(
    tmp_path: Path, wire_first: bool
) -> None:
    body = text("seed_001_original")
    wire = _dated("wire", body, "2026-01-16T08:00:00+08:00")
    mirror = _dated(
        "mirror", body.replace("。", "。\n", 1) + "\n（完）", "2026-01-16T01:30:00+00:00"
    )  # 1.5 h later
    repost = art("repost", mirror.text + "\n热点推荐")
    with DedupIndex(tmp_path / "i.db") as idx:
        got: dict[str, str | None] = {}
        for a in [wire, mirror] if wire_first else [mirror, wire]:
            m = idx.match(a)
            got[a.url or ""] = m.duplicate_of if m else None
            idx.add(a, original=True)
            for link in idx.late_links(a):
                got[link.repost_url or ""] = link.duplicate_of
        m = idx.match(repost)  # it copies the mirror's text: it still links to the original of the two
        got["https://test/repost"] = m.duplicate_of if m else None
    assert got == {
        "https://test/wire": None,
        "https://test/mirror": "https://test/wire",
        "https://test/repost": "https://test/wire",
    }


def test_order_rule_published_then_fetched_then_url() -> None:
    early, late = stamp(datetime(2026, 1, 1, 8, tzinfo=timezone.utc)), stamp(datetime(2026, 1, 1, 9))
    assert order_key(early, None, "https://z") < order_key(late, None, "https://a")
    assert order_key(early, late, "https://z") < order_key(early, None, "https://a")  # no time: last
    assert order_key(None, early, "https://z") > order_key(late, late, "https://z")
    assert order_key(early, early, "https://a") < order_key(early, early, "https://b")
    # Time zones are compared as instants: 08:00+08:00 is before 01:00 UTC.
    cst = stamp(datetime.fromisoformat("2026-01-01T08:00:00+08:00"))
    assert cst is not None and early is not None and cst < early


# -- the second probe: heavy spins that share too few keys -------------------------------------------------
def test_heavy_spin_sharing_too_few_keys_is_found_by_its_anchors(tmp_path: Path) -> None:
    # The first probe is made to need 40 shared keys: seed 000 (a heavy spin of 003's lead) shares fewer,
    # as a spin does in a large index where most of its keys are too common to be looked up.
    spin, lead = fingerprint(text("seed_000_raw")), fingerprint(text("seed_003_lead"))
    assert len(set(posting_keys(spin)) & set(posting_keys(lead))) < 40
    with DedupIndex(tmp_path / "i.db", min_shared_keys=40) as idx:
        for name in ("seed_003_lead", "seed_001_original", "seed_002_original", "seed_004_original"):
            idx.add(art(name, text(name)), original=True)
        m = idx.match(art("spun", text("seed_000_raw")))
        assert m is not None and m.kind == "spun" and m.duplicate_of.endswith("seed_003_lead")
        # Stories on the same topic stay unlinked; one carrying the lead's figures and people in the
        # sentences of 002 is a copy of 002 (indexed), never a spin of the lead.
        for name in ("seed_003_trade", "seed_003_subsidy", "seed_003_guochao"):
            assert idx.match(art(name, text(name))) is None, name
        donor = text("seed_002_original").split("\n")
        facts = ["6800亿元", "8.7%", "147家", "94个", "15亿元"]
        fake = "\n".join(f"王坚表示，{s}据统计为{facts[i % 5]}。" for i, s in enumerate(donor))
        m = idx.match(art("fake", fake))
        assert m is not None and m.duplicate_of.endswith("seed_002_original")


# -- the partial threshold: a third of the original, with slack for the seams --------------------------
def _paras(name: str) -> list[str]:
    return [p for p in text(name).split("\n") if p.strip()]


def _chunk_of_share(paras: list[str], low: float, high: float) -> list[str]:
    """Contiguous paragraphs holding between ``low`` and ``high`` of the story's characters."""
    total = sum(map(len, paras))
    for start in range(len(paras)):
        for end in range(start + 1, len(paras) + 1):
            if low <= sum(map(len, paras[start:end])) / total <= high:
                return paras[start:end]
    raise AssertionError(f"no chunk between {low} and {high}")


@pytest.mark.parametrize("original", ["seed_003_lead", "seed_004_original"])
def test_excerpt_just_under_the_partial_share(original: str) -> None:
    story = _paras(original)
    under = _chunk_of_share(story, 0.22, 0.25)
    over = _chunk_of_share(story, 0.34, 0.38)
    other = _paras("seed_002_original" if original != "seed_002_original" else "seed_001_original")
    half = len(other) // 2

    def inside(chunk: list[str]) -> Doc:
        return doc("\n".join(other[:half] + chunk + other[half:]))

    # On its own an excerpt is a near copy however small a share of the original it is.
    alone = verify(doc("\n".join(under)), doc(text(original)))
    assert alone is not None and alone.kind == "near"
    # Inside as much other text, under the threshold it is no copy of the story; over it, a partial one.
    assert verify(inside(under), doc(text(original))) is None
    v = verify(inside(over), doc(text(original)))
    assert v is not None and v.kind == "partial" and v.share is not None and 0.3 <= v.share <= 0.45
