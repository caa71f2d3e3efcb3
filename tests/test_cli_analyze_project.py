"""`tpn analyze` with no DATA: every survey of ./tpn.toml; every setting checked when the file
is read, before any analysis, with the key's path in the message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, SCHEMAS
from tests.factories import invoke

SURVEY = """
[[survey]]
name = "leaders"
data = ["teacher_leader.csv"]
schema = "teacher_leader.yaml"
"""


def _project(workdir: Path, top: str = "", survey: str = "", report: str = "") -> None:
    shutil.copyfile(SAMPLE / "teacher_leader.csv", workdir / "teacher_leader.csv")
    shutil.copyfile(SCHEMAS / "teacher_leader.yaml", workdir / "teacher_leader.yaml")
    formats = "" if top.startswith("formats") else 'formats = ["json"]'
    text = f"{formats}\n{top}\n[report]\n{report}\n{SURVEY}{survey}\n"
    (workdir / "tpn.toml").write_text(text, encoding="utf-8")


def test_a_project_runs_with_no_arguments(workdir: Path) -> None:
    _project(workdir, survey='by = ["organization"]')
    code, output = invoke("analyze")
    assert code == 0, output
    assert (workdir / "tpn-out" / "results.json").exists() and "91%" in output


def test_analyze_without_project_says_what_to_do(workdir: Path) -> None:
    code, output = invoke("analyze")
    assert code == 2 and "tpn init" in output


@pytest.mark.parametrize(
    ("top", "survey", "report", "message"),
    [
        ('formats = ["html", "pdfx"]', "", "", "formats: unknown format(s) 'pdfx'"),
        ("formats = []", "", "", "formats: List should have at least 1 item"),
        ('templates = "no-such-folder"', "", "", "templates: "),
        ("level = 95", "", "", "level: Input should be less than 1"),
        ("", "min_n = -1", "", "survey[0].min_n: Input should be greater than or equal to 0"),
        ("", 'compare = "nope"', "", "compare 'nope' is neither a group"),
        ("", 'by = ["organisation"]', "", "by 'organisation' is neither a group"),
        ("", 'ci = "logit"', "", "ci 'logit' is not available"),
        ("", "", 'logo = "logo.gif"', "[report] logo: "),
        ("", "", 'logo = "missing.png"', "logo file not found"),
        ("", "", 'year = "twenty"', "[report] year: Input should be a valid integer"),
        ("", "", 'page_size = "B5"', "[report] page_size: Input should be 'Letter' or 'A4'"),
        ("", "", 'primary_color = "red"', "[report] primary_color: String should match"),
        ("", "", "teachers_reached = -3", "[report] teachers_reached: Input should be greater"),
        ("", "", 'colour = "red"', "[report] colour: Extra inputs are not permitted"),
        ("", "", "title = 5", "[report] title: Input should be a valid string"),
        ("", "", 'respondents = "x"', "[report] respondents: Input should be a valid dict"),
        ("", "", 'accent_color = "#12"', "[report] accent_color: String should match"),
        ("out = 5", "", "", "out: Input is not a valid path"),
        ('formats = "html"', "", "", "formats: Input should be a valid list"),
    ],
)
def test_a_bad_setting_exits_2_naming_its_key(
    workdir: Path, top: str, survey: str, report: str, message: str
) -> None:
    _project(workdir, top, survey, report)
    (workdir / "logo.gif").write_bytes(b"GIF89a")
    code, output = invoke("analyze")
    assert code == 2 and message in output, output
    assert "tpn.toml" in output
    assert "--" not in output  # the tpn.toml key, never a command-line option
    assert not (workdir / "tpn-out").exists()


def test_missing_data_file_of_a_project_exits_2_with_its_path(workdir: Path) -> None:
    _project(workdir)
    (workdir / "teacher_leader.csv").unlink()
    code, output = invoke("analyze")
    assert code == 2 and "teacher_leader.csv" in output and "not found" in output


def test_bad_project_file_names_the_key(workdir: Path) -> None:
    (workdir / "tpn.toml").write_text('[[survey]]\nname = "x"\ndata = []\nschema = "s.yaml"\n')
    code, output = invoke("analyze")
    assert code == 2 and "survey[0].data" in output


def test_not_toml_exits_2(workdir: Path) -> None:
    (workdir / "tpn.toml").write_text("formats = [\n")
    code, output = invoke("analyze")
    assert code == 2 and "tpn.toml: not valid TOML" in output


def test_analyze_data_honours_local_tpn_toml_report(workdir: Path) -> None:
    assert invoke("init")[0] == 0
    code, output = invoke(
        "analyze", "data/sample/teacher_leader.csv", "--schema", "schemas/teacher_leader.yaml",
        "--format", "html", "--out", "one",
    )  # fmt: skip
    assert code == 0, output
    html = (workdir / "one" / "report.html").read_text("utf-8")
    assert "Annual Impact Report 2017" in html and "Teacher Practice Network" in html


def test_a_bad_top_level_default_is_named_once_as_written(workdir: Path) -> None:
    _project(workdir, top='min_n = "x"')
    code, output = invoke("analyze")
    assert code == 2 and "min_n: Input should be a valid integer" in output
    assert "survey[0]" not in output
    assert output.count("min_n:") == output.count("invalid project file")  # once a message
