"""Several waves: every output says which wave a number belongs to, with overall rows per wave;
wave labels come from tpn.toml `waves = {...}` (or a `wave` column), not the files' names."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import SAMPLE, SCHEMAS
from tpn_survey.cli import app

runner = CliRunner()

TOML = """\
out = "out"
formats = ["json", "csv", "html"]

[report]
title = "Waves"

[[survey]]
name = "leaders"
data = ["tl_a.csv", "tl_b.csv"]
schema = "teacher_leader.yaml"
by = ["organization"]
waves = {"2016" = "tl_a.csv", "2017" = "tl_b.csv"}
"""


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    frame = pd.read_csv(SAMPLE / "teacher_leader.csv", dtype=str, keep_default_na=False)
    frame.iloc[:250].to_csv(tmp_path / "tl_a.csv", index=False)
    frame.iloc[250:].to_csv(tmp_path / "tl_b.csv", index=False)
    (tmp_path / "teacher_leader.yaml").write_bytes((SCHEMAS / "teacher_leader.yaml").read_bytes())
    (tmp_path / "tpn.toml").write_text(TOML, encoding="utf-8")
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


def test_every_output_labels_the_waves(project: Path) -> None:
    result = runner.invoke(app, ["analyze"])
    assert result.exit_code == 0, result.output
    # terminal: each wave's overall rows, labelled
    assert "2016" in result.output and "2017" in result.output and "tl_b" not in result.output
    data = json.loads((project / "out" / "results.json").read_text("utf-8"))
    waves = [e["group"]["wave"] for e in data["estimates"] if list(e["group"]) == ["wave"]]
    assert sorted(set(waves)) == ["2016", "2017"]
    tidy = pd.read_csv(project / "out" / "tables.csv", encoding="utf-8-sig", dtype=str)
    assert set(tidy["wave"]) == {"2016", "2017", "all waves"}
    per_wave = tidy[(tidy["group_by"] == "wave") & (tidy["item"] == "confident_standards")]
    assert list(per_wave["wave"]) == ["2016", "2017"]
    html = (project / "out" / "report.html").read_text("utf-8")
    assert "tl_a" not in html.replace("tl_a.csv", "") and "tl_b" not in html.replace("tl_b.csv", "")
    assert "In 2017, " in html  # headlines are the latest wave's, said so
    rows_2017 = 523 - 250
    figure = f'<span class="value">{rows_2017}</span> <span class="label">teacher leaders'
    assert figure in html  # key figure: the latest wave's respondents, not both waves'


def test_waves_must_name_the_data_files(project: Path) -> None:
    (project / "tpn.toml").write_text(
        TOML.replace('"2017" = "tl_b.csv"', '"2017" = "tl_c.csv"'), encoding="utf-8"
    )
    result = runner.invoke(app, ["analyze"])
    assert result.exit_code == 2 and "tl_c.csv" in result.output
