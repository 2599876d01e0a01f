"""Contacts behind listings, evasions undone, and actors that group leads sharing one."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extraction.listing import Listing
from crawler.leads.groups import CASE_PROBE, band_keys, contact_keys
from crawler.leads.migrations import group_all
from crawler.leads.store import LeadStore
from detectors import default_engine
from detectors.contacts import contacts, institutions
from detectors.models import Document


def fold(text: str) -> str:
    return default_engine().fold(text)


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


def test_the_engine_reads_parties_from_every_part_publisher_first() -> None:
    doc = Document("周末数学一对一", "王老师个人工作室，电话13800001111", "tutoring", "岳阳啟航教育", "VX: mama_2026")
    analysis = default_engine().analyze(doc)
    assert analysis.institutions == ("岳阳启航教育", "王老师个人工作室")  # folded: 啟 → 启
    assert analysis.contacts == ("phone:13800001111", "wechat:mama_2026")


def group_ids(db: Path, posts: list[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """(actor_id, case_id) of each post, stored in order as tutoring ads seen one night each."""
    with LeadStore(db) as store:
        for day, (name, text) in enumerate(posts, start=1):
            listing = Listing(f"http://127.0.0.1:1/{name}", "", "s", "tutoring", "初中数学一对一辅导", text)
            store.upsert(listing, default_engine().analyze(listing.document()), f"2026-11-{day:02d}")
        rows = store.conn.execute("SELECT url, actor_id, case_id FROM leads").fetchall()
    return {row["url"].rsplit("/", 1)[1]: (row["actor_id"], row["case_id"]) for row in rows}


def test_actors_link_leads_through_any_shared_contact(tmp_path: Path) -> None:
    posts = [
        ("p1", "老师上门 电话13800001111"),
        ("p4", "名师辅导 扣扣 99887766"),
        ("p3", "周末班 薇信 mama_2026"),
        ("p2", "暑假班 电话 138 0000 1111，VX mama_2026"),  # links p1 and p3 into one actor
        ("p5", "名校老师 欢迎咨询"),
    ]
    ids = {name: actor for name, (actor, _) in group_ids(tmp_path / "db.sqlite", posts).items()}
    assert ids["p1"] == ids["p2"] == ids["p3"] != ids["p4"]
    assert ids["p5"] == "" and ids["p1"].startswith("A")
    again = group_ids(tmp_path / "again.sqlite", [posts[0], posts[2], posts[3]])
    assert again["p1"][0] == ids["p1"], "an actor's id depends on its contacts, not on the database"


def test_reposts_of_one_ad_are_one_case(tmp_path: Path) -> None:
    posts = [
        ("p0", "初中数学一对一辅导，名校老师上门，周末可约，电话13800001234"),
        ("p1", "初中數學 1對1輔導！名校老師上門，週末可約。電話139 0000 5678"),  # 繁体 repost, new number
        ("p2", "少儿篮球周末班，专业教练，8到12岁，高中物理一对一也可"),
    ]
    cases = {name: case for name, (_, case) in group_ids(tmp_path / "db.sqlite", posts).items()}
    assert cases["p0"] == cases["p1"] != cases["p2"]
    assert cases["p0"].startswith("C")


def test_old_database_is_grouped_when_migrated(tmp_path: Path) -> None:
    """Migration step 8 (group_all) gives leads stored before actors existed their groups."""
    db = tmp_path / "db.sqlite"
    group_ids(db, [("p1", "老师上门 电话13800001111"), ("p2", "周末班 电话13800001111")])
    with LeadStore(db) as store:  # as a database just given the columns, its leads not grouped yet
        store.conn.execute("UPDATE leads SET actor_id = '', case_id = ''")
        store.conn.execute("DELETE FROM lead_keys")
        group_all(store.conn)
        actors = {row[0] for row in store.conn.execute("SELECT actor_id FROM leads")}
        assert store.conn.execute("SELECT count(*) FROM lead_keys").fetchone()[0] > 0
    assert len(actors) == 1 and actors != {""}


def test_groups_bigger_than_the_probe_keep_growing(tmp_path: Path) -> None:
    """An ad reposted far more often than CASE_PROBE, and a phone behind as many leads: a new
    repost still joins that case and a new lead with the phone joins that actor."""
    ad = "初中数学一对一辅导，名校老师上门，周末可约，先试课后付费，地铁口，环境安静，电话13800001234"
    posts = [(f"p{n}", f"{ad}，第{n}期") for n in range(CASE_PROBE + 5)]
    posts.append(("late", f"{ad}，新开第二班"))
    posts.append(("other", "少儿篮球周末班，专业教练，8到12岁，电话 138 0000 1234"))
    ids = group_ids(tmp_path / "db.sqlite", posts)
    assert len({case for name, (_, case) in ids.items() if name != "other"}) == 1
    assert ids["other"][1] != ids["late"][1]
    assert len({actor for actor, _ in ids.values()}) == 1


def test_a_changed_lead_keeps_only_its_current_keys(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    group_ids(db, [("p1", "老师上门 电话13800001111 周末可约")])
    group_ids(db, [("p1", "老师上门 扣扣 99887766 寒假集训")])
    with LeadStore(db) as store:
        [lead] = store.conn.execute("SELECT rowid, contacts, minhash FROM leads").fetchall()
        kept = {row[0] for row in store.conn.execute("SELECT key FROM lead_keys WHERE lead = ?", (lead["rowid"],))}
    assert lead["contacts"] == "qq:99887766"
    assert kept == set(contact_keys(lead["contacts"]) + band_keys(lead["minhash"]))
