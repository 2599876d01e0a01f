"""deploy/: the systemd service + timer and the cron line are valid and run a command that exists."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from crawler.cli import cli
from tests.conftest import TUTORWATCH

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
INSTALLED = "/opt/tutorwatch/.venv/bin/tutorwatch"  # where README's install steps put the command
ENV_VARS = {param.envvar for param in cli.params if param.envvar}


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A systemd unit file as {section: {key: [values]}} (keys may repeat, e.g. Environment=)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None and "=" in line, f"{name}: not a key=value line: {raw!r}"
        key, value = line.split("=", 1)
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def runs_the_crawl(argv: list[str]) -> None:
    assert argv[0] == INSTALLED and argv[1:] == ["crawl"]
    assert "crawl" in cli.commands and Path(TUTORWATCH).name == Path(INSTALLED).name
    assert subprocess.run([TUTORWATCH, "crawl", "--help"], capture_output=True).returncode == 0


def test_service_runs_the_crawl_as_its_own_user_with_the_paths_from_the_environment() -> None:
    service = unit("tutorwatch-nightly.service")["Service"]
    assert service["Type"] == ["oneshot"] and service["User"][0] not in ("", "root")
    runs_the_crawl(shlex.split(service["ExecStart"][0]))
    assert {shlex.split(entry)[0].split("=", 1)[0] for entry in service["Environment"]} == ENV_VARS
    engine = {"TUTORWATCH_RULES_DIR", "TUTORWATCH_MODEL", "TUTORWATCH_THRESHOLD"}
    people = {"TUTORWATCH_TZ"}  # the time zone of the dates in workbooks and reports
    assert {
        "TUTORWATCH_DB",
        "TUTORWATCH_REPORTS",
        "TUTORWATCH_SITES",
        "TUTORWATCH_CONTACT",
        *engine,
        *people,
    } == ENV_VARS


def test_service_caps_memory_and_tasks_with_measured_headroom() -> None:
    """MemoryMax= and TasksMax= are set, above what bench/hostile_night.py measured (the comment cites it)."""
    service = unit("tutorwatch-nightly.service")["Service"]
    [memory], [tasks] = service["MemoryMax"], service["TasksMax"]
    assert memory.endswith("G") and float(memory[:-1]) >= 3, "twice the measured peak of a hostile night (1.5 GB)"
    assert tasks.isdigit() and int(tasks) >= 256, "above the measured peak tasks, Chromium included"
    text = (DEPLOY / "tutorwatch-nightly.service").read_text(encoding="utf-8")
    assert "bench/hostile_night.py" in text


def test_timer_is_nightly_persistent_and_randomised() -> None:
    timer = unit("tutorwatch-nightly.timer")
    assert timer["Timer"]["Persistent"] == ["true"]
    assert timer["Timer"]["RandomizedDelaySec"] and timer["Timer"]["OnCalendar"] == ["*-*-* 01:30:00"]
    assert timer["Install"]["WantedBy"] == ["timers.target"]


def test_cron_line_is_the_same_crawl() -> None:
    text = (DEPLOY / "tutorwatch.cron").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    settings = dict(line.split("=", 1) for line in lines if "=" in line.split()[0])
    assert set(settings) - {"SHELL"} == ENV_VARS and settings["SHELL"] == "/bin/bash"
    [entry] = [line for line in lines if "=" not in line.split()[0]]
    minute, hour, day, month, weekday, user, command = entry.split(None, 6)
    assert (minute, hour, day, month, weekday, user) == ("30", "1", "*", "*", "*", "tutorwatch")
    assert "%" not in command.replace("\\%", ""), "an unescaped % ends a cron command"
    runs_the_crawl(shlex.split(command.split("&&")[-1])[:2])


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    units = [tmp_path / name for name in ("tutorwatch-nightly.service", "tutorwatch-nightly.timer")]
    for path in units:  # verify checks that ExecStart exists: point it at this checkout's command
        text = (DEPLOY / path.name).read_text(encoding="utf-8").replace(INSTALLED, TUTORWATCH)
        path.write_text(text, encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", *map(str, units)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Unknown" not in result.stderr, result.stderr


def test_every_package_folder_is_shipped() -> None:
    """A non-editable install ships only the packages pyproject.toml lists: a folder left out
    (crawler.images was) works in the editable checkout and is missing on a server."""
    import tomllib

    root = Path(__file__).resolve().parent.parent
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    tops = {"crawler", "detectors"}  # crawler/ has no __init__.py: a namespace package, listed all the same
    found = tops | {
        ".".join(init.parent.relative_to(root).parts) for top in tops for init in (root / top).rglob("__init__.py")
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages"
    assert listed - found == set(), "listed but not a package"
