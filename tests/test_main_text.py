"""Main text of pages no config knows, on the saved pages of tests/fixtures/pages/unknown (golden ads)."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from crawler.extraction.main_text import judged_title, main_text

PAGES = Path(__file__).parent / "fixtures" / "pages" / "unknown"
CASES = sorted(PAGES.glob("*.expected.json"))


def norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def page(case: Path) -> str:
    raw = case.with_name(case.name.replace(".expected.json", ".html")).read_bytes()
    return raw.decode("gb18030") if b'charset="gb2312"' in raw[:400] else raw.decode("utf-8")


def other_text(golden: dict, title: str, text: str) -> float:
    """Characters judged that are neither the ad nor its facts, as a multiple of the ad."""
    judged = norm(f"{title}\n{text}")
    ad = norm(golden["title"]) + "".join(norm(line) for line in golden["text"].splitlines())
    allowed = sum(len(norm(a)) for a in golden["allowed"] if norm(a) in judged)
    return max(0, len(judged) - len(ad) - allowed) / len(ad)


def test_there_are_enough_layouts() -> None:
    layouts = {json.loads(c.read_text(encoding="utf-8"))["layout"] for c in CASES}
    assert len(CASES) >= 30 and len(layouts) >= 10


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name.split(".")[0])
def test_the_whole_ad_is_kept(case: Path) -> None:
    golden = json.loads(case.read_text(encoding="utf-8"))
    title, text = main_text(page(case))
    judged = norm(f"{title}\n{text}")
    assert norm(golden["title"]) in judged
    missing = [line for line in golden["text"].splitlines() if norm(line) and norm(line) not in judged]
    assert not missing
    assert other_text(golden, title, text) < 3, "navigation, side boxes and footers stay out"


def test_most_pages_bring_little_else() -> None:
    ratios = sorted(other_text(json.loads(c.read_text("utf-8")), *main_text(page(c))) for c in CASES)
    assert ratios[len(ratios) // 2] <= 0.5, f"median other text {ratios[len(ratios) // 2]:.2f}x the ad"


def test_hidden_padding_is_left_out_but_a_wechat_article_hidden_until_its_script_runs_is_kept() -> None:
    padded = page(PAGES / "padded-1.expected.json")
    assert len(padded.encode("utf-8")) > 2_000_000, "megabytes of padding"
    _, text = main_text(padded)
    assert len(text) < 1000 and "寒假班 提分 补习" not in text
    golden = json.loads((PAGES / "wechat-1.expected.json").read_text(encoding="utf-8"))
    assert norm(golden["text"].splitlines()[0]) in norm(main_text(page(PAGES / "wechat-1.expected.json"))[1])


def test_skill_lists_and_other_ads_are_left_out() -> None:
    title, text = main_text(page(PAGES / "agency_skills-1.expected.json"))
    assert "辅导作业" not in text.splitlines() and "早教启蒙" not in text
    golden = json.loads((PAGES / "classifieds-1.expected.json").read_text(encoding="utf-8"))
    title, text = main_text(page(PAGES / "classifieds-1.expected.json"))
    assert "热门推荐" not in text and "附近的家教信息" not in text and title == golden["title"]


def test_title_and_headline_both_count() -> None:
    assert judged_title("王阿姨 46岁 住家保姆", "王阿姨 46岁 住家保姆_好阿姨家政") == "王阿姨 46岁 住家保姆"
    assert judged_title("王阿姨", "初中数学一对一上门辅导-好阿姨家政") == "王阿姨 | 初中数学一对一上门辅导-好阿姨家政"
    assert judged_title("", "只有标题") == "只有标题"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<html><body><p>初中数学一对一</p></body></html>", "初中数学一对一"),
        ('<?xml version="1.0" encoding="utf-8"?><html><body><p>一对一</p></body></html>', "一对一"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_tiny_and_odd_pages(html: str, text: str) -> None:
    assert main_text(html)[1] == text
