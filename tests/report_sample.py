"""The three-survey sample project (as `tpn init` writes it), analyzed once per test session."""

from __future__ import annotations

import os
from pathlib import Path

from typer.testing import CliRunner

from tpn_survey.cli import app
from tpn_survey.pipeline import analyze_project
from tpn_survey.project import Project, load_project
from tpn_survey.results import Results


def sample_project(folder: Path) -> tuple[Project, list[Results]]:
    """`tpn init` in `folder`, then the analysis of every survey of its tpn.toml."""
    old = Path.cwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(app, ["init"])
        assert result.exit_code == 0, result.output
    finally:
        os.chdir(old)
    project = load_project(folder / "tpn.toml")
    return project, analyze_project(project)
