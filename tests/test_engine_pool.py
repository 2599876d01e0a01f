"""The engine in worker processes: the same answers as in this one, and a broken config is one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crawler.analysis.pool import EnginePool, analyze_batch, run_tasks
from detectors import Document, EngineConfig, default_engine
from detectors.catalogue import RULES_DIR
from detectors.errors import ConfigError
from tests.conftest import tutorwatch

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
