"""The licence registry: licensed, scope mismatch, revoked, blacklisted, not found — and unlicensed."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors import default_engine
from detectors.errors import ConfigError
from detectors.models import Document
from detectors.registry import load_registry

SUBJECT_AD = ("初中数学一对一 周末班", "名师授课，保证提分")


@pytest.mark.parametrize(
    ("publisher", "status"),
    [
        ("岳阳博文教育培训学校", "licensed"),
        ("岳阳启慧思维教育", "scope mismatch"),  # a non-subject licence advertising 数学
        ("弘毅教育", "revoked"),
        ("岳阳金榜教育", "blacklisted"),
        ("岳阳新起点教育", "not found"),
        ("王老师", ""),  # a lone tutor is not assumed unlicensed
        ("安心家政岳阳楼店", ""),  # a 家政 agency is not an education institution
    ],
)
def test_status_from_the_bundled_registry(publisher: str, status: str) -> None:
    analysis = default_engine().analyze(Document(*SUBJECT_AD, "tutoring", publisher))
    assert analysis.registry == status


def test_not_found_institution_adds_unlicensed_with_its_clause() -> None:
    title, text = "岳阳新起点教育 初中数学一对一", "周末班，保证提分"
    analysis = default_engine().analyze(Document(title, text, "tutoring"))
    [finding] = [f for f in analysis.findings if f.rule == "registry/not-found"]
    assert finding.category == "unlicensed" and finding.basis == ("YY 四(一)",)
    assert f"{title}\n{text}"[finding.span.start : finding.span.end] == "岳阳新起点教育"
    clean = default_engine().analyze(Document("少儿美术周末班", "岳阳新起点教育", "tutoring"))
    assert not clean.flagged and not clean.findings, "the registry corroborates a violation, it never makes one"


def test_a_publishers_finding_quotes_the_publisher_and_counts_in_the_score() -> None:
    engine = default_engine()
    doc = Document("周末数学辅导", "欢迎咨询", "tutoring", publisher="岳阳金榜教育", contact="13800001111")
    analysis = engine.analyze(doc)
    [finding] = [f for f in analysis.findings if f.category == "unlicensed"]
    assert finding.rule == "registry/blacklisted"
    assert doc.text[finding.span.start : finding.span.end] == finding.span.text == "岳阳金榜教育"
    assert finding.span.start == doc.ranges["publisher"][0]
    without = engine.analyze(Document("周末数学辅导", "欢迎咨询", "tutoring", contact="13800001111"))
    assert analysis.score > without.score, "scoring sees the registry's finding like any other"


def test_malformed_registry_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "institutions.csv"
    bad.write_text("name,licence_no,scope,status,blacklisted\n某教育,1,maybe,valid,no\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"institutions\.csv:2: scope must be"):
        load_registry(bad)
