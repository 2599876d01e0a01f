"""The engine in worker processes: the same answers as in this one, and a broken config is one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from crawler.analysis.pool import EnginePool, analyze_batch, run_tasks
from detectors import Document, EngineConfig, default_engine
from detectors.catalogue import RULES_DIR
from detectors.errors import ConfigError
from tests.conftest import tutorwatch
from tests.support.listing_site import site_config
from tests.support.local_redis import free_port

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
