"""Bad input at the CLI: one line naming the file and the problem, a distinct exit code, and nothing touched.

Every case starts from the same real store and reports (leads upserted and exported), hashes the
database and every report file, runs the real ``tutorwatch`` command on the bad input, and hashes
again. The crawl log under reports/logs/ is the one file a run may add to (it records the attempt).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import pickle
import shutil
import socket
import sqlite3
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.config.site_config import SITES_DIR
from crawler.extraction.listing import Listing
from crawler.leads.export import export_store
from crawler.leads.fingerprint import lead_id
from crawler.leads.store import LeadStore
from detectors import analyze
from detectors.catalogue import RULES_DIR
from detectors.classifier import DEFAULT_MODEL, save_bundle
from tests.conftest import Workspace

ADS = [
    Listing("http://127.0.0.1:1/p/1", "", "s", "tutoring", "初中数学一对一", "老师上门，周末上课"),
    Listing("http://127.0.0.1:1/p/2", "", "s", "tutoring", '=HYPERLINK("http://x","点")', "高中物理1v1辅导"),
]
FIRST, SECOND = lead_id(ADS[0].url), lead_id(ADS[1].url)
GOOD_SITE = (SITES_DIR / "jiajiao_classifieds.yaml").read_text(encoding="utf-8")
Setup = Callable[[Path], dict[str, str]]  # writes the bad input under the root; returns extra environment


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_config(text: str) -> Setup:
    def setup(root: Path) -> dict[str, str]:
        (root / "sites").mkdir()
        (root / "sites" / "broken_site.yaml").write_text(text, encoding="utf-8")
        return {}

    return setup


def rule_file(edit: Callable[[str], str]) -> Setup:
    """A copy of rules/ with one_on_one.yaml edited, as TUTORWATCH_RULES_DIR."""

    def setup(root: Path) -> dict[str, str]:
        shutil.copytree(RULES_DIR, root / "rules")
        target = root / "rules" / "one_on_one.yaml"
        target.write_text(edit(target.read_text(encoding="utf-8")), encoding="utf-8")
        return {"TUTORWATCH_RULES_DIR": str(root / "rules")}

    return setup


def model_file(make: Callable[[Path], None]) -> Setup:
    def setup(root: Path) -> dict[str, str]:
        make(root / "model.pkl.gz")
        return {"TUTORWATCH_MODEL": str(root / "model.pkl.gz")}

    return setup


def stale_model(path: Path) -> None:
    """The shipped model, as if trained with another scikit-learn."""
    with gzip.open(DEFAULT_MODEL, "rb") as handle:
        bundle = pickle.load(handle)
    bundle["card"]["versions"]["scikit-learn"] = "0.1.0"
    save_bundle(bundle, path)


def review_csv(text: str) -> Setup:
    def setup(root: Path) -> dict[str, str]:
        (root / "review.csv").write_text(text.format(first=FIRST, second=SECOND), encoding="utf-8")
        return {}

    return setup


def truncated_xlsx(root: Path) -> dict[str, str]:
    data = (root / "reports" / "leads.xlsx").read_bytes()
    (root / "review.xlsx").write_bytes(data[: len(data) // 2])
    return {}


def newer_database(root: Path) -> dict[str, str]:
    with sqlite3.connect(root / "leads.db") as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    return {}


def write(name: str, data: bytes) -> Setup:
    def setup(root: Path) -> dict[str, str]:
        (root / name).write_bytes(data)
        return {}

    return setup


def corrupted_database(root: Path) -> dict[str, str]:
    """The store with every page after the first (the schema) overwritten: SQLite opens it, then finds it malformed.

    Every page's b-tree header goes, whatever the crawl's order put on it: sparing a page let the lookup of a
    lead find an intact, empty-looking page now and then ("unknown lead_id" instead of the refusal)."""
    data = bytearray((root / "leads.db").read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for start in range(page, len(data), page):
        data[start : start + 100] = b"\xff" * 100
    (root / "leads.db").write_bytes(bytes(data))
    return {}


def nested_yaml(root: Path) -> dict[str, str]:
    (root / "sites").mkdir()
    (root / "sites" / "broken_site.yaml").write_text("a: " + "[" * 100_000, encoding="utf-8")
    return {}


def edited_xlsx(sheet: Callable[[bytes], bytes] = lambda xml: xml, big_member: str = "") -> Setup:
    """The exported leads.xlsx as review.xlsx, its leads sheet edited; ``big_member``: a 300 MB string added."""

    def setup(root: Path) -> dict[str, str]:
        with (
            zipfile.ZipFile(root / "reports" / "leads.xlsx") as source,
            zipfile.ZipFile(root / "review.xlsx", "w", zipfile.ZIP_DEFLATED) as target,
        ):
            for info in source.infolist():
                data = source.read(info)
                target.writestr(info, sheet(data) if info.filename == "xl/worksheets/sheet1.xml" else data)
            if big_member:
                with target.open(big_member, "w", force_zip64=True) as member:  # streamed: never 300 MB in memory
                    member.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
                    for _ in range(300):
                        member.write(b"A" * 2**20)
                    member.write(b"</t></si></sst>")
        return {}

    return setup


def declared_everything(xml: bytes) -> bytes:
    """A dimension of A1:XFD1048576 and one cell in the last row: the reader would pad a million rows of 16,384."""
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return xml.replace(b"</sheetPr>", b'</sheetPr><dimension ref="A1:XFD1048576"/>').replace(
        b"</sheetData>", far + b"</sheetData>"
    )


def long_cell(xml: bytes) -> bytes:
    """A row with a notes cell of a million characters (inline, under the part size limits)."""
    cell = b'<row r="9999"><c r="T9999" t="inlineStr"><is><t>' + b"A" * 1_000_000 + b"</t></is></c></row>"
    return xml.replace(b"</sheetData>", cell + b"</sheetData>")


def sparse(name: str, size: int) -> Setup:
    """A file of ``size`` bytes that takes no disk (beside the workspace, so the hashes do not read it)."""

    def setup(root: Path) -> dict[str, str]:
        with (root.parent / name).open("wb") as handle:
            handle.truncate(size)
        return {}

    return setup


def nothing(root: Path) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]  # after the global options; {root} is the workspace, {dead} a closed local port
    setup: Setup
    exit_code: int
    says: tuple[str, ...]  # what the one-line error must name: the file (or URL) and the problem
    sites: str = "samples"  # "samples": the sample sites' configs; "root": {root}/sites
    records_run: bool = False  # a run that fetched: its failed run row is the one change to the database


CASES = {
    "invalid URL": Case(("check", "not a url"), nothing, 2, ("'not a url'", "not an http(s) URL")),
    "invalid URL in a hotline file": Case(
        ("check", "--from", "{root}/hotline.txt"),
        write("hotline.txt", "# 投诉线索\nhttp://127.0.0.1:1/a\nwww.example.com/ad\n".encode("gbk")),
        2,
        ("hotline.txt:3", "'www.example.com/ad' is not an http(s) URL"),
    ),
    "unreachable host": Case(
        ("check", "http://127.0.0.1:{dead}/ad"),
        nothing,
        5,
        ("could not fetch http://127.0.0.1:", "robots.txt could not be read (connection refused)"),
        records_run=True,
    ),
    "site config not YAML": Case(
        ("crawl",), site_config("name: [unclosed\n"), 4, ("broken_site.yaml", "not valid YAML"), sites="root"
    ),
    "site config unknown field": Case(
        ("crawl",),
        site_config(GOOD_SITE.replace("detail_links:", "detail_link:")),
        4,
        ("broken_site.yaml", "'list.detail_link'", "Extra inputs are not permitted"),
        sites="root",
    ),
    "site config wrong type": Case(
        ("crawl",),
        site_config(GOOD_SITE.replace("  concurrency: 4", "  concurrency: many")),
        4,
        ("broken_site.yaml", "'politeness.concurrency'"),
        sites="root",
    ),
    "unknown site id": Case(("crawl", "--site", "nosuch"), nothing, 4, ("no site config named nosuch",)),
    "rule file: unknown category": Case(
        ("crawl",),
        rule_file(lambda text: text.replace("category: one_on_one", "category: one_to_one", 1)),
        4,
        ("one_on_one.yaml:", "unknown category 'one_to_one'"),
    ),
    "rule file: not YAML": Case(
        ("crawl",), rule_file(lambda text: text + "\n  - id: [unclosed\n"), 4, ("one_on_one.yaml", "YAML")
    ),
    "model file corrupt": Case(
        ("crawl",),
        model_file(lambda path: path.write_bytes(b"\x1f\x8b\x08\x00garbage")),
        4,
        ("model.pkl.gz", "not a usable model", "tutorwatch train --name model"),
    ),
    "model from another scikit-learn": Case(
        ("crawl",),
        model_file(stale_model),
        4,
        ("model.pkl.gz", "trained with scikit-learn 0.1.0", "tutorwatch train --name model"),
    ),
    "model file missing": Case(
        ("scan", "{root}/ad.txt"),
        model_file(lambda path: (path.parent / "ad.txt").write_text("一对一数学\n", encoding="utf-8")),
        4,
        ("model.pkl.gz", "no model file"),
    ),
    "review file: wrong header": Case(
        ("review", "import", "{root}/review.csv"),
        review_csv("lead_id,verdict\n{first},确认\n"),
        6,
        ("review.csv", "wrong header, missing column(s) status, notes"),
    ),
    "review file: unknown lead_id": Case(
        ("review", "import", "{root}/review.csv"),
        review_csv("lead_id,status,notes\n{first},确认,ok\nLdeadbeef0000,确认,\n"),
        6,
        ("review.csv", "row 3: unknown lead_id 'Ldeadbeef0000'", "nothing was imported"),
    ),
    "review file: bad verdict": Case(
        ("review", "import", "{root}/review.csv"),
        review_csv("lead_id,status,notes\n{first},确认,ok\n{second},好的,\n"),
        6,
        ("review.csv", "row 3: verdict '好的' is not one of 确认/排除/调查中"),
    ),
    "review file: neither UTF-8 nor GBK": Case(
        ("review", "import", "{root}/review.csv"),
        write("review.csv", b"lead_id,status,notes\n\xff\xfe\xff\n"),
        6,
        ("review.csv", "neither UTF-8 nor GBK"),
    ),
    "review file: truncated XLSX": Case(
        ("review", "import", "{root}/review.xlsx"), truncated_xlsx, 6, ("review.xlsx", "not a readable .xlsx file")
    ),
    "database from a newer version": Case(
        ("export",), newer_database, 8, ("leads.db", "schema version 99 is newer than this TutorWatch")
    ),
    "database file not a database": Case(
        ("review", "import", "{root}/reports/leads.csv"),
        write("leads.db", b"SQLite format 2\x00" + b"\x00" * 1000),
        8,
        ("leads.db", "file is not a database"),
    ),
    "scan file not UTF-8": Case(
        ("scan", "{root}/ad.txt"), write("ad.txt", "初中数学一对一".encode("gbk")), 1, ("ad.txt", "not UTF-8 text")
    ),
    "scan file missing": Case(("scan", "{root}/nosuch.jsonl"), nothing, 1, ("nosuch.jsonl", "cannot read")),
    "scan of /dev/zero": Case(("scan", "--format", "jsonl", "/dev/zero"), nothing, 1, ("/dev/zero", "NUL bytes")),
    "site config: invalid XPath selector": Case(
        ("crawl",),
        site_config(GOOD_SITE.replace('title: "h1.post-title"', 'title: "xpath://h1[@class="')),
        4,
        ("broken_site.yaml", "'detail.title'", "not a valid XPath selector"),
        sites="root",
    ),
    "site config nested 100,000 deep": Case(
        ("crawl",), nested_yaml, 4, ("broken_site.yaml", "nested too deeply"), sites="root"
    ),
    "database corrupted": Case(
        ("review", "import", "{root}/reports/leads.csv"),
        corrupted_database,
        8,
        ("leads.db", "the leads database refused: database disk image is malformed"),
    ),
    "--db under a regular file": Case(
        ("--db", "{root}/reports/leads.csv/leads.db", "export"),
        nothing,
        8,
        ("leads.csv/leads.db", "cannot create the database's directory"),
    ),
    "review file: one lead twice with different verdicts": Case(
        ("review", "import", "{root}/review.csv"),
        review_csv("lead_id,status,notes\n{first},确认,\n{second},排除,\n{first},排除,\n"),
        6,
        (
            "review.csv",
            "nothing was imported",
            "row 4: lead",
            "is also on row 2 with another verdict or note",
        ),
    ),
    "review file: 500,000-column header": Case(
        ("review", "import", "{root}/review.csv"),
        review_csv("lead_id,status,notes" + ",x" * 500_000 + "\n{first},确认,\n"),
        6,
        ("review.csv", "the header has 500,003 columns; a review file has at most 200"),
    ),
    "review file: 6 GB": Case(
        ("review", "import", "{root}/../huge.csv"),
        sparse("huge.csv", 6 * 2**30),
        6,
        ("huge.csv", "6,144 MB; a review file may be at most 256 MB"),
    ),
    "review file: XLSX declaring A1:XFD1048576": Case(
        ("review", "import", "{root}/review.xlsx"),
        edited_xlsx(declared_everything),
        6,
        ("review.xlsx", "declares 16,384 columns; a review file has at most 200"),
    ),
    "review file: XLSX holding a 300 MB string": Case(
        ("review", "import", "{root}/review.xlsx"),
        edited_xlsx(big_member="xl/sharedStrings.xml"),
        6,
        ("review.xlsx", "part xl/sharedStrings.xml inflates to 300 MB (at most 128 MB)"),
    ),
    "review file: XLSX cell longer than Excel allows": Case(
        ("review", "import", "{root}/review.xlsx"),
        edited_xlsx(long_cell),
        6,
        ("review.xlsx", "longer than Excel's 32,767 characters"),
    ),
}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real store with leads and the reports exported from it."""
    root = tmp_path_factory.mktemp("baseline")
    with LeadStore(root / "leads.db") as store:
        for ad in ADS:
            store.upsert(ad, analyze(ad.title, ad.body, ad.platform))
        export_store(store, root / "reports")
    return root


def snapshot(root: Path) -> dict[str, str]:
    """SHA-256 of every file under the workspace (database, reports, inputs) but the crawl log and the lock."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "logs" not in path.relative_to(root).parts and path.suffix != ".lock"
    }


def database_without_runs(db: Path) -> list[str]:
    """The database's content but for the run records."""
    runs = ('INSERT INTO "runs"', 'INSERT INTO "run_sites"')
    with sqlite3.connect(db) as conn:
        dump = [line for line in conn.iterdump() if not line.startswith(runs)]
    conn.close()
    return dump


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_input_is_refused_in_one_line_and_touches_nothing(
    case: Case, baseline: Path, workspace: Workspace, tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    shutil.copytree(baseline, root)
    env = case.setup(root)
    before = snapshot(root)
    content = database_without_runs(root / "leads.db") if case.records_run else []
    ws = Workspace(root, workspace.samples)
    args = [arg.format(root=root, dead=closed_port()) for arg in case.args]
    result = ws.run(*args, env=env, sites_dir=root / "sites" if case.sites == "root" else None)
    assert result.returncode == case.exit_code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tutorwatch: error: "), result.stderr
    for fragment in case.says:
        assert fragment in lines[0]
    after = snapshot(root)
    if case.records_run:
        assert database_without_runs(root / "leads.db") == content
        before.pop("leads.db"), after.pop("leads.db")
        with sqlite3.connect(root / "leads.db") as conn:
            assert conn.execute("SELECT status FROM runs").fetchall() == [("failed",)]
        conn.close()
    assert after == before


def test_exit_codes_are_distinct_per_kind_of_failure() -> None:
    """One code per kind (bad arguments, bad input, config, fetch, review, database), each documented."""
    kinds = {case.exit_code for case in CASES.values()}
    assert kinds == {1, 2, 4, 5, 6, 8}  # 3 (partial) and 7 (crawl locked) are not bad input
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    exit_codes = readme[readme.index("Exit codes:") :].split("\n\n")[0]
    assert all(f"`{code}`" in exit_codes for code in kinds)


def test_gbk_review_csv_saved_by_excel_is_accepted(baseline: Path, workspace: Workspace, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(baseline, root)
    rows = list(csv.DictReader(io.StringIO((root / "reports" / "leads.csv").read_text("utf-8-sig"))))
    rows[0]["status"], rows[0]["notes"] = "确认", "住家老师带教，转市场监管"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    (root / "review-gbk.csv").write_bytes(buffer.getvalue().encode("gbk"))
    result = Workspace(root, workspace.samples).run("review", "import", str(root / "review-gbk.csv"))
    assert result.returncode == 0, result.stderr
    with LeadStore(root / "leads.db") as store:
        row = store.conn.execute("SELECT status, notes FROM leads WHERE lead_id = ?", (rows[0]["lead_id"],)).fetchone()
    assert tuple(row) == ("confirmed", "住家老师带教，转市场监管")
