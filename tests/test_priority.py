"""The triage priority: it keeps growing with what makes a case bigger, and says why."""

from __future__ import annotations

import sqlite3

from crawler.leads.priority import math_functions, priority, priority_sql


def test_priority_grows_without_a_ceiling_and_explains_itself() -> None:
    one_off, _ = priority("price_violation", 1, 1, 1)
    serious, _ = priority("in_service_teacher", 1, 1, 1)
    assert serious > one_off
    ladder = [
        priority("one_on_one", seen, sites, actor)[0]
        for seen, sites, actor in ((1, 1, 1), (8, 1, 1), (8, 3, 1), (8, 3, 16), (64, 6, 1024))
    ]
    assert ladder == sorted(ladder) and len(set(ladder)) == len(ladder), (
        "each of recurrence, spread and actor size counts"
    )
    points, reason = priority("one_on_one;false_advertising", 8, 3, 16)
    assert points == 4 + 1 + 3 + 4 + 8
    assert reason == "一对一/一对多学科辅导 4；另有 1 类 +1；发现 8 次 +3；3 个网站 +4；同一联系人 16 条线索 +8"


def test_sql_priority_is_the_same_points() -> None:
    """The workbook orders leads in SQL by the points its 优先级 column shows."""
    cases = [
        (categories, seen, sites, actor)
        for categories in ("", "price_violation", "one_on_one;false_advertising", "unlicensed;x_unknown;home_tutor")
        for seen in (1, 2, 3, 8, 1000)
        for sites in (1, 2, 5)
        for actor in (1, 2, 7, 1024)
    ]
    with sqlite3.connect(":memory:") as conn:
        math_functions(conn)
        sql = f"SELECT {priority_sql('?1', '?2', '?3', '?4')}"
        for case in cases:
            assert conn.execute(sql, case).fetchone()[0] == priority(*case)[0], case
