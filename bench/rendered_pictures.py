"""Rendered sites' pictures: take the bytes from the browser, or fetch the chosen pictures through Scrapy?

    .venv/bin/python bench/rendered_pictures.py [--tiny]

The poster site (tests/support/poster_site.py: 51 posters and 7 hostile pictures, each page with a
header logo and a 16 px icon beside its poster) rendered in Debian's chromium, two nights each way:

- **ours**: ``tutorwatch crawl`` with ``render: true``: the browser loads no image (BrowserGuard
  aborts images, fonts and media); the pictures the site config selects are fetched through
  Scrapy (robots.txt, politeness, ``images.max_mb``), conditionally on night 2;
- **from the browser**: the same pages loaded by chromium as the crawl renders them (one browser
  per night, 4 pages at once, the guard's other rules kept) but with images allowed, every image
  response's body taken (Playwright's ``response.body()``), as taking "the bytes the browser
  already loaded" needs.

Prints per night and way: image requests the site answered (of them 304), image bytes the site
sent (the 11 MB file apart: Scrapy refuses it from its Content-Length), requests for images that
are not the ad's (logo, icon), for the picture robots.txt forbids and for the 11 MB file over the
10 MB limit, and the image bodies the browser handed over; and the browser's seconds per page with images
allowed against blocked (same run, same browser). ``--tiny`` (2 posters and the hostile pages)
is what the test suite runs. Counts do not move between runs; seconds do.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support: the poster site, from the checkout

from crawler.fetching.rendering import CHROMIUM, CHROMIUM_ARGS, CONTEXT, BrowserGuard
from tests.support.poster_site import PosterSite, serve_poster_site, site_config

TUTORWATCH = str(Path(sys.executable).parent / "tutorwatch")
TINY = ["v01-summer-math-1v1", "c01-piano"]  # one violation, one clean poster: the suite only checks it runs
AT_ONCE = 4  # PLAYWRIGHT_MAX_PAGES_PER_CONTEXT of a crawl
NOT_THE_ADS = ("/static/logo.png", "/static/icon.png")
FORBIDDEN = "/private/poster.png"
HUGE = "/img/bad-huge.png"


def served(site: PosterSite, before: Counter[str], not_modified: Counter[str]) -> dict[str, int]:
    """What the site answered since ``before``: image requests, 304s, bytes, and the unwanted ones."""
    hits = Counter(site.hits)
    hits.subtract(before)
    images = {path: n for path, n in hits.items() if n > 0 and path.startswith(("/img/", "/static/", "/private/"))}
    fresh = Counter(site.not_modified)
    fresh.subtract(not_modified)
    sent = 0
    for path, n in images.items():
        status, _, body = site.route(path)
        if status == 200 and path != HUGE:  # Scrapy refuses the 11 MB file from its Content-Length: counted apart
            sent += len(body) * max(n - fresh[path], 0)
    return {
        "requests": sum(images.values()),
        "not_modified": sum(n for n in fresh.values() if n > 0),
        "bytes": sent,
        "not_the_ads": sum(images.get(path, 0) for path in NOT_THE_ADS),
        "forbidden": images.get(FORBIDDEN, 0),
        "huge": images.get(HUGE, 0),
    }


def ours(root: Path, port: int) -> None:
    sites = root / "sites"
    sites.mkdir(exist_ok=True)
    (sites / "posters.yaml").write_text(site_config(port) + "render: true\n", encoding="utf-8")
    command = [TUTORWATCH, "--db", str(root / "db.sqlite"), "--reports-dir", str(root / "reports")]
    command += ["--sites-dir", str(sites), "crawl"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        raise SystemExit(f"crawl failed: {result.stderr[-2000:]}")


async def browser_night(urls: list[str], base: str, images: bool) -> tuple[float, int]:
    """Load every page (AT_ONCE at a time) in one fresh browser; seconds, and bytes of image bodies taken."""
    from playwright.async_api import Request, Response, Route, async_playwright

    guard = BrowserGuard([base])
    taken: list[int] = []
    reading: list[asyncio.Task] = []

    async def route(route: Route, request: Request) -> None:
        allowed = images and request.resource_type == "image" and request.url.startswith(base)
        await (route.continue_() if allowed or not guard(request) else route.abort())

    async def body(response: Response) -> None:
        try:
            taken.append(len(await response.body()))
        except Exception:  # a page closed before its image's body was read: nothing taken
            taken.append(0)

    def on_response(response: Response) -> None:
        if response.request.resource_type == "image":
            reading.append(asyncio.ensure_future(body(response)))

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context = await browser.new_context(**CONTEXT)
        await context.route("**/*", route)
        context.on("response", on_response)
        queue = list(urls)
        start = time.perf_counter()

        async def worker() -> None:
            page = await context.new_page()
            while queue:
                await page.goto(queue.pop(0), wait_until="load")
                await asyncio.gather(*reading)
            await page.close()

        await asyncio.gather(*(worker() for _ in range(AT_ONCE)))
        seconds = time.perf_counter() - start
        await asyncio.gather(*reading)
        await browser.close()
    return seconds, sum(taken)


def row(name: str, got: dict[str, int], pages: int) -> str:
    cells = [
        f"{got['requests']} ({got['not_modified']})",
        f"{got['bytes'] / 1e6:.1f}",
        f"{got['requests'] / pages:.2f}",
        str(got["not_the_ads"]),
        str(got["forbidden"]),
        str(got["huge"]),
    ]
    return f"| {name} | " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="2 posters and the hostile pages (the test suite's run)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, serve_poster_site(TINY if args.tiny else None) as (port, site):
        root = Path(tmp)
        base = f"http://127.0.0.1:{port}"
        urls = [base + path for path in site.pages()]
        results = []
        for name in ("ours, night 1", "ours, night 2"):
            before, not_modified = Counter(site.hits), Counter(site.not_modified)
            ours(root, port)
            results.append((name, served(site, before, not_modified)))
        timing = {}
        for name, images in [("from the browser, night 1", True), ("from the browser, night 2", True)]:
            before, not_modified = Counter(site.hits), Counter(site.not_modified)
            timing[name] = asyncio.run(browser_night(urls, base, images))
            results.append((name, served(site, before, not_modified)))
        blocked, _ = asyncio.run(browser_night(urls, base, False))
    print(f"poster site rendered: {len(urls)} detail pages (each: its ad picture, a header logo, a 16 px icon)")
    print(
        "| pictures | image requests (304) | MB sent (the 11 MB file apart) | requests / page | logo + icon"
        " | robots-forbidden | 11 MB file |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, got in results:
        print(row(name, got, len(urls)))
    allowed, taken = timing["from the browser, night 1"]
    print(
        f"image bodies the browser handed over on night 1: {taken / 1e6:.1f} MB (the 11 MB file whole);"
        " ours refuses it from its Content-Length (images.max_mb 10)"
    )
    print(
        f"browser seconds per page: images blocked {blocked / len(urls):.3f},"
        f" allowed {allowed / len(urls):.3f} (allowed / blocked {allowed / blocked:.2f})"
    )


if __name__ == "__main__":
    main()
