"""What a workbook is asked to hold and what it held: plain data, without openpyxl.

The workbook is written in a process of its own (crawler/leads/export.py); the process that asks for it
(the crawl, ``export``) only passes these along. Beside the writer in crawler/leads/xlsx.py they made
every crawl process import openpyxl (about 39 MB of RSS, for the whole night) to hand over a dataclass.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WorkbookSpec:
    """What one workbook holds and carries; picklable, for the process that writes it."""

    kind: str  # review | view
    where: str  # Filters.where(): which leads
    params: tuple
    since: str  # leads first seen (changed) after this (the last workbook's second) are 新线索 (有变化)
    export_id: str
    exported_at: str
    scope: str  # the region, or 全部
    filters: str  # the export's filters as given, for the record
    tz: str = "Asia/Shanghai"
    site_names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Written:
    """What a workbook holds: its lead count, and the ids of leads written with characters replaced."""

    leads: int
    repaired: list[str]
