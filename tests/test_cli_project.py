"""tpn.toml projects: init, analyze with no arguments, report re-render; weight rake."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT, SAMPLE
from tpn_survey.cli import app

runner = CliRunner()


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


def test_init_then_analyze_builds_the_annual_report(workdir: Path) -> None:
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert (workdir / "tpn.toml").exists() and (workdir / "schemas" / "teacher.yaml").exists()
    for name in ("teacher_leader", "teacher", "end_of_year"):  # same bytes as the bundled data
        assert (workdir / "data/sample" / f"{name}.csv").read_bytes() == (
            SAMPLE / f"{name}.csv"
        ).read_bytes()
    result = runner.invoke(app, ["analyze", "--format", "json,csv,html,xlsx"])
    assert result.exit_code == 0, result.output
    out = workdir / "tpn-out"
    assert {p.name for p in out.iterdir()} == {
        "results-teacher_leader.json",
        "results-teacher.json",
        "results-end_of_year.json",
        "tables.csv",
        "choices.csv",  # question types of the sample teacher leader survey (issue 16)
        "numbers.csv",
        "texts.csv",
        "tables.xlsx",
        "report.html",
        "manifest.json",
    }
    teacher = json.loads((out / "results-teacher.json").read_text("utf-8"))
    assert teacher["settings"]["design"] == {"cluster": "leader_id"}
    assert teacher["network"] and teacher["estimates"][0]["method"] == "logit"
    tidy = pd.read_csv(out / "tables.csv", encoding="utf-8-sig")
    assert set(tidy["survey"]) == {"tpn-teacher-leader", "tpn-teacher", "tpn-end-of-year"}
    html = (out / "report.html").read_text("utf-8")
    assert "Annual Impact Report 2017" in html and "Network structure" in html

    rerender = runner.invoke(
        app,
        [
            "report",
            *(str(p) for p in sorted(out.glob("results*.json"))),
            "--out",
            "again",
            "--format",
            "html",
        ],
    )
    assert rerender.exit_code == 0, rerender.output
    assert "Annual Impact Report 2017" in (workdir / "again" / "report.html").read_text("utf-8")

    again = runner.invoke(app, ["init"])
    assert again.exit_code == 2 and "exists" in again.output


def test_analyze_without_project_says_what_to_do(workdir: Path) -> None:
    result = runner.invoke(app, ["analyze"])
    assert result.exit_code == 2 and "tpn init" in result.output


def test_bad_project_file_names_the_key(workdir: Path) -> None:
    (workdir / "tpn.toml").write_text('[[survey]]\nname = "x"\ndata = []\nschema = "s.yaml"\n')
    result = runner.invoke(app, ["analyze"])
    assert result.exit_code == 2 and "survey[0].data" in result.output


def test_report_rejects_a_file_that_is_not_results(workdir: Path) -> None:
    (workdir / "r.json").write_text('{"hello": 1}')
    result = runner.invoke(app, ["report", "r.json"])
    assert result.exit_code == 2 and "not a tpn results.json" in result.output


def test_weight_rake_matches_r(workdir: Path) -> None:
    golden = ROOT / "tests" / "golden"
    data = pd.read_csv(golden / "synthetic.csv", dtype=str, keep_default_na=False)
    data["band_r"] = data["band"].replace("", "unknown")
    data.to_csv(workdir / "d.csv", index=False)
    lines = []
    for margin in ("org", "tenure", "band_r"):
        targets = pd.read_csv(golden / f"rake_margin_{margin}.csv", dtype={margin: str})
        lines.append(f"{margin}:\n  column: {margin}\n  targets:")
        lines += [f"    '{k}': {v}" for k, v in zip(targets[margin], targets["Freq"], strict=True)]
    (workdir / "m.yaml").write_text("\n".join(lines) + "\n")
    result = runner.invoke(
        app, ["weight", "rake", "d.csv", "--margins", "m.yaml", "--out", "w.csv", "--base", "w"]
    )
    assert result.exit_code == 0, result.output
    assert "Kish design effect" in result.output
    raked = pd.read_csv(workdir / "w.csv")
    ref = pd.read_csv(golden / "rake_golden.csv")
    assert raked["weight"].to_numpy() == pytest.approx(ref["raked"].to_numpy(), rel=1e-6)
    trimmed = runner.invoke(
        app,
        ["weight", "rake", "d.csv", "--margins", "m.yaml", "--out", "t.csv", "--base", "w",
         "--trim", "8,25"],
    )  # fmt: skip
    assert trimmed.exit_code == 0, trimmed.output
    assert pd.read_csv(workdir / "t.csv")["weight"].to_numpy() == pytest.approx(
        ref["trimmed"].to_numpy(), rel=1e-6
    )
    empty = runner.invoke(
        app, ["weight", "rake", "d.csv", "--margins", "nope.yaml", "--out", "x.csv"]
    )
    # a missing file of any kind exits 2, naming it (issue 13)
    assert empty.exit_code == 2 and "nope.yaml: margins file not found" in empty.output


def test_report_keeps_survey_order_and_settings_without_tpn_toml(workdir: Path) -> None:
    """`tpn report` of a project's results.json files, in any order and with no tpn.toml at
    hand, renders the report the project made: same survey order, same [report] settings."""
    assert runner.invoke(app, ["init"]).exit_code == 0
    result = runner.invoke(app, ["analyze", "--format", "json,html"])
    assert result.exit_code == 0, result.output
    first = (workdir / "tpn-out" / "report.html").read_text("utf-8")
    files = sorted((workdir / "tpn-out").glob("results-*.json"))  # alphabetical: not the order
    stored = json.loads(files[0].read_text("utf-8"))["report"]
    assert stored["settings"]["title"] == "Annual Impact Report 2017" and "order" in stored
    elsewhere = workdir / "elsewhere"
    elsewhere.mkdir()
    os.chdir(elsewhere)  # no tpn.toml here
    result = runner.invoke(app, ["report", *map(str, reversed(files)), "--format", "html"])
    assert result.exit_code == 0, result.output
    again = (elsewhere / "tpn-out" / "report.html").read_text("utf-8")

    def order(html: str) -> list[str]:
        return re.findall(r'<section class="survey" id="[^"]+">\s*<h2>([^<]+)</h2>', html)

    assert (
        order(again)
        == order(first)
        == [
            "TPN Teacher Leader Survey, Spring 2017",
            "TPN Teacher Survey, Spring 2017",
            "TPN End-of-Year Survey, 2016-17",
        ]
    )
    assert "Annual Impact Report 2017" in again and "12,000" in again  # [report] settings


def test_analyze_data_honours_local_tpn_toml_report(workdir: Path) -> None:
    assert runner.invoke(app, ["init"]).exit_code == 0
    result = runner.invoke(
        app,
        [
            "analyze",
            "data/sample/teacher_leader.csv",
            "--schema",
            "schemas/teacher_leader.yaml",
            "--format",
            "html",
            "--out",
            "one",
        ],
    )
    assert result.exit_code == 0, result.output
    html = (workdir / "one" / "report.html").read_text("utf-8")
    assert "Annual Impact Report 2017" in html and "Teacher Practice Network" in html
