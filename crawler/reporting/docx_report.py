"""The period report as a Word document (report.docx) a bureau edits into its official report.

Same figures as report.html (from the same summary), in the plans' three sections (一、基本情况,
二、问题发现, 三、执法成果), with the charts as pictures and the confirmed cases as tables. Text is
set in 宋体 for East Asian characters (and the headings in 黑体), the fonts Chinese official
documents use, so Word and WPS show Chinese without substitution.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from crawler.leads.export import atomic_file

BODY_FONT, HEADING_FONT = "宋体", "黑体"
RUNS = {"ok": "正常", "partial": "部分网站失败", "failed": "失败", "interrupted": "中断", "running": "未结束"}


def _east_asian(style: object, font: str, size: float | None = None) -> None:
    """Give a style its East Asian font (python-docx sets only the western one through ``font.name``)."""
    style.font.name = font  # type: ignore[attr-defined]
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)  # type: ignore[attr-defined]
    if size is not None:
        style.font.size = Pt(size)  # type: ignore[attr-defined]


def _table(doc: DocxDocument, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "" if value is None else str(value)
    doc.add_paragraph()


def _chart(doc: DocxDocument, data: str) -> None:
    if data:
        doc.add_picture(io.BytesIO(base64.b64decode(data)), width=Cm(15))


def _tally(doc: DocxDocument, rows: Sequence[dict], buckets: Sequence[str], heading: str, names: dict) -> None:
    body = [[row["label"] or row["key"], *(row[b] for b in buckets), row["total"]] for row in rows]
    _table(doc, [heading, *(names[b] for b in buckets), "合计"], body or [["无", *[""] * len(buckets), ""]])


def period_docx(
    summary: dict, charts: dict[str, str], names: dict[str, str], buckets: Sequence[str], verdicts: Sequence[str]
) -> DocxDocument:
    s = summary
    doc = Document()
    _east_asian(doc.styles["Normal"], BODY_FONT, 11)
    for level in (0, 1, 2):
        _east_asian(doc.styles["Title" if level == 0 else f"Heading {level}"], HEADING_FONT)
    doc.add_heading(f"校外培训线索巡查工作报告（{s['period']['from']} 至 {s['period']['to']}）", 0)

    doc.add_heading("一、基本情况", 1)
    runs = "，".join(f"{RUNS.get(k, k)} {n} 次" for k, n in sorted(s["runs_by_status"].items()))
    leads = s["leads"]
    doc.add_paragraph(
        f"本期共开展网络巡查 {len(s['runs'])} 次{f'（{runs}）' if runs else ''}，巡查网站 {len(s['sites'])} 个；"
        f"发现线索 {leads['total']} 条，其中新线索 {leads['new']} 条、有变化 {leads['changed']} 条、"
        f"再次出现 {leads['recurring']} 条。"
    )
    sites = [[x["name"], x["runs"], x["failed_runs"], x["low_runs"], x["pages"], x["listings"]] for x in s["sites"]]
    _table(doc, ["网站", "巡查次数", "失败", "偏少", "抓取页面", "提取信息"], sites or [["无", "", "", "", "", ""]])
    _chart(doc, charts.get("trend", ""))

    doc.add_heading("二、问题发现", 1)
    _chart(doc, charts.get("categories", ""))
    for heading, key in (("违规类别", "by_category"), ("区县", "by_district"), ("网站", "by_site")):
        doc.add_heading(f"按{heading}", 2)
        _tally(doc, s[key], buckets, heading, names)

    doc.add_heading("三、执法成果", 1)
    v = s["verdicts"]
    doc.add_paragraph(
        f"本期涉及的 {v['total']} 条线索中：确认 {v['confirmed']} 条，调查中 {v['investigating']} 条，"
        f"排除 {v['dismissed']} 条，待研判 {v['open']} 条；本期内作出确认结论 {s['confirmed_in_period']} 条。"
    )
    _chart(doc, charts.get("verdicts", ""))
    doc.add_heading("按违规类别", 2)
    _tally(doc, s["verdicts_by"]["by_category"], verdicts, "违规类别", names)
    doc.add_heading("已确认案例", 2)
    if not s["confirmed_cases"]:
        doc.add_paragraph("本期线索中暂无已确认的案例。")
    for number, case in enumerate(s["confirmed_cases"], start=1):
        doc.add_paragraph(f"案例 {number}：{case['title']}")
        _table(
            doc,
            ["项目", "内容"],
            [
                ["网址", case["url"]],
                ["网站 · 区县", f"{case['site_name']} · {case['district']}"],
                ["违规类别", "、".join(case["category_names"])],
                ["说明", case["explanation"]],
                ["首次发现 · 认定", f"{case['first_seen_local']} · {case['status']} {case['reviewed_local']}"],
                ["备注", case["notes"]],
                ["证据", f"{case['evidence'] or '(未留存)'}  SHA-256 {case['evidence_sha256']}"],
            ],
        )
    return doc


def write_period_docx(
    path: Path,
    summary: dict,
    charts: dict[str, str],
    names: dict[str, str],
    buckets: Sequence[str],
    verdicts: Sequence[str],
) -> Path:
    """report.docx beside report.html, replaced atomically."""
    doc = period_docx(summary, charts, names, buckets, verdicts)
    with atomic_file(path) as handle:
        doc.save(handle)
    return path
