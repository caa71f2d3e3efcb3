"""`tpn report RESULTS.json...`: re-render without the data; bad inputs exit 2 naming them."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.factories import LEADER, invoke


@pytest.fixture(scope="module")
def results_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("analyzed")
    code, output = invoke("analyze", *LEADER, "--format", "json", "--out", str(out))
    assert code == 0, output
    return out / "results.json"


def test_report_rerenders_html_and_tables(results_json: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    code, output = invoke(
        "report", str(results_json), "--format", "html,csv", "--out", str(out),
        "--project", str(tmp_path / "none.toml"),
    )  # fmt: skip
    assert code == 2 and "none.toml: not found" in output  # an explicit --project must exist
    code, output = invoke("report", str(results_json), "--format", "html,csv", "--out", str(out))
    assert code == 0, output
    question_csvs = {"choices.csv", "numbers.csv", "texts.csv"}  # the sample's question types
    assert {p.name for p in out.iterdir()} == {
        "report.html",
        "tables.csv",
        "manifest.json",
        *question_csvs,
    }
    assert "TPN Teacher Leader Survey" in (out / "report.html").read_text("utf-8")


def test_report_reads_a_results_file_saved_with_a_bom(results_json: Path, workdir: Path) -> None:
    """A results.json opened and saved again in a Windows editor starts with a UTF-8 BOM."""
    (workdir / "r.json").write_bytes(b"\xef\xbb\xbf" + results_json.read_bytes())
    code, output = invoke("report", "r.json", "--format", "csv", "--out", "o")
    assert code == 0, output
    assert invoke("report", str(results_json), "--format", "csv", "--out", "p")[0] == 0
    assert (workdir / "o" / "tables.csv").read_bytes() == (
        workdir / "p" / "tables.csv"
    ).read_bytes()


def test_report_format_json_alone_says_what_report_writes(
    results_json: Path, workdir: Path
) -> None:
    code, output = invoke("report", str(results_json), "--format", "json", "--out", "o")
    assert code == 2, output
    assert "--format 'json': tpn report reads results.json; it writes html, pdf, csv" in output
    assert not (workdir / "o").exists()


def test_report_rejects_a_file_that_is_not_results(workdir: Path) -> None:
    (workdir / "r.json").write_text('{"hello": 1}')
    code, output = invoke("report", "r.json")
    assert code == 2 and "r.json: not a tpn results.json" in output


def test_missing_results_file_exits_2_with_its_path(workdir: Path) -> None:
    code, output = invoke("report", "gone.json")
    assert code == 2 and "gone.json: file not found" in output


def test_missing_templates_folder_exits_2(results_json: Path, workdir: Path) -> None:
    code, output = invoke("report", str(results_json), "--templates", "no-such-folder")
    assert code == 2 and "--templates no-such-folder: no such folder" in output
    assert not (workdir / "tpn-out").exists()


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("<p>\n{% if surveys %}\n", "summary.html, line 2: Unexpected end of template"),
        ("<p>{{ no_such_name }}</p>\n", "summary.html, line 1: 'no_such_name' is undefined"),
        ("{% if x %}" * 3000 + "{% endif %}" * 3000, "summary.html: nests too deeply"),
    ],
    ids=["syntax", "undefined", "nesting"],
)
def test_a_broken_template_exits_2_naming_its_file_and_line(
    results_json: Path, workdir: Path, template: str, message: str
) -> None:
    """An org's own template is the user's input: its mistakes are reported, not bugs."""
    (workdir / "tpl").mkdir()
    (workdir / "tpl" / "summary.html").write_text(template)
    code, output = invoke("report", str(results_json), "--templates", "tpl", "--out", "o")
    assert "internal error" not in output, output
    assert code == 2 and f"--templates tpl: {message}" in output, output
    assert not (workdir / "o").exists()


def test_a_template_not_in_utf8_exits_2_naming_it(results_json: Path, workdir: Path) -> None:
    (workdir / "tpl").mkdir()
    (workdir / "tpl" / "cover.html").write_bytes("<h1>Caf\u00e9</h1>".encode("cp1252"))
    code, output = invoke("report", str(results_json), "--templates", "tpl", "--out", "o")
    assert "internal error" not in output, output
    assert code == 2 and "--templates tpl: cover.html: not UTF-8 text" in output, output


def test_report_settings_come_from_tpn_toml(results_json: Path, workdir: Path) -> None:
    (workdir / "tpn.toml").write_text(
        '[report]\ntitle = "Board Report 2017"\n\n[[survey]]\nname = "x"\n'
        'data = ["x.csv"]\nschema = "x.yaml"\n'
    )
    code, output = invoke("report", str(results_json), "--format", "html")
    assert code == 0, output
    assert "Board Report 2017" in (workdir / "tpn-out" / "report.html").read_text("utf-8")
    (workdir / "tpn.toml").write_text(
        '[report]\nlogo = "nope.png"\n\n[[survey]]\nname = "x"\ndata = ["x.csv"]\n'
        'schema = "x.yaml"\n'
    )
    code, output = invoke("report", str(results_json), "--format", "html", "--out", "b")
    assert code == 2 and "nope.png" in output and "logo file not found" in output


def test_report_keeps_survey_order_and_settings_without_tpn_toml(workdir: Path) -> None:
    """`tpn report` of a project's results.json files, in any order and with no tpn.toml at
    hand, renders the report the project made: same survey order, same [report] settings."""
    assert invoke("init")[0] == 0
    code, output = invoke("analyze", "--format", "json,html")
    assert code == 0, output
    first = (workdir / "tpn-out" / "report.html").read_text("utf-8")
    files = sorted(
        (workdir / "tpn-out").glob("results*.json")
    )  # alphabetical: not the report's order
    stored = json.loads(files[0].read_text("utf-8"))["report"]
    assert stored["settings"]["title"] == "Annual Impact Report 2017" and "order" in stored
    elsewhere = workdir / "elsewhere"
    elsewhere.mkdir()
    os.chdir(elsewhere)  # no tpn.toml here (the workdir fixture restores the cwd)
    code, output = invoke("report", *map(str, reversed(files)), "--format", "html")
    assert code == 0, output
    again = (elsewhere / "tpn-out" / "report.html").read_text("utf-8")

    def order(html: str) -> list[str]:
        return re.findall(r'<section class="survey" id="[^"]+">\s*<h2>([^<]+)</h2>', html)

    from tpn_survey.project import load_project
    from tpn_survey.schema import load_schema

    # the surveys of tpn.toml, in its order (the sample grows: a panel survey joined it)
    project = load_project(workdir / "tpn.toml")
    expected = [load_schema(spec.instrument).title for spec in project.survey]
    assert len(expected) == 3
    assert order(again) == order(first) == expected
    assert "Annual Impact Report 2017" in again and "12,000" in again  # [report] settings
