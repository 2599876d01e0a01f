"""A detail page read, analysed, packed and given its store values in a detection worker: what the old order gave."""

from __future__ import annotations

import pickle
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

from scrapy.http import HtmlResponse, Request

from crawler.analysis.page_jobs import LONG_TEXT, PageAnalysis, PageJob, SealedAnalysis, analyze_jobs
from crawler.config.site_config import load_sites
from crawler.evidence.warc import EvidenceWriter, capture, kept_page, verify
from crawler.extraction.page_reading import PageBytes, read_detail
from crawler.leads.lead_values import LeadValues
from detectors import Document, default_engine
from detectors.models import Analysis

PAGES = Path(__file__).parent / "fixtures" / "pages"
SITES = {site.site_id: site for site in load_sites()}


def fetched(site_id: str, body: bytes | None = None) -> HtmlResponse:
    """The saved detail page of a sample site as Scrapy hands it over, with a header sent twice."""
    url = "http://127.0.0.1:9" + (PAGES / site_id / "detail.url").read_text().strip()
    body = body if body is not None else next((PAGES / site_id).glob("detail.*ml")).read_bytes()
    headers = {"Content-Type": "text/html", "Set-Cookie": ["a=1", "b=2"]}
    return HtmlResponse(url, body=body, headers=headers, request=Request(url, headers={"Accept": "text/html"}))


def job(response: HtmlResponse, site_id: str, evidence: bool = True) -> PageJob:
    return PageJob(PageBytes.of(response), SITES[site_id], capture(response) if evidence else None)


def test_capture_keeps_every_header_value_in_order() -> None:
    page = capture(fetched("gig_jobs"))
    assert page.headers == (("Content-Type", "text/html"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"))
    assert page.request_headers == (("Accept", "text/html"),)


def test_pages_read_and_analysed_in_one_batch_match_reading_then_analysing(tmp_path: Path) -> None:
    engine = default_engine()
    sites = sorted(SITES)
    responses = [fetched(site_id) for site_id in sites]
    jobs = [job(response, site_id) for response, site_id in zip(responses, sites, strict=True)]
    extra = Document("家教", "小学数学一对一")  # a listing the pipeline sends joins the same batch
    answers = analyze_jobs(engine, [*jobs, extra])
    assert answers[-1] == engine.analyze(extra)
    flagged = 0
    writer = EvidenceWriter(tmp_path, 1)
    for page_job, answer in zip(jobs, answers, strict=False):
        assert isinstance(answer, PageAnalysis)
        alone = read_detail(page_job.page, page_job.site)
        assert answer.read == alone and alone.listing is not None
        assert answer.analysis == engine.analyze(alone.listing.document())
        assert answer.values == LeadValues.of(alone.listing, answer.analysis)  # what the store would make
        if not answer.analysis.flagged:
            assert answer.packed is None  # a clean page is never kept: no records made for it
            continue
        flagged += 1
        assert page_job.evidence is not None and answer.packed is not None
        ref = writer.write(page_job.evidence, answer.packed)
        assert verify(tmp_path, ref.file, ref.offset, ref.length, ref.sha256) is None
        kept = kept_page(tmp_path, ref.file, ref.offset, ref.length)
        assert kept.body == page_job.page.body  # the bytes as received
        assert "Set-Cookie: b=2" in kept.head
    assert flagged, "no sample page was flagged: the packing went untested"


def test_pages_left_to_the_pipeline_are_not_analysed_here() -> None:
    engine = default_engine()
    flagged = next(
        site_id
        for site_id in sorted(SITES)
        if (listing := read_detail(job(fetched(site_id), site_id).page, SITES[site_id]).listing) is not None
        and engine.analyze(listing.document()).flagged
    )
    long_body = (
        "<html><body><h1>补课</h1><div>" + "小学数学一对一辅导，" * (LONG_TEXT // 8) + "</div></body></html>"
    ).encode()
    empty = b"<html><body><p>nothing the selectors name</p></body></html>"
    plain = job(fetched(flagged), flagged, evidence=False)  # a scale-out worker: its writer packs
    answers = analyze_jobs(engine, [plain, job(fetched(flagged, empty), flagged)])
    assert isinstance(answers[0], PageAnalysis) and answers[0].analysis is not None
    assert answers[0].analysis.flagged and answers[0].packed is None and answers[0].values is None
    assert isinstance(answers[1], PageAnalysis) and answers[1].analysis is None and answers[1].packed is None
    site = SITES[flagged]
    generic = site.model_copy(update={"detail": site.detail.model_copy(update={"title": "h1", "body": "div"})})
    (long,) = analyze_jobs(engine, [PageJob(PageBytes.of(fetched(flagged, long_body)), generic, None)])
    assert isinstance(long, PageAnalysis) and long.read.listing is not None
    assert len(long.read.listing.document().text) > LONG_TEXT and long.analysis is None  # for the lane


def test_a_page_that_breaks_the_reading_is_its_own_fault_not_its_batchs() -> None:
    engine = default_engine()
    site_id = sorted(SITES)[0]
    site = SITES[site_id]
    broken = site.model_copy(update={"detail": site.detail.model_copy(update={"title": "xpath://h1[["})})
    bad, good = analyze_jobs(
        engine, [PageJob(job(fetched(site_id), site_id).page, broken, None), job(fetched(site_id), site_id)]
    )
    assert isinstance(bad, PageAnalysis) and bad.read.listing is None and bad.analysis is None
    assert bad.read.problem.startswith("could not be read (")
    assert isinstance(good, PageAnalysis) and good.read.listing is not None and good.analysis is not None


def test_a_lead_stored_unchanged_with_its_evidence_is_not_packed_again_and_a_changed_one_is() -> None:
    engine = default_engine()
    first = analyze_jobs(engine, [job(fetched(site_id), site_id) for site_id in sorted(SITES)])
    flagged = [
        (site_id, answer)
        for site_id, answer in zip(sorted(SITES), first, strict=True)
        if isinstance(answer, PageAnalysis) and answer.packed is not None and answer.values is not None
    ]
    assert flagged, "no sample page was flagged: the skip went untested"
    site_id, answer = flagged[0]
    assert answer.values is not None and not answer.unchanged
    stored = answer.values.fingerprint  # what the store holds of the lead after tonight
    again = job(fetched(site_id), site_id)
    kinds = {
        "same": stored,
        "content": ("another hash", *stored[1:]),
        "categories": (stored[0], "", stored[2]),
        "rules": (*stored[:2], "R999"),
    }
    answers = analyze_jobs(engine, [PageJob(again.page, again.site, again.evidence, kept) for kept in kinds.values()])
    packed = {
        kind: isinstance(a, PageAnalysis) and a.packed is not None for kind, a in zip(kinds, answers, strict=True)
    }
    assert packed == {"same": False, "content": True, "categories": True, "rules": True}
    same = answers[0]
    assert isinstance(same, PageAnalysis) and same.unchanged and same.values == answer.values


def test_answers_come_back_from_a_worker_equal_with_their_findings_read_on_first_use() -> None:
    """A worker's answer crosses to the crawl process pickled; its analysis's findings stay pickled until read
    (most pages' never are: the store takes the values made beside them), and it equals the engine's analysis."""
    engine = default_engine()
    sites = sorted(SITES)
    answers = analyze_jobs(engine, [job(fetched(site_id), site_id) for site_id in sites])
    arrived = pickle.loads(ForkingPickler.dumps(answers))  # as the pool's result queue carries them
    flagged = 0
    for answer, sent in zip(arrived, answers, strict=True):
        assert isinstance(answer, PageAnalysis) and sent.analysis is not None
        analysis = answer.analysis
        assert isinstance(analysis, SealedAnalysis) and "findings" not in vars(analysis)
        assert (analysis.flagged, analysis.score, analysis.stamp) == (
            sent.analysis.flagged,
            sent.analysis.score,
            sent.analysis.stamp,
        )
        assert "findings" not in vars(analysis)  # reading the verdict reads no finding
        assert analysis.findings == sent.analysis.findings and "findings" in vars(analysis)
        again = pickle.loads(pickle.dumps(analysis))
        assert type(again) is Analysis and again == sent.analysis == analysis
        assert LeadValues.of(answer.read.listing, analysis) == sent.values
        flagged += analysis.flagged
    assert flagged, "no sample page was flagged"
    assert arrived == answers
