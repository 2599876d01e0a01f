"""The engine in worker processes: the same answers as in this one, and a broken config is one line."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from crawler.analysis.pool import EnginePool, analyze_batch, run_tasks
from detectors import Document, EngineConfig, default_engine
from detectors.catalogue import RULES_DIR
from detectors.errors import ConfigError
from detectors.models import Analysis
from tests.conftest import tutorwatch
from tests.support.listing_site import site_config
from tests.support.local_redis import free_port

ROOT = Path(__file__).resolve().parents[1]
DOCS = [
    Document("初中数学一对一", "老师上门，保证提分", "tutoring", "岳阳金榜教育", "13800001111"),
    Document("少儿篮球周末班", "专业教练", "tutoring"),
    Document("住家阿姨", "可辅导小学作业", "housekeeping"),
]


def test_workers_answer_as_this_process_does_in_order() -> None:
    batches = [DOCS[:2], DOCS[2:], DOCS]
    spread = list(run_tasks(EngineConfig(), 2, analyze_batch, batches))
    assert spread == [default_engine().analyze_many(batch) for batch in batches]


def test_a_broken_rule_file_is_the_engines_config_error_not_a_dead_pool(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    (rules / "one_on_one.yaml").write_text("rules: [{id: broken}]\n", encoding="utf-8")
    with EnginePool(EngineConfig(rules_dir=rules), 1) as pool, pytest.raises(ConfigError, match=r"one_on_one\.yaml"):
        pool.submit(analyze_batch, DOCS).result()
    result = tutorwatch("--rules-dir", str(rules), "scan", "--format", "jsonl", "--jobs", "2", stdin='{"id": 1}\n')
    assert result.returncode == 4 and result.stderr.count("\n") == 1 and "one_on_one.yaml" in result.stderr


def test_a_broken_rule_file_stops_a_crawl_before_it_starts(tmp_path: Path) -> None:
    """The crawl builds no engine of its own: its detection workers, started first, report the broken file."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    (rules / "one_on_one.yaml").write_text("rules: [{id: broken}]\n", encoding="utf-8")
    sites = tmp_path / "sites"
    sites.mkdir()
    config = site_config(free_port())  # nothing listens there: a crawl that started would fail otherwise
    (sites / "generated.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    db = tmp_path / "leads.db"
    base = ["--db", str(db), "--reports-dir", str(tmp_path / "reports"), "--sites-dir", str(sites)]
    result = tutorwatch(*base, "--rules-dir", str(rules), "crawl")
    assert result.returncode == 4 and result.stderr.count("\n") == 1 and "one_on_one.yaml" in result.stderr
    assert not (tmp_path / "reports" / "leads.csv").exists()


def _frozen_objects(_engine: object, _: object) -> int:
    import gc

    return gc.get_freeze_count()


def test_a_workers_engine_is_out_of_the_cyclic_collectors_way() -> None:
    """The engine's tables (lexicons, automata, the model) live as long as the worker; frozen after
    it is built, the collector stops walking them on every collection (bench: about 6% less CPU)."""
    with EnginePool(EngineConfig(), 1) as pool:
        assert pool.submit(_frozen_objects, None).result() > 10_000


def _memory(_engine: object, _: object) -> dict[str, int]:
    """This worker's memory by kind, in kB (/proc/self/smaps_rollup), and whether its engine is the forkserver's."""
    from pathlib import Path

    from crawler.analysis import zygote

    rollup = Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]
    kb = {line.split(":")[0]: int(line.split()[1]) for line in rollup}
    return {**kb, "forkserver_engine": int(_engine is zygote.engine_for(EngineConfig()))}


SHARED_POOL = """
import asyncio
import json
from crawler.analysis.pool import EnginePool
from detectors import EngineConfig
from tests.test_engine_pool import _memory
with EnginePool(EngineConfig(), 2) as pool:
    pool.warm()
    print(json.dumps([pool.submit(_memory, None).result() for _ in range(6)]))
"""


def test_workers_share_the_engine_the_forkserver_built() -> None:
    """Spawned, each worker built its own engine (≈130 MB private, jieba's dictionary another 150 MB
    at its first homophone); forked from the process that built it, the workers share those pages.
    A process of its own: the forkserver is built for the first config a process asks for."""
    done = subprocess.run([sys.executable, "-c", SHARED_POOL], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert all(memory["forkserver_engine"] for memory in seen)
    # anonymous memory written by the forkserver (the engine, jieba's dictionary) and never by the worker
    assert min(memory["Shared_Dirty"] for memory in seen) > 100_000, seen[0]
    assert max(memory["Pss"] for memory in seen) < min(memory["Rss"] for memory in seen) / 2


PRELOADED_POOL = """
import sys
from crawler.analysis.pool import EnginePool
from crawler.pipelines.detect import PAGE_READING
from detectors import EngineConfig
from tests.support.processes import private_kb_after_import
with EnginePool(EngineConfig(), 1, preload=PAGE_READING if sys.argv[1] == "yes" else ()) as pool:
    print(pool.submit(private_kb_after_import, PAGE_READING[0]).result())
"""


def test_a_crawls_workers_share_the_page_reading_modules_the_forkserver_imported() -> None:
    """A crawl's workers read detail pages (Scrapy, Twisted, lxml, warcio: about 32 MB of imports);
    imported once in the forkserver, each worker shares them instead of holding its own copy."""
    private = {}
    for preload in ("yes", "no"):
        done = subprocess.run(
            [sys.executable, "-c", PRELOADED_POOL, preload], capture_output=True, text=True, cwd=ROOT, timeout=300
        )
        assert done.returncode == 0, done.stderr
        private[preload] = int(done.stdout.split()[-1])
    assert private["yes"] < private["no"] - 15_000, private


def _answers_while_big_pages_are_read(release: Path) -> tuple[bool, list[Analysis]]:
    """Two big pages in the lane (each waits for ``release``), then a batch: answered before the pages are."""
    import asyncio

    from crawler.analysis.pool import call
    from crawler.pipelines.detect import SharedPool

    async def night() -> tuple[bool, list[Analysis]]:
        shared = SharedPool.acquire(EngineConfig(), 2)
        try:
            big = [asyncio.ensure_future(shared.run(call, (_wait_for, (str(release),)))) for _ in range(2)]
            await asyncio.sleep(1)  # both handed over, each to a worker if the lane were the detection pool
            answers = await asyncio.wait_for(asyncio.gather(*(shared.analyze(doc) for doc in DOCS)), 60)
            pending = not any(page.done() for page in big)
            release.touch()
            assert await asyncio.gather(*big) == ["read", "read"]
            return pending, answers
        finally:
            shared.release()

    return asyncio.run(night())


def _wait_for(path: str) -> str:
    """A big page that takes as long as the test wants: read once ``path`` exists."""
    import os
    import time

    deadline = time.monotonic() + 120
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.02)
    return "read"


def test_a_batch_is_answered_while_big_pages_are_being_read(tmp_path: Path) -> None:
    """Big pages go to a lane of their own: another site's listings never wait behind them (on the
    previous code two big pages took both detection workers and the batch waited for them)."""
    pending, answers = _answers_while_big_pages_are_read(tmp_path / "release")
    assert pending, "the big pages were read before the batch was answered"
    assert answers == default_engine().analyze_many(DOCS)


def _policy(_engine: object, _: object) -> int:
    import os

    return os.sched_getscheduler(0)


def test_the_big_page_lane_runs_only_on_cpu_nobody_else_wants() -> None:
    """The lane is SCHED_IDLE (at nice +10 it kept a tenth of a core the crawl's event loop wanted); detection
    workers keep the ordinary policy."""
    import os

    from crawler.pipelines.detect import SharedPool

    shared = SharedPool(EngineConfig(), 1)
    try:
        lane = asyncio.run(shared.run(_policy, None))
        detection = shared.pool.submit(_policy, None).result()
    finally:
        shared.pool.close()
        if shared.lane is not None:
            shared.lane.close()
    assert (lane, detection) == (os.SCHED_IDLE, os.SCHED_OTHER)


def test_a_long_listing_is_analysed_in_the_lane_with_the_same_answer() -> None:
    """A listing as long as a 10 MB page's analysed text costs as much as hundreds of ordinary ones: it
    goes to the big-page lane, not into a batch the other sites' listings would wait for."""
    import asyncio

    from crawler.pipelines.detect import LONG_TEXT, SharedPool

    long = Document("初中数学一对一", "老师上门，保证提分。" * (LONG_TEXT // 5), "tutoring")

    async def analyse() -> tuple[list[Analysis], bool]:
        shared = SharedPool.acquire(EngineConfig(), 1)
        try:
            answers = [await shared.analyze(doc) for doc in (long, DOCS[0])]
            return answers, shared.lane is not None
        finally:
            shared.release()

    answers, lane_started = asyncio.run(analyse())
    assert lane_started
    assert answers == default_engine().analyze_many([long, DOCS[0]])
