"""Verification edges a mutation check found untested: a story wrapped in much other text, and a rewrite
whose figures all differ from the original's (another period's report on the same template)."""

from __future__ import annotations

from pathlib import Path

from cleanfeed import Article, DedupIndex
from cleanfeed.dedup import fingerprint
from cleanfeed.dedup.match import Doc, Verdict, verify, without_shared_boilerplate

FIX = Path(__file__).parent / "fixtures" / "dedup"


def text(name: str) -> str:
    return (FIX / f"{name}.txt").read_text(encoding="utf-8")


def doc(body: str) -> Doc:
    return Doc(fingerprint(body).canon)


def _wrapped(others: list[str]) -> str:
    """The whole lead story with other whole stories before and after it (a portal's "more news" page)."""
    return "\n".join([text(others[0]), text("seed_003_lead"), *(text(o) for o in others[1:])])


def test_whole_story_inside_three_longer_stories_is_partial_with_all_of_it_reused() -> None:
    page = _wrapped(["seed_001_original", "seed_002_original", "seed_004_original"])
    assert len(text("seed_003_lead")) * 2.5 < len(page)  # the story is well under half of the page
    v = verify(doc(page), doc(text("seed_003_lead")))
    assert v is not None and v.kind == "partial"
    assert v.share is not None and v.share >= 0.95  # the whole original is reused


def test_whole_story_with_a_short_wrapper_is_near() -> None:
    # Most of the page is the story: spam or one teaser around it does not make it partial.
    page = _wrapped(["seed_003_guochao"])
    v = verify(doc(page), doc(text("seed_003_lead")))
    assert v is not None and v.kind == "near"


def test_wrapped_story_through_the_index_is_partial(tmp_path: Path) -> None:
    page = _wrapped(["seed_001_original", "seed_002_original", "seed_004_original"])
    with DedupIndex(tmp_path / "i.db") as idx:
        lead = Article(url="https://test/lead", text=text("seed_003_lead")).finalize()
        idx.add(lead, original=True)
        m = idx.match(Article(url="https://test/page", text=page).finalize())
    assert m is not None and m.kind == "partial" and m.duplicate_of == "https://test/lead"


# -- numbers veto sentence pairs -----------------------------------------------------------------------------
SHIFT = str.maketrans("0123456789", "3456789012")


def test_the_spun_rewrite_is_spun() -> None:  # the premise of the next test
    v = verify(doc(text("seed_000_raw")), doc(text("seed_003_lead")))
    assert v is not None and v.kind == "spun"


def test_same_rewrite_with_every_figure_changed_is_not_a_copy() -> None:
    # Same wording, other numbers everywhere: next quarter's report, not a spin of this one. Sentences
    # whose figures all disagree must not be paired, so too little of the text aligns.
    other_period = text("seed_000_raw").translate(SHIFT)
    assert other_period != text("seed_000_raw")
    assert verify(doc(other_period), doc(text("seed_003_lead"))) is None


# -- verification on texts whose 5-gram counts are known by arithmetic ---------------------------------
# Each character below occurs once, so a run of n characters has exactly n - 4 distinct 5-grams and two texts
# share exactly the 5-grams of the runs they share: the expected Jaccard and containment are fractions worked
# out by hand, and each case sits on one of the thresholds the module docstring states.

_CHARS = [chr(0x4E00 + k) for k in range(4000)]


def _run(start: int, stop: int) -> str:
    return "".join(_CHARS[start:stop])


def _v(copy: str, original: str, *, spun: bool = True) -> Verdict | None:
    return verify(Doc(copy), Doc(original), spun=spun)


def test_near_similarity_is_the_5gram_jaccard() -> None:
    # 100 shared 5-grams of 120 in the copy and 100 in the original: Jaccard 100/120
    assert _v(_run(0, 104) + _run(200, 220), _run(0, 104)) == Verdict("near", round(100 / 120, 4))


def test_at_jaccard_0_7_a_copy_is_near_by_its_jaccard() -> None:
    # 70 shared of 100 (copy) and 70 (original): Jaccard exactly 0.7, the documented lower bound
    assert _v(_run(0, 74) + _run(200, 230), _run(0, 74)) == Verdict("near", 0.7)


def test_an_excerpt_sharing_40_5grams_is_near_and_39_say_nothing() -> None:
    original = _run(0, 204)  # 200 5-grams
    assert _v(_run(0, 44), original) == Verdict("near", 1.0)  # 40 shared: all of the excerpt
    assert _v(_run(0, 43), original) is None  # 39: too little text to call it anything


def test_a_copy_four_fifths_from_the_original_is_near() -> None:
    # 40 of the copy's 50 5-grams are the original's (an excerpt with a tail of its own)
    assert _v(_run(0, 44) + _run(500, 510), _run(0, 204)) == Verdict("near", 0.8)


def test_four_fifths_of_the_original_inside_a_page_twice_its_size_is_near() -> None:
    # 80 of the original's 100 5-grams, on a page of 160: the original reused, wrapped in other text
    assert _v(_run(0, 84) + _run(600, 680), _run(0, 104)) == Verdict("near", 0.8)


def test_the_whole_original_as_two_fifths_of_a_page_is_near() -> None:
    # all 40 5-grams of the original on a page of 100: the wrapped-story bound
    assert _v(_run(0, 44) + _run(600, 660), _run(0, 44)) == Verdict("near", 1.0)


def _partial() -> tuple[str, str]:
    """The original's first two sentences pasted (60 of its 200 5-grams) beside 60 characters of others."""
    original = "\n".join([_run(0, 32), _run(32, 64), _run(64, 204)])
    copy = "\n".join([_run(0, 32), _run(32, 64), _run(1000, 1060)])
    return copy, original


def test_two_pasted_sentences_reusing_three_tenths_of_the_original_are_partial() -> None:
    copy, original = _partial()
    for spun in (True, False):  # partial copies are found whether or not spin detection runs
        v = _v(copy, original, spun=spun)
        assert v == Verdict("partial", 0.3, 0.3)
        assert v.pasted is not None and sorted(v.pasted.pairs) == [(0, 32), (1, 32)]
        assert v.pasted.total == 204


def _sentences(n: int, size: int, base: int = 0) -> list[str]:
    return [_run(base + k * size, base + (k + 1) * size) for k in range(n)]


def _reword(sentence: str, base: int) -> str:
    """Every fifth character replaced: the sentence's bigrams mostly kept, hardly any 5-gram."""
    return "".join(_CHARS[base + i] if i % 5 == 2 else ch for i, ch in enumerate(sentence))


def test_a_rewrite_of_every_sentence_is_spun_by_the_share_of_text_aligned() -> None:
    original = _sentences(6, 20)
    copy = [_reword(s, 2000 + 100 * k) for k, s in enumerate(original)] + [_run(1500, 1513)]
    # the six rewritten sentences align (120 characters), the added one (13) does not
    assert _v("\n".join(copy), "\n".join(original)) == Verdict("spun", round(120 / 133, 4))
    assert _v("\n".join(copy), "\n".join(original), spun=False) is None


def test_the_whole_story_with_every_sentence_padded_is_spun_not_near() -> None:
    """Each sentence keeps all its words but gains eight: a near copy by 5-grams whose sentences differ."""
    original = _sentences(6, 20)
    copy = [s + _run(2000 + 8 * k, 2008 + 8 * k) for k, s in enumerate(original)] + [_run(1500, 1513)]
    assert _v("\n".join(copy), "\n".join(original)) == Verdict("spun", round(168 / 181, 4))
    # without spin detection the same page is near: 96 of the original's 116 5-grams reused
    assert _v("\n".join(copy), "\n".join(original), spun=False) == Verdict("near", round(96 / 116, 4))


def _two_rewritten_plus(extra: int) -> Verdict | None:
    original = _sentences(6, 20)
    copy = [_reword(original[0], 2000), _reword(original[1], 2100)]
    copy += [_run(3000 + 8 * k, 3008 + 8 * k) for k in range(extra)]  # unrelated 8-character sentences
    return _v("\n".join(copy), "\n".join(original))


def test_two_aligned_sentences_are_enough_in_a_short_copy_only() -> None:
    # up to four sentences, two aligned pairs can be most of the text; from five on, three are needed
    assert _two_rewritten_plus(1) == Verdict("spun", round(40 / 48, 4))
    assert _two_rewritten_plus(2) == Verdict("spun", round(40 / 56, 4))
    assert _two_rewritten_plus(3) is None


def test_a_topic_named_in_every_sentence_does_not_align_different_stories() -> None:
    """Topic words (人工智能 in each sentence) are left out of sentence alignment: otherwise two different
    stories on the topic, sharing two pasted sentences, would align sentence by sentence as a rewrite."""
    topic = "人工智能"
    original = [topic + _run(100 + 10 * k, 104 + 10 * k) for k in range(6)]
    other = [topic + _run(1000 + 10 * k, 1004 + 10 * k) for k in range(6)]
    assert _v("\n".join(original[:2] + other), "\n".join(original)) is None
    assert _v("\n".join(other), "\n".join(original)) is None


def test_a_partial_copy_resting_on_a_shared_disclaimer_is_dropped() -> None:
    """A sentence two indexed documents both hold (a site's disclaimer) is no evidence of a copy: without
    it the partial copy must still paste two sentences of its original."""
    disclaimer = _run(3000, 3040)
    s1, s2 = _run(0, 40), _run(40, 80)
    a = "\n".join([s1, s2, disclaimer, _run(80, 180)])
    b = "\n".join([_run(500, 540), disclaimer, _run(540, 700)])  # another story from the same site

    def links(*parts: str) -> list[tuple[str, str]]:
        q = Doc("\n".join([*parts, _run(1000, 1100)]))
        found = [(name, Doc(t), verify(q, Doc(t))) for name, t in (("a", a), ("b", b))]
        return [(row, v.kind) for row, v in without_shared_boilerplate(q, found)]

    assert links(s1, disclaimer) == []  # one own sentence and the disclaimer
    assert links(s1, s2, disclaimer) == [("a", "partial")]  # two own sentences: still a copy of a
    assert links(s1, s2) == [("a", "partial")]
    q = Doc("\n".join([s1, disclaimer, _run(1000, 1100)]))  # with nothing to compare it against, kept
    alone = [("a", Doc(a), verify(q, Doc(a)))]
    assert [(r, v.kind) for r, v in without_shared_boilerplate(q, alone)] == [("a", "partial")]


def test_an_original_sentence_rewritten_twice_in_the_copy_counts_once() -> None:
    # alignment is one to one: the second rewrite of sentence 0 has no partner left, so 60 of the copy's
    # 80 characters are aligned, not all of them
    original = _sentences(6, 20)
    copy = [_reword(original[0], 2000), _reword(original[0], 2100)]
    copy += [_reword(original[1], 2200), _reword(original[2], 2300)]
    assert _v("\n".join(copy), "\n".join(original)) == Verdict("spun", 0.75)
