"""Site configs are validated when loaded; errors name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config.site_config import SITES_DIR, load_site, load_sites
from crawler.errors import ConfigError
from tests.conftest import Workspace

GOOD = (SITES_DIR / "jiajiao_classifieds.yaml").read_text(encoding="utf-8")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_configs_load() -> None:
    sites = load_sites()
    assert {s.site_id for s in sites} >= {"jiajiao_classifieds", "gig_jobs", "jiazheng_agency", "tongcheng_circle"}
    assert {s.platform for s in sites} == {"tutoring", "recruitment", "housekeeping", "social"}
    assert {s.site_id: s.render for s in sites if s.render} == {"tongcheng_circle": "lists"}


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (("platform: tutoring", "platform: forum"), "platform"),
        (('  title: "h1.post-title"\n', ""), "detail.title"),
        (("name: 岳阳家教信息港", "name: x\nlogin_password: hunter2"), "login_password"),
        (("http://127.0.0.1:8701/list/1.html", "ftp://example/list"), "start_urls"),
        (("  concurrency: 4", "  concurrency: 400"), "politeness.concurrency"),
        (("  concurrency: 4", "  concurrency: 4\n  obey_robots: false"), "politeness"),
        (("  concurrency: 4", "  concurrency: 4\n  revisit_hours: -1"), "politeness.revisit_hours"),
        (("name: 岳阳家教信息港", "name: x\nrender: sometimes"), "render"),
        (("name: 岳阳家教信息港", "name: x\nrender: 1"), "render"),
    ],
)
def test_invalid_field_is_named_with_the_file(tmp_path: Path, edit: tuple[str, str], field: str) -> None:
    assert edit[0] in GOOD
    path = write(tmp_path, "broken_site", GOOD.replace(*edit))
    with pytest.raises(ConfigError) as err:
        load_site(path)
    message = str(err.value)
    assert str(path) in message and f"'{field}" in message and "\n" not in message


@pytest.mark.parametrize(
    ("value", "lists", "details"), [("false", False, False), ("lists", True, False), ("true", True, True)]
)
def test_render_says_which_pages_go_through_the_browser(tmp_path: Path, value: str, lists: bool, details: bool) -> None:
    site = load_site(write(tmp_path, "rendered", f"{GOOD}render: {value}\n"))
    assert (site.renders("lists"), site.renders("details")) == (lists, details)


def test_not_yaml_and_unknown_site(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_site(write(tmp_path, "bad", "name: [unclosed"))
    with pytest.raises(ConfigError, match="no site config named nosuch"):
        load_sites(tmp_path, ("nosuch",))


def test_crawl_with_invalid_render_names_file_and_field(workspace: Workspace, tmp_path: Path) -> None:
    sites = tmp_path / "sites"
    sites.mkdir()
    path = write(sites, "bad_render", GOOD + "render: javascript\n")
    result = workspace.run("crawl", sites_dir=sites)
    assert result.returncode == 4
    assert result.stderr.strip() == (
        f"tutorwatch: error: {path}: field 'render': 'javascript' is not one of false, true, lists, details"
        " (which pages a browser renders)"
    )


def test_ignoring_robots_needs_a_written_reason(tmp_path: Path) -> None:
    edit = "  concurrency: 4\n  obey_robots: false\n  robots_override_reason: 市教育局书面授权 2026-11 (函号 12)"
    site = load_site(write(tmp_path, "override", GOOD.replace("  concurrency: 4", edit)))
    assert not site.politeness.obey_robots and "授权" in (site.politeness.robots_override_reason or "")
