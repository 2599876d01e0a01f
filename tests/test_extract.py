"""Extraction on saved pages (tests/fixtures/pages/<site_id>/), no crawl: golden files hold the expected listing.

Refresh a golden after a deliberate change with ``TUTORWATCH_UPDATE_GOLDEN=1 pytest tests/test_extract.py``
and read the diff before committing it.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse, TextResponse

from crawler.config.site_config import load_sites
from crawler.extraction.extract import extract_listing, generic_listing, list_links

PAGES = Path(__file__).parent / "fixtures" / "pages"
SITES = {site.site_id: site for site in load_sites()}


def saved(site_id: str, case: str) -> TextResponse:
    folder = PAGES / site_id
    path = (folder / f"{case}.url").read_text().strip()
    host = urlsplit(SITES[site_id].start_urls[0]).netloc
    url = f"http://{host}{path}"
    body_file = next(folder.glob(f"{case}.*ml")) if (folder / f"{case}.html").exists() else folder / f"{case}.json"
    if body_file.suffix == ".json":
        headers = {"Content-Type": "application/json; charset=utf-8"}
        return TextResponse(url, body=body_file.read_bytes(), headers=headers)
    return HtmlResponse(url, body=body_file.read_bytes())


def golden(site_id: str, case: str, actual: dict) -> None:
    path = PAGES / site_id / f"{case}.expected.json"
    if os.environ.get("TUTORWATCH_UPDATE_GOLDEN") or not path.exists():
        path.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert actual == json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("site_id", sorted(SITES))
def test_detail_page(site_id: str) -> None:
    listing = extract_listing(saved(site_id, "detail"), SITES[site_id])
    assert listing.title and listing.body and listing.city
    assert "?" not in listing.url
    golden(site_id, "detail", dataclasses.asdict(listing))


@pytest.mark.parametrize("site_id", sorted(SITES))
def test_list_page(site_id: str) -> None:
    details, more = list_links(saved(site_id, "list"), SITES[site_id])
    assert details and len(details) == len(set(details))
    golden(site_id, "list", {"details": details, "more": more})


def test_gbk_page_decodes_from_its_meta_charset() -> None:
    response = saved("jiajiao_classifieds", "detail")
    assert response.encoding in ("gbk", "gb18030")
    assert '<h1 class="post-title">高中物理 化學 壹對壹上門輔導（君山區）</h1>' in response.text


def test_generic_main_text_skips_navigation() -> None:
    page = (
        "<html><head><title>站点</title><script>var a='一对一数学';</script></head><body>"
        "<nav>首页 一对一数学 登录</nav><main><h1>寒假初中物理班</h1><p>每周六上课</p></main>"
        "<footer>联系我们</footer></body></html>"
    )
    listing = generic_listing(HtmlResponse("http://127.0.0.1:9/p?from=x", body=page.encode(), encoding="utf-8"))
    assert listing.title == "寒假初中物理班"
    assert listing.body == "每周六上课"
    assert listing.url == "http://127.0.0.1:9/p"
