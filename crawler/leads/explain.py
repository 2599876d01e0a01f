"""Why a lead is a lead, in Chinese: per category, the evidence as written and what the cited clause says.

One line per category, e.g.
「一对一/一对多学科辅导」原文“数学一对一”；依据 岳阳方案 四(二)：以线上答疑、……一对一辅导、拼课等形式
面向中小学生开展学科类培训（另见 河源方案 三.2、三.5）
The workbook's 说明 column, ``check`` and ``scan`` print the same text.
"""

from __future__ import annotations

from collections.abc import Sequence

from crawler.leads.clauses import ClauseTable, clause_table
from crawler.leads.findings import CategoryEvidence
from crawler.leads.wording import REGISTRY_RULES, category_name, registry_name


def one_line(text: str) -> str:
    return " ".join(text.split())


def what_was_found(evidence: CategoryEvidence) -> str:
    """The evidence part: a rule's words from the page, the registry's answer, or the classifier's terms."""
    if evidence.source == "model":
        terms = "、".join(f"“{one_line(p)}”" for p in evidence.pieces[:3])
        return f"分类模型判定（无规则命中），模型看重的词：{terms or '无'}"
    if evidence.source == "registry":
        status = next((REGISTRY_RULES[r] for r in evidence.rules if r in REGISTRY_RULES), "")
        named = f"“{one_line(evidence.strongest)}”" if evidence.strongest else "发布者"
        return f"许可登记核对：{named}{registry_name(status)}"
    return f"原文“{one_line(evidence.strongest)}”" if evidence.strongest else "原文未留存"


def clause_part(evidence: CategoryEvidence, table: ClauseTable) -> str:
    if not evidence.basis:
        return ""
    first, *others = evidence.basis
    words = table.words(first, evidence.category)
    part = f"依据 {table.cite(first)}" + (f"：{one_line(words)}" if words else "")
    if others:
        part += f"（另见 {cite_all(others, table)}）"
    return part


def cite_all(basis: Sequence[str], table: ClauseTable) -> str:
    """Clauses as people list them: 河源方案 三.2、三.5 (the document named once per run)."""
    out, last = [], ""
    for clause in basis:
        document = clause.partition(" ")[0]
        out.append(table.cite(clause) if document != last else clause.partition(" ")[2])
        last = document
    return "、".join(out)


def explain_category(evidence: CategoryEvidence, table: ClauseTable | None = None) -> str:
    table = table or clause_table()
    parts = [what_was_found(evidence), clause_part(evidence, table)]
    return f"「{category_name(evidence.category)}」" + "；".join(p for p in parts if p)


def explain(evidence: Sequence[CategoryEvidence], table: ClauseTable | None = None) -> str:
    """The explanation cell: one line per category."""
    table = table or clause_table()
    return "\n".join(explain_category(e, table) for e in evidence)


def explained(evidence: Sequence[CategoryEvidence], table: ClauseTable | None = None) -> list[dict]:
    """The same, field by field, for JSON: per category its name, evidence, rules and each clause with its words."""
    table = table or clause_table()
    return [
        {
            "category": e.category,
            "name": category_name(e.category),
            "source": e.source,
            "evidence": e.strongest,
            "pieces": list(e.pieces),
            "rules": list(e.rules),
            "clauses": [{"basis": b, "cited": table.cite(b), "words": table.words(b, e.category)} for b in e.basis],
            "explanation": explain_category(e, table),
        }
        for e in evidence
    ]
