"""Verification edges a mutation check found untested: a story wrapped in much other text, and a rewrite
whose figures all differ from the original's (another period's report on the same template)."""

from __future__ import annotations

from pathlib import Path

from cleanfeed import Article, DedupIndex
from cleanfeed.dedup import fingerprint
from cleanfeed.dedup.match import Doc, verify

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
