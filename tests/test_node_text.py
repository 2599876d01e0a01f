"""A field's text read without html-text's copy-and-clean is exactly what html-text gives (extraction/node_text.py)."""

from __future__ import annotations

from pathlib import Path

import html_text
import lxml.html
import pytest

from crawler.extraction.node_text import needs_cleaning, node_text

PAGES = sorted((Path(__file__).parent / "fixtures" / "pages").glob("**/*.html"))
HOSTILE = """<html><head><title>t</title><style>p {color: red}</style><script>var a = "招生";</script>
<meta name="x" content="y"><link rel="stylesheet" href="a.css"></head><body>
<div class="post"><h1>初中<b>数学</b>一对一</h1><!-- 隐藏的注释 --><p>老师<script>document.write("x")</script>上门</p>
<?php echo 1 ?><iframe src="x">框架里的字</iframe><object><param name="a">对象<embed src="e"></object>
<applet>小程序</applet><image src="i.png">图</image><noscript>无脚本</noscript><svg:rect>矢量</svg:rect>
<table><tr><th>联系电话</th><td>138 0000 1234<style>.x{}</style></td></tr></table><ul><li>一</li><li>二</li></ul></div>
</body></html>"""


def trees() -> list[lxml.html.HtmlElement]:
    return [lxml.html.fromstring(path.read_bytes()) for path in PAGES] + [lxml.html.fromstring(HOSTILE)]


def test_every_element_of_every_saved_page_reads_as_html_text_reads_it() -> None:
    checked = cleaned = 0
    for tree in trees():
        for element in tree.iter():
            assert node_text(element) == html_text.extract_text(element), lxml.html.tostring(element)[:200]
            checked += 1
            cleaned += isinstance(element, lxml.html.HtmlElement) and needs_cleaning(element)
    assert len(PAGES) > 20 and checked > 5000
    assert 0 < cleaned < checked, "both ways are exercised"


@pytest.mark.parametrize(
    "fragment", ["<div>a<script>b</script></div>", "<div>a<style>b</style></div>", "<p>a<iframe>b</iframe></p>"]
)
def test_what_the_cleaner_would_change_goes_through_it(fragment: str) -> None:
    element = lxml.html.fragment_fromstring(fragment)
    assert needs_cleaning(element)
    assert node_text(element) == html_text.extract_text(element) != html_text.etree_to_text(element)
