"""`--chunksize` streams a CSV in chunks; every number and problem equals the in-memory run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import MINI_HEADER, ROOT, SAMPLE, SCHEMAS, write_csv
from tpn_survey.analyze import DataError, Options, analyze
from tpn_survey.cli import app
from tpn_survey.io import read_table
from tpn_survey.schema import load_schema
from tpn_survey.validate import validate

FIXTURES = ROOT / "tests" / "fixtures" / "exports"


def _results(path: Path, schema_path: Path, options: Options, chunksize: int | None) -> str:
    schema = load_schema(schema_path)
    table = read_table(path, drop=schema.pii, chunksize=chunksize)
    return json.dumps(analyze(schema, table, options).to_dict())


@pytest.mark.parametrize(
    ("survey", "options"),
    [
        ("teacher_leader", Options(by=["organization", "region"])),
        ("teacher", Options(by=["organization"], cluster="leader_id")),
        ("end_of_year", Options(by=["grade_band"], compare="role")),
    ],
)
@pytest.mark.parametrize("chunksize", [1, 97, 100_000])
def test_chunked_equals_in_memory(survey: str, options: Options, chunksize: int) -> None:
    path, schema = SAMPLE / f"{survey}.csv", SCHEMAS / f"{survey}.yaml"
    assert _results(path, schema, options, chunksize) == _results(path, schema, options, None)


def test_qualtrics_export_in_chunks() -> None:
    export = next(iter(sorted(FIXTURES.glob("qualtrics*.csv"))))
    whole = read_table(export)
    chunked = read_table(export, chunksize=2)
    assert chunked.files == whole.files
    assert chunked.questions == whole.questions
    assert chunked.frame.astype(str).equals(whole.frame.astype(str))


def test_problems_in_chunks_equal_in_memory(tmp_path: Path, mini_schema: Path) -> None:
    rows = [MINI_HEADER] + [[f"r{i}", "x", "A", "Urban", "Agree", "1"] for i in range(40)]
    rows[7] = ["r5", "x", "A", "Urban", "Agreee", "1"]  # off the scale, and a duplicate id
    rows[30] = ["r29", "x", "A"]  # ragged
    data = write_csv(tmp_path / "bad.csv", rows)
    schema = load_schema(mini_schema)
    whole = validate(schema, read_table(data, drop=schema.pii))
    chunked = validate(schema, read_table(data, drop=schema.pii, chunksize=5))
    assert [p.model_dump() for p in chunked] == [p.model_dump() for p in whole]
    assert {p.code for p in whole} >= {"ragged-row", "off-scale", "duplicate-id"}
    with pytest.raises(DataError):
        analyze(schema, read_table(data, drop=schema.pii, chunksize=5))


def test_other_encodings_are_read_whole(tmp_path: Path, mini_schema: Path) -> None:
    rows = [MINI_HEADER, ["r1", "x", "Caf\u00e9 A", "Urban", "Agree", "1"]]
    data = write_csv(tmp_path / "w.csv", rows, encoding="cp1252")
    table = read_table(data, chunksize=10)
    assert table.files[0]["encoding"] == "windows-1252"
    assert table.frame["org"].iloc[0] == "Caf\u00e9 A"


def test_cli_chunksize(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["analyze", str(SAMPLE / "teacher.csv"), "--schema", str(SCHEMAS / "teacher.yaml")]
    args += ["--by", "organization", "--format", "json"]
    one = runner.invoke(app, [*args, "--out", str(tmp_path / "a")])
    two = runner.invoke(app, [*args, "--out", str(tmp_path / "b"), "--chunksize", "500"])
    assert one.exit_code == two.exit_code == 0, two.output
    assert (tmp_path / "a" / "results.json").read_bytes() == (
        tmp_path / "b" / "results.json"
    ).read_bytes()
    bad = runner.invoke(app, [*args, "--out", str(tmp_path / "c"), "--chunksize", "0"])
    assert bad.exit_code == 2


def test_many_chunks_with_text_and_dictionary_columns(tmp_path: Path, mini_schema: Path) -> None:
    """Several 64 KiB chunks: ids and free text stay text, answers become dictionaries; the
    frame holds the same cells and the results are the same bytes."""
    import random

    rng = random.Random(5)
    levels = ["Strongly disagree", "Disagree", "Agree", "Strongly agree", ""]
    rows = [MINI_HEADER] + [
        [
            f"resp-{i:06d}",
            f"note {rng.random():.12f}",  # one distinct value a row, as free text is
            rng.choice(["A", "B", "C"]),
            rng.choice(["Urban", "Rural"]),
            rng.choice(levels),
            rng.choice(["1", "2", "3", "4"]),
        ]
        for i in range(6000)
    ]
    data = write_csv(tmp_path / "big.csv", rows)
    assert data.stat().st_size > 4 * 65536
    schema = load_schema(mini_schema)
    whole = read_table(data, drop=schema.pii)
    chunked = read_table(data, drop=schema.pii, chunksize=500)
    kinds = {str(c): str(t) for c, t in chunked.frame.dtypes.items()}
    assert kinds["rid"].startswith("string") and kinds["Q1"] == "category", kinds
    assert chunked.frame.astype(str).equals(whole.frame.astype(str))
    options = Options(by=["org", "region"])
    one = json.dumps(analyze(schema, whole, options).to_dict())
    assert json.dumps(analyze(schema, chunked, options).to_dict()) == one


@pytest.mark.parametrize(
    ("survey", "options"),
    [
        ("teacher_leader", Options(by=["organization", "region"])),
        ("teacher", Options(by=["organization"], cluster="leader_id")),
        ("end_of_year", Options(by=["grade_band"], compare="role")),
    ],
)
def test_columns_read_as_dictionaries_give_the_same_results(survey: str, options: Options) -> None:
    """The CLI reads answers and groups as arrow dictionaries; every number is the same."""
    path, schema_path = SAMPLE / f"{survey}.csv", SCHEMAS / f"{survey}.yaml"
    schema = load_schema(schema_path)
    coded = [i.column for i in schema.items] + [g.column for g in schema.groups]
    table = read_table(path, drop=schema.pii, dictionary=coded)
    assert str(table.frame[schema.items[0].column].dtype).startswith("dictionary")
    got = json.dumps(analyze(schema, table, options).to_dict())
    assert got == _results(path, schema_path, options, None)


def test_qualtrics_export_read_as_dictionaries() -> None:
    export = next(iter(sorted(FIXTURES.glob("qualtrics*.csv"))))
    whole = read_table(export)
    coded = read_table(export, dictionary=list(whole.columns))
    assert coded.frame.astype(str).equals(whole.frame.astype(str))
