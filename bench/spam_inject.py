"""Deterministic spam injection into clean article pages, for the leak benchmark and the fixtures.

Spam portals copy a wire story and inject their own blocks *inside* the article: a clickbait
《…》 title with a 发布时间 line and word salad, disclaimers, APP prompts and counters, link lists,
share widgets, comment forms, footers and empty random-attribute tags. ``SpamFactory`` makes such
blocks from pools written for this project (phrasings deliberately wider than the five seeds), and
``inject`` puts them at random places in a page whose clean paragraphs are known. Every visible
string that was injected is recorded, so a benchmark can measure exactly how much of it leaks.

Everything is driven by one ``random.Random``: the same seed gives byte-identical pages.
"""

from __future__ import annotations

import html
import random
import re
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree
from lxml import html as lxml_html

# --- pools -----------------------------------------------------------------------------------------
# Clickbait titles of the kind the salad blocks carry (gambling/film/health spam, not explicit).
CLICKBAIT_TITLES = [
    "国产剧情兔子先生系列",
    "午夜影院免费观看高清版",
    "澳门精准一码发财网",
    "香港内部资料最准一肖",
    "最新电影在线看无删减",
    "日韩精品一区二区三区",
    "四虎影视永久地址",
    "新澳门六开彩开奖结果",
    "天天综合网免费视频",
    "亚洲精品久久久久久",
    "手机看片福利永久",
    "管家婆一码中一肖资料",
    "夜色直播间下载安装",
    "免费追剧神器无广告",
    "私人影院在线播放",
    "彩票平台注册送彩金",
]
# Site names and provinces for the 发布时间 line.
SALAD_SITES = [
    "成年卜短片A级",
    "影院桃花岛688",
    "蜜桃视频",
    "九色影视",
    "星空传媒",
    "丝瓜视频官网",
    "69影视",
    "奇米影院",
    "快播电影网",
    "芒果TV精品",
    "新视觉影院",
    "八戒影视",
]
PROVINCES = [
    "湖南",
    "广东",
    "四川",
    "河南",
    "江西",
    "广西",
    "贵州",
    "云南",
    "湖北",
    "山东",
    "福建",
    "安徽",
]
# Unrelated news sentences (written for this project) the salad is assembled from.
SALAD_SENTENCES = [
    "据介绍，该路段属坡地状态，东西两侧高差较大，如按原设计路面标高实施，将导致西侧村民房屋低于新建道路。",
    "铸造3D打印设备累计销售140余台，连续3年全球市场占有率领先。",
    "音乐厅内，大型管风琴、九尺钢琴等设施设备满足了交响乐、大型音乐会等演出的要求。",
    "英国在乌克兰问题上争取到了领导角色，尽管有人预测其全球地位在脱欧后会下降。",
    "该县今年新建高标准农田两万亩，配套修建机耕道路和灌溉渠系。",
    "比赛吸引了来自12个国家和地区的300余名选手参加，现场观众超过5000人次。",
    "专家提醒，秋冬季节是呼吸道疾病高发期，老人和儿童要注意防寒保暖。",
    "整合还会影响武器和弹药的采购，这些采购已经在协调，以获得兼容性和互补性。",
    "该项目总投资约18亿元，建成后年产值可达30亿元，带动就业1200人。",
    "景区工作人员表示，国庆假期前三天累计接待游客同比增长约两成。",
    "当地警方提醒，近期冒充客服退款的诈骗案件多发，市民切勿轻信陌生来电。",
    "会议强调，要压紧压实安全生产责任，坚决防范遏制重特大事故发生。",
    "新款车型搭载了第三代混动系统，综合续航里程超过1200公里。",
    "这家老字号糕点铺已经传承了四代人，每逢节日门口都会排起长队。",
    "研究人员在南海海域发现了一个新的珊瑚礁群落，物种多样性超出预期。",
    "据气象部门预测，未来一周当地将以多云天气为主，气温逐步回升。",
    "该校今年共有毕业生4300余人，截至目前就业去向落实率超过九成。",
    "跨境电商综试区今年前三季度进出口额同比增长17.6%。",
    "村里利用闲置校舍改建了乡村民宿，去年接待游客三万多人次。",
    "球队在主场以3比1逆转取胜，继续保持积分榜第二的位置。",
    "市场监管部门对辖区内42家餐饮单位开展了食品安全突击检查。",
    "这部纪录片历时三年拍摄完成，记录了候鸟迁徙途中的珍贵画面。",
    "据悉，该航线每周执飞四班，使用空客A321型客机。",
    "专家认为，房地产市场的企稳还需要更多政策协同发力。",
]
DISCLAIMERS = [
    "本文来自网友发表，不代表本网站观点和立场，如存在侵权问题，请与本网站联系删除！",
    "本文系转载，版权归原作者所有，如涉及作品内容、版权等问题，请及时与本站联系。",
    "免责声明：本文仅代表作者个人观点，与本网无关。其原创性以及文中陈述文字和内容未经本站证实。",
    "如有侵权请联系删除。",
    "本站部分内容来自互联网，仅供学习交流之用，如有侵犯您的权益，请联系我们删除。",
    "声明：本文内容由互联网用户自发贡献，该文观点仅代表作者本人，本站仅提供信息存储空间服务。",
    "特别声明：以上内容（如有图片或视频亦包括在内）为自媒体平台用户上传并发布，本平台仅提供信息存储服务。",
    "版权声明：转载此文是出于传递更多信息之目的，若有来源标注错误或侵犯了您的合法权益，请作者持权属证明与本网联系。",
    "郑重声明：本站所有文章均来源于网络整理，文章内容不代表本站立场。",
    "本网转载内容仅供参考，不构成投资建议，据此操作风险自担。",
]
APP_PROMPTS = [
    "打开APP，阅读全文",
    "展开全文",
    "打开APP阅读更多精彩内容",
    "下载客户端，看更多精彩内容",
    "点击查看全文",
    "APP内打开",
    "剩余80%内容，打开APP继续阅读",
    "打开今日头条，阅读全文",
    "扫码下载客户端",
    "直接打开",
]
COUNTER_TEMPLATES = [
    "{n}人支持",
    "阅读原文 阅读 {big}",
    "已有{n}人参与",
    "点赞({n})",
    "{n}人已收藏",
    "浏览量：{big}",
    "阅读 {big}",
    "{n}条评论",
    "赞({n})",
]
SHORT_WIDGETS = ["支持楼主", "举报", "分享成功", "查看更多", "展开", "收藏", "打赏", "返回顶部", "纠错"]
REC_HEADINGS = [
    "热点推荐",
    "热门导读",
    "相关阅读",
    "猜你喜欢",
    "精彩推荐",
    "24小时热文",
    "延伸阅读",
    "相关新闻",
    "热门文章",
    "今日要闻",
    "为您推荐",
    "大家都在看",
]
# Unrelated headlines (written for this project) for the link lists.
HEADLINES = [
    "心有多大，属于你的世界就有多大",
    "第二届中日韩碳中和论坛成功举办",
    "江阴：以服务“加速度”助力经济发展",
    "债台高筑的美国这次如何转嫁风险？",
    "佳木斯，赏冰玩雪欢乐多",
    "英媒：人工智能将如何改变世界经济",
    "多地出台措施促进夜间消费",
    "这个冬天，南方人为何爱上滑雪",
    "高校毕业生就业服务月活动启动",
    "新能源汽车下乡活动覆盖百余县市",
    "古城墙下的非遗市集人气旺",
    "中小学“课后服务”有了新变化",
    "考古新发现揭开千年古城面纱",
    "秋粮收购进度快于上年同期",
    "一图读懂个人所得税专项附加扣除",
    "跨省通办事项再扩容",
    "这些食品标签上的“小秘密”你知道吗",
    "多家银行下调存款利率",
    "春节档电影预售票房破亿",
    "老旧小区加装电梯提速",
    "一场雪让这座小城火了",
    "医保门诊共济改革惠及更多参保人",
    "体育强国建设纲要实施成效显著",
    "暑期文旅市场持续升温",
    "乡村振兴路上的“新农人”",
    "城市更新让老街区焕发新活力",
    "全国首个数字人民币试点区成效显现",
    "航天员在轨开展科学实验",
    "海关查获一批侵权商品",
    "机器人餐厅开进写字楼",
]
SHARE_WIDGETS = [
    ["分享到：", "微信", "微博", "QQ空间"],
    ["分享到朋友圈"],
    ["扫一扫分享到微信"],
    ["分享", "微信好友", "朋友圈", "新浪微博"],
    ["一键分享"],
]
COMMENT_FORMS = [
    [
        "发表回复",
        "您的邮箱地址不会被公开。 必填项已用 * 标注",
        "评论",
        "显示名称",
        "电子邮箱地址",
        "网站地址",
    ],
    ["发表评论", "文明上网理性发言，请遵守新闻评论服务协议", "已有0条评论"],
    ["网友评论", "登录后参与评论", "请输入评论内容", "提交"],
    ["我要评论", "评论区", "还没有人评论，快来抢沙发吧"],
]
FOOTERS = [
    ["Copyright © 2008-2026 今日快讯网 版权所有", "京ICP备12045321号-2", "违法和不良信息举报电话：12377"],
    ["关于我们", "联系方式", "广告服务", "Copyright © 2015-2026 All Rights Reserved", "粤ICP备15087234号"],
    ["本站由网友自发收集整理", "增值电信业务经营许可证 湘B2-20190317", "湘公网安备 43010502000123号"],
    ["网络文化经营许可证", "互联网新闻信息服务许可证", "版权所有 未经授权禁止复制或建立镜像"],
]
_TAGS = ["kbd", "del", "b", "i", "em", "sub", "sup", "small", "font", "dfn", "var", "abbr", "ins", "u"]
_ATTRS = ["id", "lang", "date-time", "dir", "draggable", "dropzone", "class", "title", "data-id"]

_WS = re.compile(r"\s+")


def canon(text: str) -> str:
    """Comparison form: NFKC (folds full-width punctuation), no whitespace."""
    return _WS.sub("", unicodedata.normalize("NFKC", text))


@dataclass
class Block:
    """A spam block: its HTML and every visible string in it (what must not reach the output)."""

    kind: str
    html: str
    texts: list[str] = field(default_factory=list)


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


class SpamFactory:
    """Makes spam blocks. All randomness comes from ``rng``."""

    def __init__(self, rng: random.Random, now_year: int = 2026) -> None:
        self.rng = rng
        self.year = now_year

    def _token(self, lo: int = 4, hi: int = 9) -> str:
        return "".join(
            self.rng.choice(string.ascii_letters + string.digits) for _ in range(self.rng.randint(lo, hi))
        )

    def _datetime(self) -> str:
        r = self.rng
        return (
            f"{self.year}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} "
            f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"
        )

    def empty_tags(self, n: int | None = None) -> str:
        """Random empty inline tags with random attributes, e.g. ``<kbd date-time="knLdhFme"></kbd>``."""
        out = []
        for _ in range(n if n is not None else self.rng.randint(1, 3)):
            tag = self.rng.choice(_TAGS)
            out.append(f'<{tag} {self.rng.choice(_ATTRS)}="{self._token()}"></{tag}>')
        return "".join(out)

    def salad(self) -> Block:
        """《clickbait》 + 发布时间 line + 1–3 unrelated sentences, as in seeds 001/002."""
        r = self.rng
        title = f"《{r.choice(CLICKBAIT_TITLES)}》"
        when = f"发布时间：{self._datetime()} {r.choice(SALAD_SITES)} 来自{r.choice(PROVINCES)}"
        sents = r.sample(SALAD_SENTENCES, r.randint(1, 3))
        joiner = r.choice(["", "  ", " "])
        para = joiner.join(sents)
        tag = r.choice(["h3", "p", "div"])
        body = f"<{tag}>{_esc(title)}</{tag}>\n<p>{_esc(when)}</p>\n<p>{_esc(para)}</p>"
        return Block(
            "salad",
            f'<div class="{r.choice(["wzzw", "cont-s", "txt2", "art-sub"])}">{body}</div>',
            [title, when, *sents],
        )

    def disclaimer(self) -> Block:
        text = self.rng.choice(DISCLAIMERS)
        tag = self.rng.choice(["p", "div", "span"])
        return Block("disclaimer", f"<{tag}>{_esc(text)}</{tag}>", [text])

    def app_prompt(self) -> Block:
        texts = self.rng.sample(APP_PROMPTS, self.rng.randint(1, 2))
        inner = "".join(f'<a href="javascript:void(0)" class="open-app">{_esc(t)}</a>' for t in texts)
        return Block("app", f'<div class="app-open">{inner}</div>', texts)

    def counters(self) -> Block:
        r = self.rng
        texts = [
            t.format(n=r.randint(3, 999), big=r.randint(10000, 9999999))
            for t in r.sample(COUNTER_TEMPLATES, r.randint(1, 3))
        ]
        texts += r.sample(SHORT_WIDGETS, r.randint(1, 2))
        inner = "".join(f"<span>{_esc(t)}</span>" for t in texts)
        return Block("counter", f'<div class="tool-bar">{inner}</div>', texts)

    def rec_list(
        self, heading: str | None = None, timestamps: bool | None = None, n: int | None = None
    ) -> Block:
        r = self.rng
        head = heading or r.choice(REC_HEADINGS)
        items = r.sample(HEADLINES, n or r.randint(3, 6))
        stamp = r.random() < 0.5 if timestamps is None else timestamps
        when = self._datetime()
        lis = []
        texts = [head, *items]
        for it in items:
            url = f"/{r.choice(['news', 'a', 'html', 'p'])}/{r.randint(100000, 999999)}.html"
            extra = f"<p>{when}</p>" if stamp else ""
            lis.append(f'<li><a href="{url}">{_esc(it)}</a>{extra}</li>')
        if stamp:
            texts.append(when)
        return Block("list", f'<div class="rec"><h3>{_esc(head)}</h3><ul>{"".join(lis)}</ul></div>', texts)

    def share(self) -> Block:
        texts = self.rng.choice(SHARE_WIDGETS)
        inner = "".join(f'<a href="#">{_esc(t)}</a>' for t in texts)
        return Block("share", f'<div class="share-box">{inner}</div>', list(texts))

    def comment_form(self) -> Block:
        texts = self.rng.choice(COMMENT_FORMS)
        head, rest = texts[0], texts[1:]
        inner = "".join(f"<p>{_esc(t)}</p>" for t in rest)
        return Block(
            "comment",
            f'<div id="respond"><h3>{_esc(head)}</h3><form>{inner}'
            '<textarea name="comment"></textarea></form></div>',
            list(texts),
        )

    def footer(self) -> Block:
        texts = self.rng.choice(FOOTERS)
        inner = "<br>".join(_esc(t) for t in texts)
        return Block("footer", f'<div class="foot">{inner}</div>', list(texts))

    def hidden(self) -> Block:
        """A display:none block carrying spam (invisible to readers, visible to naive extractors)."""
        inner = self.rng.choice([self.salad, self.rec_list, self.disclaimer])()
        return Block("hidden", f'<div style="display:none">{inner.html}</div>', inner.texts)

    def any_block(self) -> Block:
        maker = self.rng.choice(
            [
                self.salad,
                self.salad,
                self.disclaimer,
                self.app_prompt,
                self.counters,
                self.rec_list,
                self.rec_list,
                self.share,
                self.comment_form,
                self.footer,
                self.hidden,
            ]
        )
        return maker()

    # --- layout variants (issue #10, class 6): the same spam laid out differently from the seeds ----
    def _salad_parts(self) -> tuple[str, str, list[str]]:
        r = self.rng
        title = f"《{r.choice(CLICKBAIT_TITLES)}》"
        when = f"发布时间：{self._datetime()} {r.choice(SALAD_SITES)} 来自{r.choice(PROVINCES)}"
        return title, when, r.sample(SALAD_SENTENCES, r.randint(1, 3))

    def salad_oneline(self) -> Block:
        """Title and 发布时间 line on ONE line (inline markup), the salad in the next paragraph."""
        title, when, sents = self._salad_parts()
        tag = self.rng.choice(["span", "em", "b"])
        body = f"<p>{_esc(title)}<{tag}>{_esc(when)}</{tag}></p><p>{_esc(''.join(sents))}</p>"
        return Block("v_oneline", body, [title, when, *sents])

    def salad_in_p(self) -> Block:
        """The whole salad block inside one <p> between story paragraphs (title, meta, salad)."""
        title, when, sents = self._salad_parts()
        sep = self.rng.choice(["<br>", " ", "<br><br>"])
        return Block(
            "v_in_p",
            f"<p>{_esc(title)}{sep}{_esc(when)}{sep}{_esc(''.join(sents))}</p>",
            [title, when, *sents],
        )

    def salad_glued(self) -> Block:
        """The salad glued to the end of a story paragraph (goes *inside* a <p>)."""
        title, when, sents = self._salad_parts()
        return Block(
            "v_glued_salad",
            f"<span>{_esc(title)}{_esc(when)}{_esc(''.join(sents))}</span>",
            [title, when, *sents],
        )

    def escaped_tags(self) -> Block:
        """A paragraph whose visible text is escaped markup: ``&lt;kbd id=…&gt;&lt;/kbd&gt;``."""
        tag, attr = self.rng.choice(_TAGS), self.rng.choice(_ATTRS)
        text = f'<{tag} {attr}="{self._token()}"></{tag}>'
        return Block("v_escaped", f"<p>{_esc(text)}</p>", [text])

    def hidden_css(self) -> Block:
        """A salad hidden by other means than display:none."""
        style = self.rng.choice(
            [
                'style="opacity:0"',
                'style="font-size:0"',
                'class="hidden"',
                'style="position:absolute;left:-9999px"',
                'style="height:0;overflow:hidden"',
                'style="visibility:hidden"',
            ]
        )
        inner = self.salad()
        return Block("v_hidden_css", f"<div {style}>{inner.html}</div>", inner.texts)

    def glued_disclaimer(self) -> Block:
        """A disclaimer glued to the end of a story paragraph (goes *inside* a <p>)."""
        text = self.rng.choice(DISCLAIMERS)
        return Block("v_glued_disclaimer", f"<span>{_esc(text)}</span>", [text])

    def variant_block(self) -> tuple[Block, bool]:
        """A layout-variant block and whether it goes inside a paragraph."""
        maker = self.rng.choice(
            [
                (self.salad_oneline, False),
                (self.salad_in_p, False),
                (self.salad_glued, True),
                (self.escaped_tags, False),
                (self.hidden_css, False),
                (self.glued_disclaimer, True),
            ]
        )
        return maker[0](), maker[1]

    def inline(self) -> Block:
        """Spam inside a paragraph: an APP prompt or counter glued to the end of a <p>."""
        text = self.rng.choice([*APP_PROMPTS, "举报", "收起全文", "（点击查看大图）"])
        return Block("inline", f'{self.empty_tags(1)}<span class="s-link">{_esc(text)}</span>', [text])


# --- injection into a page -------------------------------------------------------------------------
@dataclass
class InjectedPage:
    html: str
    blocks: list[Block]
    paragraphs_found: int  # how many clean paragraphs were located in the page

    @property
    def texts(self) -> list[str]:
        return [t for b in self.blocks for t in b.texts]


def _frag(markup: str) -> list[etree._Element]:
    return list(lxml_html.fragments_fromstring(markup))


def _paragraph_nodes(
    root: etree._Element, paragraphs: list[str], convert: Callable[[str], str] | None = None
) -> list[etree._Element]:
    """The innermost block elements whose text contains the start of a clean paragraph."""
    keys = {canon(p)[:24] for p in paragraphs if len(canon(p)) >= 12}
    cands = []
    for el in root.iter("p", "div", "td", "li", "section", "article"):
        text = canon(el.text_content())
        if convert is not None:
            text = convert(text)
        if 12 <= len(text) <= 4000 and any(k in text for k in keys):
            cands.append(el)
    cset = set(cands)
    return [el for el in cands if not any(d in cset for d in el.iterdescendants())]


def inject(
    page_html: str,
    paragraphs: list[str],
    seed: int,
    n_blocks: int = 4,
    convert: Callable[[str], str] | None = None,
    *,
    variants: bool = False,
    short: bool = False,
) -> InjectedPage:
    """Inject ``n_blocks`` spam blocks (plus empty tags) at random places in the article body.

    Places: between two body paragraphs, inside the content container after the last paragraph
    (the "end marker" position), glued inside a paragraph, and as a sibling block after the container.
    ``convert`` maps page text to the script of ``paragraphs`` (e.g. OpenCC t2s for Traditional pages).
    Strings that already occur anywhere on the page are not recorded as injected (a leak of them
    could not be told from the page's own text).

    ``variants``: inject the layout variants (``SpamFactory.variant_block``) instead of the seed-like
    blocks. ``short``: first cut the story to its first paragraph (a photo-caption story) and put
    one salad block after it (kind ``v_short_story``): the short story must still win.
    """
    rng = random.Random(seed)
    fac = SpamFactory(rng)
    root = lxml_html.document_fromstring(page_html)
    before = canon(root.text_content())
    before = convert(before) if convert is not None else before
    nodes = _paragraph_nodes(root, paragraphs, convert)
    blocks: list[Block] = []
    if short and nodes:
        for el in nodes[1:]:
            el.getparent().remove(el)
        nodes = nodes[:1]
        before = canon(root.text_content())
        before = convert(before) if convert is not None else before
        salad = fac.salad()
        salad.kind = "v_short_story"
        for el in reversed(_frag(salad.html)):
            nodes[0].addnext(el)
        blocks.append(salad)
        n_blocks = 0
    if nodes and n_blocks:
        container = nodes[0].getparent()
        for _ in range(n_blocks):
            where = rng.choice(["between", "between", "end", "inside", "sibling"])
            if variants:
                blk, glued = fac.variant_block()
                where = "inside" if glued else rng.choice(["between", "between", "end"])
            else:
                blk = fac.inline() if where == "inside" else fac.any_block()
            if where == "inside":
                target = rng.choice(nodes)
                for el in _frag(blk.html):
                    target.append(el)
            elif where == "between" and len(nodes) > 1:
                anchor = rng.choice(nodes[:-1])
                for el in reversed(_frag(blk.html)):
                    anchor.addnext(el)
            elif where in ("end", "between") or container is None or container.getparent() is None:
                for el in reversed(_frag(blk.html)):
                    nodes[-1].addnext(el)
            else:
                for el in reversed(_frag(blk.html)):
                    container.addnext(el)
            blocks.append(blk)
        # random empty tags scattered inside paragraphs: invisible, but they split text nodes
        for target in rng.sample(nodes, min(len(nodes), 3)):
            text = target.text or ""
            cut = rng.randint(2, len(text) - 2) if len(text) > 6 else len(text)
            frags = _frag(fac.empty_tags())
            target.text = text[:cut]
            frags[-1].tail = text[cut:] + (frags[-1].tail or "")
            for el in reversed(frags):
                target.insert(0, el)
    # a string already on the page (in the story or its own boilerplate) cannot be attributed to us
    for blk in blocks:
        blk.texts = list(dict.fromkeys(t for t in blk.texts if canon(t) and canon(t) not in before))
    out = lxml_html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")
    return InjectedPage(out, blocks, len(nodes))


def leaked(texts: list[str], output: str) -> list[str]:
    """The injected strings found (canonically) in an extractor's output."""
    out = canon(output)
    return [t for t in texts if canon(t) and canon(t) in out]
