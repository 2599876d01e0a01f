"""The same listing gets the same verdict everywhere: the engine, `scan`, the crawl (the leads store) and `check`.

The whole labelled corpus (with publishers from the licence registry and phone numbers mixed in)
is served as a site on 127.0.0.1 and crawled; each page is also extracted offline with the same
site config, so the expected analyses are the engine's on exactly the fields the crawl saw.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from scrapy.http import HtmlResponse

from crawler.config.site_config import load_sites
from crawler.extraction.extract import extract_listing
from crawler.extraction.listing import Listing
from crawler.leads.store import analysis_columns, evidence_columns
from detectors import default_engine
from detectors.contract import analysis_json
from detectors.evaluation import labelled_files, load_labelled
from detectors.models import Analysis
from tests.conftest import TUTORWATCH, read_jsonl
from tests.support.listing_site import render_site, serve_site, site_config

PUBLISHERS = ("", "岳阳金榜教育", "王老师", "岳阳博文教育培训学校", "小雨英语工作室", "岳阳启慧思维教育", "")
COMPARED = ("categories", "rules", "matched_text", "basis", "score", "contacts", "institutions", "registry_status")


@dataclass(frozen=True)
class Corpus:
    listings: list[Listing]  # as the crawl extracts them
    analyses: list[Analysis]  # the engine's, in this process
    root: Path
    command: list[str]  # tutorwatch with this corpus' database, reports and sites
    port: int


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    items = [
        {
            "title": item.title,
            "body": item.text,
            "publisher": PUBLISHERS[n % len(PUBLISHERS)],
            "contact": f"138 0000 {n:04d}" if n % 3 == 0 else "",
        }
        for n, item in enumerate(load_labelled(labelled_files()))
    ]
    pages = render_site(items)
    root = tmp_path_factory.mktemp("corpus")
    with serve_site(pages) as port:
        (root / "sites").mkdir()
        (root / "sites" / "corpus.yaml").write_text(yaml.safe_dump(site_config(port), allow_unicode=True))
        (site,) = load_sites(root / "sites")
        listings = []
        for n in range(len(items)):
            url = f"http://127.0.0.1:{port}/post/{n}.html"
            listings.append(extract_listing(HtmlResponse(url, body=pages[f"/post/{n}.html"], encoding="utf-8"), site))
        command = [TUTORWATCH, "--db", str(root / "leads.db"), "--reports-dir", str(root / "reports")]
        command += ["--sites-dir", str(root / "sites")]
        crawled = subprocess.run([*command, "crawl"], capture_output=True, text=True, timeout=900)
        assert crawled.returncode == 0, crawled.stderr
        yield Corpus(listings, default_engine().analyze_many(x.document() for x in listings), root, command, port)


def test_the_crawl_stores_exactly_the_engines_verdicts(corpus: Corpus) -> None:
    with sqlite3.connect(corpus.root / "leads.db") as conn:
        conn.row_factory = sqlite3.Row
        rows = {row["url"]: row for row in conn.execute("SELECT * FROM leads")}
    expected = {x.url: a for x, a in zip(corpus.listings, corpus.analyses, strict=True) if a.flagged}
    assert len(expected) > 1000 and set(rows) == set(expected)
    for url, analysis in expected.items():
        columns = analysis_columns(analysis) | evidence_columns(analysis)
        row = rows[url]
        assert {c: row[c] for c in COMPARED} == {c: columns[c] for c in COMPARED}, url
        assert (row["minhash"], row["stamp"], row["flagged"]) == (columns["minhash"], columns["stamp"], 1), url
    registry = {row["registry_status"] for row in rows.values()}
    assert {"blacklisted", "licensed", "scope mismatch", "not found"} <= registry


def test_scan_finds_the_same_as_the_engine(corpus: Corpus) -> None:
    lines = [
        {
            "id": n,
            "title": x.title,
            "text": x.body,
            "platform": x.platform,
            "publisher": x.publisher,
            "contact": x.contact,
        }
        for n, x in enumerate(corpus.listings)
    ]
    stdin = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    expected = [analysis_json(n, a) for n, a in enumerate(corpus.analyses)]
    for jobs in ("1", "2"):  # in this process, and in two worker processes
        scanned = subprocess.run(
            [TUTORWATCH, "scan", "--format", "jsonl", "--jobs", jobs], input=stdin, capture_output=True, text=True
        )
        assert scanned.returncode == 0, scanned.stderr
        assert read_jsonl(scanned.stdout) == expected, f"--jobs {jobs}"


def test_check_finds_the_same_as_the_engine(corpus: Corpus) -> None:
    flagged = [n for n, a in enumerate(corpus.analyses) if a.flagged and a.registry][:4]
    flagged += [n for n, a in enumerate(corpus.analyses) if a.flagged and not a.registry][:3]
    clean = [n for n, a in enumerate(corpus.analyses) if not a.flagged][:3]
    urls = [corpus.listings[n].url for n in flagged + clean]
    checked = subprocess.run([*corpus.command, "check", *urls, "--format", "json"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    for n, record in zip(flagged + clean, json.loads(checked.stdout), strict=True):
        expected = analysis_json(record["url"], corpus.analyses[n])
        assert {k: record[k] for k in expected} == expected
