"""A listing too long for a batch: analysed in the big-page lane with its store values, the values the store made."""

from __future__ import annotations

import asyncio

from crawler.extraction.listing import CrawledListing, Listing
from crawler.leads.fingerprint import content_hash, extraction_hash
from crawler.leads.lead_values import LeadValues
from crawler.pipelines.detect import DetectPipeline
from detectors import EngineConfig, default_engine
from tests.support.hostile_site import AD


def dense_ads() -> Listing:
    """A listing of 100,000 analysed characters of ads (the body cut as a 10 MB page's is)."""
    body = "".join(AD.format(n=n) for n in range(4_000))
    return Listing("http://127.0.0.1:9/big", "http://127.0.0.1:9/big", "big", "tutoring", "大量广告", body, "某机构")


async def through_the_pipeline(item: CrawledListing) -> CrawledListing:
    pipeline = DetectPipeline(EngineConfig(), workers=1)
    pipeline.open_spider()
    try:
        return await pipeline.process_item(item)
    finally:
        pipeline.close_spider()


def test_a_long_listing_comes_back_from_the_lane_with_the_values_the_store_made() -> None:
    listing = dense_ads()
    assert len(listing.document().text) > 20_000, "long enough for the lane"
    item = asyncio.run(through_the_pipeline(CrawledListing(listing)))
    analysis = default_engine().analyze(listing.document())
    assert item.analysis == analysis and analysis.flagged
    assert item.values is not None, "made in the lane, not left to the event loop"
    assert item.values == LeadValues.of(listing, analysis)  # what the store made from the same listing and analysis
    assert (item.values.content_hash, item.values.extract_hash) == (content_hash(listing), extraction_hash(listing))
    assert item.values.evidence is not None and "一对一" in item.values.evidence["matched_text"]


def test_a_short_listing_is_batched_and_left_to_the_store() -> None:
    listing = Listing("http://127.0.0.1:9/a", "http://127.0.0.1:9/a", "a", "tutoring", "初中数学一对一", "上门辅导")
    item = asyncio.run(through_the_pipeline(CrawledListing(listing)))
    assert item.analysis == default_engine().analyze(listing.document()) and item.values is None
