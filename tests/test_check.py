"""``check URL``: fetch now, extract by site config or main text, detect, record the lead."""

from __future__ import annotations

import json
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.conftest import Workspace


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_check_sample_url_uses_its_site_config(workspace: Workspace) -> None:
    url = workspace.samples.base("jiajiao_classifieds") + "/post/jc002.html?from=hotline"
    result = workspace.run("check", url, "--format", "json")
    assert result.returncode == 0, result.stderr
    [record] = json.loads(result.stdout)
    assert record["site"] == "jiajiao_classifieds"
    assert record["canonical_url"].endswith("/post/jc002.html")
    assert record["flagged"] and "one_on_one" in record["categories"]
    leads = (workspace.reports / "leads.csv").read_text(encoding="utf-8-sig")
    assert "/post/jc002.html" in leads, "a checked page that is flagged becomes a lead"


def test_check_page_without_config_uses_main_text(workspace: Workspace, tmp_path: Path) -> None:
    (tmp_path / "ad.html").write_text(
        "<html><head><title>论坛</title></head><body><nav>首页 登录</nav><article><h1>暑假高中化学一对一</h1>"
        "<p>名校老师上门辅导</p></article><footer>版权所有</footer></body></html>",
        encoding="utf-8",
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: SimpleHTTPRequestHandler(*a, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/ad.html"
        result = workspace.run("check", url)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert "FLAGGED" in result.stdout and "暑假高中化学一对一" in result.stdout


def test_check_from_file_with_one_unreachable_url(workspace: Workspace, tmp_path: Path) -> None:
    good = workspace.samples.base("gig_jobs") + "/job/gj001"
    dead = f"http://127.0.0.1:{free_port()}/gone"
    hotline = tmp_path / "hotline.txt"
    hotline.write_text(f"# 投诉举报线索 2026-11-21\n{good}\n\n{dead}\n", encoding="utf-8")
    result = workspace.run("check", "--from", str(hotline), "--format", "json")
    assert result.returncode == 3, result.stderr
    records = {r["url"]: r for r in json.loads(result.stdout)}
    assert records[good]["flagged"] and "error" in records[dead]


def test_check_says_what_the_store_knows_with_contacts_evidence_and_chinese_explanations(workspace: Workspace) -> None:
    url = workspace.samples.base("jiajiao_classifieds") + "/post/jc002.html"
    first = workspace.run("check", url, "--format", "json")
    assert first.returncode == 0, first.stderr
    [before] = json.loads(first.stdout)
    assert before["lead"]["known_before"] is False and before["lead"]["times_seen"] == 1
    text = workspace.run("check", url)  # piped, as to a file
    again = workspace.run("check", url, "--format", "json")
    [record] = json.loads(again.stdout)
    lead = record["lead"]
    assert lead["known_before"] is True and lead["times_seen"] == 3 and lead["verdict_label"] == "待研判"
    assert lead["lead_id"] == before["lead"]["lead_id"] and lead["first_seen"] == before["lead"]["first_seen"]
    assert {"key": "phone:13800007777", "label": "电话 13800007777"} in record["contacts"]
    kept = record["evidence"]
    assert Path(kept["file"]).is_file() and len(kept["sha256"]) == 64
    verified = workspace.run("evidence", "show", lead["lead_id"])
    assert kept["sha256"] in verified.stdout and "（校验通过）" in verified.stdout
    categories = [group["category"] for group in record["by_category"]]
    assert len(categories) == len(set(categories)) == len(record["categories"]), "each category once"
    teacher = next(g for g in record["by_category"] if g["category"] == "in_service_teacher")
    assert teacher["name"] == "在职教师有偿补课" and teacher["pieces"] and teacher["clauses"][0]["words"]
    assert "「在职教师有偿补课」原文“" in record["explanation"]
    out = text.stdout
    assert "库中记录：此前已在库" in out and "电话 13800007777" in out and kept["sha256"] in out
    assert out.count("• 在职教师有偿补课") == 1
    explanation = next(line for line in out.splitlines() if "依据 河源方案 三.3" in line)
    assert len(explanation) > 80 and explanation.endswith(("）", "训", "课")), "a whole line, not wrapped at 80"
