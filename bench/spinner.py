"""A small article spinner for the dedup benchmark: what content farms do to a wire story.

``spin(text, rng, heavy=False)`` swaps words from a synonym table (and, when heavy, function words too),
reorders clauses inside sentences, reformats numbers (6800亿元 -> 6,800亿元) and, when heavy, keeps only two
thirds of the sentences and moves them across paragraphs. Deterministic for a given ``random.Random``.
"""

from __future__ import annotations

import random
import re

# Content words: both directions are used, so a spin of a spin does not simply undo itself.
SYNONYMS = {
    "推动": "促进",
    "加快": "加速",
    "建设": "打造",
    "重要": "关键",
    "提升": "提高",
    "表示": "称",
    "认为": "觉得",
    "目前": "当前",
    "已经": "早已",
    "支持": "扶持",
    "领域": "范畴",
    "企业": "公司",
    "问题": "难题",
    "记者": "笔者",
    "我国": "中国",
    "显著": "明显",
    "积极": "主动",
    "持续": "不断",
    "增长": "上涨",
    "超过": "逾",
    "左右": "上下",
    "同时": "与此同时",
    "因此": "所以",
    "但是": "然而",
    "可以": "能够",
    "需要": "须要",
    "部门": "机构",
    "工作": "任务",
    "报告": "汇报",
    "规划": "计划",
    "实施": "执行",
    "创新": "革新",
    "技术": "科技",
    "能力": "本领",
    "方面": "层面",
    "通过": "借助",
    "提供": "给予",
    "水平": "程度",
    "重点": "要点",
    "举行": "召开",
    "强调": "着重指出",
    "指出": "点明",
    "开展": "展开",
    "推进": "推行",
    "加强": "强化",
    "完善": "健全",
    "优化": "改良",
    "相关": "有关",
    "发布": "公布",
    "数量": "数目",
    "群众": "民众",
    "地区": "区域",
    "发展": "进展",
    "产业": "行业",
    "政策": "方针",
    "部署": "安排",
    "聚焦": "着眼",
    "培育": "培养",
    "打造": "构建",
    "高质量": "优质",
    "全国": "全国范围内",
    "近日": "日前",
    "今年": "本年度",
    "去年": "上一年",
    "成为": "变成",
    "进行": "开展",
    "主要": "首要",
    "明确": "清晰",
    "措施": "举措",
    "情况": "状况",
    "实现": "达成",
    "帮助": "协助",
    "希望": "期望",
    "未来": "往后",
    "选择": "挑选",
    "获得": "取得",
    "参加": "参与",
    "消费者": "顾客",
    "研究": "钻研",
    "团队": "小组",
    "成果": "成绩",
    "传统": "老式",
    "巨大": "极大",
    "广泛": "普遍",
    "迅速": "快速",
    "负责人": "主管",
    "介绍": "讲解",
}
# Function words: swapped only in heavy spins; they are everywhere, so they break most 5-grams.
FUNCTION_WORDS = {
    "的": "之",
    "和": "与",
    "在": "于",
    "是": "乃是",
    "也": "亦",
    "将": "会",
    "对": "对于",
    "等": "等等",
    "为": "作为",
    "从": "自",
    "把": "将",
    "都": "皆",
    "还": "还要",
    "就": "便",
    "并": "并且",
    "这": "此",
}
_WORD = re.compile(
    "|".join(
        sorted(map(re.escape, {**SYNONYMS, **{v: k for k, v in SYNONYMS.items()}}), key=len, reverse=True)
    )
)
_FUNC = re.compile("|".join(map(re.escape, FUNCTION_WORDS)))
_BIG = re.compile(r"(?<![\d.,])(\d{4,})(?![\d.])")
_SENT = re.compile(r"(?<=[。！？])")
_FILLERS = ["据了解，", "值得一提的是，", "与此同时，", "业内人士指出，", "有分析认为，", "数据显示，"]


def _swap(text: str, rng: random.Random, p_word: float, p_func: float) -> str:
    table = {**SYNONYMS, **{v: k for k, v in SYNONYMS.items()}}
    text = _WORD.sub(lambda m: table[m.group()] if rng.random() < p_word else m.group(), text)
    if p_func:
        text = _FUNC.sub(lambda m: FUNCTION_WORDS[m.group()] if rng.random() < p_func else m.group(), text)
    return text


def _reorder_clauses(sentence: str, rng: random.Random) -> str:
    end = sentence[-1] if sentence and sentence[-1] in "。！？" else ""
    clauses = [c for c in re.split("[，,]", sentence.rstrip("。！？")) if c]
    if len(clauses) < 3:
        return sentence
    i = rng.randrange(len(clauses) - 1)
    clauses[i], clauses[i + 1] = clauses[i + 1], clauses[i]
    return "，".join(clauses) + end


def reformat_numbers(text: str) -> str:
    """6800 -> 6,800 (the copy's number style, not a different number)."""
    return _BIG.sub(
        lambda m: f"{int(m.group(1)):,}" if not 1900 <= int(m.group(1)) <= 2100 else m.group(1), text
    )


def spin(text: str, rng: random.Random, heavy: bool = False) -> str:
    paragraphs = [p for p in text.split("\n") if p.strip()]
    sentences = [[s for s in _SENT.split(p) if s.strip()] for p in paragraphs]
    out: list[list[str]] = []
    for para in sentences:
        new = []
        for sentence in para:
            s = _swap(sentence, rng, 1.0 if heavy else 0.8, 0.7 if heavy else 0.3)
            if rng.random() < (0.6 if heavy else 0.3):
                s = _reorder_clauses(s, rng)
            if heavy and rng.random() < 0.3:
                s = rng.choice(_FILLERS) + s
            new.append(s)
        out.append(new)
    if heavy:
        flat = [s for para in out for s in para]
        keep = sorted(rng.sample(range(len(flat)), max(1, round(len(flat) * 2 / 3))))
        flat = [flat[i] for i in keep]
        # Move sentences across paragraph borders: local shuffles, then new paragraph breaks.
        for i in range(len(flat)):
            j = min(len(flat) - 1, i + rng.randrange(4))
            flat[i], flat[j] = flat[j], flat[i]
        out, cur = [], []
        for s in flat:
            cur.append(s)
            if rng.random() < 0.3:
                out.append(cur)
                cur = []
        if cur:
            out.append(cur)
    return reformat_numbers("\n".join("".join(p) for p in out if p))
