"""Every export fixture: read as the vendor wrote it, then `schema infer` + `analyze` with no edits."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tpn_survey.analyze import analyze
from tpn_survey.cli import app
from tpn_survey.infer import infer_schema, to_yaml
from tpn_survey.io import read_table
from tpn_survey.schema import load_schema, load_yaml, parse_schema

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
EXPECTED = json.loads((EXPORTS / "expected.json").read_text(encoding="utf-8"))
FILES = sorted(EXPECTED)


def test_every_fixture_has_expectations() -> None:
    on_disk = {p.name for p in EXPORTS.iterdir() if p.suffix not in (".py", ".md", ".json")}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", FILES)
def test_reads_vendor_layout(name: str) -> None:
    want = EXPECTED[name]
    table = read_table(EXPORTS / name)
    info = table.files[0]
    assert info["export"] == want["export"]
    assert info["encoding"] == want["encoding"]
    assert info["rows"] == want["rows"] == len(table.frame)
    rows = table.frame["__row__"].tolist()
    assert rows[0] == want["first_row"]
    if "last_row" in want:
        assert rows[-1] == want["last_row"]
    for column, counts in want["counts"].items():
        seen = table.frame[column].value_counts().to_dict()
        for value, count in counts.items():
            assert seen.get(value, 0) == count, (column, value)
    for column, text in want.get("questions", {}).items():
        assert table.questions[column] == text
    assert set(want.get("metadata", [])) <= set(table.metadata)
    codes = {p.code for p in table.problems}
    assert codes == ({want["warning"]} if "warning" in want else set())


@pytest.mark.parametrize("name", FILES)
def test_infer_then_analyze(name: str) -> None:
    """The drafted schema loads, validates the file cleanly and gives the hand-counted rates."""
    table = read_table(EXPORTS / name)
    schema = parse_schema(load_yaml(to_yaml(infer_schema(table))))
    drop = [c for c in schema.pii if c != schema.respondent_id]
    table = read_table(EXPORTS / name, drop=drop)
    results = analyze(schema, table)
    by_column = {i.column: i.id for i in schema.items}
    overall = {e.item: e for e in results.estimates if not e.group}
    for column, (n, positive) in EXPECTED[name]["analyze"].items():
        est = overall[by_column[column]]
        assert (est.n, est.positive) == (n, positive), column
    assert results.respondents.rows_read == EXPECTED[name]["rows"]
    for group in schema.groups:
        assert group.column not in schema.pii
    assert not [p for p in results.problems if p.code == "possible-pii"]


@pytest.mark.parametrize("name", FILES)
def test_cli_infer_then_validate_and_analyze(name: str, tmp_path: Path) -> None:
    runner = CliRunner()
    data = tmp_path / name
    shutil.copy(EXPORTS / name, data)
    inferred = runner.invoke(app, ["schema", "infer", str(data)])
    assert inferred.exit_code == 0, inferred.output
    schema_path = tmp_path / "schema.yaml"
    schema_path.write_text(inferred.stdout, encoding="utf-8")
    load_schema(schema_path)
    checked = runner.invoke(app, ["validate", str(data), "--schema", str(schema_path)])
    assert checked.exit_code == 0, checked.output
    pytest.importorskip("tpn_survey.report.json_out")
    out = tmp_path / "out"
    ran = runner.invoke(
        app,
        ["analyze", str(data), "--schema", str(schema_path), "--out", str(out), "--format", "json"],
    )
    assert ran.exit_code == 0, ran.output
    written = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert written["respondents"]["rows_read"] == EXPECTED[name]["rows"]


@pytest.mark.parametrize("name", FILES)
def test_content_not_extension(name: str, tmp_path: Path) -> None:
    """Renamed files (an xlsx saved as .csv, a CSV as .dat) read the same."""
    renamed = tmp_path / "renamed.dat"
    shutil.copy(EXPORTS / name, renamed)
    assert (
        read_table(renamed)
        .frame.drop(columns="__file__")
        .equals(read_table(EXPORTS / name).frame.drop(columns="__file__"))
    )


def test_export_override_reads_qualtrics_as_plain() -> None:
    table = read_table(EXPORTS / "qualtrics_choice_text.csv", export="plain")
    assert table.files[0]["export"] == "plain"
    assert len(table.frame) == 8  # question and ImportId rows count as respondents
    forced = read_table(EXPORTS / "surveymonkey.csv", export="google")
    assert forced.files[0]["export"] == "google"


def test_sheet_option(tmp_path: Path) -> None:
    table = read_table(EXPORTS / "plain_two_sheets.xlsx", sheet="Codebook")
    assert table.columns == ["code", "label"]
    assert read_table(EXPORTS / "plain_two_sheets.xlsx", sheet="2").columns == ["code", "label"]
    runner = CliRunner()
    schema = tmp_path / "s.yaml"
    schema.write_text(
        "id: x\ntitle: x\nrespondent_id: code\nscales:\n  a: {levels: [Disagree, Agree], positive: [Agree]}\n"
        "items:\n  - {id: l, column: label, scale: a}\n",
        encoding="utf-8",
    )
    res = runner.invoke(
        app,
        [
            "validate",
            str(EXPORTS / "plain_two_sheets.xlsx"),
            "--schema",
            str(schema),
            "--sheet",
            "Nope",
        ],
    )
    assert res.exit_code == 2
    assert "no sheet 'Nope'" in res.output and "Codebook" in res.output


def test_waves_stack_by_file_stem(tmp_path: Path) -> None:
    from tpn_survey.io import stack_tables

    for year in ("2016", "2017"):
        shutil.copy(EXPORTS / "qualtrics_choice_text.csv", tmp_path / f"{year}.csv")
    table = stack_tables([read_table(tmp_path / "2016.csv"), read_table(tmp_path / "2017.csv")])
    assert table.frame["wave"].value_counts().to_dict() == {"2016": 6, "2017": 6}
    assert table.frame["__row__"].tolist()[:1] == [4]
