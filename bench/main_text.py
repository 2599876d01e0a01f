"""Main-text extraction of pages no config knows: how much of the ad each extractor keeps, and how much else.

    .venv/bin/python bench/main_text.py [--pages DIR] [--tiny]

On the saved pages of tests/fixtures/pages/unknown/ (39 pages in 13 layouts, each with its golden
ad: tests/fixtures/pages/unknown/build.py says how they were written), every extractor is run and
scored against the golden:

- whole ad kept: the ad's title (in the judged title or text) and every line of its text are in what
  the extractor returned (whitespace and width ignored);
- other text: characters returned that are neither the ad nor its facts (publisher, phone, price …),
  as a multiple of the ad's own length (median, and the worst page);
- clean: whole ad kept and other text at most half the ad;
- same verdict: the detectors flag the extracted page exactly when they flag the ad alone;
- ms/page, on this machine, one core.

Extractors: ``today`` (the bs4 code TutorWatch had before: its largest <article>/<main>/<body>
block), readability-lxml, trafilatura (default, precision, recall), and ``ours``
(crawler/extraction/main_text.py: hidden elements, item lists, cards and link-dense blocks pruned,
then trafilatura, the largest block when it finds nothing; the page's own <title> and headline both
judged). ``--tiny`` runs 4 pages, for the suite.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bs4 import BeautifulSoup

from crawler.extraction.main_text import main_text
from detectors import analyze

PAGES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pages" / "unknown"
Extractor = Callable[[str], tuple[str, str]]


def today(page: str) -> tuple[str, str]:
    """TutorWatch's main_text before this measurement (bs4: <h1> or <title>, the largest article/main/body)."""
    soup = BeautifulSoup(page, "html.parser")
    title_tag = soup.find("h1") or soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else ""
    for tag in soup(("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg")):
        tag.decompose()
    candidates = soup.find_all(["article", "main"]) or [soup.body or soup]
    block = max(candidates, key=lambda tag: len(tag.get_text(strip=True)))
    body = "\n".join(line.strip() for line in block.get_text("\n").splitlines() if line.strip())
    if body.startswith(title):
        body = body[len(title) :].lstrip("\n")
    return title, body


def readability_lxml(page: str) -> tuple[str, str]:
    import html_text
    from readability import Document

    doc = Document(page)
    return doc.short_title(), html_text.extract_text(doc.summary(html_partial=True))


def trafilatura_with(**options: bool) -> Extractor:
    def run(page: str) -> tuple[str, str]:
        import trafilatura

        found = trafilatura.bare_extraction(page, include_comments=False, with_metadata=True, **options)
        if found is None:
            return "", ""
        return found.title or "", found.text or ""

    return run


EXTRACTORS: dict[str, Extractor] = {
    "today (bs4, largest block)": today,
    "readability-lxml": readability_lxml,
    "trafilatura": trafilatura_with(),
    "trafilatura, favor_precision": trafilatura_with(favor_precision=True),
    "trafilatura, favor_recall": trafilatura_with(favor_recall=True),
    "ours (pruned + trafilatura, largest block as fallback)": main_text,
}


def norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@dataclass(frozen=True)
class Score:
    kept: bool
    other: float  # other text / the ad's length
    same_verdict: bool
    ms: float


def score(golden: dict, title: str, text: str, ms: float, verdict: bool) -> Score:
    judged = norm(f"{title}\n{text}")
    lines = [norm(line) for line in golden["text"].splitlines() if norm(line)]
    found = [line for line in lines if line in judged]
    title_kept = norm(golden["title"]) in judged
    ad = len(norm(golden["title"])) + sum(map(len, lines))
    allowed = sum(len(norm(a)) for a in golden["allowed"] if norm(a) and norm(a) in judged)
    own = sum(map(len, found)) + (len(norm(golden["title"])) if title_kept else 0)
    other = max(0, len(judged) - own - allowed) / ad
    flagged = analyze(title, text).flagged
    return Score(title_kept and len(found) == len(lines), other, flagged == verdict, ms)


def measure(pages: Path, tiny: bool) -> dict[str, list[Score]]:
    cases = sorted(pages.glob("*.expected.json"))
    if tiny:
        cases = cases[:: max(1, len(cases) // 4)][:4]
    results: dict[str, list[Score]] = {name: [] for name in EXTRACTORS}
    for case in cases:
        golden = json.loads(case.read_text(encoding="utf-8"))
        raw = case.with_name(case.name.replace(".expected.json", ".html")).read_bytes()
        page = raw.decode("gb18030") if b'charset="gb2312"' in raw[:400] else raw.decode("utf-8")
        verdict = analyze(golden["title"], golden["text"]).flagged
        for name, extract in EXTRACTORS.items():
            began = time.perf_counter()
            title, text = extract(page)
            ms = (time.perf_counter() - began) * 1000
            results[name].append(score(golden, title, text, ms, verdict))
    return results


def report(results: dict[str, list[Score]]) -> None:
    pages = len(next(iter(results.values())))
    print(f"{pages} saved pages (tests/fixtures/pages/unknown)\n")
    print("| extractor | whole ad kept | other text, median × ad | worst | clean (kept, ≤ 0.5× other) |", end="")
    print(" same verdict as the ad alone | ms/page |")
    print("|---|---|---|---|---|---|---|")
    for name, scores in results.items():
        kept = sum(s.kept for s in scores)
        clean = sum(s.kept and s.other <= 0.5 for s in scores)
        same = sum(s.same_verdict for s in scores)
        print(
            f"| {name} | {kept}/{pages} | {statistics.median(s.other for s in scores):.2f} |"
            f" {max(s.other for s in scores):.1f} | {clean}/{pages} | {same}/{pages} |"
            f" {statistics.median(s.ms for s in scores):.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, default=PAGES)
    parser.add_argument("--tiny", action="store_true", help="4 pages: the suite's check that the benchmark runs")
    args = parser.parse_args()
    report(measure(args.pages, args.tiny))


if __name__ == "__main__":
    main()
