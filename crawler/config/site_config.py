"""SiteConfig: everything the generic spider needs to know about one site, from crawler/sites/<site_id>.yaml.

Adding a site needs no Python. Configs are validated when loaded; an error names the file and
the field, so a typo fails the crawl at start instead of silently yielding nothing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from crawler.errors import ConfigError
from crawler.images.options import ImageOptions
from detectors.categories import PLATFORMS

SITES_DIR = Path(__file__).resolve().parents[1] / "sites"
TRACKING_PARAMS = ("from", "ref", "src", "source", "spm", "utm_*", "share*", "fbclid", "gclid", "_t", "timestamp")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ListPages(_Strict):
    """How list pages lead to detail pages and to further list pages.

    ``format: html`` selectors are CSS (``xpath:`` prefix for XPath); ``format: json`` ones are
    dotted paths into the JSON body, ``[]`` stepping into arrays (``jobs[].url``).
    """

    format: Literal["html", "json"] = "html"
    detail_links: str
    next_page: str | None = None
    section_links: str | None = None


class DetailFields(_Strict):
    """Selectors (CSS, or ``xpath:``-prefixed XPath) for the fields of a detail page."""

    title: str
    body: str
    publisher: str | None = None
    contact: str | None = None
    city: str | None = None
    district: str | None = None
    price: str | None = None
    posted_at: str | None = None
    images: str | None = None  # the listing's pictures (img, or img::attr(src)); default: the <img> in body


class Canonical(_Strict):
    """Which query parameters identify a page; the rest are noise (``?from=list``)."""

    keep_params: tuple[str, ...] | None = None
    drop_params: tuple[str, ...] = TRACKING_PARAMS


class Politeness(_Strict):
    """How hard we may hit the site, and how often its detail pages are fetched again.

    Ignoring robots.txt needs a written reason (``robots_override_reason``), kept in the config
    for whoever audits the crawl. ``revisit_hours``: a detail page fetched more recently than
    this is not downloaded again (its lead still counts as seen); older ones are re-asked with
    If-None-Match / If-Modified-Since. 0 re-asks every page every night.
    """

    obey_robots: bool = True
    robots_override_reason: str | None = None
    download_delay: float = Field(default=0.25, ge=0, le=60)
    concurrency: int = Field(default=2, ge=1, le=16)
    max_pages: int = Field(default=2000, ge=1)
    max_list_depth: int = Field(default=200, ge=1)  # list pages followed in a chain: stops pagination traps
    revisit_hours: float = Field(default=72, ge=0)
    download_timeout: float = Field(default=30, gt=0, le=600)
    max_page_mb: float = Field(default=10, gt=0, le=200)

    @model_validator(mode="after")
    def _robots_reason(self) -> Politeness:
        if not self.obey_robots and not (self.robots_override_reason or "").strip():
            raise ValueError("obey_robots: false needs a written robots_override_reason")
        return self


class SiteConfig(_Strict):
    site_id: str
    name: str
    platform: str
    city: str | None = None
    start_urls: tuple[str, ...] = Field(min_length=1)
    list: ListPages
    detail: DetailFields
    canonical: Canonical = Canonical()
    politeness: Politeness = Politeness()
    render: bool | Literal["lists", "details"] = False  # which pages a browser renders; true = all
    images: ImageOptions = ImageOptions()  # read the text of the listing's pictures (off by default)

    @field_validator("site_id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9_]+", value):
            raise ValueError("site_id (the file name) must be lower-case letters, digits and _")
        return value

    @field_validator("platform")
    @classmethod
    def _platform(cls, value: str) -> str:
        if value not in PLATFORMS:
            raise ValueError(f"unknown platform {value!r}; one of {', '.join(PLATFORMS)}")
        return value

    @field_validator("start_urls")
    @classmethod
    def _urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{url!r} is not an http(s) URL")
        return value

    @field_validator("render", mode="before")
    @classmethod
    def _render(cls, value: object) -> object:
        if not isinstance(value, bool) and value not in ("lists", "details"):
            raise ValueError(f"{value!r} is not one of false, true, lists, details (which pages a browser renders)")
        return value

    def renders(self, page: Literal["lists", "details"]) -> bool:
        """Whether this kind of page goes through the browser."""
        return self.render is True or self.render == page

    @property
    def domains(self) -> set[str]:
        """host[:port] of every start URL; ``check`` uses it to pick the config for a URL."""
        return {urlsplit(url).netloc for url in self.start_urls}


def load_site(path: Path) -> SiteConfig:
    """Load one site config; errors say which file and which field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of fields")
    try:
        return SiteConfig.model_validate({"site_id": path.stem, **raw})
    except ValidationError as exc:  # every problem, on one line: a typo is both a missing and an unknown field
        problems = [
            f"field '{'.'.join(str(part) for part in err['loc']) or '(top level)'}': "
            + err["msg"].removeprefix("Value error, ")
            for err in exc.errors()
        ]
        raise ConfigError(f"{path}: {'; '.join(problems)}") from None


def load_sites(sites_dir: Path = SITES_DIR, only: tuple[str, ...] = ()) -> list[SiteConfig]:
    """Every site config in a directory, or the named ones; unknown names are an error."""
    paths = sorted(sites_dir.glob("*.yaml"))
    known = {p.stem for p in paths}
    missing = [name for name in only if name not in known]
    if missing:
        raise ConfigError(f"{sites_dir}: no site config named {', '.join(missing)} (have: {', '.join(sorted(known))})")
    return [load_site(p) for p in paths if not only or p.stem in only]
