"""`tutorwatch rescan`: stored leads through today's engine; what changed is reported, verdicts are kept."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from crawler.analysis.rescan import rescan
from crawler.extraction.listing import Listing
from crawler.leads.store import LeadStore
from detectors import EngineConfig, default_engine
from detectors.catalogue import RULES_DIR
from tests.conftest import TUTORWATCH

PAGES = {
    "weak": ("周末数学辅导", "欢迎咨询", ""),  # flagged, but not far above the threshold
    "strong": ("初中数学一对一", "老师上门，保证提分，电话13800001111", "岳阳新起点教育"),
    "holiday": ("寒假初中物理集训", "小班授课", ""),
}


def listing(name: str) -> Listing:
    title, body, publisher = PAGES[name]
    return Listing(f"http://127.0.0.1:1/{name}", "", "s", "tutoring", title, body, publisher)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "leads.db"
    with LeadStore(path) as store:
        for name in PAGES:
            page = listing(name)
            assert store.upsert(page, default_engine().analyze(page.document()), "2026-11-01T01:00:00") == "new"
        store.conn.execute("UPDATE leads SET status = 'confirmed', notes = '已约谈', stamp = ''")
    return path


def rows(db: Path) -> dict[str, sqlite3.Row]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return {row["url"].rsplit("/", 1)[1]: row for row in conn.execute("SELECT * FROM leads")}


def test_a_dry_run_reports_and_writes_nothing(db: Path) -> None:
    before = rows(db)
    with LeadStore(db) as store:
        report = rescan(store, EngineConfig(threshold=0.99), dry_run=True)
    assert report.leads == 3 and report.counts["dropped"] >= 1 and report.counts["unchanged"] >= 1
    assert report.stamps_before == {"(none: analysed before stamps)": 3}
    assert "threshold=0.99" in report.stamp
    assert {k: dict(v) for k, v in rows(db).items()} == {k: dict(v) for k, v in before.items()}


def test_rescan_stores_todays_analysis_and_keeps_verdicts(db: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)  # a rule change: the holiday rules are withdrawn
    (rules / "holiday_training.yaml").write_text("matchers: {}\n", encoding="utf-8")
    with LeadStore(db) as store:
        report = rescan(store, EngineConfig(rules_dir=rules, model=None))
    after = rows(db)
    assert {change.lead_id: change.kind for change in report.changes}[after["holiday"]["lead_id"]] in (
        "dropped",
        "categories",
    )
    assert "holiday_training" not in after["holiday"]["categories"]
    assert all(row["stamp"] == report.stamp and "model=none" in row["stamp"] for row in after.values())
    assert all((row["status"], row["notes"]) == ("confirmed", "已约谈") for row in after.values())
    assert after["holiday"]["changed_at"] > "2026-11-01T01:00:00", "a lead whose findings changed is changed today"
    assert after["strong"]["registry_status"] == "not found" and after["strong"]["contacts"] == "phone:13800001111"


def test_rescan_at_the_cli(db: Path, tmp_path: Path) -> None:
    base = [TUTORWATCH, "--db", str(db), "--reports-dir", str(tmp_path / "reports")]
    dry = subprocess.run([*base, "--threshold", "0.99", "rescan", "--dry-run"], capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    assert "3 leads re-analysed with rules=" in dry.stdout and "dry run: nothing written" in dry.stdout
    weak = rows(db)["weak"]["lead_id"]
    assert f"{weak}\tdropped\t" in dry.stdout
    assert not (tmp_path / "reports" / "leads.csv").exists()
    done = subprocess.run([*base, "rescan", "--jobs", "2"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    header = (tmp_path / "reports" / "leads.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert "stamp" in header.split(",")
    stamp = str(default_engine().stamp)
    assert all(row["stamp"] == stamp for row in rows(db).values())
