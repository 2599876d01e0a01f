"""A listing too long for a batch, analysed in the big-page lane together with the values the store writes.

A 10 MB page of dense ads gives a listing of 100,000 analysed characters and tens of thousands of
findings. The lane analysed it, but the store then made its values in the crawl's event loop:
grouping those findings by category for the lead's evidence columns took 250 ms a page and its
content hash 6 ms (cProfile of a crawl of 20 such pages), while every other site's pages waited.
Made here, beside the analysis, by the same ``LeadValues.of`` over the same listing and analysis,
they are the same values; the event loop only receives them. A detail page read in a detection
worker gets its values there already (crawler/analysis/page_jobs.py).

A big detail page (over ``worker_page_kb``) of a site without pictures makes one trip to the lane: read,
its listing analysed, its values made and, flagged, its WARC records packed (``analyze_big_page``), as a
small page is in a detection worker. Read there and packed in a second task, its 10 MB body was pickled
and piped to the lane twice, each time from the crawl process.
"""

from __future__ import annotations

import math

from crawler.analysis.page_jobs import LONG_TEXT, PageAnalysis, PageJob, analyze_jobs
from crawler.extraction.listing import Listing
from crawler.images.reading import analyze_work
from crawler.leads.lead_values import LeadValues
from crawler.runs.heap import give_back_freed_memory
from detectors.engine import Engine
from detectors.models import Analysis, Document


def is_long(work: object) -> bool:
    """True for a listing (no pictures to read with it) that the detect pipeline sends to the lane alone."""
    return isinstance(work, Document) and len(work.text) > LONG_TEXT


def analyze_long(engine: Engine, listing: Listing) -> tuple[Analysis, LeadValues | None]:
    """The listing's analysis and its store values (None when making them fails: the store then makes them
    itself, where the failure is the page's own, as it did before)."""
    [analysis] = analyze_work(engine, [listing.document()])
    assert isinstance(analysis, Analysis)
    try:
        return analysis, LeadValues.of(listing, analysis)
    except Exception:
        return analysis, None


def analyze_big_page(engine: Engine, job: PageJob) -> PageAnalysis:
    """A big detail page read, analysed (whatever its listing's length), valued and (flagged) packed: the same
    ``analyze_jobs`` a detection worker runs on a small page; the page's memory handed back after."""
    try:
        [done] = analyze_jobs(engine, [job], longest=math.inf)
    finally:
        give_back_freed_memory()
    assert isinstance(done, PageAnalysis)
    return done
