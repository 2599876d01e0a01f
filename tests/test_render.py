"""Rendering in Debian's chromium (scrapy-playwright): a JS-built site, screenshots as evidence, check --render."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

from crawler.fetching.browser_handler import node_options
from crawler.fetching.rendering import BROWSERS, CHROMIUM, CHROMIUM_ARGS, DRIVER_NODE_OPTIONS
from tests.conftest import Workspace
from tests.support.sample_server import load_listings

SITE = "tongcheng_circle"
LIST_PAGES = 4  # 16 posts, 4 a page


def site_variant(workspace: Workspace, tmp_path: Path, render: str) -> Path:
    """A sites directory holding only the JS-built sample site, with ``render`` set as given."""
    text = (workspace.samples.sites_dir / f"{SITE}.yaml").read_text(encoding="utf-8")
    assert "render: lists" in text
    sites = tmp_path / f"sites-{render}"
    sites.mkdir()
    (sites / f"{SITE}.yaml").write_text(text.replace("render: lists", f"render: {render}"), encoding="utf-8")
    return sites


def crawl_log(workspace: Workspace) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in (workspace.reports / "logs").glob("crawl-*.log"))


def stat(log: str, name: str) -> int:
    found = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(found.group(1)) if found else 0


def page_ids(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[0].rsplit("/", 1)[-1] for row in conn.execute("SELECT url FROM pages")}


def first_lead(workspace: Workspace) -> str:
    return (workspace.reports / "leads.csv").read_text("utf-8-sig").splitlines()[1].split(",", 1)[0]


def test_rendered_list_pages_find_posts_fetched_over_plain_http(workspace: Workspace, tmp_path: Path) -> None:
    result = workspace.run("crawl", "--site", SITE)
    assert result.returncode == 0, result.stderr
    assert page_ids(workspace.db) == {item["id"] for item in load_listings(SITE)}
    log = crawl_log(workspace)
    assert stat(log, "playwright/request_count/navigation") == LIST_PAGES, "only the list pages go to the browser"
    assert stat(log, "item_scraped_count") == 16
    shown = workspace.run("evidence", "show", first_lead(workspace), "--screenshot", str(tmp_path / "x.png"))
    assert shown.returncode == 1 and "plain HTTP" in shown.stderr, "a post fetched over plain HTTP has no screenshot"
    assert not (tmp_path / "x.png").exists()


def test_without_rendering_the_site_yields_nothing_and_no_browser_starts(workspace: Workspace, tmp_path: Path) -> None:
    result = workspace.run("crawl", sites_dir=site_variant(workspace, tmp_path, "false"))
    assert result.returncode == 5, "the posts' links exist only after the page's script ran"
    assert page_ids(workspace.db) == set()
    assert "scrapy-playwright" not in crawl_log(workspace), "a crawl that renders nothing starts no browser"


def test_rendered_lead_pages_keep_a_png_screenshot_in_the_warc(workspace: Workspace, tmp_path: Path) -> None:
    result = workspace.run("crawl", sites_dir=site_variant(workspace, tmp_path, "true"))
    assert result.returncode == 0, result.stderr
    assert stat(crawl_log(workspace), "playwright/request_count/navigation") >= LIST_PAGES + 16
    records = list(ArchiveIterator(io.BytesIO((workspace.db.parent / "evidence" / "run-1.warc.gz").read_bytes())))
    responses = {r.rec_headers.get_header("WARC-Record-ID") for r in records if r.rec_type == "response"}
    shots = [r for r in records if r.rec_type == "resource"]
    assert shots and len(shots) == len(responses), "one screenshot beside every kept page"
    for record in shots:
        assert record.rec_headers.get_header("Content-Type") == "image/png"
        assert record.rec_headers.get_header("WARC-Target-URI").startswith("urn:screenshot:http://127.0.0.1:")
        assert record.rec_headers.get_header("WARC-Concurrent-To") in responses
    verified = workspace.run("evidence", "verify")
    assert verified.returncode == 0 and f"{len(shots)} 条证据记录中 {len(shots)} 条校验通过" in verified.stdout
    lead = next(
        line.split(",", 1)[0] for line in (workspace.reports / "leads.csv").read_text("utf-8-sig").splitlines()[1:]
    )
    png = tmp_path / "shot.png"
    shown = workspace.run("evidence", "show", lead, "--screenshot", str(png))
    assert shown.returncode == 0, shown.stderr
    assert "截图：PNG" in shown.stdout
    with Image.open(png) as image:
        assert image.format == "PNG" and image.width >= 800 and image.height >= 300
        image.load()  # decodes every pixel: a truncated PNG fails here


AD = (
    "<html><head><title>论坛</title></head><body><article id='post'></article><script>"
    "document.getElementById('post').innerHTML = '<h1>' + ['暑假', '高中化学', '一对一'].join('') + '</h1>"
    "<p>' + '名校老师上门辅导' + '</p>';</script></body></html>"
).encode()


@pytest.fixture
def js_page() -> Iterator[tuple[str, list[str]]]:
    """A page whose ad is written by its script; ``hooks`` run (once each) on the next request for it."""
    hooks: list = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/ad.html":
                self.send_error(404)
                return
            if hooks:
                hooks.pop(0)()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(AD)))
            self.end_headers()
            self.wfile.write(AD)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ad.html", hooks
    finally:
        server.shutdown()
        server.server_close()


def browsers_under(pid: int) -> list[int]:
    """Top chromium processes below ``pid`` (the browser, not its renderers), from /proc: named chromium, or
    chromium-headle (the headless shell's name, cut to the kernel's 15 characters)."""
    name, parent = names_under(pid)
    browser = {p for p, n in name.items() if n.startswith("chromium")}
    return [p for p in browser if parent[p] not in browser]


def names_under(pid: int) -> tuple[dict[int, str], dict[int, int]]:
    """The process names below ``pid`` and every process's parent, from /proc."""
    parent: dict[int, int] = {}
    name: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat_line = (entry / "stat").read_text()
            except OSError:
                continue
            comm_end = stat_line.rindex(")")
            name[int(entry.name)] = stat_line[stat_line.index("(") + 1 : comm_end]
            parent[int(entry.name)] = int(stat_line[comm_end + 2 :].split()[1])

    def below(child: int) -> bool:
        while child > 1:
            child = parent.get(child, 0)
            if child == pid:
                return True
        return False

    return {p: n for p, n in name.items() if below(p)}, parent


def test_check_render_reads_a_page_built_by_script_even_when_the_browser_dies(
    workspace: Workspace, js_page: tuple[str, list]
) -> None:
    url, hooks = js_page
    [plain] = json.loads(workspace.run("check", url, "--format", "json").stdout)
    assert not plain.get("flagged"), "without a browser the ad is not there: the script writes it"
    killed: list[int] = []

    def kill_browser() -> None:  # the browser is asking for the page: kill it under its feet
        for browser in browsers_under(os.getpid()):
            os.kill(browser, signal.SIGKILL)
            killed.append(browser)

    hooks.append(kill_browser)
    rendered = workspace.run("-v", "check", url, "--render", "--format", "json")
    assert killed, "the browser was found and killed"
    assert rendered.returncode == 0, rendered.stderr[-2000:]
    [record] = json.loads(rendered.stdout)
    assert record["flagged"] and "一对一" in record["title"]
    assert rendered.stderr.count("Browser chromium launched") == 2, "a new browser took over the page"
    assert "截图：PNG" in workspace.run("evidence", "show", first_lead(workspace)).stdout


def test_the_browser_and_its_driver_run_with_the_launch_settings_and_read_chinese(
    workspace: Workspace, js_page: tuple[str, list]
) -> None:
    url, hooks = js_page
    seen: dict[str, list[str]] = {}

    def look() -> None:  # the browser is asking for the page: its processes and the driver's are up
        names, _ = names_under(os.getpid())
        for pid in browsers_under(os.getpid()):
            seen["browser"] = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
            seen["executable"] = [str(Path(f"/proc/{pid}/exe").resolve())]
        for pid in (p for p, n in names.items() if n.startswith("node")):  # node-MainThread
            environ = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace").split("\0")
            seen["driver"] = [line for line in environ if line.startswith("NODE_OPTIONS=")]

    hooks.append(look)
    rendered = workspace.run("check", url, "--render", "--format", "json")
    assert rendered.returncode == 0, rendered.stderr[-2000:]
    [record] = json.loads(rendered.stdout)
    assert record["flagged"] and record["title"] == "暑假高中化学一对一", "the script's Chinese text, as written"
    assert set(CHROMIUM_ARGS) <= set(seen["browser"]), "every launch argument reached the browser"
    assert seen["executable"] == [str(CHROMIUM.resolve())], "the browser launched is CHROMIUM"
    assert not BROWSERS[0].exists() or BROWSERS[0] == CHROMIUM, "the headless shell when installed (make setup does)"
    [options] = seen["driver"]
    assert set(DRIVER_NODE_OPTIONS) <= set(options.removeprefix("NODE_OPTIONS=").split()), "the driver's Node options"


def test_the_drivers_node_options_are_added_then_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NODE_OPTIONS", raising=False)
    with node_options(("--max-semi-space-size=1",)):
        assert os.environ["NODE_OPTIONS"] == "--max-semi-space-size=1"
    assert "NODE_OPTIONS" not in os.environ
    monkeypatch.setenv("NODE_OPTIONS", "--enable-source-maps")
    with node_options(("--max-semi-space-size=1",)):
        assert os.environ["NODE_OPTIONS"] == "--enable-source-maps --max-semi-space-size=1"
    assert os.environ["NODE_OPTIONS"] == "--enable-source-maps", "an operator's own options are kept"
