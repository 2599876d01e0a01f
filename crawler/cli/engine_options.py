"""The analysis engine's options, read at the edge (options or environment) and handed on as one EngineConfig."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from detectors.catalogue import RULES_DIR
from detectors.classifier import default_model
from detectors.engine import EngineConfig

NO_MODEL = "none"


def engine_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--rules-dir, --model and --threshold (env TUTORWATCH_RULES_DIR, TUTORWATCH_MODEL, TUTORWATCH_THRESHOLD)."""
    options = [
        click.option(
            "--rules-dir",
            type=click.Path(path_type=Path),
            default=RULES_DIR,
            envvar="TUTORWATCH_RULES_DIR",
            show_default=True,
            help="Rule catalogue: <category>.yaml, lexicons/, obfuscation/.",
        ),
        click.option(
            "--model",
            default="",
            envvar="TUTORWATCH_MODEL",
            help="Classifier model file, or 'none' for the rules alone (default: data/models/tutorwatch.pkl.gz).",
        ),
        click.option(
            "--threshold",
            type=click.FloatRange(0, 1),
            envvar="TUTORWATCH_THRESHOLD",
            help="Score at which a listing is flagged (default: the model card's tuned one; 0.5 without a model).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def engine_config(rules_dir: Path, model: str, threshold: float | None) -> EngineConfig:
    """The EngineConfig of the options; the engine itself is built when a command needs it."""
    chosen = None if model == NO_MODEL else Path(model) if model else default_model()
    return EngineConfig(rules_dir=rules_dir, model=chosen, threshold=threshold)
