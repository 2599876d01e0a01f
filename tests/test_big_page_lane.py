"""A big detail page in one trip to the lane, and big blocks handed back to the system when freed.

Real processes: the crawl's lane (forked from the forkserver that built the engine) reads, analyses,
values and packs a 9.5 MB page of dense ads, and its answer is compared with the old order's (read,
then the long listing analysed, the store's values made and the records packed, each on its own).
The heap setting is checked by what it is for: RSS after a 10 MB block and then a 9 MB one are freed.
"""

from __future__ import annotations

import asyncio
import ctypes
import subprocess
import sys
from pathlib import Path

from scrapy.http import HtmlResponse, Request

from crawler.analysis.long_listings import analyze_big_page
from crawler.analysis.page_jobs import PageAnalysis, PageJob
from crawler.analysis.pool import EnginePool
from crawler.config.site_config import load_sites
from crawler.evidence.warc import EvidenceWriter, capture, kept_page, verify
from crawler.extraction.page_reading import PageBytes, is_big, read_detail
from crawler.leads.lead_values import LeadValues
from crawler.pipelines.detect import SharedPool
from detectors import EngineConfig, default_engine
from tests.support.hostile_site import big_page, write_config

ROOT = Path(__file__).resolve().parents[1]
MB = 2**20


def retained_kb(_engine: object = None, _: object = None) -> int:
    """kB of RSS still held once a 10 MB block and then a 9 MB one (a page's body, then the next's) are freed."""

    def rss() -> int:
        return int(next(line for line in open("/proc/self/status") if line.startswith("VmRSS:")).split()[1])

    first = bytes(10 * MB)
    del first
    before = rss()
    second = bytearray(9 * MB)  # written through (zeroed), so its pages are resident
    del second
    return rss() - before


def test_a_big_page_makes_one_trip_to_the_lane_and_comes_back_as_the_old_order_made_it(tmp_path: Path) -> None:
    [site] = load_sites(write_config(tmp_path / "sites", {"main": 9}, ("main",)))
    url = "http://127.0.0.1:9/big.html"
    response = HtmlResponse(
        url, body=big_page(), headers={"Content-Type": "text/html; charset=utf-8"}, request=Request(url)
    )
    page = PageBytes.of(response)
    assert is_big(page, site)
    job = PageJob(page, site, capture(response))

    async def in_the_lane() -> tuple[PageAnalysis, int]:
        shared = SharedPool.acquire(EngineConfig(), 1)
        try:
            done = await shared.run(analyze_big_page, job)
            return done, await shared.run(retained_kb, None)
        finally:
            shared.release()

    done, retained = asyncio.run(in_the_lane())
    alone = read_detail(page, site)  # the old order, step by step, in this process
    assert alone.listing is not None and done.read == alone
    analysis = default_engine().analyze(alone.listing.document())
    assert analysis.flagged and done.analysis == analysis
    assert done.values == LeadValues.of(alone.listing, analysis)
    assert done.packed is not None and not done.unchanged
    ref = EvidenceWriter(tmp_path / "evidence", 1).write(job.evidence, done.packed)  # type: ignore[arg-type]
    assert verify(tmp_path / "evidence", ref.file, ref.offset, ref.length, ref.sha256) is None
    assert kept_page(tmp_path / "evidence", ref.file, ref.offset, ref.length).body == big_page()
    assert retained < 2048, f"the lane kept {retained} kB of a freed 9 MB block"


CHECK = """
import sys
from tests.test_big_page_lane import retained_kb
if sys.argv[1] == "yes":
    from crawler.runs.heap import keep_big_blocks_mapped
    keep_big_blocks_mapped()
print(retained_kb())
"""


def test_big_blocks_go_back_to_the_system_when_freed() -> None:
    """glibc's default raises its mmap threshold to a freed block's size, so the next body of a few MB is
    carved from the heap and stays resident once freed; with the threshold fixed it is unmapped."""
    kept = {}
    for setting in ("no", "yes"):
        done = subprocess.run(
            [sys.executable, "-c", CHECK, setting], capture_output=True, text=True, cwd=ROOT, timeout=120
        )
        assert done.returncode == 0, done.stderr
        kept[setting] = int(done.stdout)
    assert kept["no"] > 8 * 1024, f"glibc's default kept nothing: the check could not fail ({kept})"
    assert kept["yes"] < 2048, kept


class MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def next_body_mapped(_engine: object = None, _: object = None) -> bool:
    """Whether a 9 MB block, asked for after a 10 MB one was freed, is mapped on its own (glibc's mallinfo2)."""
    mallinfo2 = ctypes.CDLL(None).mallinfo2
    mallinfo2.restype = MallInfo2
    first = bytes(10 * MB)
    del first
    before = mallinfo2().hblkhd
    second = bytes(9 * MB)
    mapped = mallinfo2().hblkhd - before >= 9 * MB
    del second
    return mapped


def test_only_the_crawls_page_workers_map_big_blocks_on_their_own() -> None:
    """The crawl's workers and lane, which read pages, fix glibc's threshold so a body goes back when freed; scan's
    workers keep the adaptive one: fixed, every batch's arrays were mapped and unmapped (10-15% more CPU a line)."""
    pools = [EnginePool(EngineConfig(), 1), EnginePool(EngineConfig(), 1, pages=True)]
    pools.append(EnginePool(EngineConfig(), 1, idle=True, pages=True))  # the lane
    try:
        mapped = [pool.submit(next_body_mapped, None).result() for pool in pools]
    finally:
        for pool in pools:
            pool.close()
    assert mapped == [False, True, True]


CRAWL_MODULES = """
import sys
import crawler.cli.crawling, crawler.runs.runner, crawler.spiders.site_spider
import crawler.pipelines.detect, crawler.pipelines.store, crawler.leads.export
print("openpyxl" in sys.modules)
"""


def test_the_crawl_process_leaves_openpyxl_to_the_workbooks_process() -> None:
    """The workbook is written in a process of its own; the crawl only hands it a WorkbookSpec, and importing
    openpyxl for that cost the crawl process about 5 MB of private memory for the whole night."""
    done = subprocess.run([sys.executable, "-c", CRAWL_MODULES], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
