"""Image text as a part of the Document, pictures chosen from a page, and the site config's ``images``: no crawl."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from crawler.config.site_config import SiteConfig
from crawler.errors import ConfigError
from crawler.images.options import ImageOptions
from crawler.images.selection import image_urls
from detectors.engine import default_engine
from detectors.image_part import origin, with_images
from detectors.models import Document
from detectors.ocr import ImageText, TextLine


def read(sha: str, *lines: tuple[str, tuple[int, int, int, int]]) -> ImageText:
    return ImageText(
        sha, tuple(TextLine(text, 0.9, ((x0, y0), (x1, y0), (x1, y1), (x0, y1))) for text, (x0, y0, x1, y1) in lines)
    )


def test_image_text_follows_the_body_and_every_span_indexes_the_text() -> None:
    doc = Document("看图", "详情看图", "social", publisher="某机构")
    poster = read("a" * 64, ("暑假初中数学一对一", (10, 20, 300, 60)), ("加VX", (10, 80, 90, 110)))
    joined = with_images(doc, [("http://x/1.png", None), ("http://x/2.png", poster)])
    assert joined.text == "看图\n详情看图\n暑假初中数学一对一\n加VX\n某机构"
    start, end = joined.ranges["image_text"]
    assert joined.text[start:end] == "暑假初中数学一对一\n加VX"
    assert joined.ranges["publisher"] == (end + 1, end + 4)  # the publisher still quotes real text
    at = joined.text.index("加VX")
    where = origin(joined, at, at + 4)
    assert where is not None and (where.number, where.box) == (2, (10, 80, 90, 110))  # the second picture
    assert origin(joined, 0, 2) is None  # page text is not a picture


def test_a_finding_in_a_picture_quotes_it_and_names_its_box() -> None:
    doc = with_images(
        Document("看图了解详情", "暑期好课，详情看图", "social"),
        [
            (
                "http://x/p.png",
                read("b" * 64, ("初中数学一对一辅导", (5, 6, 400, 50)), ("在职名师上门", (5, 60, 300, 90))),
            )
        ],
    )
    analysis = default_engine().analyze(doc)
    pictured = [f for f in analysis.findings if f.image is not None]
    assert analysis.flagged and pictured
    finding = pictured[0]
    assert finding.image.sha256 == "b" * 64 and finding.image.source == "http://x/p.png"
    assert "图片 1（sha256 bbbbbbbbbbbb），位置 (5," in finding.explanation
    assert all(word in doc.image_text for word in finding.image.text.split())  # the picture's characters only
    assert "暑期" not in finding.image.text


def test_no_pictures_leave_the_document_as_it_was() -> None:
    doc = Document("家教", "初中数学一对一", "tutoring")
    same = with_images(doc, [("http://x/a.png", read("c" * 64))])  # a picture without text
    assert same.text == doc.text and same.images == ()


SITE = {
    "site_id": "s",
    "name": "s",
    "platform": "social",
    "start_urls": ["http://127.0.0.1:1/"],
    "list": {"detail_links": "a::attr(href)"},
    "detail": {"title": "h1", "body": "div.post"},
}
PAGE = """<html><body><header><img src="/logo.png"></header><h1>t</h1>
<div class="post"><img src="/a.png"><img src="/icon.png" width="16" height="16"><img src="data:image/png;base64,AA">
<img src="/draw.svg"><img data-src="/lazy.jpg"><img src="/a.png"><img src="/b.png"><img src="/c.png"></div>
<div class="side"><img src="/side.png"></div></body></html>"""


def page() -> HtmlResponse:
    return HtmlResponse("http://127.0.0.1:1/ad/1.html", body=PAGE.encode(), encoding="utf-8")


def test_pictures_are_those_of_the_body_without_icons_data_svg_or_repeats() -> None:
    site = SiteConfig.model_validate({**SITE, "images": True})
    urls = image_urls(page(), site, ImageOptions(enabled=True, max_per_listing=3))
    assert urls == ["http://127.0.0.1:1/a.png", "http://127.0.0.1:1/lazy.jpg", "http://127.0.0.1:1/b.png"]


def test_a_selector_chooses_the_pictures_and_a_page_without_config_leaves_out_its_header() -> None:
    site = SiteConfig.model_validate({**SITE, "detail": {**SITE["detail"], "images": "div.side img::attr(src)"}})
    assert image_urls(page(), site, ImageOptions(enabled=True)) == ["http://127.0.0.1:1/side.png"]
    generic = image_urls(page(), None, ImageOptions(enabled=True))
    assert "http://127.0.0.1:1/logo.png" not in generic and "http://127.0.0.1:1/side.png" in generic


def test_site_config_images_short_and_long_forms(tmp_path) -> None:
    assert not SiteConfig.model_validate(SITE).images.enabled  # off by default
    assert SiteConfig.model_validate({**SITE, "images": True}).images.enabled
    assert SiteConfig.model_validate({**SITE, "images": {"max_per_listing": 2}}).images.max_per_listing == 2
    from crawler.config.site_config import load_site

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\nplatform: social\nstart_urls: [http://127.0.0.1:1/]\nlist: {detail_links: a}\n"
        "detail: {title: h1, body: div}\nimages: {max_mb: 50}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"images\.max_mb"):
        load_site(bad)


def test_scale_out_carries_the_picture_of_a_finding_and_its_bytes_to_the_writer() -> None:
    """A worker's listing through Redis: the finding still names its picture, the quoted picture is evidence."""
    import hashlib

    from crawler.evidence.warc import Capture
    from crawler.extraction.listing import CrawledListing, Listing
    from crawler.images.fetching import FetchedImage
    from crawler.scaleout.codec import listing_dumps, listing_loads

    body, other = b"poster bytes", b"icon bytes"
    listing = Listing("http://x/1", "http://x/1", "s", "social", "看图", "详情看图")
    text = read(hashlib.sha256(body).hexdigest(), ("初中数学一对一辅导", (0, 0, 9, 9)))
    doc = with_images(listing.document(), [("http://x/a.png", text)])
    analysis = default_engine().analyze(doc)
    pictures = tuple(
        FetchedImage(url, Capture(url, 200, (("Content-Type", "image/png"),), data, (), "2026-12-07T00:00:00Z"))
        for url, data in (("http://x/a.png", body), ("http://x/b.png", other))
    )
    page = Capture("http://x/1", 200, (), b"<html>", (), "2026-12-07T00:00:00Z")
    from crawler.images.reading import ImageRead
    from crawler.pipelines.store import evidence_of

    reads = (ImageRead("http://x/a.png", hashlib.sha256(body).hexdigest(), text, "read"),)
    item = CrawledListing(listing, page, analysis, images=pictures, image_reads=reads)
    back = listing_loads(listing_dumps(item))
    assert back.analysis == analysis and any(f.image is not None for f in back.analysis.findings)
    assert [image.url for image in back.images] == ["http://x/a.png", "http://x/b.png"]
    assert [image.capture.body if image.capture else None for image in back.images] == [body, None]  # quoted only
    assert back.image_reads == reads  # the picture rows the writer stores: text, lines and boxes included
    kept = evidence_of(back)
    assert kept is not None and [image.body for image in kept.images] == [body]  # the quoted picture is evidence


def test_a_poster_on_two_pages_of_one_batch_is_read_once() -> None:
    from crawler.images.reading import ImageJob, analyze_work
    from tests.support.poster_texts import VIOLATIONS
    from tests.support.posters import draw

    poster = draw(VIOLATIONS[0]).image
    jobs = [ImageJob(Document(f"看图 {n}", "详情看图", "social"), ((f"http://x/{n}.png", poster),)) for n in (1, 2)]
    first, second = analyze_work(default_engine(), jobs)
    assert [first.reads[0].outcome, second.reads[0].outcome] == ["read", "cached"]
    assert first.analysis.flagged and second.analysis.flagged
    assert second.reads[0].text == first.reads[0].text
