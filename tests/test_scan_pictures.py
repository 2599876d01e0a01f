"""``scan`` with image URLs in JSON Lines: fetched in one crawl before the lines are judged (the CLI in a subprocess).

The poster site on 127.0.0.1 serves posters and hostile pictures; no site config names it, so
its URLs are refused until ``--trust-host`` names the host. Each hostile picture is a failure of
that picture in its line's ``images``, never of the scan; a second scan reads no picture again
(the store's OCR cache) and revalidates each URL with a 304.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Samples, Workspace
from tests.support.poster_site import PosterSite, posters, serve_poster_site

IDS = ["v01-summer-math-1v1", "c01-piano"]
HOSTILE = {  # picture → the detail its failure must name
    "bad-truncated": "truncated",
    "bad-bomb": "too_many_pixels",
    "bad-html": "not_an_image",
    "bad-missing": "image not fetched: HTTP 404",
}


@dataclass
class Scans:
    workspace: Workspace
    base: str
    site: PosterSite
    source: Path
    empty_sites: Path


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory, samples: Samples) -> Iterator[Scans]:
    root = tmp_path_factory.mktemp("scan-pictures")
    (root / "sites").mkdir()
    with serve_poster_site(IDS) as (port, site):
        base = f"http://127.0.0.1:{port}"
        lines = [
            {"id": pid, "title": "看图", "text": posters()[pid].text.caption, "images": [f"{base}/img/{pid}.png"]}
            for pid in IDS
        ]
        hostile = [f"{base}/img/{name}.png" for name in HOSTILE]
        lines.append({"id": "hostile", "title": "看图", "text": "周末书法体验课，成人可报", "images": hostile})
        lines.append({"id": "robots", "title": "看图", "text": "详情看图", "images": [f"{base}/private/poster.png"]})
        source = root / "in.jsonl"
        source.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines), encoding="utf-8")
        yield Scans(Workspace(root, samples), base, site, source, root / "sites")


def scan(scans: Scans, *args: str, stdin: str | None = None) -> tuple[subprocess.CompletedProcess, dict[str, dict]]:
    source = "-" if stdin is not None else str(scans.source)
    result = scans.workspace.run("scan", "--format", "jsonl", *args, source, stdin=stdin, sites_dir=scans.empty_sites)
    return result, {record["id"]: record for record in map(json.loads, result.stdout.splitlines())}


def test_a_host_on_a_loopback_address_is_refused_unless_trusted(scans: Scans) -> None:
    before = sum(scans.site.hits.values())
    result, out = scan(scans)
    assert result.returncode == 0, result.stderr
    assert sum(scans.site.hits.values()) == before  # not one request reached the server
    images = [image for record in out.values() for image in record["images"]]
    assert len(images) == len(IDS) + len(HOSTILE) + 1
    assert all(image["outcome"] == "failed" and "loopback" in image["detail"] for image in images)
    assert not any(record["flagged"] for record in out.values())


def test_image_urls_are_fetched_read_and_judged(scans: Scans) -> None:
    result, out = scan(scans, "--trust-host", "127.0.0.1")
    assert result.returncode == 0, result.stderr
    violation = posters()["v01-summer-math-1v1"]
    [picture] = out["v01-summer-math-1v1"]["images"]
    assert picture["outcome"] == "read" and picture["sha256"] == hashlib.sha256(violation.image).hexdigest()
    assert "暑假初中数学一对一" in picture["text"]
    assert out["v01-summer-math-1v1"]["flagged"]
    assert any(finding.get("image", {}).get("number") == 1 for finding in out["v01-summer-math-1v1"]["findings"])
    assert not out["c01-piano"]["flagged"] and out["c01-piano"]["images"][0]["outcome"] == "read"
    assert scans.site.hits["/robots.txt"] >= 1  # robots.txt asked before any picture


def test_a_hostile_picture_is_a_failure_of_that_picture(scans: Scans) -> None:
    result, out = scan(scans, "--trust-host", "127.0.0.1")
    assert result.returncode == 0, result.stderr
    images = out["hostile"]["images"]
    assert [image["source"].rsplit("/", 1)[1] for image in images] == [f"{name}.png" for name in HOSTILE]
    for image, detail in zip(images, HOSTILE.values(), strict=True):
        assert image["outcome"] == "failed" and detail in image["detail"], image
    [forbidden] = out["robots"]["images"]
    assert forbidden["outcome"] == "failed" and forbidden["detail"] == "image not fetched: Forbidden by robots.txt"
    assert scans.site.hits["/private/poster.png"] == 0


def test_a_second_scan_reads_no_picture_again_and_asks_with_its_etag(scans: Scans) -> None:
    scan(scans, "--trust-host", "127.0.0.1")  # the store has read the posters (whatever ran before)
    before = scans.site.not_modified.copy()
    result, out = scan(scans, "--trust-host", "127.0.0.1", stdin=scans.source.read_text(encoding="utf-8"))
    assert result.returncode == 0, result.stderr
    assert [out[pid]["images"][0]["outcome"] for pid in IDS] == ["unchanged", "unchanged"]
    assert out["v01-summer-math-1v1"]["flagged"] and not out["c01-piano"]["flagged"]
    assert [image["outcome"] for image in out["hostile"]["images"]] == ["failed"] * len(HOSTILE)
    # each picture whose bytes the store has read (the posters, and the 3 known bad by their hash) answered
    # one 304 and sent no body; the 404 is asked for whole again
    known = [f"/img/{name}.png" for name in [*IDS, "bad-truncated", "bad-bomb", "bad-html"]]
    assert scans.site.not_modified - before == dict.fromkeys(known, 1)


def test_worker_processes_hand_lines_with_pictures_back_and_keep_the_order(scans: Scans, tmp_path: Path) -> None:
    """With --jobs, lines are parsed in the workers; one naming pictures (even with its key spelt in JSON
    escapes) comes back to scan, which reads its pictures, and its answer keeps its place."""
    lines = scans.source.read_text(encoding="utf-8").splitlines()
    plain = [json.dumps({"id": f"p{n}", "title": "家教", "text": "初中数学一对一辅导"}) for n in range(3)]
    escaped = lines[0].replace('"images"', '"\\u0069mages"')
    source = tmp_path / "mixed.jsonl"
    source.write_text("\n".join([plain[0], lines[0], plain[1], escaped, "", plain[2], lines[1]]), encoding="utf-8")
    outputs = []
    for jobs in ("1", "2"):
        result = scans.workspace.run(
            "scan", "--trust-host", "127.0.0.1", "--jobs", jobs, str(source), sites_dir=scans.empty_sites
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    records = [json.loads(line) for line in outputs[1].splitlines()]
    assert [r["id"] for r in records] == ["p0", IDS[0], "p1", IDS[0], "p2", IDS[1]]
    assert [len(r.get("images", [])) for r in records] == [0, 1, 0, 1, 0, 1]
    assert records[1]["images"][0]["outcome"] in ("read", "cached", "unchanged") and records[1]["flagged"]
    assert all(r["flagged"] for r in records if r["id"].startswith("p"))
