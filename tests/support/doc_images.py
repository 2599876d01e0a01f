"""The pictures in README's quick guide: the analyst's workbook and the morning report, from a real crawl.

    .venv/bin/python -m tests.support.doc_images [--out docs/images]

Serves the sample sites on free 127.0.0.1 ports, crawls one into a throwaway database, confirms a
lead, crawls them all (the morning after: new leads, one confirmed this week), then prints the
analyst's workbook as LibreOffice would (its own print setup: landscape, one page wide, the key
columns) to PNG (soffice → PDF → pdftoppm) and screenshots the morning report in chromium. Needs
libreoffice-calc and poppler-utils (apt-get install). Not shipped.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from crawler.config.site_config import SITES_DIR
from crawler.fetching.rendering import CHROMIUM
from tests.support.sample_server import SITE_KINDS, serve_samples

DOCS = Path(__file__).resolve().parents[2] / "docs" / "images"


def tutorwatch(root: Path, sites: Path, *args: str) -> str:
    command = [str(Path(sys.executable).parent / "tutorwatch"), "--db", str(root / "db.sqlite")]
    command += ["--reports-dir", str(root / "reports"), "--sites-dir", str(sites), *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def workbook_png(workbook: Path, out: Path, work: Path) -> None:
    profile = f"-env:UserInstallation=file://{work}/lo"
    subprocess.run(
        ["soffice", "--headless", profile, "--convert-to", "pdf", "--outdir", str(work), str(workbook)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = work / f"{workbook.stem}.pdf"
    # The top left of the first printed page (A4 landscape at 200 dpi): the header and the key columns.
    crop = ["-x", "90", "-y", "150", "-W", "1450", "-H", "760"]
    page = ["-png", "-r", "200", "-f", "1", "-l", "1", "-singlefile", *crop]
    subprocess.run(["pdftoppm", *page, str(pdf), str(out.with_suffix(""))], check=True)


def report_png(report: Path, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1300})
            page.goto(report.as_uri())
            page.screenshot(path=str(out))
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, serve_samples(dict.fromkeys(SITE_KINDS, 0)) as ports:
        root, sites = Path(tmp), Path(tmp) / "sites"
        sites.mkdir()
        for site_id, port in ports.items():
            text = (SITES_DIR / f"{site_id}.yaml").read_text(encoding="utf-8")
            (sites / f"{site_id}.yaml").write_text(re.sub(r"127\.0\.0\.1:\d+", f"127.0.0.1:{port}", text), "utf-8")
        tutorwatch(root, sites, "crawl", "--site", "jiajiao_classifieds")
        leads = re.findall(r"^(L[0-9a-f]{12}),", (root / "reports" / "leads.csv").read_text("utf-8-sig"), re.M)
        tutorwatch(root, sites, "review", "set", leads[0], "确认", "--note", "已约谈", "--reviewer", "张三")
        tutorwatch(root, sites, "crawl")  # the other sites' leads are new; the verdict is confirmed this week
        [workbook] = sorted((root / "reports" / "待研判").glob("*.xlsx"))[-1:]
        workbook_png(workbook, args.out / "workbook.png", root)
        [report] = (root / "reports" / "runs").glob("*/report.html")
        report_png(report, args.out / "report.png")
    print(f"{args.out / 'workbook.png'}\n{args.out / 'report.png'}")


if __name__ == "__main__":
    main()
