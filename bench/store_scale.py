"""The leads store at scale, beside plain sqlite3/csv doing the same I/O in the same run.

    .venv/bin/python bench/store_scale.py [--leads 1000000] [--night 50000] [--review 100000]

Fills a fresh store with N synthetic leads (their actor/case ids and index keys included), found
over 100 nights like a store a year of crawling grows (as many each night; scores 0.5–1), then
times, each beside a baseline in the same run:

- export: leads.csv + the last night's file (1% of the store) + leads.xlsx (ours) vs SELECT of the same raw columns in
  the same order → csv.writer, for both CSV files (baseline; it writes no XLSX);
- review import of R rows (ours: every row checked, then applied per lead with its revision and
  history, in one transaction) vs csv.reader → executemany UPDATE of the same columns (verdict,
  the content hash it was given on, when, the revision) and INSERT of the same history rows, on
  a copy of the store as it was before ours (baseline);
- one night of M listings (ours: StorePipeline's path, COMMIT_PAGES pages per transaction, run
  outcomes kept, each listing's analysis carrying the folded text the detectors made; the mix is
  60% known unchanged leads, 10% changed, 10% new, 10% re-posts of known ads under new addresses,
  10% clean pages) vs executemany of the same page, lead, outcome and key rows in one
  transaction (baseline).

The synthetic ads are a template (grade, subject, form, stock phrases, price, one of 20,000
phones) around 40 random characters each advertiser writes in: two ads share a MinHash band
about as rarely as the labelled corpus's do, and a re-post joins its original's case.

Prints seconds, the ratio and peak memory (max RSS of this process).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import resource
import shutil
import sqlite3
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from crawler.extraction.listing import Listing
from crawler.leads.columns import LEAD_COLUMNS
from crawler.leads.export import export_store
from crawler.leads.fingerprint import content_hash, lead_id
from crawler.leads.groups import actor_of, band_keys, contact_keys
from crawler.leads.review import import_review
from crawler.leads.store import LeadStore
from crawler.pipelines.store import COMMIT_PAGES
from detectors import default_engine
from detectors.models import Analysis, Finding, Span
from detectors.signature import signature

SUBJECTS = ["数学", "英语", "物理", "化学", "语文", "生物", "地理", "历史", "钢琴", "美术", "编程", "舞蹈"]
GRADES = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三", "高一", "高二", "高三"]
FORMS = ["一对一", "小班课", "上门辅导", "线上课", "周末班", "寒假班", "暑假班", "晚托班", "陪读", "冲刺营"]
PHRASES = (  # stock phrases of tutoring ads, space-separated
    "985在读大学生 退休教师 十年教龄 名校毕业 提分快 可试听 包教包会 经验丰富 耐心细致 "
    "因材施教 重点中学老师 小升初衔接 中考冲刺 高考提分 作业辅导 错题讲解 同步预习 查漏补缺 "
    "培优拔高 基础巩固 可上门 地铁口 环境安静 不满意退费 先试课后付费 老生带新生优惠 名额有限 "
    "随到随学 全程跟踪 每周反馈 家长群 免费测评 师范专业 双语教学 奥数竞赛 阅读写作 口语陪练 "
    "实验演示 思维导图 学霸笔记 真题精讲 押题准 三人成班 停车方便 空调教室 接送孩子 提供午餐 "
    "晚饭托管 寄宿 网课回放 一周三次 每次两小时 按月收费 可开发票"
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
STREETS = ["建设路", "人民路", "解放路", "五一路", "东风路", "青年路", "南湖大道", "金鹗路", "巴陵路", "花板桥路"]
DISTRICTS = ["岳阳楼区", "君山区", "云溪区", "源城区"]
SPAN = Span(0, 3, "x")
FLAGGED = Analysis(0.9, True, (Finding("one_on_one", "one_on_one/x", "high", ("YY 四(二)",), SPAN, (SPAN,), "x"),))
CLEAN = Analysis(0.1, False, ())
WRITTEN = ("new", "changed")
EXPORT_DAY, DAYS = date(2026, 11, 1), 100  # the store grew over 100 nights; the day file is the last one's


def listing(i: int, edit: str = "", url: int | None = None) -> Listing:
    """Listing number i: a tutoring ad of random grade, subject, form and phrases, and a phone
    number some other listings share; ``url`` re-posts its text under another listing's address."""
    rng = random.Random(i)
    title = f"{rng.choice(GRADES)}{rng.choice(SUBJECTS)}{rng.choice(FORMS)}"
    teacher = f"{rng.choice(SURNAMES)}老师，{rng.choice(STREETS)}{rng.randrange(1, 300)}号"
    phone = random.Random(-rng.randrange(20_000)).randrange(13 * 10**9, 19 * 10**9)  # 20,000 advertisers
    price = f"{rng.randrange(80, 400)}元每{rng.choice('次节时')}"
    story = "".join(chr(rng.randrange(0x4E00, 0x9FA6)) for _ in range(40))  # what each advertiser writes in
    body = "，".join([teacher, *rng.sample(PHRASES.split(), 6), story, price, f"电话{phone}"])
    return Listing(f"http://127.0.0.1/p/{i if url is None else url}", "", "s", "tutoring", title, body + edit)


def fill(db: Path, count: int, real: int) -> None:
    """N leads written straight into the schema (made by the store's migrations); the first ``real``
    are the pages the night re-crawls, with their true content hash, MinHash and index keys.

    The store grew over DAYS nights (as many leads found each night, the last one on EXPORT_DAY),
    with scores between 0.5 and 1."""
    LeadStore(db).close()
    rng = random.Random(1)
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA synchronous=OFF")
        for start in range(0, count, 50_000):
            batch = []
            for i in range(start, min(start + 50_000, count)):
                page = listing(i)
                digest, minhash = f"h{i}", rng.randbytes(256)
                if i < real:
                    digest, minhash = content_hash(page), signature(default_engine().fold(f"{page.title}\n{page.body}"))
                contacts = f"phone:{page.body.rsplit('电话', 1)[1]}"
                found = EXPORT_DAY - timedelta(days=DAYS - 1 - i * DAYS // count)
                batch.append(
                    {
                        "lead_id": lead_id(page.url),
                        "url": page.url,
                        "title": page.title,
                        "body": page.body,
                        "district": DISTRICTS[i % 4],
                        "score": round(rng.uniform(0.5, 1), 2),
                        "content_hash": digest,
                        "found": found.isoformat(),
                        "contacts": contacts,
                        "minhash": minhash,
                        "actor_id": actor_of(contacts),  # as the store keeps it: one actor per contact
                        "case_id": f"C{i:012x}",
                    }
                )
            _insert(conn, batch)


def _insert(conn: sqlite3.Connection, batch: list[dict]) -> None:
    conn.executemany(
        "INSERT INTO leads (lead_id, url, site, platform, title, body, publisher, contact, city, district, price,"
        " posted_at, categories, rules, matched_text, basis, score, flagged, content_hash, first_seen, last_seen,"
        " changed_at, contacts, minhash, actor_id, case_id) VALUES (:lead_id, :url, 's', 'tutoring', :title, :body,"
        " '', '', '岳阳市', :district, '', '', 'one_on_one', 'one_on_one/x', '一对一', 'YY 四(二)', :score, 1,"
        " :content_hash, :found, :found, :found, :contacts, :minhash, :actor_id, :case_id)",
        batch,
    )
    first = conn.execute("SELECT max(rowid) FROM leads").fetchone()[0] - len(batch) + 1
    keys = [
        (key, first + n)
        for n, row in enumerate(batch)
        for key in contact_keys(row["contacts"]) + band_keys(row["minhash"])
    ]
    conn.executemany("INSERT OR IGNORE INTO lead_keys VALUES (?, ?)", keys)


def before(db: Path) -> Path:
    """A copy of the store for the baseline, so it starts from the store ours starts from."""
    copy = db.with_name("baseline.db")
    shutil.copyfile(db, copy)
    return copy


def timed(label: str, ours: float, baseline: float) -> None:
    print(f"{label:<52} ours {ours:7.2f} s   baseline {baseline:7.2f} s   ratio {ours / baseline:5.2f}x", flush=True)


def bench_export(db: Path, work: Path) -> None:
    start = time.perf_counter()
    with LeadStore(db) as store:
        export_store(store, work / "reports", EXPORT_DAY)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    with sqlite3.connect(db) as conn:
        select = f"SELECT {', '.join(_raw())} FROM leads"
        for name, where in (("baseline.csv", ""), ("baseline-day.csv", f" WHERE changed_at >= '{EXPORT_DAY}'")):
            with (work / name).open("w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(LEAD_COLUMNS)
                writer.writerows(conn.execute(select + where + " ORDER BY score DESC, first_seen, lead_id"))
    timed("export: leads.csv + day file + xlsx vs 2 csv dumps", ours, time.perf_counter() - start)


def _raw() -> list[str]:
    """The stored columns the export reads, for the baseline's plain SELECT."""
    derived = {"evidence": "evidence_file", "changed_since_verdict": "verdict_hash"}
    return [derived.get(c, c) for c in LEAD_COLUMNS]


def bench_review(db: Path, work: Path, count: int) -> None:
    review = work / "review.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(LEAD_COLUMNS)
    for i in range(count):
        ident = lead_id(listing(i).url)
        writer.writerow([ident if c == "lead_id" else "确认" if c == "status" else "" for c in LEAD_COLUMNS])
    review.write_text(buffer.getvalue(), encoding="utf-8-sig")
    copy = before(db)
    start = time.perf_counter()
    with LeadStore(db) as store:
        import_review(store, review)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    with sqlite3.connect(copy) as conn, review.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
        at = EXPORT_DAY.isoformat()
        conn.executemany(  # what a verdict writes: the verdict, the page it was given on, when, its revision
            "UPDATE leads SET status = 'confirmed', verdict_hash = content_hash, reviewed_at = ?,"
            " verdict_rev = verdict_rev + 1 WHERE lead_id = ?",
            ((at, r[0]) for r in rows),
        )
        conn.executemany(  # and its row in the verdict history
            "INSERT INTO verdict_history VALUES (?, 1, '', 'confirmed', '', '', '', ?, 'review.csv')",
            ((r[0], at) for r in rows),
        )
    timed(f"review import of {count:,} rows vs executemany", ours, time.perf_counter() - start)
    copy.unlink()


def night(count: int, known: int) -> list[tuple[Listing, Analysis, str]]:
    """60% known unchanged leads, 10% changed, 10% new leads, 10% re-posts of known ones, 10% clean
    pages; each analysis carries the contacts and signature the engine finds in the page."""
    out = []
    for n in range(count):
        kind = n % 10
        if kind < 6:
            page, verdict, outcome = listing(n % known), FLAGGED, "seen"
        elif kind == 6:
            page, verdict, outcome = listing(n % known, "，周末加课"), FLAGGED, "changed"
        elif kind == 7:
            page, verdict, outcome = listing(10**9 + n), FLAGGED, "new"
        elif kind == 8:  # a known ad re-posted under a new address: a new lead in that ad's case
            page, verdict, outcome = listing(n % known, "，新开班", url=10**9 + n), FLAGGED, "new"
        else:
            page, verdict, outcome = listing(2 * 10**9 + n), CLEAN, "clean"
        out.append((page, verdict, outcome))
    found = default_engine().analyze_many(page.document() for page, _, _ in out)
    return [
        (page, replace(verdict, contacts=a.contacts, institutions=a.institutions, signature=a.signature), outcome)
        for (page, verdict, outcome), a in zip(out, found, strict=True)
    ]


def bench_night(db: Path, count: int, known: int) -> None:
    pages = night(count, known)
    copy = before(db)
    start = time.perf_counter()
    with LeadStore(db, commit_every=COMMIT_PAGES) as store:
        run = store.start_run("crawl")
        for page, analysis, _ in pages:
            store.upsert(page, analysis, "2026-11-02T01:00:00", run_id=run)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    with sqlite3.connect(copy) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executemany(
            "INSERT OR REPLACE INTO pages (url, site, content_hash, first_seen, last_seen, fetched_at)"
            " VALUES (?, 's', 'h', '2026-11-02', '2026-11-02', '2026-11-02')",
            ((p.url,) for p, _, _ in pages),
        )
        conn.executemany(
            "UPDATE leads SET last_seen = '2026-11-02', times_seen = times_seen + 1 WHERE lead_id = ?",
            ((lead_id(p.url),) for p, _, kind in pages if kind == "seen"),
        )
        conn.executemany(
            "INSERT OR REPLACE INTO leads (lead_id, url, site, platform, title, body, publisher, contact, city,"
            " district, price, posted_at, categories, rules, matched_text, basis, score, flagged, content_hash,"
            " first_seen, last_seen, changed_at, minhash) VALUES (?, ?, 's', 'tutoring', ?, ?, '', '', '', '', '',"
            " '', 'one_on_one', 'x', 'x', 'x', 0.9, 1, 'h', 'a', 'a', 'a', ?)",
            ((lead_id(p.url), p.url, p.title, p.body, bytes(256)) for p, _, kind in pages if kind in WRITTEN),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO run_leads VALUES (2, ?, ?)",
            ((lead_id(p.url), kind) for p, _, kind in pages if kind != "clean"),
        )
        conn.executemany(  # a contact key and 16 band keys for each new or changed lead
            "INSERT OR IGNORE INTO lead_keys VALUES (?, ?)",
            (
                (key, n)
                for n, (_, _, kind) in enumerate(pages)
                if kind in WRITTEN
                for key in contact_keys(";".join(f"phone:{n}-{k}" for k in range(17)))
            ),
        )
    timed(f"one night: {count:,} listings vs executemany", ours, time.perf_counter() - start)
    copy.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--night", type=int, default=50_000)
    parser.add_argument("--review", type=int, default=100_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tw-scale-"))
    db = work / "leads.db"
    start = time.perf_counter()
    known = max(min(args.night, args.leads), 1)
    fill(db, args.leads, known)
    print(f"{args.leads:,} leads in {db} ({time.perf_counter() - start:.0f} s to fill)", flush=True)
    bench_export(db, work)
    bench_review(db, work, min(args.review, args.leads))
    bench_night(db, args.night, known)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS) {peak:.0f} MB")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
