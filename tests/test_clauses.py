"""The clause table behind every explanation: every basis a rule cites has its words, taken from the policy texts."""

from __future__ import annotations

import re

import pytest
from opencc import OpenCC

from crawler.leads.clauses import CLAUSES, clause_table
from crawler.leads.explain import explain
from crawler.leads.findings import by_category
from detectors import analyze
from detectors.catalogue import load_catalogue
from detectors.categories import BASIS, CATEGORIES
from detectors.models import Finding, Span

POLICY = CLAUSES.parent
TO_SIMPLIFIED = OpenCC("t2s")


def plain(text: str) -> str:
    """Text compared as written: whitespace (page breaks) out, 繁体 folded (the YY text has 中小學生)."""
    return TO_SIMPLIFIED.convert(re.sub(r"\s+", "", text))


def cited() -> set[tuple[str, str]]:
    """(clause, category) for every basis a rule, a category or the licence registry cites."""
    pairs = {(b, rule.category) for rule in load_catalogue().rules for b in rule.basis}
    pairs |= {(b, category) for category, basis in BASIS.items() for b in basis}
    return pairs | {("YY 四(一)", "unlicensed")}


def test_every_cited_clause_has_an_entry_with_words_for_its_category() -> None:
    table = clause_table()
    missing = sorted(b for b, _ in cited() if b not in table.clauses)
    assert missing == []
    unnamed = sorted(
        (b, c) for b, c in cited() if c not in table.clauses[b].for_ and "default" not in table.clauses[b].for_
    )
    assert unnamed == [], "a category citing a clause gets the clause's words about it"
    assert set(table.documents) == {"YY", "HY"}


@pytest.mark.parametrize("basis", sorted(clause_table().clauses))
def test_clause_words_are_the_policy_texts_own(basis: str) -> None:
    clause = clause_table().clauses[basis]
    source = {"YY": "yueyang-online-training-2023.txt", "HY": "heyuan-disguised-training-2023.txt"}[basis[:2]]
    policy = plain((POLICY / source).read_text(encoding="utf-8"))
    assert plain(clause.text) in policy, f"{basis}: its text is not in {source}"
    for category, words in clause.for_.items():
        assert category in CATEGORIES or category == "default"
        assert plain(words) in plain(clause.text), f"{basis} for {category}: not words of the clause"


def test_an_explanation_names_category_evidence_and_clause_words() -> None:
    analysis = analyze("招聘家教", "诚聘初中数学家教，一对一上门辅导，每周两次", "recruitment")
    text = explain(by_category(analysis.findings))
    assert "「招聘家教/家庭教师」" in text and "原文“" in text
    assert "河源方案 三.2：禁止发布“一对一”“众筹私教”“家庭教师”等校外培训招聘需求信息" in text
    assert "YY " not in text and "HY " not in text, "clauses cited by their documents' names, not codes"


def test_an_explanation_quotes_the_strongest_evidence_not_the_first() -> None:
    """A weak finding listed first (the classifier's, a low-confidence rule's) never stands in for the real evidence."""

    def finding(rule: str, confidence: str, *pieces: tuple[int, str]) -> Finding:
        spans = tuple(Span(start, start + len(text), text) for start, text in pieces)
        return Finding("one_on_one", rule, confidence, ("YY 四(二)",), spans[0], spans, "")

    model = finding("model/tutorwatch", "medium", (0, "辅导"))
    weak = finding("one_on_one/weak", "low", (3, "数学"))
    strong = finding("one_on_one/price", "high", (40, "数学"), (80, "原价9800元现在一对一"))
    [evidence] = by_category([model, weak, strong])
    assert evidence.source == "rules" and evidence.strongest == "原价9800元现在一对一", "the longest piece, far apart"
    assert evidence.pieces[0] == "数学" and "辅导" in evidence.pieces, "every piece kept, the strongest finding's first"
    text = explain([evidence])
    assert "原文“原价9800元现在一对一”" in text and "原文“辅导”" not in text and "原文“数学”" not in text
    [alone] = by_category([model])
    assert explain([alone]).startswith("「一对一/一对多学科辅导」分类模型判定"), "the classifier in Chinese too"
