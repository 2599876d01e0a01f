"""The analysis engine: built from explicit arguments, batches equal single documents, detectors plug in."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import detectors.engine
from detectors import Detector, Document, Engine, EngineConfig, Reading, default_engine
from detectors.errors import ConfigError
from detectors.evaluation import labelled_files, load_labelled
from detectors.models import Finding

TEXT = st.text(alphabet=st.sampled_from("一对一数学家教jia教佳 ·🔥\n\u200b壹對ydyVX微信138 0000 1234，。"), max_size=40)


@pytest.fixture(scope="module")
def documents() -> list[Document]:
    return [Document(i.title, i.text, i.platform) for i in load_labelled(labelled_files())]


def test_a_batch_gives_each_document_what_it_gets_alone(documents: list[Document]) -> None:
    engine = default_engine()
    assert engine.analyze_many(documents, batch=97) == [engine.analyze(doc) for doc in documents]


@given(st.lists(TEXT, min_size=1, max_size=6))
@example(["Xy", "微信"])  # initials read by a deciding word on the next text of the batch (fixed)
def test_folding_a_batch_folds_each_text_as_alone(texts: list[str]) -> None:
    folder = default_engine().folder
    for together, alone in zip(folder.fold_many(texts), map(folder.fold, texts), strict=True):
        assert together.text == alone.text
        assert together.starts.tolist() == alone.starts.tolist() and together.ends.tolist() == alone.ends.tolist()


@given(st.lists(st.tuples(TEXT, TEXT, TEXT, TEXT), min_size=1, max_size=5))
def test_part_bounds_mapped_for_a_batch_equal_each_texts_own(parts: list[tuple[str, str, str, str]]) -> None:
    docs = [Document(title, body, None, publisher, contact) for title, body, publisher, contact in parts]
    folder = default_engine().folder
    folded, edges = folder.fold_parts([doc.text for doc in docs], [Reading.part_edges(doc) for doc in docs])
    for doc, norm, ends in zip(docs, folded, edges, strict=True):
        assert Reading(doc, norm, edges=ends).bounds == Reading(doc, folder.fold(doc.text)).bounds


def test_configuration_is_explicit_and_stamped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTORWATCH_THRESHOLD", "0.99")  # the library reads no environment
    monkeypatch.setenv("TUTORWATCH_MODEL", "none")
    doc = Document("周末数学辅导", "欢迎咨询", "tutoring")
    engine = default_engine()
    analysis = engine.analyze(doc)
    assert analysis.flagged and analysis.model_score is not None
    assert analysis.stamp == engine.stamp and analysis.stamp.threshold == engine.model.tuning["threshold"]
    strict = Engine(replace(engine.config, threshold=0.999)).analyze(doc)
    assert not strict.flagged and strict.score == analysis.score and strict.stamp.threshold == 0.999
    rules = Engine(EngineConfig(model=None)).analyze(doc)
    assert rules.model_score is None and rules.stamp.model == "none"
    assert str(rules.stamp).startswith(f"rules={engine.stamp.rules} ")


def test_the_library_reads_no_rules_directory_from_the_environment(tmp_path) -> None:
    """Only the CLI turns TUTORWATCH_RULES_DIR into an argument; importing the library never reads it."""
    code = "from detectors.engine import default_engine; print(default_engine().config.rules_dir)"
    env = {**os.environ, "TUTORWATCH_RULES_DIR": str(tmp_path / "nowhere")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("rules") and "nowhere" not in result.stdout


def test_unknown_detector_and_broken_rules_are_config_errors(tmp_path) -> None:
    with pytest.raises(ConfigError, match="unknown detector 'ocr'"):
        Engine(EngineConfig(detectors=("rules", "ocr")))
    with pytest.raises(ConfigError, match="rules directory not found"):
        Engine(EngineConfig(rules_dir=tmp_path / "nowhere"))


class Shouting(Detector):
    """A detector as docs/engine.md adds one: a class and a line in DETECTORS."""

    name = "shouting"

    @classmethod
    def build(cls, engine: Engine) -> Shouting:
        return cls()

    def detect(self, readings: Sequence[Reading]) -> None:
        for reading in readings:
            at = reading.content.find("!!!")
            if at >= 0:
                span = reading.span(at, at + 3)
                reading.findings.append(
                    Finding("false_advertising", "shouting/bangs", "low", ("YY 四(三)",), span, (span,), "!!!")
                )


def test_a_detector_is_one_class_and_one_registration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detectors.engine, "DETECTORS", (*detectors.engine.DETECTORS, Shouting))
    engine = Engine(EngineConfig(model=None))
    doc = Document("少儿篮球周末班", "报名从速！！！", "tutoring")
    [finding] = engine.analyze(doc).findings
    assert finding.rule == "shouting/bangs" and doc.text[finding.span.start : finding.span.end] == "！！！"
    assert engine.analyze(doc).score == 0.35, "scoring weighs a new detector's findings like the others'"
    assert not Engine(EngineConfig(model=None, detectors=("rules",))).analyze(doc).findings


def test_claims_are_the_rules_input_and_run_whenever_the_rules_do() -> None:
    doc = Document("少儿英语", "全年课程一次交清12800元，报名后不予退费", "tutoring")
    for config in (EngineConfig(model=None), EngineConfig(model=None, detectors=("rules",))):
        engine = Engine(config)
        assert [d.name for d in engine.detectors][:2] == ["claims", "rules"]
        [reading] = engine.read_many([doc])
        assert reading.claims is not None and [c.value for c in reading.claims.of("prepaid_months")] == [12.0]
        fired = {f.rule for f in engine.analyze(doc).findings}
        assert {"price_violation/prepaid-period-over-limit", "price_violation/refund-bar"} <= fired
    quarterly = Engine(EngineConfig(model=None)).analyze(Document("少儿英语", "季度班一次交清3200元", "tutoring"))
    assert "price_violation/prepaid-period-over-limit" not in {f.rule for f in quarterly.findings}
