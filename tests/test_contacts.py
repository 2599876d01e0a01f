"""Contacts behind listings, evasions undone, and actors that group leads sharing one."""

from __future__ import annotations

import pytest

from crawler.leads.actors import actor_ids
from crawler.leads.duplicates import case_ids, signature
from detectors.contacts import contacts, fold, institutions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电话 138 0000 1234，薇信 abc_123456", ["phone:13800001234", "wechat:abc_123456"]),
        ("联系：一三八零零零零一二三四 扣扣 12345678", ["phone:13800001234", "qq:12345678"]),
        ("VX: mama_2026 或 +V tutor88", ["wechat:mama_2026", "wechat:tutor88"]),
        ("座机 0730-8812345", ["phone:07308812345"]),
        ("１３８００００１２３４", ["phone:13800001234"]),
        ("2026年11月 150元/小时 3-6岁 1对1", []),
    ],
)
def test_contacts_are_found_through_evasions(text: str, expected: list[str]) -> None:
    assert contacts(fold(text)) == expected


def test_institution_names() -> None:
    found = institutions(fold("岳阳市启航教育科技有限公司；王老师个人工作室"))
    assert found == ["岳阳市启航教育科技有限公司", "王老师个人工作室"]


def test_actors_link_leads_through_any_shared_contact() -> None:
    ids = actor_ids(
        [
            ("L1", "phone:1"),
            ("L2", "phone:1;wechat:a"),
            ("L3", "wechat:a"),
            ("L4", "qq:9"),
            ("L5", ""),
        ]
    )
    assert ids["L1"] == ids["L2"] == ids["L3"] != ids["L4"]
    assert ids["L5"] == "" and ids["L1"].startswith("A")
    assert actor_ids([("L3", "wechat:a"), ("L1", "phone:1;wechat:a")])["L3"] == ids["L3"], "stable across runs"


def test_reposts_of_one_ad_are_one_case() -> None:
    texts = [
        "初中数学一对一辅导，名校老师上门，周末可约，电话13800001234",
        "初中數學 1對1輔導！名校老師上門，週末可約。電話139 0000 5678",  # 繁体 repost, new number
        "少儿篮球周末班，专业教练，8到12岁",
        "",
    ]
    cases = case_ids([(f"L{i}", signature(fold(text))) for i, text in enumerate(texts)])
    assert cases["L0"] == cases["L1"] != cases["L2"] != cases["L3"]
