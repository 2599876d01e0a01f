"""The leads store on a real SQLite file: stable identity, verdicts never overwritten, migrations."""

from __future__ import annotations

import hashlib
import io
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.evidence.warc import Capture, EvidenceRef, EvidenceWriter, verify
from crawler.extraction.listing import Listing
from crawler.leads.fingerprint import content_hash, lead_id
from crawler.leads.groups import GroupKeys
from crawler.leads.lead_values import LeadValues
from crawler.leads.migrations import rehash
from crawler.leads.store import LeadStore
from detectors import default_engine
from detectors.models import Analysis
from detectors.signature import signature

AD = Listing(
    url="http://127.0.0.1:1/post/1.html",
    fetched_url="http://127.0.0.1:1/post/1.html?from=list",
    site="s",
    platform="tutoring",
    title="初中数学一对一",
    body="老师上门",
)


def analyse(listing: Listing) -> Analysis:
    return default_engine().analyze(listing.document())


def upsert(store: LeadStore, listing: Listing, at: str) -> str:
    return store.upsert(listing, analyse(listing), at)


def test_new_seen_changed_and_verdict_kept(tmp_path: Path) -> None:
    with LeadStore(tmp_path / "db.sqlite") as store:
        assert upsert(store, AD, "2026-11-01T01:00:00") == "new"
        store.conn.execute("UPDATE leads SET status = 'confirmed', notes = '已约谈'")
        assert upsert(store, AD, "2026-11-02T01:00:00") == "seen"
        assert upsert(store, replace(AD, body="老师上门，周末也可"), "2026-11-03T01:00:00") == "changed"
        [row] = store.leads()
    assert row["lead_id"] == lead_id(AD.url)
    assert (row["first_seen"], row["last_seen"], row["changed_at"]) == (
        "2026-11-01T01:00:00",
        "2026-11-03T01:00:00",
        "2026-11-03T01:00:00",
    )
    assert (row["times_seen"], row["status"], row["notes"]) == (3, "confirmed", "已约谈")


def test_clean_pages_are_remembered_but_are_not_leads(tmp_path: Path) -> None:
    with LeadStore(tmp_path / "db.sqlite") as store:
        assert upsert(store, replace(AD, title="成人钢琴课", body="零基础"), "2026-11-01T01:00:00") == "clean"
        assert store.leads() == []
        assert store.conn.execute("SELECT count(*) FROM pages").fetchone()[0] == 1


def test_whitespace_and_width_changes_are_not_content_changes(tmp_path: Path) -> None:
    with LeadStore(tmp_path / "db.sqlite") as store:
        upsert(store, AD, "2026-11-01T01:00:00")
        assert upsert(store, replace(AD, title="初中数学  一对一 ", body="老师上门"), "2026-11-02T01:00:00") == "seen"


def test_migrations_rerun_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    with LeadStore(path) as store:
        upsert(store, AD, "2026-11-01T01:00:00")
    with LeadStore(path) as store:
        assert len(store.leads()) == 1


def test_upgrade_rehash_keeps_verdicts_unchanged(tmp_path: Path) -> None:
    """Migration step 9 (rehash): after the NFKC content hash came in, no lead looks changed since its verdict."""
    with LeadStore(tmp_path / "db.sqlite") as store:
        upsert(store, AD, "2026-11-01T01:00:00")
        store.conn.execute("UPDATE leads SET status = 'dismissed', content_hash = 'old', verdict_hash = 'old'")
        rehash(store.conn)
        row = store.conn.execute("SELECT content_hash, verdict_hash FROM leads").fetchone()
        assert row["content_hash"] == row["verdict_hash"] == content_hash(AD)
        assert upsert(store, AD, "2026-11-02T01:00:00") == "seen"


def test_pages_are_committed_in_batches_and_a_failed_page_leaves_no_trace(tmp_path: Path) -> None:
    """commit_every groups pages into one transaction; a page whose writes fail midway (its
    evidence could not be kept) is undone alone, and the batch around it still commits."""
    db = tmp_path / "db.sqlite"
    ads = [replace(AD, url=f"http://127.0.0.1:1/post/{n}.html") for n in range(4)]

    def broken() -> None:
        raise OSError("disk full")

    def committed() -> int:
        with sqlite3.connect(db) as other:
            return other.execute("SELECT count(*) FROM pages").fetchone()[0]

    with LeadStore(db, commit_every=3) as store:
        upsert(store, ads[0], "2026-11-01T01:00:00")
        with pytest.raises(OSError):
            store.upsert(ads[1], analyse(AD), evidence=broken)
        upsert(store, ads[2], "2026-11-01T01:00:00")
        assert committed() == 0, "the batch is not committed before commit_every pages"
        upsert(store, ads[3], "2026-11-01T01:00:00")
        assert committed() == 3
        upsert(store, replace(ads[0], body="老师上门，寒假加课"), "2026-11-02T01:00:00")
    assert committed() == 3
    with LeadStore(db) as store:
        urls = {row["url"]: row["times_seen"] for row in store.leads()}
    assert urls == {ads[0].url: 2, ads[2].url: 1, ads[3].url: 1}, "closing commits the open batch"


def test_the_store_keeps_what_the_engine_found_and_folds_nothing_itself(tmp_path: Path) -> None:
    page = replace(AD, publisher="岳阳新起点教育", contact="138 0000 1234")
    analysis = analyse(page)
    assert analysis.contacts == ("phone:13800001234",) and analysis.institutions == ("岳阳新起点教育",)
    assert analysis.signature == signature(default_engine().fold(f"{AD.title}\n{AD.body}"))
    given = replace(analysis, contacts=("qq:12345",), institutions=("某某学堂",), registry="revoked")
    with LeadStore(tmp_path / "db.sqlite") as store:
        store.upsert(page, given)
        [row] = store.leads()
    assert (row["contacts"], row["institutions"], row["registry_status"]) == ("qq:12345", "某某学堂", "revoked")
    assert row["minhash"] == analysis.signature
    assert row["stamp"] == str(analysis.stamp) and row["stamp"].startswith("rules=")


def test_stored_hashes_do_not_change_between_versions() -> None:
    """A store keeps each lead's content hash and MinHash signature; if the way either is computed
    changed, every known lead would look changed and no re-post would join an old lead's case."""
    page = Listing(
        "http://127.0.0.1/p/1", "s", "s", "tutoring", "初二 数学 一对一\u3000上门",
        "Ｗｅｉ：ab12\n  周末 小班 ①②\t教龄十年 ﬁ", "王老师", " 138 0000 1111 ", "２００元/次",
    )  # fmt: skip
    assert content_hash(page) == "7c4a4638fa3747d8962704acb8f14a34a4c8b97f3ca889239d72dd2b4af8d9d0"
    minhash = signature("初二数学一对一上门辅导weiab12周末小班教龄十年")
    assert hashlib.sha256(minhash).hexdigest() == "ff1d82c532ab4220d2b0bc4c2c2cfebd772bfc8a428843380ca4d1d7e29f6360"


def test_the_application_reads_the_store_through_its_query_layer() -> None:
    """No SQL outside crawler/leads/: the CLI, analysis, runs, reports, fetching and pipelines ask its query layer."""
    root = Path(__file__).resolve().parent.parent / "crawler"
    checked = [path for path in root.rglob("*.py") if path.relative_to(root).parts[0] != "leads"]
    assert len(checked) > 40
    for path in checked:
        text = path.read_text(encoding="utf-8")
        for sql in (".conn.", "SELECT ", "INSERT ", "UPDATE ", "DELETE FROM", ".execute("):
            assert sql not in text, f"{path.relative_to(root)} queries the store itself ({sql.strip()})"


def page(url: str, body: str) -> Capture:
    return Capture(url, 200, (("Content-Type", "text/html; charset=utf-8"),), body.encode(), (), "2026-11-01T01:00:00Z")


def test_a_leads_evidence_is_where_its_row_says_whether_new_changed_or_missing(tmp_path: Path) -> None:
    """New and changed leads get the evidence's place in the row's one write, a lead seen again whose evidence
    was lost gets it on its own, one seen with its evidence keeps it where it was."""
    writer = EvidenceWriter(tmp_path / "evidence", 1)
    changed = replace(AD, body="老师上门，周末也可")

    def store_page(store: LeadStore, listing: Listing, body: str, at: str) -> tuple[str, int]:
        written: list[EvidenceRef] = []

        def keep() -> EvidenceRef:
            written.append(writer.write(page(listing.url, body)))
            return written[-1]

        return store.upsert(listing, analyse(listing), at, evidence=keep), len(written)

    with LeadStore(tmp_path / "db.sqlite") as store:
        assert store_page(store, AD, "<p>一</p>", "2026-11-01T01:00:00") == ("new", 1)
        first = store.conn.execute("SELECT evidence_file, evidence_offset, evidence_sha256 FROM leads").fetchone()
        assert store_page(store, AD, "<p>一</p>", "2026-11-02T01:00:00") == ("seen", 0)
        assert tuple(
            store.conn.execute("SELECT evidence_file, evidence_offset, evidence_sha256 FROM leads").fetchone()
        ) == tuple(first)
        assert store_page(store, changed, "<p>二</p>", "2026-11-03T01:00:00") == ("changed", 1)
        store.conn.execute("UPDATE leads SET evidence_file = '', evidence_sha256 = ''")  # lost
        assert store_page(store, changed, "<p>三</p>", "2026-11-04T01:00:00") == ("seen", 1)
        rows = store.conn.execute("SELECT evidence_file, evidence_offset, evidence_length, evidence_sha256 FROM leads")
        [(file, offset, length, sha)] = rows.fetchall()
        assert file and first["evidence_offset"] == 0 and offset > first["evidence_offset"]
    assert verify(tmp_path / "evidence", file, offset, length, sha) is None


def test_evidence_writers_of_one_run_append_to_its_file_in_turn_and_recreate_it_if_removed(tmp_path: Path) -> None:
    """Two sites' pipelines write one run's file (each keeps it open): every record is where its reference
    says, and a file removed meanwhile is created again rather than written to a name no longer there."""
    one, two = EvidenceWriter(tmp_path, 7), EvidenceWriter(tmp_path, 7)
    pages = [page(f"http://127.0.0.1:1/post/{n}.html", f"<p>第{n}页</p>") for n in range(4)]
    refs = [one.write(pages[0]), two.write(pages[1]), one.write(pages[2])]
    assert [ref.offset for ref in refs] == sorted({ref.offset for ref in refs}) and refs[0].offset == 0
    for ref, kept in zip(refs, pages, strict=False):
        assert verify(tmp_path, ref.file, ref.offset, ref.length, ref.sha256) is None
        data = (tmp_path / ref.file).read_bytes()[ref.offset : ref.offset + ref.length]
        bodies = [r.content_stream().read() for r in ArchiveIterator(io.BytesIO(data)) if r.rec_type == "response"]
        assert bodies == [kept.body]
    (tmp_path / refs[0].file).unlink()
    again = two.write(pages[3])
    assert again.offset == 0 and verify(tmp_path, again.file, again.offset, again.length, again.sha256) is None
    one.close()
    two.close()


def test_groups_from_the_workers_keys_are_the_groups_the_store_makes(tmp_path: Path) -> None:
    """A lead's index keys and own actor id made where the page was analysed (``LeadValues.keys``) give the store
    the same actors, cases and key rows as keys the store makes itself (values made without them)."""
    ads = [
        replace(AD, url=f"http://127.0.0.1:1/post/{n}.html", body=body)
        for n, body in enumerate(
            [
                "初中数学一对一，老师上门，电话13812345678",
                "初中数学一对一，老师上门，周末也可，电话13812345678",  # the same phone: one actor
                "初中数学一对一，老师上门，周末也可，微信 tutor88",  # a repost of the last: one case
                "高中物理寒假集训班，名额有限，电话13987654321",
            ]
        )
    ]
    tables = []
    for made in (True, False):
        with LeadStore(tmp_path / f"{made}.sqlite") as store:
            for ad in ads:
                analysis = analyse(ad)
                values = LeadValues.of(ad, analysis)
                assert (values.keys is not None) is analysis.flagged
                if values.keys is not None:
                    assert values.keys == GroupKeys.of(values.columns["contacts"], values.columns["minhash"])
                store.upsert(ad, analysis, "2026-11-01T01:00:00", values=values if made else replace(values, keys=None))
            leads = store.conn.execute("SELECT url, actor_id, case_id FROM leads ORDER BY url").fetchall()
            keys = store.conn.execute("SELECT key, lead FROM lead_keys ORDER BY key, lead").fetchall()
        tables.append(([tuple(row) for row in leads], [tuple(row) for row in keys]))
    assert tables[0] == tables[1]
    leads, keys = tables[0]
    assert len(leads) == 4 and keys
    assert leads[0][1] == leads[1][1] != ""  # the shared phone made one actor
    assert leads[1][2] == leads[2][2] != ""  # the repost joined its case
