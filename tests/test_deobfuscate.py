"""Evasions of key terms are undone before matching; ordinary words that sound alike are not."""

from __future__ import annotations

import pytest

from detectors import analyze, default_engine
from detectors.normalize import normalize


def undone(text: str) -> str:
    return default_engine().fold(text)


@pytest.mark.parametrize(
    ("evasion", "folded"),
    [
        ("jia教上门", "家教上门"),
        ("jiajiao 初二", "家教初二"),
        ("yi对yi 辅导", "一对一辅导"),
        ("ydy英语", "一对一英语"),
        ("高中数X冲刺", "高中数学冲刺"),
        ("佳教上门", "家教上门"),
        ("甫导作业", "辅导作业"),
        ("加VX详聊", "加微信详聊"),
        ("壹對壹 數學", "一对一数学"),
        ("一🔥对🔥一", "一对一"),
        ("找yw和yyjj", "找语文和英语家教"),  # initials run together, cut into key terms
        ("初中ydyfd", "初中一对一辅导"),
        ("sx 1对1", "数学 一对一"),  # a lone pair of initials beside a deciding term
        ("yw zw 辅导", "语文 作文辅导"),
        ("yx衔接班", "幼小衔接班"),  # ambiguous initials read by the term they complete
        ("念薪30万 找聘网课老师", "年薪30万招聘网课老师"),  # job-board words sound-alike
    ],
)
def test_evasions_become_the_term(evasion: str, folded: str) -> None:
    assert undone(evasion) == folded


@pytest.mark.parametrize(
    "text",
    [
        "大家叫他去补习",
        "我不习惯这里",
        "无理取闹",
        "诚聘家教",
        "python 8人小班",
        "物理治疗",
        "yyds 这家店",
        "scratch编程 lego steam",
        "hello world 英语角",
        "100节送50节",
    ],
)
def test_ordinary_words_stay(text: str) -> None:
    assert undone(text) == normalize(text).text


def test_findings_quote_the_evasion_as_written() -> None:
    analysis = analyze("找yi对yi老师", "初二shu学，周末上课")
    quoted = {span.text for finding in analysis.findings for span in finding.spans}
    assert "yi对yi" in quoted and "shu学" in quoted
    full = "找yi对yi老师\n初二shu学，周末上课"
    for finding in analysis.findings:
        assert full[finding.span.start : finding.span.end] == finding.span.text


def test_hostile_characters_do_not_crash() -> None:
    for text in ["\ud800一对一\udfff数学", "\x00\u202e一对一\u200d数学", "a" * 10_000 + "一对一数学"]:
        analysis = analyze(text, text)
        full = text + "\n" + text
        for finding in analysis.findings:
            assert full[finding.span.start : finding.span.end] == finding.span.text
