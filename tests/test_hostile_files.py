"""Files and input people bring back, and the database under load: bounded, and never a traceback (issue 16).

What is accepted here must be accepted in bounded work (a CPU-seconds cap, no wall-clock timing);
what is refused is refused in one line, and crawler/leads/ files stay whole. The refusals that
touch nothing are cases of tests/test_bad_input.py; these are the ones that import, export or
are interrupted.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import resource
import signal
import sqlite3
import subprocess
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook

from crawler.extraction.listing import Listing
from crawler.leads.export import export_store
from crawler.leads.store import LeadStore
from detectors import analyze
from tests.conftest import TUTORWATCH
from tests.support.processes import all_ended, spawned_workers

AD = Listing("http://127.0.0.1:1/p/0", "", "s", "tutoring", "初中数学一对一", "老师上门，周末上课，电话13800001234")
MANY = 2_000  # the Chinese workbook (explanations, priorities) takes seconds for these: time to kill it mid-write


def limits(cpu: int = 0, file_bytes: int = 0) -> Callable[[], None]:
    def apply() -> None:
        if cpu:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        if file_bytes:  # a full disk: writes past this size fail (EFBIG) instead of killing the process
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))

    return apply


def tutorwatch(root: Path, *args: str, preexec: Callable[[], None] | None = None, stdin: str | None = None):
    command = [TUTORWATCH, "--db", str(root / "leads.db"), "--reports-dir", str(root / "reports"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, preexec_fn=preexec, input=stdin)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob(".*.tmp"))


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A store holding one real lead, exported."""
    with LeadStore(tmp_path / "leads.db") as leads:
        leads.upsert(AD, analyze(AD.title, AD.body, AD.platform))
        export_store(leads, tmp_path / "reports")
    return tmp_path


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of MANY leads (copies of one real lead), exported once."""
    root = tmp_path_factory.mktemp("many")
    with LeadStore(root / "leads.db") as leads:
        leads.upsert(AD, analyze(AD.title, AD.body, AD.platform))
        row = dict(leads.conn.execute("SELECT * FROM leads").fetchone())
        columns = [name for name in row if name != "lead_id" and name != "url"]
        leads.conn.execute("BEGIN")
        leads.conn.executemany(
            f"INSERT INTO leads (lead_id, url, {', '.join(columns)}) VALUES (?, ?{', ?' * len(columns)})",
            ((f"L{n:012x}", f"http://127.0.0.1:1/p/{n}", *(row[c] for c in columns)) for n in range(1, MANY)),
        )
        leads.conn.execute("COMMIT")
        export_store(leads, root / "reports")
    return root


def lead_of(root: Path) -> str:
    rows = list(csv.DictReader(io.StringIO((root / "reports" / "leads.csv").read_text("utf-8-sig"))))
    return rows[0]["lead_id"]


def test_a_character_no_workbook_can_hold_never_stops_an_export(store: Path) -> None:
    """A lead stored by an older TutorWatch with U+FFFF and a control character: reported, written replaced."""
    with sqlite3.connect(store / "leads.db") as conn:
        conn.execute("UPDATE leads SET title = ? ", ("初中数学\uffff一对一\x1b[2J\ufffe",))
    conn.close()
    result = tutorwatch(store, "export")
    assert result.returncode == 0, result.stderr
    assert "待研判工作簿：" in result.stdout and "全部线索 1 条" in result.stdout, "what export wrote, in Chinese"
    assert "1 lead(s) hold characters a workbook cannot" in result.stderr
    book = load_workbook(store / "reports" / "leads.xlsx", read_only=True)
    [title] = [row[1] for row in book["线索"].iter_rows(min_row=2, values_only=True)]
    summary = [row for row in book["汇总"].iter_rows(values_only=True) if row[1] and "无法写入" in str(row[1])]
    book.close()
    assert title == "初中数学\ufffd一对一\ufffd[2J\ufffd" and summary
    review = store / "review.csv"
    review.write_text(f"lead_id,status,notes\n{lead_of(store)},确认,转市场监管\n", encoding="utf-8")
    imported = tutorwatch(store, "review", "import", str(review))
    assert imported.returncode == 0, imported.stderr
    assert "1 条研判结论、1 条备注已从" in imported.stdout


def test_a_workbook_declaring_a_far_cell_is_read_in_bounded_work(store: Path) -> None:
    """One cell at XFD1048576 behind an honest dimension: rows are read as present, never padded to 16,384."""
    source = store / "reports" / "leads.xlsx"
    edited = store / "review.xlsx"
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", far + b"</sheetData>")
            new.writestr(info, data)
    assert edited.stat().st_size < 100_000
    result = tutorwatch(store, "review", "import", str(edited), preexec=limits(cpu=60))
    assert result.returncode == 0, f"exit {result.returncode} (-24: CPU limit hit) {result.stderr}"


def test_a_long_title_never_breaks_csv_review_import(store: Path) -> None:
    title = "初中数学一对一" * 30_000  # 210,000 characters: past csv's default field limit of 131,072
    with sqlite3.connect(store / "leads.db") as conn:
        conn.execute("UPDATE leads SET title = ?", (title,))
    conn.close()
    assert tutorwatch(store, "export").returncode == 0
    csv.field_size_limit(10**7)  # the test reads the file as the analyst's spreadsheet would
    rows = list(csv.DictReader(io.StringIO((store / "reports" / "leads.csv").read_text("utf-8-sig"))))
    rows[0]["status"] = "排除"
    rows.append(dict(rows[0]))  # the same lead twice with the same verdict: no conflict
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    (store / "review.csv").write_text(buffer.getvalue(), encoding="utf-8")
    result = tutorwatch(store, "review", "import", str(store / "review.csv"))
    assert result.returncode == 0, result.stderr
    assert "1 条研判结论" in result.stdout  # one lead, however many rows name it


def test_a_database_locked_past_the_busy_timeout_is_one_line(store: Path) -> None:
    review = store / "review.csv"
    review.write_text(f"lead_id,status,notes\n{lead_of(store)},确认,\n", encoding="utf-8")
    holder = sqlite3.connect(store / "leads.db", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another writer, holding the lock for good
    try:
        locked = tutorwatch(store, "review", "import", str(review))
    finally:
        holder.execute("ROLLBACK")
    assert locked.returncode == 7, locked.stderr
    [line] = locked.stderr.strip().splitlines()
    assert line.startswith("tutorwatch: error: ") and "stayed locked by another writer for 10 s" in line
    holder.execute("BEGIN IMMEDIATE")  # a crawl's batch: committed within the busy timeout
    threading.Timer(2.0, lambda: holder.execute("COMMIT")).start()
    waited = tutorwatch(store, "review", "import", str(review))
    holder.close()
    assert waited.returncode == 0, waited.stderr


def test_a_full_disk_is_one_line_and_the_old_files_stay(many: Path, tmp_path: Path) -> None:
    before = {name: digest(many / "reports" / name) for name in ("leads.csv", "leads.xlsx")}
    result = tutorwatch(many, "export", preexec=limits(file_bytes=256 * 1024))
    assert result.returncode == 1, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line == "tutorwatch: error: File too large"
    assert {name: digest(many / "reports" / name) for name in before} == before
    assert leftovers(many / "reports") == []
    review = tmp_path / "review.csv"
    review.write_text(f"lead_id,status,notes\n{lead_of(many)},调查中,\n", encoding="utf-8")
    imported = tutorwatch(many, "review", "import", str(review), preexec=limits(file_bytes=256 * 1024))
    assert imported.returncode == 1 and "1 条研判结论、0 条备注已从" in imported.stdout
    [line] = imported.stderr.strip().splitlines()
    assert "the verdicts are imported, but the leads files could not be rewritten (File too large)" in line
    with sqlite3.connect(many / "leads.db") as conn:
        assert conn.execute("SELECT status FROM leads WHERE lead_id = ?", (lead_of(many),)).fetchone() == (
            "investigating",
        )
    conn.close()
    assert {name: digest(many / "reports" / name) for name in before} == before


def test_kill_9_of_export_leaves_no_workbook_writer_and_no_temp_files(many: Path) -> None:
    reports = many / "reports"
    before = digest(reports / "leads.xlsx")
    command = [TUTORWATCH, "--db", str(many / "leads.db"), "--reports-dir", str(reports), "export"]
    export = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    writer: list[int] = []
    for _ in range(3000):  # until the workbook process (a spawned child of the export) is writing leads.xlsx
        writer = spawned_workers(export.pid)
        if writer and list(reports.glob(".leads.xlsx.*.tmp")):
            break
        time.sleep(0.02)
    assert writer and list(reports.glob(".leads.xlsx.*.tmp")), "the export's workbook process is writing"
    os.kill(export.pid, signal.SIGKILL)
    export.wait()
    assert all_ended(writer), "the workbook process died with the export"
    time.sleep(3)  # long enough for a surviving writer to have replaced it
    assert digest(reports / "leads.xlsx") == before
    assert leftovers(reports), "the killed export left its temporary files"
    assert tutorwatch(many, "export").returncode == 0
    assert leftovers(reports) == [], "the next export removed what the killed one left"


def refuse(word: str) -> None:
    raise AssertionError(f"{word} in the output: not JSON")


def test_scan_answers_every_line_around_hostile_ones() -> None:
    lines = [
        '{"id": 1, "title": "初中数学一对一", "text": ""}',
        '{"id": 2, "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"id": NaN, "title": "一对一", "text": ""}',
        '{"id": 1e999, "title": "一对一", "text": ""}',
        '{"id": -Infinity, "title": "一对一", "text": ""}',
        '{"id": 6, "title": "' + "a" * (9 * 2**20) + '", "text": ""}',
        '{"id": 7, "title": "\\u001b]0;owned\\u0007一对一数学", "text": ""}',
    ]
    result = subprocess.run(
        [TUTORWATCH, "scan", "--format", "jsonl"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limits(cpu=60),
    )
    assert result.returncode == 1, result.stderr
    out = [json.loads(line, parse_constant=refuse) for line in result.stdout.splitlines()]  # strict JSON
    assert [record.get("id") for record in out] == [1, None, None, None, None, None, 7]
    errors = [record.get("error", "") for record in out]
    assert "nested too deeply" in errors[1] and "NaN is not a number" in errors[2]
    assert "1e999 is too large" in errors[3] and "-Infinity is not a number" in errors[4]
    assert "longer than 8 MB" in errors[5]
    assert out[0]["flagged"] and out[6]["flagged"]
