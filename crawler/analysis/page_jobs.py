"""A detail page read, analysed and packed as evidence in a detection worker, in the batch its analysis joins.

The crawl process runs Scrapy's engine on one core; the detection workers have the other. Reading a
detail page (decoding, the lxml tree, the fields' text), gzipping its WARC records and making the
store's hashes and lead columns were a quarter of the crawl process's CPU per page, and the page's
bytes went to a worker anyway once it was read (as the listing's text). So a detail page of a site
that reads no pictures goes to the workers as its bytes (``PageJob``), in the same batches as the
listings the pipeline sends (crawler/pipelines/detect.py), and comes back read, analysed, with the
values the store writes (crawler/leads/lead_values.py) and, when it is flagged, with its WARC records
made (``PageAnalysis``). The answers are those of the old order: the same ``read_detail``, engine,
``LeadValues.of`` and ``pack`` over the same ``Capture`` (the bytes as received). The store still
decides whether the records are written (a new or changed lead) and writes them once.

A page refetched whose lead is kept as evidence comes with the lead's fingerprint as stored (content
hash, categories, rules: ``PageJob.kept``); when tonight's is the same the store will not write the
evidence again, so the worker does not pack it (most leads of a night are unchanged). Should the store
want it after all (the lead changed meanwhile), the crawl process packs it, as for any page.

What stays in the pipeline's order: a site that reads pictures (its pictures are fetched after the
page is read and analysed with it), a page over ``worker_page_kb`` (read in the big-page lane) and a
listing over LONG_TEXT characters (analysed in the lane: ``PageAnalysis.analysis`` is None then).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from crawler.config.site_config import SiteConfig
from crawler.evidence.warc import Capture, Packed, pack
from crawler.extraction.page_reading import DetailRead, PageBytes, read_detail
from crawler.images.reading import ImageAnalysis, ImageJob, analyze_work
from crawler.leads.lead_values import Fingerprint, LeadValues
from detectors.engine import Engine
from detectors.models import Analysis, Document

T = TypeVar("T")
LONG_TEXT = 20_000  # characters: analysed alone in the big-page lane, as the detect pipeline does (detect.py)


@dataclass(frozen=True)
class PageJob:
    """A fetched detail page to read and analyse; ``evidence`` is packed when its listing is flagged, and the
    store's values are made (None: the process stores nothing, a scale-out worker: its writer makes them)."""

    page: PageBytes
    site: SiteConfig
    evidence: Capture | None
    kept: Fingerprint | None = None  # the stored lead's, when its evidence is kept: unchanged, nothing to pack


ANALYSIS_FIELDS = tuple(f.name for f in fields(Analysis))


class SealedAnalysis(Analysis):
    """An analysis come back from a detection worker with its findings still pickled, read on first use.

    The crawl process stores a worker's page with the values made beside its analysis (``LeadValues``):
    most pages' findings are never read there, and unpickling them (a dataclass per finding, one per
    span) was most of the answer's unpickling, on the crawl process's one core. Equal to the
    ``Analysis`` it came from, and pickled again as that ``Analysis``.
    """

    @classmethod
    def of(cls, state: dict[str, Any], findings: bytes) -> SealedAnalysis:
        analysis = object.__new__(cls)
        analysis.__dict__.update(state, _sealed=findings)  # frozen: no __setattr__
        return analysis

    def __getattr__(self, name: str) -> Any:  # only for an attribute not in __dict__: the findings, once
        sealed = self.__dict__.get("_sealed")
        if name != "findings" or sealed is None:
            raise AttributeError(name)
        findings = self.__dict__["findings"] = pickle.loads(sealed)
        del self.__dict__["_sealed"]
        return findings

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in ANALYSIS_FIELDS)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Analysis):
            return NotImplemented
        return self._fields() == tuple(getattr(other, name) for name in ANALYSIS_FIELDS)

    def __hash__(self) -> int:
        return hash(self._fields())

    def __reduce__(self) -> tuple[Any, ...]:
        return Analysis, self._fields()


def _arrived(
    read: DetailRead,
    state: dict[str, Any],
    findings: bytes,
    packed: Packed | None,
    values: LeadValues | None,
    unchanged: bool,
) -> PageAnalysis:
    """A PageAnalysis unpickled in the crawl process, its findings left sealed (``SealedAnalysis``)."""
    return PageAnalysis(read, SealedAnalysis.of(state, findings), packed, values, unchanged)


@dataclass(frozen=True)
class PageAnalysis:
    """What became of a PageJob: the page read, its listing's analysis (None: not analysed here) and its
    evidence's WARC records when the listing is flagged. Sent back from a worker with the analysis's
    findings pickled apart (``SealedAnalysis``)."""

    read: DetailRead
    analysis: Analysis | None = None
    packed: Packed | None = None
    values: LeadValues | None = None  # the store's hashes and lead columns of the listing and its analysis
    unchanged: bool = False  # a flagged listing whose lead is stored as it is, with its evidence: not packed

    def __reduce__(self) -> tuple[Any, ...]:
        analysis = self.analysis
        if analysis is None or type(analysis) is not Analysis:
            return PageAnalysis, (self.read, analysis, self.packed, self.values, self.unchanged)
        state = {name: getattr(analysis, name) for name in ANALYSIS_FIELDS if name != "findings"}
        findings = pickle.dumps(analysis.findings, protocol=pickle.HIGHEST_PROTOCOL)
        return _arrived, (self.read, state, findings, self.packed, self.values, self.unchanged)


Work = Document | ImageJob | PageJob


def analyze_jobs(
    engine: Engine, work: Sequence[Work], longest: float = LONG_TEXT
) -> list[Analysis | ImageAnalysis | PageAnalysis]:
    """Each piece of work's answer, in order; the listings of the pages read join the batch's one analysis (those
    over ``longest`` characters are left to the lane: the big-page lane itself analyses any length)."""
    reads = {number: _read(job) for number, job in enumerate(work) if isinstance(job, PageJob)}
    documents: dict[int, Document | ImageJob] = {}
    for number, job in enumerate(work):
        if not isinstance(job, PageJob):
            documents[number] = job
        elif (listing := reads[number].listing) is not None and _analysed_here(listing.document(), longest):
            documents[number] = listing.document()
    analyses = dict(zip(documents, analyze_work(engine, list(documents.values())), strict=True))
    answers: list[Analysis | ImageAnalysis | PageAnalysis] = []
    for number, job in enumerate(work):
        if not isinstance(job, PageJob):
            answers.append(analyses[number])
            continue
        analysis, read = analyses.get(number), reads[number]
        if analysis is None or job.evidence is None or read.listing is None:  # nothing more for this process
            answers.append(PageAnalysis(read, analysis))  # type: ignore[arg-type]
            continue
        assert isinstance(analysis, Analysis)
        values = _or_none(LeadValues.of, read.listing, analysis)
        unchanged = analysis.flagged and values is not None and values.fingerprint == job.kept
        packed = _or_none(pack, job.evidence) if analysis.flagged and not unchanged else None
        answers.append(PageAnalysis(read, analysis, packed, values, unchanged))
    return answers


def _read(job: PageJob) -> DetailRead:
    """The page read; a page that breaks the reading is its own fault of the run, not its whole batch's."""
    try:
        return read_detail(job.page, job.site)
    except Exception as exc:
        return DetailRead(None, problem=f"could not be read ({type(exc).__name__}: {exc})"[:500])


def _or_none(make: Callable[..., T], *args: Any) -> T | None:
    """``make(*args)``, or None when it fails: the crawl process then makes it itself, where the failure is the
    page's own (the store's pipeline), as it was before the workers made it."""
    try:
        return make(*args)
    except Exception:
        return None


def _analysed_here(document: Document, longest: float) -> bool:
    """False for a listing with no text (dropped by the validate pipeline) or one longer than ``longest``."""
    return bool(document.title.strip() or document.body.strip()) and len(document.text) <= longest
