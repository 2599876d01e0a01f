"""The classifier: fitted on real labelled listings, loaded from a real file, refused when stale."""

from __future__ import annotations

import gzip
import json
import os
import pickle
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from detectors.classifier import Classifier, save_bundle
from detectors.engine import EngineConfig
from detectors.errors import ConfigError
from detectors.evaluation import Report, format_confusion, labelled_files, load_labelled
from detectors.models import Finding, Span
from detectors.scoring import combine, rule_score, strong_score
from detectors.segmenter import jieba_loaded
from detectors.training import fit, rules_engine, tune
from tests.conftest import TUTORWATCH

VIOLATION = "寒假给孩子把初中物理的坑补上，老师是本区名校带毕业班的，三个孩子一起上更划算"
CLEAN = "少儿篮球周末班，专业教练，8-12岁，每班15人"


@pytest.fixture(scope="module", autouse=True)
def jieba_restored() -> Iterator[None]:
    """Fitting adds its vocabulary to the process's one jieba dictionary (``tutorwatch train`` runs in a
    process of its own); put the dictionary back, so later tests in this worker segment as the shipped model does."""
    tokenizer = jieba_loaded().dt
    freq, total = dict(tokenizer.FREQ), tokenizer.total
    yield
    tokenizer.FREQ.clear()
    tokenizer.FREQ.update(freq)
    tokenizer.total = total


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A small model fitted on part of the train split, saved as `tutorwatch train` saves one."""
    items = [i for i in load_labelled(labelled_files()) if i.corpus == "team"]
    engine = rules_engine(EngineConfig())
    bundle = fit([i for i in items if i.split == "train"][:300], engine)
    bundle["tuning"] = tune([i for i in items if i.split == "tune"][:100], bundle, engine)
    import sklearn

    bundle["card"] = {"name": "mini", "versions": {"scikit-learn": sklearn.__version__}}
    scikit = bundle.pop("fitted")
    path = tmp_path_factory.mktemp("models") / "mini.pkl.gz"
    save_bundle(bundle, path)
    return path, scikit


@pytest.fixture(scope="module")
def model_file(fitted: tuple[Path, dict]) -> Path:
    return fitted[0]


def test_predictions_are_probabilities_that_separate(model_file: Path) -> None:
    model = Classifier.load(model_file)
    violation, clean = model.predict([VIOLATION, CLEAN])
    assert 0 <= clean.violation < violation.violation <= 1
    assert set(violation.categories) <= set(model.labels) and violation.terms
    assert 0.0 <= model.tuning["rule_weight"] <= 1.0 and 0.0 < model.tuning["threshold"] < 1.0


def test_exported_inference_equals_scikit_learn(fitted: tuple[Path, dict]) -> None:
    path, scikit = fitted
    model = Classifier.load(path)
    texts = [VIOLATION, CLEAN, "", "住家保姆  可辅导小学作业\n周末不休 1v1", "ＡＢＣ　abc"]
    matrix = scikit["features"].transform(texts)
    fast = model.predict(texts)
    assert np.allclose([p.violation for p in fast], scikit["violation"].predict_proba(matrix)[:, 1], atol=1e-5)
    slow = scikit["categories"].predict_proba(matrix)
    assert np.allclose([[p.categories[label] for label in model.labels] for p in fast], slow, atol=1e-5)


def test_model_from_another_scikit_learn_is_refused_with_the_retrain_command(model_file: Path, tmp_path: Path) -> None:
    with gzip.open(model_file, "rb") as handle:
        bundle = pickle.load(handle)
    bundle["card"]["versions"]["scikit-learn"] = "0.1.0"
    stale = tmp_path / "stale.pkl.gz"
    save_bundle(bundle, stale)
    with pytest.raises(ConfigError, match=r"trained with scikit-learn 0\.1\.0.*tutorwatch train --name stale"):
        Classifier.load(stale)


def test_corrupt_model_file_is_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pkl.gz"
    broken.write_bytes(b"\x80\x04not a pickle at all")
    with pytest.raises(ConfigError) as err:
        Classifier.load(broken)
    assert "\n" not in str(err.value) and "tutorwatch train" in str(err.value)


def test_scan_uses_the_model_and_reports_its_score(model_file: Path) -> None:
    env = {**os.environ, "TUTORWATCH_MODEL": str(model_file)}
    stdin = json.dumps({"id": 1, "title": "", "text": VIOLATION}, ensure_ascii=False) + "\n"
    result = subprocess.run(
        [TUTORWATCH, "scan", "--format", "jsonl"], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["model_score"] is not None and 0 <= record["model_score"] <= 1
    for finding in record["findings"]:
        assert ("\n" + VIOLATION)[finding["start"] : finding["end"]] == finding["text"]


def test_user_words_are_added_once_so_segmentation_never_drifts_in_a_process() -> None:
    from detectors.classifier import add_words, words
    from detectors.segmenter import jieba_loaded

    jieba = jieba_loaded()
    add_words(["住家教师", "幼小衔接"])
    total, cut = jieba.dt.total, words(VIOLATION)
    add_words(["住家教师", "幼小衔接"])  # a second model loaded in the same process
    assert jieba.dt.total == total and words(VIOLATION) == cut


def test_a_rule_margin_keeps_a_strong_finding_the_model_votes_down(model_file: Path, tmp_path: Path) -> None:
    """With ``rule_margin`` in the tuning the model may pull the score at most that far below the findings'."""
    from detectors.engine import Engine
    from detectors.models import Document

    bundle = pickle.loads(gzip.decompress(model_file.read_bytes()))
    bundle["tuning"] = {"rule_weight": 0.4, "threshold": 0.58, "rule_margin": None}
    plain = tmp_path / "plain.pkl.gz"
    save_bundle(bundle, plain)
    bundle["tuning"] = {**bundle["tuning"], "rule_margin": 0.3}
    capped = tmp_path / "capped.pkl.gz"
    save_bundle(bundle, capped)
    docs = [
        Document("住家保姆", "住家保姆，负责做饭打扫卫生，接送孩子上下学，辅导孩子功课", "housekeeping"),
        Document("", CLEAN),
    ]
    before = Engine(EngineConfig(model=plain)).analyze_many(docs)
    after = Engine(EngineConfig(model=capped)).analyze_many(docs)
    rules = Engine(EngineConfig(model=None)).analyze_many(docs)
    strong = strong_score(rules[0].findings)  # the high-confidence findings alone
    assert strong >= 0.88 and before[0].model_score is not None
    assert after[0].score == round(max(before[0].score, strong - 0.3), 4) >= 0.58 and after[0].flagged
    assert after[1].score == before[1].score and not after[1].flagged  # no findings: nothing to keep


def test_the_rule_margin_protects_high_confidence_findings_only() -> None:
    """Medium and low findings, however many, still need the model: the margin floors the strong score alone."""
    medium_pair = rule_score([_finding("medium"), _finding("medium")])  # 0.91, as much as one high finding
    assert medium_pair > 0.9
    vetoed = combine(medium_pair, 0.05, 0.4, 0.3, strong=strong_score([_finding("medium"), _finding("medium")]))
    assert vetoed == round(0.4 * medium_pair + 0.6 * 0.05, 4) < 0.58
    kept = combine(0.9, 0.05, 0.4, 0.3, strong=strong_score([_finding("high")]))
    assert kept == 0.6


def _finding(confidence: str) -> Finding:
    span = Span(0, 2, "一对")
    return Finding("one_on_one", "one_on_one/x", confidence, ("YY 四(二)",), span, (span,), "test")


def test_the_confusion_table_breaks_ties_by_name_whatever_order_the_pairs_were_counted_in() -> None:
    pairs = [("one_on_one", "home_tutor"), ("holiday_training", "home_tutor"), ("home_tutor", "unlicensed")]
    tables = set()
    for order in (pairs, pairs[::-1]):
        report = Report()
        report.confusion = Counter({pair: 3 for pair in order})
        report.confusion[("price_violation", "unlicensed")] = 5
        tables.add(format_confusion(report, most=3))
    [table] = tables
    labelled = [row.split("`")[1] for row in table.splitlines()[2:]]
    assert labelled == ["price_violation", "holiday_training", "home_tutor"]
