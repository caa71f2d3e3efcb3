"""`tpn init` (a starter tpn.toml, the sample data and schemas) and `tpn sample`."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from tests.conftest import SAMPLE
from tests.factories import invoke


def test_init_then_analyze_builds_the_annual_report(workdir: Path) -> None:
    code, output = invoke("init")
    assert code == 0, output
    assert (workdir / "tpn.toml").exists() and (workdir / "schemas" / "teacher.yaml").exists()
    for name in ("teacher_leader", "teacher", "end_of_year"):  # same bytes as the bundled data
        assert (workdir / "data/sample" / f"{name}.csv").read_bytes() == (
            SAMPLE / f"{name}.csv"
        ).read_bytes()
    code, output = invoke("analyze", "--format", "json,csv,html,xlsx")
    assert code == 0, output
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

    reports = [str(p) for p in sorted(out.glob("results*.json"))]
    code, output = invoke("report", *reports, "--out", "again", "--format", "html")
    assert code == 0, output
    assert "Annual Impact Report 2017" in (workdir / "again" / "report.html").read_text("utf-8")


def test_init_keeps_an_existing_project_unless_forced(workdir: Path) -> None:
    (workdir / "tpn.toml").write_text("# mine\n")
    code, output = invoke("init")
    assert code == 2 and "tpn.toml exists" in output and "--force" in output
    assert (workdir / "tpn.toml").read_text() == "# mine\n"
    code, output = invoke("init", "--force")
    assert code == 0, output
    assert "[[survey]]" in (workdir / "tpn.toml").read_text()


def test_sample_writes_the_bundled_data_for_its_seed(workdir: Path) -> None:
    code, output = invoke("sample", "--out", "s")
    assert code == 0, output
    for name in ("teacher_leader", "teacher", "end_of_year"):
        assert (workdir / "s" / f"{name}.csv").read_bytes() == (SAMPLE / f"{name}.csv").read_bytes()
        assert f"{name}.csv" in output
    code, output = invoke("sample", "--out", "t", "--seed", "7")
    assert code == 0, output
    assert (workdir / "t" / "teacher.csv").read_bytes() != (SAMPLE / "teacher.csv").read_bytes()


def test_sample_into_a_file_exits_2(workdir: Path) -> None:
    (workdir / "f").write_text("x")
    code, output = invoke("sample", "--out", "f")
    assert code == 2 and "f" in output and "internal error" not in output
