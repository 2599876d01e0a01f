"""The bundled sample platforms (data/sample_sites) served on 127.0.0.1 for the demo and the tests.

Four small sites that look like the real kinds, each with the mess real sites have: a GBK
classifieds site with "下一页" pagination, a job board whose list is built by JavaScript from a
JSON API, a 家政 agency with category pages, and a social feed whose list pages are built by
JavaScript from an obfuscated inline string (only a browser finds its posts). On each, the same
detail page is linked with different query strings, one detail page is slow and one fails once
with HTTP 500. The classifieds site sends ETag / Last-Modified and answers a matching
If-None-Match with 304.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data" / "sample_sites"
SLOW_SECONDS = 1.5
LAST_MODIFIED = "Sun, 01 Nov 2026 00:00:00 GMT"
Page = tuple[int, str, bytes]


def load_listings(site_id: str, sample_dir: Path = SAMPLE_DIR) -> list[dict[str, Any]]:
    path = sample_dir / site_id / "listings.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _esc(value: object) -> str:
    return html.escape(str(value or ""))


def _paragraphs(text: str) -> str:
    return "\n".join(f"<p>{_esc(line)}</p>" for line in text.splitlines() if line.strip())


FACT_KEYS = ("publisher", "contact", "city", "district", "price", "posted_at")


def _facts(labels: tuple[str, ...], item: dict[str, Any]) -> list[tuple[str, str]]:
    """A detail page's labelled facts: each site's own label for publisher, contact, city …"""
    return [(label, _esc(item[key])) for label, key in zip(labels, FACT_KEYS, strict=True)]


class SampleSite:
    """Routes of one sample site; subclasses render pages in their own markup."""

    robots = "User-agent: *\nDisallow: /admin/\n"
    per_page = 10
    charset = "utf-8"
    validators = False  # send ETag / Last-Modified and answer If-None-Match with 304
    host = "127.0.0.1"
    listings_from = ""  # another sample site whose listings this one serves (its own when empty)

    def __init__(self, site_id: str, sample_dir: Path = SAMPLE_DIR) -> None:
        self.site_id = site_id
        self.listings = load_listings(self.listings_from or site_id, sample_dir)
        self.by_id = {item["id"]: item for item in self.listings}
        self.slow_id = self.listings[2]["id"]
        self.flaky_id = self.listings[6]["id"]
        self._failed: set[str] = set()
        self._lock = threading.Lock()

    def pages(self, items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        return [items[i : i + self.per_page] for i in range(0, len(items), self.per_page)] or [[]]

    def html(self, title: str, body: str) -> Page:
        doc = (
            f'<!DOCTYPE html>\n<html><head><meta charset="{self.charset}"><title>{_esc(title)}</title></head>'
            f"<body>\n{body}\n</body></html>\n"
        )
        return 200, "text/html", doc.encode(self.charset, errors="xmlcharrefreplace")

    def detail(self, listing_id: str) -> Page | None:
        """The detail page, after the mess: one is slow, one fails the first time it is asked for."""
        item = self.by_id.get(listing_id)
        if item is None:
            return None
        if listing_id == self.slow_id:
            time.sleep(SLOW_SECONDS)
        with self._lock:
            if listing_id == self.flaky_id and listing_id not in self._failed:
                self._failed.add(listing_id)
                return 500, "text/plain", b"temporary failure"
        return self.render_detail(item)

    def route(self, path: str, query: dict[str, list[str]]) -> Page | None:
        if path == "/robots.txt":
            return 200, "text/plain", self.robots.encode()
        return self.site_route(path, query)

    def site_route(self, path: str, query: dict[str, list[str]]) -> Page | None:
        raise NotImplementedError

    def post(self, path: str, headers: dict[str, str], body: bytes) -> Page | None:
        """A POST request (an API that takes its query as a body); none by default."""
        return None

    def render_detail(self, item: dict[str, Any]) -> Page:
        raise NotImplementedError


class ClassifiedsSite(SampleSite):
    """岳阳家教信息港: GBK pages, charset only in a meta tag; /list/N.html with 下一页; ETag and 304."""

    charset = "gbk"
    validators = True

    def site_route(self, path: str, query: dict[str, list[str]]) -> Page | None:
        if path in ("/", "/index.html"):
            path = "/list/1.html"
        if path.startswith("/list/") and path.endswith(".html"):
            number = path[len("/list/") : -len(".html")]
            return self.render_list(int(number)) if number.isdigit() else None
        if path.startswith("/post/") and path.endswith(".html"):
            return self.detail(path[len("/post/") : -len(".html")])
        return None

    def render_list(self, number: int) -> Page | None:
        pages = self.pages(self.listings)
        if not 1 <= number <= len(pages):
            return None
        rows = "\n".join(
            f'<li><a class="post-link" href="/post/{item["id"]}.html?from=list">{_esc(item["title"])}</a>'
            f' <span class="area">{_esc(item["district"])}</span></li>'
            for item in pages[number - 1]
        )
        hot = pages[number - 1][:3]
        sidebar = "".join(f'<a class="hot" href="/post/{i["id"]}.html?from=hot">{_esc(i["title"])}</a>' for i in hot)
        nav = f'<a href="/list/{number + 1}.html">下一页</a>' if number < len(pages) else ""
        body = (
            f'<h1>岳阳家教信息港 · 第{number}页</h1><aside class="hot-posts">热门：{sidebar}</aside>'
            f'<ul class="posts">{rows}</ul><div class="pager">{nav}</div>'
        )
        return self.html(f"家教信息 第{number}页", body)

    def render_detail(self, item: dict[str, Any]) -> Page:
        labels = ("发布者", "联系电话", "城市", "区县", "价格", "发布时间")
        table = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in _facts(labels, item))
        body = (
            f'<div class="post"><h1 class="post-title">{_esc(item["title"])}</h1>'
            f'<table class="meta">{table}</table><div class="post-body">{_paragraphs(item["body"])}</div>'
            f'<div class="related"><a href="/post/{self.listings[0]["id"]}.html?from=related">相关推荐</a></div></div>'
        )
        return self.html(item["title"], body)


class JobBoardSite(SampleSite):
    """快聘兼职网: /jobs is an empty shell filled by JavaScript from /api/jobs?page=N."""

    shell = """<h1>快聘兼职网 · 最新职位</h1><ul id="jobs"></ul><a id="more" href="#">加载更多</a>
<script>
let next = "/api/jobs?page=1";
async function load() {
  const data = await (await fetch(next)).json();
  for (const job of data.jobs) {
    const li = document.createElement("li");
    li.innerHTML = `<a class="job" href="${job.url}"></a> <span class="salary"></span>`;
    li.querySelector("a").textContent = job.title;
    li.querySelector(".salary").textContent = job.salary;
    document.getElementById("jobs").appendChild(li);
  }
  next = data.next;
  document.getElementById("more").style.display = next ? "" : "none";
}
document.getElementById("more").onclick = (e) => { e.preventDefault(); load(); };
load();
</script>"""

    def site_route(self, path: str, query: dict[str, list[str]]) -> Page | None:
        if path in ("/", "/jobs"):
            return self.html("快聘兼职网", self.shell)
        if path == "/api/jobs":
            number = query.get("page", ["1"])[0]
            return self.render_api(int(number)) if number.isdigit() else None
        if path.startswith("/job/"):
            return self.detail(path[len("/job/") :])
        return None

    def render_api(self, number: int) -> Page | None:
        pages = self.pages(self.listings)
        if not 1 <= number <= len(pages):
            return None
        jobs = [
            {
                "id": i["id"],
                "title": i["title"],
                "salary": i["price"],
                "district": i["district"],
                "url": f"/job/{i['id']}?from=api&pos={n}",
            }
            for n, i in enumerate(pages[number - 1])
        ]
        payload = {
            "page": number,
            "jobs": jobs,
            "next": f"/api/jobs?page={number + 1}" if number < len(pages) else None,
        }
        return 200, "application/json; charset=utf-8", json.dumps(payload, ensure_ascii=False).encode()

    def render_detail(self, item: dict[str, Any]) -> Page:
        body = (
            f'<article class="job-detail"><h1 class="job-title">{_esc(item["title"])}</h1>'
            f'<div class="job-meta"><span class="company">{_esc(item["publisher"])}</span>'
            f'<span class="salary">{_esc(item["price"])}</span><span class="loc-city">{_esc(item["city"])}</span>'
            f'<span class="loc-district">{_esc(item["district"])}</span><time>{_esc(item["posted_at"])}</time></div>'
            f'<section class="job-desc">{_paragraphs(item["body"])}</section>'
            f'<div class="apply">联系方式：<span class="tel">{_esc(item["contact"])}</span></div></article>'
        )
        return self.html(item["title"], body)


class AgencySite(SampleSite):
    """安心家政: a home page of sections (育儿嫂, 住家保姆 …), each paginated, linking profiles."""

    per_page = 4
    robots = "User-agent: *\nDisallow: /admin/\nDisallow: /staff/\n"

    def __init__(self, site_id: str, sample_dir: Path = SAMPLE_DIR) -> None:
        super().__init__(site_id, sample_dir)
        self.sections = list(dict.fromkeys(item["section"] for item in self.listings))

    def site_route(self, path: str, query: dict[str, list[str]]) -> Page | None:
        if path in ("/", "/index.html"):
            links = "".join(f'<li><a href="/c/{n}/1">{_esc(s)}</a></li>' for n, s in enumerate(self.sections))
            return self.html("安心家政服务中心", f'<h1>安心家政服务中心</h1><ul class="sections">{links}</ul>')
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "c" and parts[1].isdigit() and parts[2].isdigit():
            return self.render_section(int(parts[1]), int(parts[2]))
        if len(parts) == 2 and parts[0] == "profile":
            return self.detail(parts[1])
        return None

    def render_section(self, section: int, number: int) -> Page | None:
        if section >= len(self.sections):
            return None
        name = self.sections[section]
        pages = self.pages([i for i in self.listings if i["section"] == name])
        if not 1 <= number <= len(pages):
            return None
        cards = "".join(
            f'<div class="card"><a class="profile" href="/profile/{i["id"]}?ref=c{section}">{_esc(i["title"])}</a>'
            f'<span class="pay">{_esc(i["price"])}</span></div>'
            for i in pages[number - 1]
        )
        nav = f'<a class="next" href="/c/{section}/{number + 1}">下一页</a>' if number < len(pages) else ""
        return self.html(f"{name} 第{number}页", f"<h1>{_esc(name)}</h1>{cards}<nav>{nav}</nav>")

    def render_detail(self, item: dict[str, Any]) -> Page:
        labels = ("门店", "电话", "城市", "区域", "薪资", "更新")
        facts = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in _facts(labels, item))
        body = (
            f'<div class="profile"><span class="section">{_esc(item["section"])}</span>'
            f'<h2 class="profile-name">{_esc(item["title"])}</h2><dl class="facts">{facts}</dl>'
            f'<div class="profile-intro">{_paragraphs(item["body"])}</div></div>'
        )
        return self.html(item["title"], body)


class FeedSite(SampleSite):
    """巴陵同城圈: /feed/N holds no links, only a script that decodes them from a scrambled string.

    The string is the page's notes as base64 JSON, reversed; the script builds the post links
    and the 下一页 link. There is no API behind it, so a crawler that does not run the script
    finds nothing. Posts (/note/<id>) are plain server-rendered HTML.
    """

    per_page = 4
    script = """<script>
const packed = "%s";
const bytes = Uint8Array.from(atob(packed.split("").reverse().join("")), (c) => c.charCodeAt(0));
const feed = JSON.parse(new TextDecoder().decode(bytes));
for (const note of feed.notes) {
  const card = document.createElement("div");
  card.className = "card";
  card.innerHTML = '<a class="note"></a> <span class="where"></span>';
  card.querySelector("a").href = ["", "note", note.k].join("/") + "?src=feed";
  card.querySelector("a").textContent = note.t;
  card.querySelector(".where").textContent = note.d;
  document.getElementById("feed").appendChild(card);
}
if (feed.n) {
  document.getElementById("pager").innerHTML = '<a class="next" href="/feed/' + feed.n + '">下一页</a>';
}
</script>"""

    def site_route(self, path: str, query: dict[str, list[str]]) -> Page | None:
        if path in ("/", "/feed"):
            path = "/feed/1"
        if path.startswith("/feed/"):
            number = path[len("/feed/") :]
            return self.render_feed(int(number)) if number.isdigit() else None
        if path.startswith("/note/"):
            return self.detail(path[len("/note/") :])
        return None

    def render_feed(self, number: int) -> Page | None:
        pages = self.pages(self.listings)
        if not 1 <= number <= len(pages):
            return None
        notes = [{"k": i["id"], "t": i["title"], "d": i["district"]} for i in pages[number - 1]]
        feed = {"notes": notes, "n": number + 1 if number < len(pages) else None}
        packed = base64.b64encode(json.dumps(feed, ensure_ascii=False).encode()).decode()[::-1]
        body = f'<h1>巴陵同城圈 · 最新</h1><div id="feed"></div><nav id="pager"></nav>{self.script % packed}'
        return self.html(f"巴陵同城圈 第{number}页", body)

    def render_detail(self, item: dict[str, Any]) -> Page:
        fields = (("tel", "contact"), ("city", "city"), ("district", "district"), ("price", "price"))
        spans = [f'<span class="{css}">{_esc(item[key])}</span>' for css, key in fields]
        meta = " · ".join([*spans, f"<time>{_esc(item['posted_at'])}</time>"])
        body = (
            f'<article class="post"><h1 class="post-title">{_esc(item["title"])}</h1>'
            f'<div class="author">{_esc(item["publisher"])}</div>'
            f'<div class="post-text">{_paragraphs(item["body"])}</div>'
            f'<footer class="post-meta">{meta}</footer></article>'
        )
        return self.html(item["title"], body)


SITE_KINDS: dict[str, type[SampleSite]] = {
    "jiajiao_classifieds": ClassifiedsSite,
    "gig_jobs": JobBoardSite,
    "jiazheng_agency": AgencySite,
    "tongcheng_circle": FeedSite,
}


def send(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
    """Write one whole response; a client that hung up (it gave up on a slow or huge page) is no error."""
    try:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        pass


def _handler(site: SampleSite, hits: Counter[tuple[str, str]] | None) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if hits is not None:
                with lock:
                    hits[site.site_id, self.path] += 1
            parts = urlsplit(self.path)
            site.host = self.headers.get("Host") or site.host  # for pages that print absolute URLs (sitemaps)
            page = site.route(parts.path, parse_qs(parts.query))
            self.answer(page)

        def do_POST(self) -> None:
            if hits is not None:
                with lock:
                    hits[site.site_id, f"POST {self.path}"] += 1
            length = min(int(self.headers.get("Content-Length") or 0), 1 << 20)
            body = self.rfile.read(length)
            self.answer(site.post(urlsplit(self.path).path, dict(self.headers.items()), body))

        def answer(self, page: Page | None) -> None:
            status, ctype, body = page or (404, "text/plain", b"not found")
            headers = {"Content-Type": ctype}
            if site.validators and status == 200:
                headers |= {"ETag": f'"{hashlib.sha256(body).hexdigest()[:16]}"', "Last-Modified": LAST_MODIFIED}
                if self.headers.get("If-None-Match") == headers["ETag"]:
                    status, body = 304, b""
            send(self, status, headers, body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def sample_ports(sites: Iterable[Any], kinds: dict[str, type[SampleSite]] | None = None) -> dict[str, int]:
    """site_id → the port its SiteConfig's first start URL names, for the sample sites among ``sites``."""
    return {s.site_id: urlsplit(s.start_urls[0]).port or 80 for s in sites if s.site_id in (kinds or SITE_KINDS)}


@contextmanager
def serve_handlers(handlers: dict[str, tuple[int, type[BaseHTTPRequestHandler]]]) -> Iterator[dict[str, int]]:
    """Serve each (port, handler) on 127.0.0.1 in a thread (port 0 = any free one); yields the bound ports."""
    servers = []
    try:
        for name, (port, handler) in handlers.items():
            server = ThreadingHTTPServer(("127.0.0.1", port), handler)
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers.append((name, server))
        yield {name: server.server_address[1] for name, server in servers}
    finally:
        for _, server in servers:
            server.shutdown()
            server.server_close()


def serve_samples(
    ports: dict[str, int],
    sample_dir: Path = SAMPLE_DIR,
    hits: Counter[tuple[str, str]] | None = None,
    kinds: dict[str, type[SampleSite]] | None = None,
) -> AbstractContextManager[dict[str, int]]:
    """Serve the named sample sites on 127.0.0.1 (port 0 = any free one); yields the bound ports.

    ``hits`` counts every request by (site id, path with query), to show what a crawl fetched how often.
    ``kinds``: the site classes by id (the four bundled ones by default; tests/support/modern_sites.py has more).
    """
    kinds = kinds or SITE_KINDS
    handlers = {site_id: (port, _handler(kinds[site_id](site_id, sample_dir), hits)) for site_id, port in ports.items()}
    return serve_handlers(handlers)
