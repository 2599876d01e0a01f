"""Which lead to look at first: a priority in points that keeps growing, with the reason spelled out.

Almost every lead scores ≥ 0.95, so the score cannot order a morning's work. Points add up from
what makes a case worth an inspector's visit: how serious the categories are (SEVERITY, one
more point per further category), how persistent the ad is (log₂ of the nights it was seen),
how widely it is spread (two points per further site carrying the same ad), and how big the
actor behind it is (two points per doubling of the leads sharing its contact). Nothing caps the
sum, so a recurring multi-site operator stands above a one-off post however many leads there are.
"""

from __future__ import annotations

import math
import sqlite3

from crawler.leads.wording import category_name

# Severity per category: teachers in service and live-in tutors first (the plans' 重点问题), then
# subject teaching in person or in disguise, then online, advertising and price violations.
SEVERITY = {
    "in_service_teacher": 5,
    "home_tutor": 4,
    "one_on_one": 4,
    "crowdfunded_tutor": 4,
    "disguised_subject": 4,
    "preschool": 4,
    "holiday_training": 3,
    "online_subject": 3,
    "tutor_recruitment": 3,
    "competition": 3,
    "unlicensed": 3,
    "false_advertising": 3,
    "price_violation": 2,
}


def priority_sql(categories: str, times_seen: str, sites: str, actor_leads: str) -> str:
    """``priority()``'s points as an SQL expression over those columns, so SQLite orders a million leads by
    it without a Python call per lead (tests/test_priority.py checks both agree). Needs log2 and floor
    (SQLite's math functions; ``math_functions`` adds them where SQLite was built without)."""
    wrapped = f"(';' || {categories} || ';')"
    known = ", ".join(f"CASE WHEN instr({wrapped}, ';{c};') THEN {s} ELSE 0 END" for c, s in SEVERITY.items())
    severity = f"max({known}, CASE WHEN {categories} != '' THEN 2 ELSE 0 END)"
    count = f"(length({categories}) - length(replace({categories}, ';', '')) + ({categories} != ''))"
    nights = f"CAST(floor(log2(max({times_seen}, 1))) AS INTEGER)"
    actor = f"2 * CAST(floor(log2(max({actor_leads}, 1))) AS INTEGER)"
    return f"({severity} + max({count} - 1, 0) + {nights} + 2 * max({sites} - 1, 0) + {actor})"


def math_functions(conn: sqlite3.Connection) -> None:
    """log2 and floor on a connection whose SQLite was built without its math functions."""
    try:
        conn.execute("SELECT log2(2), floor(1.5)")
    except sqlite3.OperationalError:
        conn.create_function("log2", 1, math.log2, deterministic=True)
        conn.create_function("floor", 1, math.floor, deterministic=True)


def priority(categories: str, times_seen: int, sites: int, actor_leads: int) -> tuple[int, str]:
    """(points, reason) for a lead: its ';'-joined categories, nights seen, sites its case is on, leads of its actor."""
    found = sorted((c for c in categories.split(";") if c), key=lambda c: (-SEVERITY.get(c, 2), c))
    parts: list[tuple[int, str]] = []
    if found:
        parts.append((SEVERITY.get(found[0], 2), f"{category_name(found[0])} {SEVERITY.get(found[0], 2)}"))
    if len(found) > 1:
        parts.append((len(found) - 1, f"另有 {len(found) - 1} 类 +{len(found) - 1}"))
    seen = int(math.log2(max(times_seen, 1)))
    if seen:
        parts.append((seen, f"发现 {times_seen} 次 +{seen}"))
    if sites > 1:
        parts.append((2 * (sites - 1), f"{sites} 个网站 +{2 * (sites - 1)}"))
    actor = 2 * int(math.log2(max(actor_leads, 1)))
    if actor:
        parts.append((actor, f"同一联系人 {actor_leads} 条线索 +{actor}"))
    return sum(p for p, _ in parts), "；".join(text for _, text in parts)
