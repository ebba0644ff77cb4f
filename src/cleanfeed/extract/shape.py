"""Give text that is not shaped like paragraphs its paragraphs back, before it is judged.

- Table rows of short cells (a data table: stations and times, names and figures) become one line
  per row, cells separated by a space: judged per row, not per cell.
- Prose hard-wrapped with ``<br>`` every 30-40 characters (old CMS exports, OCR'd e-papers) is
  joined back into its paragraphs: a line filling the run's width without ending a sentence
  continues on the next one.
"""

from __future__ import annotations

from cleanfeed.extract.body import TERMINAL, visible_len
from cleanfeed.extract.dom import Block, Elem

MAX_CELL = 40  # longer cells are a layout table's content, not a data table's
WRAP_MIN_WIDTH = 12  # narrower "lines" are lists or verse, not wrapped prose
WRAP_FILL = 0.85  # a wrapped line fills at least this share of the widest line of its run


def _joinable(a: str, b: str) -> str:
    """``a`` and ``b`` as one text: a space only between ASCII words."""
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return f"{a} {b}"
    return a + b


Shaped = list[tuple[int, Block]]  # (position of the first source block, block)


def join_rows(blocks: list[Block], elems: list[Elem]) -> Shaped:
    """One block per table row whose cells are all short single-line blocks."""
    out: Shaped = []
    i = 0
    while i < len(blocks):
        b = blocks[i]
        if b.tag not in ("td", "th"):
            out.append((i, b))
            i += 1
            continue
        row = elems[b.elem].parent
        j = i
        while (
            j < len(blocks)
            and blocks[j].tag in ("td", "th")
            and elems[blocks[j].elem].parent == row
            and visible_len(blocks[j].text) <= MAX_CELL
        ):
            j += 1
        cells = blocks[i:j]
        # Every cell of the row must be in the run (a long cell makes it a layout row).
        whole = j >= len(blocks) or elems[blocks[j].elem].parent != row
        if len(cells) >= 2 and whole and len({c.elem for c in cells}) == len(cells):
            joined = Block(
                " ".join(c.text for c in cells),
                sum(c.link_chars for c in cells),
                row,
                "tr",
                in_list=cells[0].in_list,
                after_img=cells[0].after_img,
            )
            out.append((i, joined))
            i = j
        else:
            out.append((i, b))
            i += 1
    return out


def rewrap(shaped: Shaped) -> Shaped:
    """Join hard-wrapped lines (consecutive blocks of one element) back into paragraphs."""
    out: Shaped = []
    blocks = [b for _, b in shaped]
    i = 0
    while i < len(blocks):
        j = i + 1
        while j < len(blocks) and blocks[j].elem == blocks[i].elem and not blocks[j].heading:
            j += 1
        run = blocks[i:j]
        at = [k for k, _ in shaped[i:j]]
        if len(run) < 3 or run[0].heading or run[0].in_list:
            out.extend(shaped[i:j])
            i = j
            continue
        width = max(visible_len(b.text) for b in run)
        wrapped = [
            visible_len(b.text) >= max(WRAP_MIN_WIDTH, WRAP_FILL * width) and b.text[-1] not in TERMINAL
            for b in run
        ]
        if sum(wrapped) < 2 or width < WRAP_MIN_WIDTH:
            out.extend(shaped[i:j])
            i = j
            continue
        cur, start = run[0], at[0]
        for k, b, cont in zip(at[1:], run[1:], wrapped[:-1], strict=True):
            if cont:
                cur = Block(
                    _joinable(cur.text, b.text),
                    cur.link_chars + b.link_chars,
                    cur.elem,
                    cur.tag,
                    cur.in_list,
                    cur.heading,
                    cur.after_img,
                    cur.caption,
                    cur.indent,
                    b.tail_chunks,
                )
            else:
                out.append((start, cur))
                cur, start = b, k
        out.append((start, cur))
        i = j
    return out
