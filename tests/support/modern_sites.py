"""Sample sites built the way sites are built today, served on 127.0.0.1 for the tests (not the demo).

Each imitates one pattern the crawler must handle, with the API shapes real Chinese sites use
(page objects like MyBatis-Plus's ``records/current/pages/total``, BOSS-style ``code/zpData``,
猎聘-style POST searches with a nested form, 小红书-style cursors). They serve the listings of the
bundled sample sites (``listings_from``), so every listing's labels are those of
data/sample_sites; see data/sample_sites/README.md.

| site id | pattern |
|---|---|
| ``youjiao_zhaopin`` | an empty shell whose script fetches the list from a slow API after the page loaded |
| ``ayi_feed`` | an infinite-scroll feed (``?ui=button``: a "加载更多" button instead) |
| ``paged_api`` | a JSON API paged by number, no next URL (``data.pages``, ``hasMore``) |
| ``cursor_api`` | a JSON API paged by an opaque cursor |
| ``post_api`` | a POST API with a JSON body that wants Referer and X-Requested-With |
| ``api_only`` | listings only in an API paged by offset: no detail page |
| ``sitemap_site`` | robots.txt → sitemap index → sitemaps (one gzipped); detail pages wrapped in heavy navigation |
"""

from __future__ import annotations

import base64
import gzip
import json
import time
from typing import Any

from tests.support.sample_server import Page, SampleSite, _esc, _facts, _paragraphs

API_DELAY = 1.0  # seconds the shell site's list API takes: the list arrives well after "load"
FEED_DELAY = 0.3


def json_page(doc: Any, status: int = 200) -> Page:
    return status, "application/json; charset=utf-8", json.dumps(doc, ensure_ascii=False).encode()


NAV = (
    "首页",
    "小学家教",
    "初中家教",
    "高中家教",
    "一对一辅导",
    "上门家教",
    "大学生家教",
    "艺术培训",
    "兴趣班",
    "暑假班",
    "寒假班",
    "作文辅导",
    "招聘教师",
    "家长需求",
)


def shell(title: str, main: str, script: str = "", side: str = "") -> str:
    """A page of today: top bar, navigation, the main part, side boxes, footer, and scripts."""
    nav = "".join(f'<li><a href="/c/{n}">{_esc(name)}</a></li>' for n, name in enumerate(NAV))
    return (
        '<div class="topbar">欢迎来到本站！<a href="/login">登录</a> | <a href="/reg">免费注册</a>'
        ' | <a href="/m/">手机版</a> | <a href="/post">免费发布信息</a> 客服热线：0730-0000000</div>'
        '<header class="header"><a class="logo" href="/">' + _esc(title) + "</a>"
        '<form class="search" action="/search"><input name="kw" placeholder="搜索科目/老师/职位">'
        '<button type="submit">搜索</button></form></header>'
        f'<nav class="mainnav"><ul>{nav}</ul></nav>'
        f'<div class="wrap"><div class="main">{main}</div><aside class="side">{side}</aside></div>'
        '<footer class="footer"><p><a href="/about">关于我们</a> | <a href="/contact">联系我们</a> |'
        ' <a href="/law">免责声明</a> | <a href="/sitemap">网站地图</a></p>'
        "<p>Copyright © 2026 版权所有 湘ICP备00000000号-1</p></footer>"
        '<script>var _hmt = _hmt || []; (function(){ var hm = document.createElement("script");'
        ' hm.src = "/static/stat.js"; })();</script>' + script
    )


class ShellJobBoard(SampleSite):
    """岳阳教师人才网: /jobs?page=N is a shell; its script asks /api/jobs?page=N, which answers after
    API_DELAY, and writes the job links and the 下一页 link. ``?pause=MS`` makes the script wait
    that long before it asks (a timer before the fetch: the network is idle meanwhile)."""

    listings_from = "gig_jobs"
    script = """<script>
const params = new URLSearchParams(location.search);
const page = Number(params.get("page") || 1);
const pause = Number(params.get("pause") || 0);
async function load() {
  const res = await fetch("/api/jobs?page=" + page, {headers: {"X-Requested-With": "XMLHttpRequest"}});
  const data = await res.json();
  const list = document.getElementById("job-list");
  for (const job of data.zpData.jobList) {
    const li = document.createElement("li");
    li.innerHTML = '<a class="job-link"></a> <span class="salary"></span>';
    li.querySelector("a").href = job.url;
    li.querySelector("a").textContent = job.jobName;
    li.querySelector(".salary").textContent = job.salaryDesc;
    list.appendChild(li);
  }
  if (data.zpData.hasMore) {
    const more = "/jobs?page=" + (page + 1) + (pause ? "&pause=" + pause : "");
    document.getElementById("pager").innerHTML = '<a class="next" href="' + more + '">下一页</a>';
  }
}
setTimeout(load, pause);
</script>"""

    def site_route(self, path: str, query: dict[str, list[str]]) -> Page | None:
        if path in ("/", "/jobs"):
            main = '<h1>最新教师职位</h1><ul id="job-list"></ul><div id="pager"></div>'
            return self.html("岳阳教师人才网", shell("岳阳教师人才网", main, self.script))
        if path == "/api/jobs":
            number = query.get("page", ["1"])[0]
            if not number.isdigit():
                return json_page({"code": 1, "message": "bad page"}, 400)
            time.sleep(API_DELAY)
            pages = self.pages(self.listings)
            items = pages[int(number) - 1] if 1 <= int(number) <= len(pages) else []
            jobs = [
                {
                    "encryptJobId": i["id"],
                    "jobName": i["title"],
                    "salaryDesc": i["price"],
                    "url": f"/job/{i['id']}.html",
                }
                for i in items
            ]
            return json_page(
                {"code": 0, "message": "Success", "zpData": {"hasMore": int(number) < len(pages), "jobList": jobs}}
            )
        if path.startswith("/job/") and path.endswith(".html"):
            return self.detail(path[len("/job/") : -len(".html")])
        return None

    def render_detail(self, item: dict[str, Any]) -> Page:
        main = (
            f'<div class="job-detail"><h1 class="job-name">{_esc(item["title"])}</h1>'
            f'<div class="job-info"><span class="salary">{_esc(item["price"])}</span>'
            f'<span class="area">{_esc(item["city"])}·{_esc(item["district"])}</span>'
            f"<time>{_esc(item['posted_at'])}</time></div>"
            f'<div class="company-name">{_esc(item["publisher"])}</div>'
            f'<div class="job-sec-text">{_paragraphs(item["body"])}</div>'
            f'<div class="contact">联系电话：<span class="tel">{_esc(item["contact"])}</span></div></div>'
        )
        return self.html(item["title"], shell("岳阳教师人才网", main))


class ScrollFeed(SampleSite):
    """好阿姨家政圈: /feed shows 8 cards fetched from /api/feed?offset=N&limit=8 and fetches the next 8
    when scrolled to its end; /feed?ui=button has a 加载更多 button instead, and /feed?debounce=MS
    fetches only after the page has stopped scrolling for MS ms (as feeds that debounce their scroll
    handler do) and &render_delay=MS shows fetched cards MS ms late (a fade-in). Profiles /aunt/<id>."""

    listings_from = "jiazheng_agency"
    batch = 8
    script = """<script>
const params = new URLSearchParams(location.search);
const button = params.get("ui") === "button";
const debounce = Number(params.get("debounce") || 0);
const renderDelay = Number(params.get("render_delay") || 0);
let timer = null;
let offset = 0, more = true, busy = false;
async function load() {
  if (busy || !more) return;
  busy = true;
  const data = await (await fetch("/api/feed?offset=" + offset + "&limit=%d")).json();
  if (renderDelay) await new Promise((done) => setTimeout(done, renderDelay));
  for (const aunt of data.data.list) {
    const card = document.createElement("div");
    card.className = "feed-card";
    card.style.height = "320px";
    card.innerHTML = '<a class="card-link"></a><p class="pay"></p>';
    card.querySelector("a").href = "/aunt/" + aunt.id + "?from_page=feed";
    card.querySelector("a").textContent = aunt.title;
    card.querySelector(".pay").textContent = aunt.pay;
    document.getElementById("feed").appendChild(card);
  }
  offset += data.data.list.length;
  more = data.data.hasMore;
  busy = false;
  document.getElementById("load-more").style.display = button && more ? "block" : "none";
}
if (button) {
  document.getElementById("load-more").onclick = load;
} else {
  window.addEventListener("scroll", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 50) load();
    }, debounce);
  });
}
load();
</script>"""

    def site_route(self, path: str, query: dict[str, list[str]]) -> Page | None:
        if path in ("/", "/feed"):
            main = '<h1>阿姨推荐</h1><div id="feed"></div><button id="load-more" style="display:none">加载更多</button>'
            return self.html("好阿姨家政圈", shell("好阿姨家政圈", main, self.script % self.batch))
        if path == "/api/feed":
            offset, limit = query.get("offset", ["0"])[0], query.get("limit", ["8"])[0]
            if not (offset.isdigit() and limit.isdigit()):
                return json_page({"code": 400, "msg": "参数错误"}, 400)
            time.sleep(FEED_DELAY)
            start, size = int(offset), min(int(limit), 20)
            items = [
                {"id": i["id"], "title": i["title"], "pay": i["price"]} for i in self.listings[start : start + size]
            ]
            return json_page({"code": 200, "data": {"list": items, "hasMore": start + size < len(self.listings)}})
        if path.startswith("/aunt/"):
            return self.detail(path[len("/aunt/") :])
        return None

    def render_detail(self, item: dict[str, Any]) -> Page:
        labels = ("门店", "电话", "城市", "区域", "薪资", "更新")
        facts = "".join(f"<li><em>{label}</em><span>{value}</span></li>" for label, value in _facts(labels, item))
        main = (
            f'<div class="aunt-profile"><h1 class="aunt-name">{_esc(item["title"])}</h1>'
            f'<ul class="aunt-facts">{facts}</ul><div class="aunt-intro">{_paragraphs(item["body"])}</div>'
            '<ul class="skills"><li>做饭</li><li>保洁</li><li>带娃</li><li>早教</li><li>辅导作业</li></ul></div>'
        )
        return self.html(item["title"], shell("好阿姨家政圈", main))


class PagedApi(SampleSite):
    """家教通 app: /api/v1/posts?page=N&pageSize=10 answers a page object (records, current, pages,
    total, hasMore) and no next URL; a page past the end has no records. Posts /m/post/<id>."""

    listings_from = "jiajiao_classifieds"

    def site_route(self, path: str, query: dict[str, list[str]]) -> Page | None:
        if path == "/api/v1/posts":
            number, size = query.get("page", ["1"])[0], query.get("pageSize", ["10"])[0]
            if not (number.isdigit() and size.isdigit()) or int(size) < 1:
                return json_page({"code": 400, "msg": "参数错误", "data": None}, 400)
            current, size_n = int(number), min(int(size), 50)
            total = len(self.listings)
            pages = -(-total // size_n)
            chunk = self.listings[(current - 1) * size_n : current * size_n] if current >= 1 else []
            records = [
                {
                    "id": i["id"],
                    "title": i["title"],
                    "area": i["district"],
                    "detailUrl": f"/m/post/{i['id']}?spm=a2c.list.{n}",
                }
                for n, i in enumerate(chunk)
            ]
            data = {"records": records, "current": current, "size": size_n, "pages": pages, "total": total}
            return json_page({"code": 0, "msg": "ok", "data": {**data, "hasMore": current < pages}})
        if path.startswith("/m/post/"):
            return self.detail(path[len("/m/post/") :])
        return None

    def render_detail(self, item: dict[str, Any]) -> Page:
        labels = ("发布人", "电话", "城市", "区域", "课酬", "时间")
        facts = "".join(f'<p class="fact"><b>{label}</b>{value}</p>' for label, value in _facts(labels, item))
        body = (
            f'<div class="m-post"><h2 class="m-title">{_esc(item["title"])}</h2>{facts}'
            f'<div class="m-content">{_paragraphs(item["body"])}</div></div>'
            '<div class="tabbar"><a href="/m/">首页</a><a href="/m/post">发布</a><a href="/m/me">我的</a></div>'
        )
        return self.html(item["title"], body)


class CursorApi(SampleSite):
    """巴陵同城 app: /api/sns/feed?cursor=C answers 5 notes, the next cursor (opaque) and has_more.
    Notes /explore/<id>?xsec_source=pc_feed; the last page links the first note again with an
    ``xsec_token`` (one page under two URLs)."""

    listings_from = "tongcheng_circle"
    per_page = 5

    def site_route(self, path: str, query: dict[str, list[str]]) -> Page | None:
        if path == "/api/sns/feed":
            cursor = query.get("cursor", [""])[0]
            try:
                start = int(base64.urlsafe_b64decode(cursor.encode()).decode().removeprefix("n:")) if cursor else 0
            except ValueError:
                return json_page({"code": -1, "success": False, "msg": "cursor 无效"}, 400)
            chunk = self.listings[start : start + self.per_page]
            end = start + len(chunk)
            has_more = end < len(self.listings)
            following = base64.urlsafe_b64encode(f"n:{end}".encode()).decode() if has_more else ""
            items = [
                {
                    "id": i["id"],
                    "model_type": "note",
                    "note_card": {
                        "display_title": i["title"],
                        "user": {"nickname": i["publisher"]},
                        "url": f"/explore/{i['id']}?xsec_source=pc_feed",
                    },
                }
                for i in chunk
            ]
            if not has_more:  # the feed shows its first note again, shared with another token: one page, two URLs
                first = self.listings[0]["id"]
                card = {**items[0]["note_card"], "url": f"/explore/{first}?xsec_source=pc_feed&xsec_token=AB12"}
                items.append({"id": first, "model_type": "note", "note_card": card})
            data = {"cursor": following, "has_more": has_more, "items": items}
            return json_page({"code": 0, "success": True, "msg": "成功", "data": data})
        if path.startswith("/explore/"):
            return self.detail(path[len("/explore/") :])
        return None

    def render_detail(self, item: dict[str, Any]) -> Page:
        body = (
            '<div class="note-container"><div class="author-wrapper">'
            f'<span class="username">{_esc(item["publisher"])}</span></div>'
            f'<div id="detail-title" class="title">{_esc(item["title"])}</div>'
            f'<div id="detail-desc" class="desc">{_paragraphs(item["body"])}</div>'
            f'<div class="bottom-container"><span class="date">{_esc(item["posted_at"])}'
            f" {_esc(item['district'])}</span></div></div>"
        )
        return self.html(item["title"], body)


class PostApi(SampleSite):
    """猎才网: POST /api/com.job.search.pc with a JSON body whose form carries currentPage (from 0);
    without X-Requested-With: XMLHttpRequest and a Referer from /zhaopin/ it answers 403.
    Jobs /job/<id>.shtml, linked with d_sfrom / d_ckId tracking parameters."""

    listings_from = "gig_jobs"

    def site_route(self, path: str, query: dict[str, list[str]]) -> Page | None:
        if path == "/api/com.job.search.pc":
            return json_page({"flag": 0, "msg": "请求方式错误"}, 405)
        if path.startswith("/job/") and path.endswith(".shtml"):
            return self.detail(path[len("/job/") : -len(".shtml")])
        return None

    def post(self, path: str, headers: dict[str, str], body: bytes) -> Page | None:
        if path != "/api/com.job.search.pc":
            return None
        lower = {k.lower(): v for k, v in headers.items()}
        referer = lower.get("referer", "")
        if lower.get("x-requested-with") != "XMLHttpRequest" or "/zhaopin/" not in referer:
            return json_page({"flag": 0, "msg": "非法请求"}, 403)
        try:
            form = json.loads(body)["data"]["mainSearchPcConditionForm"]
            current, size = int(form.get("currentPage", 0)), min(int(form.get("pageSize", 10)), 40)
        except (ValueError, KeyError, TypeError):
            return json_page({"flag": 0, "msg": "参数错误"}, 400)
        total_pages = -(-len(self.listings) // size)
        chunk = self.listings[current * size : (current + 1) * size] if current >= 0 else []
        cards = [
            {
                "job": {
                    "jobId": i["id"],
                    "title": i["title"],
                    "salary": i["price"],
                    "link": f"/job/{i['id']}.shtml?d_sfrom=search_prime&d_ckId={n}",
                },
                "comp": {"compName": i["publisher"]},
            }
            for n, i in enumerate(chunk)
        ]
        pagination = {"currentPage": current, "totalPage": total_pages, "hasNext": current + 1 < total_pages}
        return json_page({"flag": 1, "data": {"data": {"jobCardList": cards}, "pagination": pagination}})

    def render_detail(self, item: dict[str, Any]) -> Page:
        body = (
            f'<section class="job-apply-content"><div class="name-box"><span class="name">{_esc(item["title"])}</span>'
            f'<span class="salary">{_esc(item["price"])}</span></div>'
            f'<div class="job-properties"><span>{_esc(item["city"])}-{_esc(item["district"])}</span></div>'
            f'<div class="company-name">{_esc(item["publisher"])}</div>'
            f'<dd data-selector="job-intro-content">{_paragraphs(item["body"])}</dd></section>'
        )
        return self.html(item["title"], body)


class ApiOnly(SampleSite):
    """安心到家 mini-program backend: /api/aunt/list?offset=N&limit=8 holds each profile whole (name,
    introduction, store, phone, area, pay); there is no web page per profile at all."""

    listings_from = "jiazheng_agency"

    def site_route(self, path: str, query: dict[str, list[str]]) -> Page | None:
        if path != "/api/aunt/list":
            return None
        offset, limit = query.get("offset", ["0"])[0], query.get("limit", ["8"])[0]
        if not (offset.isdigit() and limit.isdigit()):
            return json_page({"code": 400, "message": "参数错误"}, 400)
        start, size = int(offset), min(int(limit), 20)
        items = [
            {
                "auntId": i["id"],
                "name": i["title"],
                "introduce": i["body"],
                "store": {"storeName": i["publisher"]},
                "mobile": i["contact"],
                "cityName": i["city"],
                "areaName": i["district"],
                "salary": i["price"],
                "updateTime": i["posted_at"],
                "serviceType": i["section"],
            }
            for i in self.listings[start : start + size]
        ]
        return json_page({"code": 200, "message": "success", "data": {"count": len(self.listings), "list": items}})

    def render_detail(self, item: dict[str, Any]) -> Page:
        raise AssertionError("api_only has no detail pages")


class SitemapSite(SampleSite):
    """岳阳家教网: robots.txt names /sitemap_index.xml, which lists two sitemaps of posts (the second
    gzipped) and one of the site's other pages. Posts /jiajiao/<id>.html sit inside heavy navigation,
    side boxes of other ads, share buttons and scripts: the page an investigator's `check` gets."""

    listings_from = "jiajiao_classifieds"
    host = "127.0.0.1"
    robots = "User-agent: *\nDisallow: /admin/\n\nSitemap: /sitemap_index.xml\n"
    first_sitemap = 40

    def xml(self, root: str, locs: list[str]) -> bytes:
        tag = "sitemap" if root == "sitemapindex" else "url"
        entries = "".join(
            f"<{tag}><loc>http://{self.host}{loc}</loc><lastmod>2026-11-01</lastmod></{tag}>" for loc in locs
        )
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</{root}>'
        ).encode()

    def site_route(self, path: str, query: dict[str, list[str]]) -> Page | None:
        posts = [f"/jiajiao/{i['id']}.html" for i in self.listings]
        if path == "/sitemap_index.xml":
            maps = ["/sitemaps/jiajiao-1.xml", "/sitemaps/jiajiao-2.xml.gz", "/sitemaps/pages.xml"]
            return 200, "application/xml", self.xml("sitemapindex", maps)
        if path == "/sitemaps/jiajiao-1.xml":
            return 200, "application/xml", self.xml("urlset", posts[: self.first_sitemap])
        if path == "/sitemaps/jiajiao-2.xml.gz":
            return 200, "application/x-gzip", gzip.compress(self.xml("urlset", posts[self.first_sitemap :]))
        if path == "/sitemaps/pages.xml":
            return 200, "application/xml", self.xml("urlset", ["/about.html", "/help/contact.html", "/jiajiao/"])
        if path.startswith("/jiajiao/") and path.endswith(".html"):
            return self.detail(path[len("/jiajiao/") : -len(".html")])
        if path in ("/about.html", "/help/contact.html"):
            return self.html("关于我们", shell("岳阳家教网", "<h1>关于我们</h1><p>本站是岳阳本地家教信息平台。</p>"))
        return None

    def render_detail(self, item: dict[str, Any]) -> Page:
        return self.html(f"{item['title']}_岳阳家教网", heavy_page(item, self.listings))


def heavy_page(item: dict[str, Any], listings: list[dict[str, Any]]) -> str:
    """One ad inside everything else a classifieds page carries: other ads' titles in side boxes,
    related posts, subject links, share buttons, a tip, the footer and scripts."""
    at = listings.index(item)
    others = [i for i in listings if i is not item]
    hot = "".join(f'<li><a href="/jiajiao/{i["id"]}.html">{_esc(i["title"])}</a></li>' for i in others[:10])
    related = "".join(f'<li><a href="/jiajiao/{i["id"]}.html">{_esc(i["title"])}</a></li>' for i in others[-6:])
    prev_item, next_item = listings[at - 1], listings[(at + 1) % len(listings)]
    labels = ("发布者", "联系电话", "城市", "区县", "价格", "发布时间")
    table = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in _facts(labels, item))
    main = (
        '<div class="crumbs">当前位置：<a href="/">首页</a> &gt; <a href="/jiajiao/">家教信息</a>'
        f" &gt; {_esc(item['district'])}</div>"
        f'<div class="info-title"><h1>{_esc(item["title"])}</h1><div class="meta">浏览 1024 次</div></div>'
        f'<table class="facts">{table}</table>'
        f'<div class="info-body" id="content">{_paragraphs(item["body"])}</div>'
        '<div class="tip">联系我时，请说是在岳阳家教网上看到的，谢谢！</div>'
        '<div class="share">分享到：<a>微信</a><a>QQ空间</a><a>新浪微博</a></div>'
        f'<div class="prev-next">上一篇：<a href="/jiajiao/{prev_item["id"]}.html">{_esc(prev_item["title"])}</a>'
        f' 下一篇：<a href="/jiajiao/{next_item["id"]}.html">{_esc(next_item["title"])}</a></div>'
        f'<div class="related"><h3>相关家教信息</h3><ul>{related}</ul></div>'
    )
    side = (
        f'<div class="box hot"><h3>热门家教</h3><ul>{hot}</ul></div>'
        '<div class="box subjects"><h3>热门科目</h3>'
        "<p>小学数学 初中物理 高中化学 英语口语 奥数 作文 钢琴 书法</p></div>"
        '<div class="box ad"><h3>推广</h3><p>暑期一对一冲刺班火热报名中，名师授课，不提分退费！</p></div>'
    )
    return shell("岳阳家教网", main, side=side)


MODERN_KINDS: dict[str, type[SampleSite]] = {
    "youjiao_zhaopin": ShellJobBoard,
    "ayi_feed": ScrollFeed,
    "paged_api": PagedApi,
    "cursor_api": CursorApi,
    "post_api": PostApi,
    "api_only": ApiOnly,
    "sitemap_site": SitemapSite,
}
