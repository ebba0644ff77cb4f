"""The labelled dedup benchmark: real reposts, generated variants and same-topic distractors.

``build(seed, shared)`` returns folds. Each fixture fold indexes every fixture story but one as an
original; the held-out story (four stories on the same topic, "人工智能+", take turns) supplies the
negatives: its own variants, its spins, and adversarial distractors that reuse an indexed story's numbers and
names in its own sentences. Real reposts (the seeds) are positives when their original is indexed and
negatives in the fold that holds their original out. With ``shared`` (the hand-held dev data, never copied
into the repository) a further fold uses its gold texts as stories, 30% of them held out.

Everything is deterministic for a given seed.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import opencc

from bench.spinner import spin
from cleanfeed.models import stable_id
from cleanfeed.normalize import normalize_text

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "dedup"
AI_STORIES = ["seed_003_lead", "seed_001_original", "seed_002_original", "seed_004_original"]
OTHER_STORIES = ["seed_003_guochao", "seed_003_trade", "seed_003_subsidy", "seed_003_semiconductor"]
# (repost fixture, its original, kind): real reposts from the seeds.
REAL = [
    ("seed_000_raw", "seed_003_lead", "spun"),
    ("seed_001_raw", "seed_001_original", "near"),
    ("seed_002_raw", "seed_002_original", "near"),
    ("seed_004_raw", "seed_004_original", "cross_script"),
]
# People, places and bodies named in each fixture story: what an adversarial distractor reuses.
NAMES = {
    "seed_003_lead": ["王坚", "汪礼俊", "王海", "叶世阳", "王昕", "蔡毅", "中关村科学城", "之江实验室"],
    "seed_001_original": ["郑莱莉", "尤飞宇", "何必阔", "康奈集团", "华峰集团", "温州", "数安港"],
    "seed_002_original": ["刘捷", "宇树科技", "强脑科技", "魔搭社区", "之江实验室", "深度求索"],
    "seed_004_original": ["陈昌盛", "刘烈宏", "王江平", "张闯", "李刚", "刘日红", "章俊", "潘焱"],
    "seed_003_guochao": ["杰马杜", "叶祖威", "徐超", "王先庆", "义乌"],
    "seed_003_trade": ["斯塔默", "谢希瑶", "商务部"],
    "seed_003_subsidy": ["刘英", "申铖", "财政部"],
    "seed_003_semiconductor": ["王欣然", "李涛涛", "王金兰", "陈席元"],
}
SPAM = [
    "直接打开",
    "分享成功",
    "热门导读",
    "查看更多",
    "本文来自网友发表，不代表本网站观点和立场，如存在侵权问题，请与本网站联系删除！",
    "打开APP，阅读全文",
    "支持楼主",
    "热点推荐",
    "安装应用",
    "年轻、好看、聪明的人都在这里",
    "举报",
    "阅读原文",
    "《国产剧情兔子先生系列》发布时间：2026-01-17 18:39:01 来自湖南",
    "心有多大，属于你的世界就有多大",
    "第二届中日韩碳中和论坛成功举办",
    "江阴：以服务“加速度”助力经济发展“开门红”",
    "佳木斯，赏冰玩雪欢乐多",
    "债台高筑的美国这次如何转嫁风险？",
    "较量充满硝烟味！红蓝对抗砥砺硬功",
]
PINYIN = {
    "点": "diǎn",
    "经": "jīng",
    "济": "jì",
    "发": "fā",
    "报": "bào",
    "数": "shù",
    "据": "jù",
    "产": "chǎn",
}
_NUM = re.compile(r"\d[\d,.]*%?")
_NAME_BEFORE_VERB = re.compile(r"([\u4e00-\u9fff]{2,3})(?:说|表示|认为|指出)")


@dataclass(frozen=True)
class Case:
    case_id: str
    text: str
    truth: str | None  # story id of the original, None for a negative
    kind: str | None  # exact | near | cross_script | spun | partial
    variant: str
    converted: bool = False
    share: float | None = None
    also: tuple[str, ...] = ()  # other story ids that count as the right original (one event, two outlets)


@dataclass
class Fold:
    name: str
    originals: dict[str, str]  # story id -> text, indexed as originals
    cases: list[Case] = field(default_factory=list)
    # A stream fold starts empty: each case is matched, then indexed as an original under its story's URL
    # (the case id), as pages arrive in a run.
    stream: bool = False


def story_url(story: str) -> str:
    return f"https://origin.test/{story}"


def story_id(story: str) -> str:
    return stable_id(story_url(story))


def _read(name: str) -> str:
    return (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def _paras(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


def _sentences(text: str) -> list[str]:
    return [s for p in _paras(text) for s in re.split(r"(?<=[。！？])", p) if s.strip()]


def traditional(text: str, rng: random.Random, pinyin: bool) -> str:
    trad = _s2t().convert(text)
    if pinyin:  # the portal habit of glossing characters: 焦點(diǎn)
        for simp, py in PINYIN.items():
            trad_ch = _s2t().convert(simp)
            if rng.random() < 0.7:
                trad = trad.replace(trad_ch, f"{trad_ch}({py})", 3)
    return trad


def spam_wrap(text: str, rng: random.Random) -> str:
    budget = int(len(text) * rng.uniform(0.15, 0.4))
    lines: list[str] = []
    while sum(map(len, lines)) < budget:
        lines.append(rng.choice(SPAM))
    cut = rng.randrange(len(lines) + 1)
    return "\n".join(lines[:cut] + _paras(text) + lines[cut:])


def boilerplate(text: str, rng: random.Random) -> str:
    source = rng.choice(["中国新闻网", "新华网", "第一财经"])
    head = f"来源：{source}  作者：{rng.choice(['张三', '李四'])}  2026-01-{rng.randint(10, 28)}"
    tail = [
        "（完）",
        f"【编辑：{rng.choice(['付子豪', '惠小东'])}】",
        "责任编辑：王五",
        "分享到：微信 微博 QQ空间",
    ]
    return "\n".join([head, *_paras(text), *tail])


def small_edits(text: str, rng: random.Random) -> str:
    sents = _sentences(text)
    if len(sents) >= 6:
        del sents[rng.randrange(1, len(sents))]
    chars = list("".join(s + ("\n" if rng.random() < 0.2 else "") for s in sents))
    cjk = [i for i, c in enumerate(chars) if "\u4e00" <= c <= "\u9fff"]
    for i in rng.sample(cjk, min(3, len(cjk))):
        chars[i] = rng.choice("的了是在和有")
    return "".join(chars)


def excerpt(text: str, rng: random.Random) -> str | None:
    paras = _paras(text)
    total = sum(map(len, paras))
    if len(paras) < 4 or total < 600:
        return None
    want = total * rng.uniform(0.25, 0.45)
    out: list[str] = []
    for p in paras:
        out.append(p)
        if sum(map(len, out)) >= want:
            break
    return "\n".join(out)


def formatted(text: str) -> str:
    """Same text, other punctuation widths and spacing: an exact duplicate after canonicalisation."""
    return "\n".join(
        "  " + p.replace("，", ", ").replace("：", ": ").replace("（", "(").replace("）", ")")
        for p in _paras(text)
    )


def partial_page(text: str, donor: str, rng: random.Random) -> tuple[str, float] | None:
    """A page that pastes 35-60% of ``text`` (whole paragraphs, contiguous) between donor paragraphs."""
    paras, dparas = _paras(text), _paras(donor)
    total = sum(map(len, paras))
    if len(paras) < 3 or len(dparas) < 2:
        return None
    want = total * rng.uniform(0.35, 0.6)
    start = rng.randrange(max(1, len(paras) // 3))
    chunk: list[str] = []
    for p in paras[start:]:
        chunk.append(p)
        if sum(map(len, chunk)) >= want:
            break
    share = sum(map(len, chunk)) / total
    if share < 0.34 or sum(map(len, dparas)) < sum(map(len, chunk)) * 0.8:
        return None
    cut = rng.randrange(1, len(dparas))
    return "\n".join(dparas[:cut] + chunk + dparas[cut:]), share


def names_of(story: str, text: str) -> list[str]:
    return NAMES.get(story) or sorted(set(_NAME_BEFORE_VERB.findall(text)))[:6] or ["本报记者"]


def adversarial(donor: str, target: str, target_names: list[str], rng: random.Random) -> str:
    """The donor's sentences carrying the target's numbers and names: same topic, same facts, other story."""
    numbers = _NUM.findall(target) or ["2025"]
    it = itertools.cycle(numbers)
    out = []
    for sentence in _sentences(donor):
        s = _NUM.sub(lambda _m: next(it), sentence)
        if rng.random() < 0.5:
            s = f"{rng.choice(target_names)}表示，{s}"
        if rng.random() < 0.3:
            s += f"{rng.choice(target_names)}对此{next(it)}的说法予以证实。"
        out.append(s)
    paras, cur = [], []
    for s in out:
        cur.append(s)
        if rng.random() < 0.3:
            paras.append("".join(cur))
            cur = []
    return "\n".join([*paras, "".join(cur)] if cur else paras)


def variants(story: str, text: str, rng: random.Random) -> Iterator[Case]:
    """Every generated copy of one story (truth = the story)."""
    sid = story

    def case(variant: str, body: str, kind: str, **kw: object) -> Case:
        return Case(f"{sid}/{variant}", body, sid, kind, variant, **kw)  # type: ignore[arg-type]

    yield case("exact", formatted(text), "exact")
    trad = traditional(text, rng, pinyin=False)
    yield case("trad_converted", normalize_text(trad), "cross_script", converted=True)
    yield case("trad_raw_pinyin", traditional(text, rng, pinyin=True), "cross_script")
    yield case("spam", spam_wrap(text, rng), "near")
    yield case("boilerplate", boilerplate(text, rng), "near")
    yield case("edits", small_edits(text, rng), "near")
    ex = excerpt(text, rng)
    if ex:
        yield case("excerpt", ex, "near")
    yield case("spun_light", spin(text, rng, heavy=False), "spun")
    yield case("spun_heavy", spin(text, rng, heavy=True), "spun")
    yield case("spun_heavy2", spin(text, rng, heavy=True), "spun")


def _negatives(cases: Iterator[Case]) -> list[Case]:
    return [Case(c.case_id, c.text, None, None, f"unrelated_{c.variant}", c.converted) for c in cases]


def _fold(name: str, stories: dict[str, str], held_out: list[str], seed: int) -> Fold:
    fold = Fold(name, {s: t for s, t in stories.items() if s not in held_out})
    indexed = sorted(fold.originals)
    for story in sorted(stories):
        rng = random.Random(f"{seed}/{story}")
        gen = variants(story, stories[story], rng)
        fold.cases.extend(_negatives(gen) if story in held_out else gen)
    for h in held_out:  # partial pages and adversarial distractors are built on held-out text
        donor = stories[h]
        rng = random.Random(f"{seed}/{name}/{h}")
        targets = rng.sample(indexed, min(len(indexed), 3))
        for t in targets:
            made = partial_page(stories[t], donor, rng)
            if made:
                fold.cases.append(Case(f"{t}/partial<{h}", made[0], t, "partial", "partial", share=made[1]))
            names = names_of(t, stories[t])
            fold.cases.append(
                Case(f"{h}/adv>{t}", adversarial(donor, stories[t], names, rng), None, None, "adversarial")
            )
            spun = spin(donor, rng, heavy=False)
            fold.cases.append(
                Case(
                    f"{h}/adv_spun>{t}", adversarial(spun, stories[t], names, rng), None, None, "adversarial"
                )
            )
    return fold


def build(seed: int = 7, shared: Path | None = None, quick: bool = False) -> list[Fold]:
    stories = {s: _read(s) for s in AI_STORIES + OTHER_STORIES}
    folds = []
    for held in AI_STORIES:
        fold = _fold(f"fixtures-without-{held}", stories, [held], seed)
        for repost, original, kind in REAL:
            truth = None if original == held else original
            fold.cases.append(Case(f"real/{repost}", _read(repost), truth, kind if truth else None, "real"))
        folds.append(fold)
    gold_dir = shared / "eval" / "daniel-zh-dev" / "gold" if shared else None
    if gold_dir and gold_dir.is_dir():
        every = {
            f"gold/{p.stem[:40]}": normalize_text(p.read_text(encoding="utf-8"))
            for p in sorted(gold_dir.glob("*.txt"))
        }
        groups = _same_story(every)
        gold = {k: v for k, v in every.items() if len(v) >= 200 and groups[k] == k}
        names = sorted(gold)
        rng = random.Random(seed)
        if quick:
            names = rng.sample(names, min(60, len(names)))
        held_out = rng.sample(names, len(names) * 3 // 10)
        folds.append(_fold("gold", {n: gold[n] for n in names}, held_out, seed))
        folds += _stream_folds({k: v for k, v in every.items() if len(v) >= MIN_STREAM}, groups)
    return folds


MIN_STREAM = 60  # gold pages shorter than this are captions or stubs, not stories


def _stream_folds(pages: dict[str, str], groups: dict[str, str]) -> list[Fold]:
    """Every gold page, short ones included, matched against the pages before it, in two orders.

    Pages that share a site's disclaimer, a press-release sentence or a topic's names arrive next to each
    other in real runs: a link between two of them is a false link unless they report one event (same
    group). Both orders test each pair in both directions.
    """
    folds = []
    for name, order in (("gold-stream", sorted(pages)), ("gold-stream-reversed", sorted(pages)[::-1])):
        fold = Fold(name, {}, stream=True)
        for page in order:
            g = groups[page]
            also = tuple(p for p in order if groups[p] == g and p != page)
            # Truth is settled after the run (``bench_dedup.settle_stream``): any page of the group may
            # end up the original (the rule orders near-identical ones), the others must link inside it.
            fold.cases.append(Case(page, pages[page], None, None, "stream_new", also=also))
        folds.append(fold)
    return folds


# Gold pages that share sentences but not a story, checked by hand: finance.ifeng.com pages share only the
# site's two-sentence disclaimer (免责声明...). Ids are file names of the dev data, not its text.
NOT_ONE_STORY = (
    "gold/20111209_finance.ifeng",
    "gold/20111215_finance.ifeng",
    "gold/20120112_finance.ifeng.com_0fb2",
    "gold/20120117_finance.ifeng",
)


def _same_story(stories: dict[str, str]) -> dict[str, str]:
    """Each story's group (the first story of it): portal copies of one wire story, so truth is unambiguous.

    Two stories are one when two or more sentences, a third of the shorter one's sentence characters, align
    with the other's: two outlets' reports of one event, or a report quoting a transcript. (One shared
    sentence, a press-release line, does not make two briefs one story.) Whether the matcher
    links them (``verify``) is deliberately not used: that would drop from the set exactly the false links
    the set must count. Checked by hand on the dev gold, with the exceptions in ``NOT_ONE_STORY``.
    """
    from cleanfeed.dedup.fingerprint import canonical
    from cleanfeed.dedup.match import Doc, align

    def covered(a: Doc, b: Doc) -> float:  # share of b's sentence characters aligned with a's sentences
        pairs = align(a, b)
        lengths = b.sentences[1]
        return sum(int(lengths[j]) for _, j, _ in pairs) / max(1, int(lengths.sum())) if len(pairs) > 1 else 0

    def related(na: str, a: Doc, nb: str, b: Doc) -> bool:
        if na.startswith(NOT_ONE_STORY) and nb.startswith(NOT_ONE_STORY):
            return False
        return max(covered(a, b), covered(b, a)) >= 0.3

    group: dict[str, str] = {}
    docs: dict[str, Doc] = {}
    for name, text in stories.items():
        d = Doc(canonical(text))
        group[name] = next((group[o] for o, od in docs.items() if related(name, d, o, od)), name)
        docs[name] = d
    return group
