"""Write tests/fixtures/encodings/: the same short news page in GBK, GB18030, Big5 and UTF-8,
with and without a charset declaration, and with lying declarations. Run by hand; outputs are
committed. The text is the project's own (seed 003/004 sentences), not third-party data."""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "encodings"

HANS = (
    "国家数据局局长刘烈宏在发布会上回答第一财经记者提问时表示，算法、算力、数据是人工智能发展的"
    "三个基本要素。人工智能的发展离不开数据资源的开发利用。"
)
HANT = (
    "國家數據局局長劉烈宏在發佈會上回答第一財經記者提問時表示，算法、算力、數據是人工智能發展的"
    "三個基本要素。人工智能的發展離不開數據資源的開發利用。"
)


def page(body: str, meta: str | None) -> str:
    decl = f'<meta http-equiv="Content-Type" content="text/html; charset={meta}">' if meta else ""
    return f"<html><head>{decl}<title>{body[:6]}</title></head><body><p>{body}</p></body></html>"


CASES = {
    # name: (text, declared charset or None, real encoding)
    "gbk_declared.html": (HANS, "gb2312", "gbk"),
    "gbk_undeclared.html": (HANS, None, "gbk"),
    "gbk_lying_utf8.html": (HANS, "utf-8", "gbk"),
    "gb18030_declared.html": (HANS + "㐀䶵", "gb18030", "gb18030"),
    "utf8_lying_gb2312.html": (HANS, "gb2312", "utf-8"),
    "utf8_undeclared.html": (HANS, None, "utf-8"),
    "big5_declared.html": (HANT, "big5", "big5"),
    "big5_undeclared.html": (HANT, None, "big5"),
    "big5_lying_utf8.html": (HANT, "utf-8", "big5"),
    "gbk_short_undeclared.html": ("记者", None, "gbk"),
}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (text, meta, enc) in CASES.items():
        (OUT / name).write_bytes(page(text, meta).encode(enc))
    print(f"wrote {len(CASES)} files to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
