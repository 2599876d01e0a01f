"""The morning report and failure detection, for real: the sample sites crawled, then crawled broken.

Night 1 crawls the samples (plus one listing whose title and district are HTML); night 2 runs with
one site's selectors broken and another site's port dead; night 3 with every site dead. Then the
analyst confirms leads and the period report lists them with their evidence.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Samples, Workspace, write_sample_configs
from tests.support.sample_server import SAMPLE_DIR, SITE_KINDS, serve_samples

HOSTILE = {
    "id": "jc999",
    "platform": "tutoring",
    "title": '<script>alert("x")</script>周末初中数学一对一上门辅导',
    "body": "本人在职数学老师，周末一对一上门辅导初中数学，保证提分。",
    "publisher": "王老师",
    "contact": "13800009999",
    "city": "岳阳市",
    "district": "<img src=x onerror=alert(1)>区",
    "price": "150元/小时",
    "posted_at": "2026-10-10",
    "categories": ["one_on_one"],
    "why": "test: crawled text that is HTML must be escaped in the reports",
}


@dataclass
class Nights:
    workspace: Workspace
    first: subprocess.CompletedProcess
    second: subprocess.CompletedProcess
    third: subprocess.CompletedProcess
    summary_first: dict
    summary_second: dict
    html_first: str
    html_second: str


def dead_port() -> int:
    """A port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def day_folder(ws: Workspace) -> Path:
    [folder] = (ws.reports / "runs").iterdir()
    return folder


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nights]:
    root = tmp_path_factory.mktemp("nights")
    data = root / "sample_sites"
    shutil.copytree(SAMPLE_DIR, data)
    with (data / "jiajiao_classifieds" / "listings.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(HOSTILE, ensure_ascii=False) + "\n")
    good, broken, dead = root / "good", root / "broken", root / "dead"
    for folder in (good, broken, dead):
        folder.mkdir()
    with serve_samples(dict.fromkeys(SITE_KINDS, 0), data) as ports:
        write_sample_configs(ports, good)
        write_sample_configs(ports | {"gig_jobs": dead_port()}, broken)
        agency = broken / "jiazheng_agency.yaml"
        agency.write_text(agency.read_text(encoding="utf-8").replace("div.card a.profile", "div.gone a"), "utf-8")
        write_sample_configs(dict.fromkeys(ports, dead_port()), dead)
        ws = Workspace(root / "run", Samples(good, ports))
        first = ws.run("crawl")
        summary_first = json.loads((day_folder(ws) / "summary.json").read_text(encoding="utf-8"))
        html_first = (day_folder(ws) / "report.html").read_text(encoding="utf-8")
        second = ws.run("crawl", sites_dir=broken)
        summary_second = json.loads((day_folder(ws) / "summary.json").read_text(encoding="utf-8"))
        html_second = (day_folder(ws) / "report.html").read_text(encoding="utf-8")
        third = ws.run("crawl", sites_dir=dead)
        yield Nights(ws, first, second, third, summary_first, summary_second, html_first, html_second)


def leads_csv(ws: Workspace) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((ws.reports / "leads.csv").read_text(encoding="utf-8-sig"))))


def test_first_night_counts_every_lead_as_new(nights: Nights) -> None:
    assert nights.first.returncode == 0, nights.first.stderr
    summary = nights.summary_first
    leads = leads_csv(nights.workspace)
    assert summary["status"] == "ok" and summary["failed_sites"] == []
    assert summary["leads"] == {"new": len(leads), "changed": 0, "recurring": 0, "total": len(leads)}
    assert {row["site"]: row["health"] for row in summary["sites"]} == dict.fromkeys(SITE_KINDS, "ok")
    by_site = {row["key"]: row["new"] for row in summary["by_site"]}
    assert by_site == {site: sum(lead["site"] == site for lead in leads) for site in SITE_KINDS}
    one_on_one = next(row for row in summary["by_category"] if row["key"] == "one_on_one")
    assert one_on_one["new"] == sum("one_on_one" in lead["categories"].split(";") for lead in leads)
    assert summary["trend"][-1]["new"] == len(leads)
    assert "┃" not in nights.first.stderr, "no live table without a terminal"
    [log] = (nights.workspace.reports / "logs").glob("crawl-*.log")
    assert "Spider closed (finished)" in log.read_text(encoding="utf-8")


def test_a_site_that_stops_yielding_fails_the_night_loudly(nights: Nights) -> None:
    second = nights.second
    assert second.returncode == 3, second.stderr
    assert re.search(r"FAILED: jiazheng_agency: yielded 50 listings on earlier nights, none now", second.stderr)
    assert "FAILED: gig_jobs" in second.stderr
    summary = nights.summary_second
    assert summary["status"] == "partial"
    assert summary["failed_sites"] == ["gig_jobs", "jiazheng_agency"]
    health = {row["site"]: row for row in summary["sites"]}
    assert health["jiajiao_classifieds"]["health"] == "ok"
    assert health["jiazheng_agency"]["pages"] > 0 and health["jiazheng_agency"]["listings"] == 0
    assert health["gig_jobs"]["pages"] == 0 and health["gig_jobs"]["usual"] == 50
    still_ok = {site for site, row in health.items() if row["health"] == "ok"}
    assert still_ok == set(SITE_KINDS) - {"gig_jobs", "jiazheng_agency"}
    recurring = sum(lead["site"] in still_ok for lead in leads_csv(nights.workspace))
    assert summary["leads"] == {"new": 0, "changed": 0, "recurring": recurring, "total": recurring}
    alarms = re.findall(r'<div class="alarm">FAILED[^<]*</div>', nights.html_second)
    assert len(alarms) == 2 and "jiazheng_agency" in alarms[1] and "none now" in alarms[1]


def test_a_night_where_every_site_fails_exits_5(nights: Nights) -> None:
    assert nights.third.returncode == 5, nights.third.stderr
    assert "every site failed" in nights.third.stderr
    summary = json.loads((day_folder(nights.workspace) / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "failed" and summary["failed_sites"] == sorted(SITE_KINDS)


def test_report_is_self_contained_and_escapes_crawled_text(nights: Nights) -> None:
    first_html = nights.workspace.reports / "runs"
    assert len(list(first_html.iterdir())) == 1, "one folder per day; the last run of the day wins"
    for html in (nights.html_first, nights.html_second):
        assert "data:image/png;base64," in html
        assert not re.search(r"<script|<link|src=\"http|<img src=x", html, re.IGNORECASE)
        assert "&lt;img src=x onerror=alert(1)&gt;区" in html, "the district, in the table by district"
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in nights.html_first, "the title, among the new leads"
    night_one = json.dumps(nights.summary_first, ensure_ascii=False)
    assert "<script>alert" in night_one, "summary.json keeps the title as crawled"


def test_period_report_lists_confirmed_cases_with_evidence(nights: Nights) -> None:
    ws = nights.workspace
    leads = {lead["title"]: lead for lead in leads_csv(ws)}
    hostile = leads[HOSTILE["title"]]
    other = next(lead for title, lead in leads.items() if title != HOSTILE["title"])
    review = ws.root / "review.csv"
    review.write_text(
        f"lead_id,status,notes\n{hostile['lead_id']},确认,<b>已立案</b>\n{other['lead_id']},排除,\n", encoding="utf-8"
    )
    assert ws.run("review", "import", str(review)).returncode == 0
    day = nights.summary_first["run"]["started_at"][:10]
    result = ws.run("report", "--from", day, "--to", day)
    assert result.returncode == 0, result.stderr
    folder = ws.reports / "periods" / f"{day}_{day}"
    assert f"的报告：{folder / 'report.html'}" in result.stdout.replace("\n", "")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["verdicts"]["confirmed"] == 1 and summary["verdicts"]["dismissed"] == 1
    assert summary["verdicts"]["open"] == len(leads) - 2
    assert len(summary["runs"]) == 3 and summary["runs_by_status"] == {"ok": 1, "partial": 1, "failed": 1}
    [case] = summary["confirmed_cases"]
    assert (case["lead_id"], case["evidence"], case["evidence_sha256"]) == (
        hostile["lead_id"],
        hostile["evidence"],
        hostile["evidence_sha256"],
    )
    html = (folder / "report.html").read_text(encoding="utf-8")
    for section in ("基本情况", "问题发现", "执法成果"):
        assert section in html
    assert hostile["evidence_sha256"] in html and hostile["evidence"] in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html and "&lt;b&gt;已立案&lt;/b&gt;" in html
    assert not re.search(r"<script|<img src=x", html, re.IGNORECASE)


def test_period_report_refuses_a_reversed_period_and_handles_an_empty_one(nights: Nights) -> None:
    ws = nights.workspace
    reversed_ = ws.run("report", "--from", "2026-02-01", "--to", "2026-01-01")
    assert reversed_.returncode == 2 and "after --to" in reversed_.stderr
    empty = ws.run("report", "--from", "2000-01-01", "--to", "2000-03-31", "--out", str(ws.root / "q1"))
    assert empty.returncode == 0, empty.stderr
    summary = json.loads((ws.root / "q1" / "summary.json").read_text(encoding="utf-8"))
    assert summary["runs"] == [] and summary["leads"]["total"] == 0 and summary["confirmed_cases"] == []
