"""The crawl process's garbage collector is set once its engine starts, in the local crawl and a scale-out worker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crawler.config.settings import scrapy_settings
from crawler.runs.collector import GEN0_THRESHOLD
from crawler.scaleout.worker import worker_settings
from detectors.engine import EngineConfig

PROBE = """
import gc
from scrapy.crawler import Crawler
from scrapy import Spider
from crawler.runs.collector import CollectorTuning, tune_collector

before = gc.get_threshold()
crawler = Crawler(Spider, {"EXTENSIONS": {"crawler.runs.collector.CollectorTuning": 0}})
CollectorTuning.from_crawler(crawler)
assert gc.get_threshold() == before, "nothing changes before the engine starts"
frozen = gc.get_freeze_count()
tune_collector()
tuned = gc.get_threshold()
tune_collector()
print(before[0], tuned[0], tuned[1:] == before[1:], gc.get_freeze_count() > frozen, gc.get_threshold() == tuned)
"""


def test_the_collector_is_set_once_and_what_exists_is_frozen() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["700", str(GEN0_THRESHOLD), "True", "True", "True"]


def test_the_crawl_and_the_scale_out_worker_set_it(tmp_path: Path) -> None:
    local = scrapy_settings(tmp_path / "leads.db", 1, None, EngineConfig())
    worker = worker_settings("redis://127.0.0.1:9/0", None, 10.0, EngineConfig())
    for settings in (local, worker):
        assert "crawler.runs.collector.CollectorTuning" in settings["EXTENSIONS"]
