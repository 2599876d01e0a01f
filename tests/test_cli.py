"""Every command explains itself and appears in the README."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from crawler.cli import cli
from tests.conftest import tutorwatch

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += commands(command, (*prefix, name))
    return found


@pytest.mark.parametrize("path", commands(cli), ids=" ".join)
def test_command_has_help_and_is_documented(path: tuple[str, ...]) -> None:
    result = tutorwatch(*path, "--help")
    assert result.returncode == 0
    command = cli
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    assert command.help and len(command.help) > 20
    assert f"tutorwatch {' '.join(path)}" in README


def test_top_level_help_and_unknown_command() -> None:
    assert "crawl" in tutorwatch("--help").stdout
    bad = tutorwatch("nosuch")
    assert bad.returncode == 2 and "No such command" in bad.stderr
