"""The case reading: a second opinion on the rules' findings from what a listing offers, not how it is written."""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import numpy as np
import pytest

from detectors.case_fit import fit, fitted_names
from detectors.case_reading import CaseReader, feature_names
from detectors.classifier import DEFAULT_MODEL, save_bundle
from detectors.engine import Engine, EngineConfig
from detectors.errors import ConfigError
from detectors.evaluation import labelled_files, load_labelled
from detectors.models import Document
from detectors.scoring import combine, rule_score, standing_score, strong_score

# A nanny's duties that include homework help, written plainly: a high-confidence home_tutor finding.
OFFER = Document(
    "住家保姆 带孩子 辅导作业",
    "本人45岁，住家保姆，负责做饭打扫，接送孩子上下学，辅导小学三年级数学和语文作业，月薪6000元，小区附近，联系电话13800001234",
    "housekeeping",
)
# The same duties reported by a bureau's notice: the words are there, the offer is not.
REPORT = Document(
    "区教育局通报违规培训查处情况",
    "近日，记者从区教育局获悉，经查，某家政公司以住家保姆名义辅导作业，相关部门已依法责令整改，提醒广大家长警惕。",
    "housekeeping",
)


@pytest.fixture(scope="module")
def shipped() -> dict:
    return pickle.loads(gzip.decompress(DEFAULT_MODEL.read_bytes()))


def _variant(bundle: dict, path: Path, case_shift: float | None, classifier_shift: float = -50.0) -> Path:
    """The shipped model with its classifier voting everything down and its case reading pushed one way."""
    changed = dict(bundle)
    changed["intercepts"] = bundle["intercepts"] + classifier_shift
    if case_shift is None:
        changed["case"] = None
    else:
        changed["case"] = {**bundle["case"], "intercept": bundle["case"]["intercept"] + case_shift}
    save_bundle(changed, path)
    return path


def test_features_count_the_offer_and_the_report() -> None:
    engine = Engine(EngineConfig(model=None))
    reader = CaseReader(engine.catalogue.lexicons)
    offer, report = reader.features(engine.read_many([OFFER, REPORT]))
    names = feature_names()
    assert len(offer) == len(names)
    at = names.index
    for fact in ("pupils", "subject", "fee", "place", "contacts", "claim_grade"):
        assert offer[at(fact)] > 0, fact
    assert offer[at("report")] == 0 and report[at("report")] > 0 and report[at("lex_news")] > 0
    assert offer[at("platform_housekeeping")] == 1 and offer[at("rules")] > 0.5


def test_the_shipped_case_reading_trusts_the_offer_more_than_the_report(shipped: dict) -> None:
    from detectors.case_reading import CaseModel

    engine = Engine(EngineConfig(model=None))
    reader = CaseReader(engine.catalogue.lexicons)
    model = CaseModel(shipped["case"])
    offer, report = model.probability(reader.features(engine.read_many([OFFER, REPORT])))
    assert offer > 0.5 > report
    # the rules' own output is not fitted on; a model fitted before a fact was added reads the facts it knows
    assert set(model.names) <= set(fitted_names())


def test_a_strong_finding_stands_by_the_case_when_the_classifier_votes_it_down(shipped: dict, tmp_path: Path) -> None:
    trusting = Engine(EngineConfig(model=_variant(shipped, tmp_path / "trusting.pkl.gz", 30.0)))
    doubting = Engine(EngineConfig(model=_variant(shipped, tmp_path / "doubting.pkl.gz", -30.0)))
    without = Engine(EngineConfig(model=_variant(shipped, tmp_path / "without.pkl.gz", None)))
    offer = [engine.analyze(OFFER) for engine in (trusting, doubting, without)]
    strong = strong_score(offer[0].findings)
    assert strong >= trusting.scoring.threshold and offer[0].model_score is not None and offer[0].model_score < 0.01
    assert offer[0].flagged and offer[0].score == round(standing_score(offer[0].findings) * 1.0, 4)
    assert not offer[1].flagged and not offer[2].flagged and offer[1].score == offer[2].score
    # no finding, nothing to stand by: the case reading is not asked
    clean = Document("少儿篮球周末班", "专业教练，8-12岁，每班15人", "tutoring")
    assert not trusting.analyze(clean).flagged


def test_only_listings_whose_verdict_it_can_change_are_read(shipped: dict, tmp_path: Path) -> None:
    vetoing = Engine(EngineConfig(model=_variant(shipped, tmp_path / "vetoing.pkl.gz", 0.0)))
    agreeing = Engine(EngineConfig(model=_variant(shipped, tmp_path / "agreeing.pkl.gz", 0.0, classifier_shift=50.0)))
    clean = Document("少儿篮球周末班", "专业教练，8-12岁，每班15人", "tutoring")
    read = vetoing.read_many([OFFER, clean])
    assert read[0].case is not None and 0.0 <= read[0].case <= 1.0
    assert read[1].case is None  # no finding
    assert agreeing.read_many([OFFER])[0].case is None  # already flagged by findings and classifier


def test_medium_findings_stand_by_the_case_and_low_ones_do_not() -> None:
    medium_pair = [_finding("medium"), _finding("medium")]
    low_pair = [_finding("low"), _finding("low")]
    assert standing_score(medium_pair) == rule_score(medium_pair) and standing_score(low_pair) == 0.0
    assert standing_score([*low_pair, _finding("high")]) == rule_score([_finding("high")])
    stood = combine(rule_score(medium_pair), 0.0, 0.4, None, 0.0, case=0.8, standing=standing_score(medium_pair))
    assert stood == round(rule_score(medium_pair) * 0.8, 4)
    lows = rule_score(low_pair)
    assert combine(lows, 0.0, 0.4, None, 0.0, case=1.0, standing=standing_score(low_pair)) == round(0.4 * lows, 4)
    assert combine(0.9, 0.0, 0.4, None, strong=0.9, case=0.8) == 0.72  # without ``standing``: the strong ones
    # no case reading: the weighted mean alone, whatever stands
    assert combine(rule_score(medium_pair), 0.0, 0.4, None, 0.0, None, 0.91) == round(0.4 * rule_score(medium_pair), 4)


# A plain offer whose only finding is of medium confidence (a refund bar: detectors/claims.py).
MEDIUM_OFFER = Document(
    "少儿英语课程 报名须知", "少儿英语课程，学费9800元，上满一个月不退费，报名联系张老师13800001234。", "tutoring"
)


def test_a_medium_finding_in_a_plain_offer_is_not_vetoed_by_the_classifier(shipped: dict, tmp_path: Path) -> None:
    trusting = Engine(EngineConfig(model=_variant(shipped, tmp_path / "trusting.pkl.gz", 30.0)))
    doubting = Engine(EngineConfig(model=_variant(shipped, tmp_path / "doubting.pkl.gz", -30.0)))
    offer, doubted = trusting.analyze(MEDIUM_OFFER), doubting.analyze(MEDIUM_OFFER)
    assert {f.confidence for f in offer.findings} == {"medium"} and offer.model_score < 0.01
    assert offer.flagged and offer.score == round(standing_score(offer.findings) * offer.case_score, 4)
    assert not doubted.flagged and doubted.case_score is not None and doubted.case_score < 0.01


def test_a_model_without_a_case_reading_still_loads_and_a_foreign_one_is_refused(shipped: dict, tmp_path: Path) -> None:
    old = dict(shipped)
    del old["case"]
    save_bundle(old, tmp_path / "old.pkl.gz")
    assert Engine(EngineConfig(model=tmp_path / "old.pkl.gz")).analyze(OFFER).model_score is not None
    foreign = {**shipped, "case": {**shipped["case"], "names": [*shipped["case"]["names"], "horoscope"]}}
    foreign["case"]["mean"] = np.append(foreign["case"]["mean"], 0.0)
    save_bundle(foreign, tmp_path / "foreign.pkl.gz")
    with pytest.raises(ConfigError, match=r"horoscope.*tutorwatch train"):
        Engine(EngineConfig(model=tmp_path / "foreign.pkl.gz"))


def test_fitting_is_deterministic_and_weighs_each_corpus_alike() -> None:
    items = [i for i in load_labelled(labelled_files()) if i.split == "train"]
    part = [i for i in items if i.corpus == "team"][:150] + [i for i in items if i.corpus == "real"][:60]
    first, second = fit(part, EngineConfig(model=None)), fit(part, EngineConfig(model=None))
    assert np.array_equal(first["coef"], second["coef"]) and first["intercept"] == second["intercept"]
    assert first["names"] == fitted_names() and len(first["coef"]) == len(first["names"])


def _finding(confidence: str):
    from detectors.models import Finding, Span

    span = Span(0, 2, "一对")
    return Finding("one_on_one", "one_on_one/x", confidence, ("YY 四(二)",), span, (span,), "test")


def test_the_analysis_shows_why_it_was_flagged_classifier_and_case_probabilities(shipped: dict, tmp_path: Path) -> None:
    from dataclasses import asdict

    from rich.console import Console

    from crawler.cli.display import print_analysis
    from crawler.scaleout.codec import _analysis, dumps, loads
    from detectors.contract import analysis_json

    trusting = Engine(EngineConfig(model=_variant(shipped, tmp_path / "trusting.pkl.gz", 30.0)))
    offer, clean = trusting.analyze_many([OFFER, Document("少儿篮球周末班", "专业教练，8-12岁，每班15人", "tutoring")])
    assert offer.flagged and offer.case_score is not None and offer.case_score > 0.99
    assert offer.score == round(standing_score(offer.findings) * offer.case_score, 4)  # the case made the verdict
    assert clean.case_score is None and clean.model_score is not None  # not asked: nothing to stand by
    record = analysis_json("x", offer)
    assert record["case_score"] == offer.case_score and record["model_score"] == offer.model_score
    assert analysis_json("y", clean)["case_score"] is None
    assert _analysis(loads(dumps(asdict(offer)))) == offer  # what a scale-out worker hands back keeps it
    console = Console(record=True, width=200)
    print_analysis(console, "offer", offer)
    shown = console.export_text()
    assert f"分类模型概率 {offer.model_score:.2f}" in shown and f"案情判读概率 {offer.case_score:.2f}" in shown
    console = Console(record=True, width=200)
    print_analysis(console, "clean", clean)
    assert "分类模型概率" in console.export_text() and "案情判读概率" not in console.export_text()


def test_a_refusal_counts_in_its_own_line_only() -> None:
    """作业不用管 refuses the study task; a refusal that opens the next line is another sentence."""
    from detectors.case_reading import refused

    assert refused("作业不用管", 0, 2) and refused("不辅导作业", 3, 5)
    assert not refused("作业\n不用管老人", 0, 2)
