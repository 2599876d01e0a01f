"""Evasions of key terms are undone before matching; ordinary words that sound alike are not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detectors import analyze, default_engine
from detectors.deobfuscate import KEY_TERM
from detectors.initials_runs import Lines
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
        ("招生 bm截止周五", "招生报名截止周五"),  # ambiguous initials read by their company on the line
        ("住家 bm 做饭 带孩子", "住家保姆做饭带孩子"),
        ("急招初中xbskjs 无需教师资格证", "急招初中小班授课教师无需教师资格证"),  # a run read by its company
        ("xk类培训", "学科类培训"),  # one word of a three-character term as initials
        ("念薪30万 找聘网课老师", "年薪30万招聘网课老师"),  # job-board words sound-alike
        ("初中以对一副导", "初中一对一辅导"),  # two sound-alikes side by side: 一副 is made of both
        ("找佳教副导作业", "找家教辅导作业"),
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
        "粤剧班3个科目",  # a measure word after a number counts: not the sound-alike of 各科目
        "分设三个科目",
        "报了几个科目",
        "一副导演的样子",  # 导演 crosses into no other sound-alike
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


def test_ambiguous_initials_follow_their_company_whatever_the_order() -> None:
    """Property: for every ambiguous form, each of its deciding candidates with a mate of its own lexicon on the line
    is chosen, whichever the lists prefer; a line without company keeps the preferred one."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    engine = default_engine()
    reader = engine.folder.deobfuscator._initials
    cases = []
    for form, terms in reader.candidates.items():
        chosen_among = [t for t in terms if t in reader.deciding] or terms  # the words that decide first
        if len(chosen_among) < 2 or len(form) != 2:
            continue
        for term in chosen_among:
            own = sorted(reader.company.get(term, frozenset()) - set(terms))
            rivals = set().union(*(reader.company.get(t, frozenset()) for t in chosen_among if t != term))
            mates = [
                m
                for m in own
                if KEY_TERM.fullmatch(m)
                and not set(reader._mates.find_matches_as_strings(m, overlapping=True)) & rivals
            ]
            if mates:
                cases.append((form, term, mates))
    assert len(cases) > 20

    @settings(max_examples=60, deadline=None)
    @given(st.sampled_from(cases), st.data())
    def check(case: tuple[str, str, list[str]], data: st.DataObject) -> None:
        form, term, mates = case
        mate = data.draw(st.sampled_from(mates))
        text = f"{mate}，{form}。"
        line = (0, len(text))
        assert reader.pick(text, len(mate) + 1, len(mate) + 1 + len(form), form, line) == term
        alone = f"，{form}。"
        preferred = [t for t in reader.candidates[form] if t in reader.deciding] or reader.candidates[form]
        assert reader.pick(alone, 1, 1 + len(form), form, (0, len(alone))) == preferred[0]

    check()


@given(st.text(alphabet="ab\n", max_size=30), st.data())
def test_a_pieces_line_is_found_from_the_breaks_read_once(text: str, data: st.DataObject) -> None:
    """Lines.around gives what searching the text for the breaks around a piece gives (it replaced that search,
    which read a whole megabyte line for every piece of initials on it)."""
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    after = text.find("\n", end)
    assert Lines(text).around(start, end) == (text.rfind("\n", 0, start) + 1, len(text) if after < 0 else after)
