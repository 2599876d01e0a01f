"""Human-readable output at the terminal, in Chinese: findings by category with their evidence and clauses.

Everything shown comes from pages and files others wrote, so it passes ``shown`` (detectors/clean_text.py, then
rich's markup escape) first: an ESC/CSI/OSC sequence in a title must not clear or rewrite what the investigator reads.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crawler.leads.clauses import clause_table
from crawler.leads.explain import clause_part, one_line, what_was_found
from crawler.leads.findings import by_category
from crawler.leads.wording import category_name
from crawler.runs.health import SiteHealth
from detectors.clean_text import clean_text
from detectors.models import Analysis


def shown(text: object) -> str:
    """Crawled or hand-written text made safe for the terminal: no control sequence, no rich markup."""
    return escape(clean_text(str(text)))


def print_analysis(console: Console, heading: str, analysis: Analysis) -> None:
    """The verdict, then each category once: what was found (every piece), the rules, the clause and its words."""
    verdict = "[bold red]疑似违规 FLAGGED[/]" if analysis.flagged else "[green]未发现违规 clean[/]"
    console.print(f"{verdict} 评分 {analysis.score:.2f}  {shown(heading)}")
    if (why := score_parts(analysis)) is not None:
        console.print(f"  [dim]{why}[/]")
    table = clause_table()
    for e in by_category(analysis.findings):
        pieces = "".join(f"「{shown(one_line(p))}」" for p in e.pieces)
        console.print(f"  • [bold]{shown(category_name(e.category))}[/] [dim]{e.category}[/]")
        console.print(f"    {shown(what_was_found(e))}")
        if len(e.pieces) > 1:
            console.print(f"    全部证据：{pieces}")
        console.print(f"    [dim]规则 {shown('、'.join(e.rules))}[/]")
        if e.basis:
            console.print(f"    {shown(clause_part(e, table))}")


def score_parts(analysis: Analysis) -> str | None:
    """What the score was made of, in Chinese: the classifier's probability and the case reading's, when asked."""
    parts = []
    if analysis.model_score is not None:
        parts.append(f"分类模型概率 {analysis.model_score:.2f}")
    if analysis.case_score is not None:
        parts.append(f"案情判读概率 {analysis.case_score:.2f}（强证据 × 案情判读）")
    return "；".join(parts) if parts else None


def print_page_facts(console: Console, facts: dict) -> None:
    """What the store knows of a checked page, its contacts and where its evidence is kept."""
    lead = facts.get("lead")
    if lead is None:
        console.print("  库中记录：无（不是线索，未记录）")
    else:
        known = "此前已在库" if lead["known_before"] else "本次新记录"
        note = f"，备注：{shown(lead['notes'])}" if lead["notes"] else ""
        console.print(
            f"  库中记录：{known} 线索 {lead['lead_id']}，研判结论 {lead['verdict_label']}{note}；"
            f"首次发现 {lead['first_seen_local']}，共发现 {lead['times_seen']} 次"
        )
    named = "；".join(shown(c["label"]) for c in facts["contacts"]) or "无"
    console.print(f"  联系方式：{named}")
    kept = facts.get("evidence")
    if kept:
        where = f"{shown(kept['file'])} @ {kept['offset']}（{kept['length']} 字节）"
        console.print(f"  证据：{where} SHA-256 {kept['sha256']}")
    else:
        console.print("  证据：未留存（只有线索的页面留存为证据）")
    if facts.get("stamp"):
        console.print(f"  [dim]检测版本：{shown(facts['stamp'])}[/]")


JUDGED_SHOWN = 2000  # characters of the judged text printed; --format json has it all
CONTROLS = {c: "\ufffd" for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))}  # crawled text


def print_judged(console: Console, title: str, text: str) -> None:
    """What detection read: the judged title and text (of a page no config knows, its main text)."""
    title, text = title.translate(CONTROLS), text.translate(CONTROLS)
    shown = text if len(text) <= JUDGED_SHOWN else f"{text[:JUDGED_SHOWN]}…（另有 {len(text) - JUDGED_SHOWN} 字未显示）"
    console.print(f"  [dim]判定所用标题：[/]{escape(title)}")
    console.print(f"  [dim]判定所用正文（{len(text)} 字）：[/]")
    for line in shown.splitlines():
        console.print(f"    {escape(line)}")


def print_sites(console: Console, rows: Sequence[SiteHealth]) -> None:
    """The per-site health table after a run; a failed site in red, a low one in yellow."""
    table = Table(title="Sites this run", box=box.SIMPLE_HEAD)
    for column in ("site", "pages", "listings", "errors", "finish", "health"):
        table.add_column(column, no_wrap=True)
    styles = {"failed": "bold red", "low": "yellow", "ok": ""}
    for row in rows:
        table.add_row(
            shown(row.site),
            str(row.pages),
            str(row.listings),
            str(row.errors),
            escape(row.finish_reason),
            row.health.upper() if row.health != "ok" else "ok",
            style=styles[row.health],
        )
    console.print(table)
