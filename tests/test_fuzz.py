"""Property tests over everything crawled or hand-edited text passes through (profiles in tests/conftest.py).

The normaliser, the detectors, the contact extractor, site extraction on a real Scrapy response
built from arbitrary bytes, and review import of arbitrary CSV bytes. `make test` runs the "ci"
profile; ``HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/ -k fuzz`` runs 50 times more.
"""

from __future__ import annotations

import shutil
from html import escape
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scrapy.http import HtmlResponse

from crawler.config.site_config import load_sites
from crawler.extraction.extract import ExtractionError, extract_listing, generic_listing, list_links
from crawler.extraction.listing import Listing
from crawler.leads.fingerprint import lead_id
from crawler.leads.review import ReviewError, import_review
from crawler.leads.store import LeadStore
from crawler.leads.wording import VERDICTS
from detectors import analyze, default_engine
from detectors.contacts import LANDLINE, MOBILE, contacts
from detectors.normalize import normalize
from detectors.surrogates import SURROGATE

# Text as hostile pages write it: any code point (lone surrogates too), key terms and their evasions,
# invisible and bidi marks, separators between characters.
PIECES = [
    "一对一", "1v1", "ydy", "jia教", "佳教", "数学", "数X", "初中", "老师上门", "寒假班", "微信", "VX", "扣扣",
    "138 0000 1234", "一三八", "\u200b", "\u202e", "\ufeff", "\ud800", "\udfff", "🔥", "·", " ", "\n", "<b>", "=",
]  # fmt: skip
HOSTILE = st.lists(st.sampled_from(PIECES) | st.text(max_size=6) | st.characters(codec=None), max_size=40).map("".join)
PLATFORMS = st.sampled_from([None, "tutoring", "recruitment", "housekeeping", "social"])
SITES = {site.site_id: site for site in load_sites()}


@given(HOSTILE)
def test_fuzz_normaliser_maps_every_folded_character_back_in_order(text: str) -> None:
    norm = normalize(text)
    assert len(norm.text) == len(norm.starts) == len(norm.ends)
    assert all(0 <= start < end <= len(text) for start, end in zip(norm.starts, norm.ends, strict=True))
    assert list(norm.starts) == sorted(norm.starts)
    assert normalize(norm.text).text == norm.text
    assert not SURROGATE.search(norm.text), "lone surrogates are dropped as invisible"


@given(HOSTILE, HOSTILE, PLATFORMS)
def test_fuzz_detectors_never_crash_and_spans_index_the_original(title: str, text: str, platform: str | None) -> None:
    analysis = analyze(title, text, platform)
    full = title + "\n" + text
    assert 0.0 <= analysis.score <= 1.0
    assert {f.category for f in analysis.findings} <= set(analysis.categories) or not analysis.findings
    for finding in analysis.findings:
        assert full[finding.span.start : finding.span.end] == finding.span.text
        for span in finding.spans:
            assert 0 <= span.start < span.end <= len(full) and full[span.start : span.end] == span.text


NUMBER_FREE = st.text(alphabet="老师电话联系我们请致电欢迎咨询 ，。:：()abc", max_size=12)
MOBILES = st.from_regex(r"\A1[3-9][0-9]{9}\Z", fullmatch=True)


@given(HOSTILE)
def test_fuzz_contacts_are_only_well_formed_keys(text: str) -> None:
    for key in contacts(default_engine().fold(text)):
        kind, _, value = key.partition(":")
        assert kind in ("phone", "wechat", "qq")
        if kind == "phone":
            assert MOBILE.match(value) or LANDLINE.match(value), key


@given(NUMBER_FREE, MOBILES, st.lists(st.sampled_from(["", " ", "-", "."]), min_size=10, max_size=10), NUMBER_FREE)
def test_fuzz_a_spaced_out_mobile_number_is_found(before: str, mobile: str, gaps: list[str], after: str) -> None:
    written = "".join(digit + gap for digit, gap in zip(mobile, [*gaps, ""], strict=True))
    assert f"phone:{mobile}" in contacts(default_engine().fold(f"{before}{written}{after}"))


BYTES = st.binary(max_size=2000) | HOSTILE.map(lambda t: t.encode("utf-8", "surrogatepass"))
HTML_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zs", "Zl", "Zp"]))


@given(BYTES, st.sampled_from(["", '<meta charset="gbk">', '<meta charset="utf-8">']))
def test_fuzz_site_extraction_of_arbitrary_bytes(body: bytes, head: str) -> None:
    response = HtmlResponse("http://127.0.0.1:8701/post/1.html?from=x", body=head.encode() + body)
    for site in SITES.values():
        try:
            list_links(response, site)
        except ExtractionError:
            assert site.list.format == "json", "only a JSON list page can be unreadable"
        listing = extract_listing(response, site)
        assert listing.url == "http://127.0.0.1:8701/post/1.html"
        assert not any(SURROGATE.search(value) for value in vars(listing).values())
    assert isinstance(generic_listing(response).title, str)


# Stray and unclosed markup around the fields (not elements that swallow what follows, like <script> or <!--).
STRAY = ["<p>", "<div>", "</span>", "<br>", "<b>", "&nbsp;", "&amp", "<img src=x onerror=alert(1)>", "<li>"]
STRAY += ["<table><tr><td>", "</div></div>", "<a href='javascript:x'>", "\x00", "文字"]
MESSY = st.lists(st.sampled_from(STRAY), max_size=8).map("".join)
WORDS = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S"]), min_size=1, max_size=30)


@given(MESSY, WORDS, WORDS, MESSY)
def test_fuzz_fields_come_out_as_written_around_messy_markup(noise: str, title: str, body: str, tail: str) -> None:
    page = (
        f'<html><body>{noise}<h1 class="post-title">{escape(title)}</h1>{tail}'
        f'<div class="post-body"><p>{escape(body)}</p></div></body></html>'
    )
    listing = extract_listing(HtmlResponse("http://127.0.0.1:8701/p", body=page.encode()), SITES["jiajiao_classifieds"])
    assert (listing.title, listing.body) == (title, body)


ADS = [
    Listing("http://127.0.0.1:1/p/1", "", "s", "tutoring", "初中数学一对一", "老师上门"),
    Listing("http://127.0.0.1:1/p/2", "", "s", "tutoring", "高中物理1v1", "寒假班"),
]
IDS = [lead_id(ad.url) for ad in ADS]
CELLS = st.sampled_from([*IDS, *VERDICTS.values(), *VERDICTS, "", "Lbad", "'=1+1", "好的"]) | st.text(max_size=8)
HEADERS = st.sampled_from([["lead_id", "status", "notes"], ["notes", "title", "lead_id", "status"], ["lead_id", "x"]])


@st.composite
def review_files(draw: st.DrawFn) -> bytes:
    """A review CSV as an analyst (or a broken tool) might save it: any header, rows, encoding — or any bytes."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=500))
    header = draw(HEADERS)
    rows = draw(st.lists(st.lists(CELLS, min_size=len(header), max_size=len(header) + 1), max_size=5))
    lines = [",".join('"' + c.replace('"', '""') + '"' for c in row) for row in [header, *rows]]
    text = draw(st.sampled_from(["\r\n", "\n"])).join(lines)
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"])))


@pytest.fixture(scope="module")
def review_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("review-fuzz")
    with LeadStore(root / "leads.db") as store:
        for ad in ADS:
            store.upsert(ad, analyze(ad.title, ad.body, ad.platform))
    return root


@given(data=review_files())
def test_fuzz_review_import_applies_per_lead_or_refuses_and_writes_nothing(review_store: Path, data: bytes) -> None:
    path = review_store / "review.csv"
    path.write_bytes(data)
    with LeadStore(review_store / "leads.db") as store:
        rows = "SELECT lead_id, status, notes, reviewed_at FROM leads ORDER BY lead_id"
        before = [tuple(row) for row in store.conn.execute(rows)]
        try:
            import_review(store, path)
        except ReviewError as exc:
            assert "\n" not in str(exc) and str(path) in str(exc)
            assert [tuple(row) for row in store.conn.execute(rows)] == before
            return
        statuses = {row[0] for row in store.conn.execute("SELECT status FROM leads")}
        revisions = store.conn.execute(
            "SELECT count(*) FROM leads WHERE verdict_rev != (SELECT count(*) FROM verdict_history h"
            " WHERE h.lead_id = leads.lead_id)"
        ).fetchone()[0]
    assert statuses <= {"", *VERDICTS}
    assert revisions == 0, "every change of a verdict or note is in the history, one revision each"


def test_fuzz_review_store_file_is_intact(review_store: Path, tmp_path: Path) -> None:
    """After all the imports above the database still opens and passes SQLite's integrity check."""
    copy = tmp_path / "leads.db"
    shutil.copy(review_store / "leads.db", copy)
    with LeadStore(copy) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
