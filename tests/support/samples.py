"""The sample platforms for people: ``serve`` them until Ctrl-C, or ``demo``: serve them and crawl them once.

Not part of the shipped package (a bureau's machine crawls real sites): ``make demo`` runs
``python -m tests.support.samples demo`` from the checkout. The ports are those the bundled
site configs name (crawler/sites/*.yaml).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from crawler.config.site_config import SITES_DIR, load_sites
from tests.support.modern_sites import MODERN_KINDS
from tests.support.sample_server import SITE_KINDS, sample_ports, serve_samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.samples", description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["serve", "demo"])
    parser.add_argument("--sites-dir", type=Path, default=SITES_DIR, help="site configs naming the ports")
    parser.add_argument("crawl_args", nargs="*", help="demo: extra arguments for `tutorwatch crawl`")
    args = parser.parse_args(argv)
    kinds = {**SITE_KINDS, **MODERN_KINDS}  # --sites-dir tests/support/sites serves the sites built as today's
    sites = [s for s in load_sites(args.sites_dir) if s.site_id in kinds]
    try:
        with serve_samples(sample_ports(sites, kinds), kinds=kinds):
            for site in sites:
                print(f"{site.site_id}: {site.start_urls[0]}", file=sys.stderr)
            if args.action == "demo":
                tutorwatch = Path(sys.executable).parent / "tutorwatch"
                command = [str(tutorwatch), "--sites-dir", str(args.sites_dir), "crawl", *args.crawl_args]
                return subprocess.run(command, check=False).returncode
            print("Ctrl-C stops.", file=sys.stderr)
            while True:
                time.sleep(3600)
    except OSError as exc:
        print(f"samples: error: cannot serve the samples: {exc.strerror}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
