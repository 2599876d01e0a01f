"""The licence registry: licensed, scope mismatch, revoked, blacklisted, not found — and unlicensed."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors import analyze
from detectors.errors import ConfigError
from detectors.registry import load_registry, registry_status, with_registry

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
    analysis = analyze(*SUBJECT_AD, "tutoring")
    assert registry_status(analysis, publisher, SUBJECT_AD[0])[0] == status


def test_not_found_institution_adds_unlicensed_with_its_clause() -> None:
    title, text = "岳阳新起点教育 初中数学一对一", "周末班，保证提分"
    analysis = analyze(title, text, "tutoring")
    status, name = registry_status(analysis, "", title)
    updated = with_registry(analysis, status, name, f"{title}\n{text}")
    [finding] = [f for f in updated.findings if f.rule == "registry/not-found"]
    assert finding.category == "unlicensed" and finding.basis == ("YY 四(一)",)
    assert f"{title}\n{text}"[finding.span.start : finding.span.end] == "岳阳新起点教育"
    clean = analyze("少儿美术周末班", "岳阳新起点教育", "tutoring")
    assert with_registry(clean, "not found", "岳阳新起点教育", "少儿美术周末班\n岳阳新起点教育") is clean


def test_malformed_registry_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "institutions.csv"
    bad.write_text("name,licence_no,scope,status,blacklisted\n某教育,1,maybe,valid,no\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"institutions\.csv:2: scope must be"):
        load_registry(bad)
