"""Validation returns every problem at once, naming file, spreadsheet row, column and value."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MINI_HEADER, SAMPLE, SCHEMAS, write_csv
from tpn_survey.io import read_table
from tpn_survey.problems import has_errors
from tpn_survey.schema import load_schema
from tpn_survey.validate import validate


def test_sample_data_is_valid() -> None:
    for survey in ("teacher_leader", "teacher", "end_of_year"):
        schema = load_schema(SCHEMAS / f"{survey}.yaml")
        problems = validate(schema, read_table(SAMPLE / f"{survey}.csv", drop=schema.pii))
        assert not has_errors(problems), problems


def test_every_problem_at_once(tmp_path: Path, mini_schema: Path) -> None:
    rows = [
        MINI_HEADER,
        ["r1", "a@example.org", "Org A", "Urban", "Agree", "1"],
        ["r2", "b@example.org", "Org A", "urban", "Agreee", "3"],
        ["r1", "c@example.org", "Org B", "Rural", "Agree", "7"],
        ["", "d@example.org", "Org B", "Rural", "Agreee", "2"],
    ]
    schema = load_schema(mini_schema)
    problems = validate(schema, read_table(write_csv(tmp_path / "s.csv", rows), drop=schema.pii))
    by_code = {p.code: p for p in problems}
    assert sorted(by_code) == ["duplicate-id", "missing-id", "off-scale", "unknown-group-value"]
    agreee = next(p for p in problems if p.value == "Agreee")
    assert (agreee.file, agreee.row, agreee.column) == ("s.csv", 3, "Q1")
    assert "2 rows, first row 3" in agreee.message and "did you mean 'Agree'" in agreee.message
    seven = next(p for p in problems if p.value == "7")
    assert (seven.row, seven.column) == (4, "Q2")
    dup = by_code["duplicate-id"]
    assert dup.row == 4 and "s.csv row 2, s.csv row 4" in dup.message
    region = by_code["unknown-group-value"]
    assert region.value == "urban" and "did you mean 'Urban'" in region.message
    assert by_code["missing-id"].row == 5


def test_missing_column_suggests_present_one(tmp_path: Path, mini_schema: Path) -> None:
    rows = [["rid", "org", "region", "Q_1", "Q2"], ["r1", "A", "Urban", "Agree", "1"]]
    schema = load_schema(mini_schema)
    problems = validate(schema, read_table(write_csv(tmp_path / "s.csv", rows)))
    assert [p.code for p in problems] == ["missing-column"]
    assert "'Q1'" in problems[0].message and "did you mean 'Q_1'" in problems[0].message


def test_header_only_is_no_responses(tmp_path: Path, mini_schema: Path) -> None:
    schema = load_schema(mini_schema)
    problems = validate(schema, read_table(write_csv(tmp_path / "h.csv", [MINI_HEADER])))
    assert [p.code for p in problems] == ["no-responses"]


def test_pii_values_never_in_problems(tmp_path: Path, mini_schema: Path) -> None:
    schema_text = mini_schema.read_text().replace("pii: [email]", "pii: [email, rid]")
    mini_schema.write_text(schema_text)
    rows = [MINI_HEADER] + [["secret-1", "a@example.org", "A", "Urban", "Agree", "1"]] * 2
    schema = load_schema(mini_schema)
    problems = validate(schema, read_table(write_csv(tmp_path / "p.csv", rows), drop=["email"]))
    assert [p.code for p in problems] == ["duplicate-id"]
    assert "secret-1" not in problems[0].model_dump_json()


def test_personal_looking_columns_are_flagged_without_values(
    tmp_path: Path, mini_schema: Path
) -> None:
    header = [
        *MINI_HEADER,
        "contact",
        "IPAddress",
        "LocationLatitude",
        "notes",
        "RecipientFirstName",
    ]
    rows = [header]
    for i in range(3):
        rows.append(
            [
                f"r{i}",
                "x@y.org",
                "A",
                "Urban",
                "Agree",
                "1",
                f"t{i}@school.org",
                f"10.0.0.{i}",
                "41.878113",
                "fine",
                "Ana",
            ]
        )
    schema = load_schema(mini_schema)
    problems = validate(schema, read_table(write_csv(tmp_path / "p.csv", rows), drop=schema.pii))
    flagged = {p.column: p for p in problems if p.code == "possible-pii"}
    assert set(flagged) == {"contact", "IPAddress", "LocationLatitude", "RecipientFirstName"}
    assert "3 value(s) look like email addresses" in flagged["contact"].message
    assert "IP addresses" in flagged["IPAddress"].message
    text = " ".join(p.model_dump_json() for p in problems)
    assert "school.org" not in text and "10.0.0" not in text and "Ana" not in text
    assert not has_errors(problems)


def test_numeric_columns_are_flagged_by_name_or_as_coordinates(
    tmp_path: Path, mini_schema: Path
) -> None:
    """A column of numbers can only look like coordinates (and only with a place-like name);
    its name can still suggest personal data."""
    rows = [[*MINI_HEADER, "weight", "PhoneNumber", "lat", "score"]]
    for i in range(4):
        cells = [f"{1 + i / 7:.6f}", f"55512300{i:02d}", f"41.87{i}113", f"{i}"]
        rows.append([f"r{i}", "x@y.org", "A", "Urban", "Agree", "1", *cells])
    schema = load_schema(mini_schema)
    problems = validate(schema, read_table(write_csv(tmp_path / "n.csv", rows), drop=schema.pii))
    flagged = {p.column: p.message for p in problems if p.code == "possible-pii"}
    assert set(flagged) == {"PhoneNumber", "lat"}
    assert "its name suggests personal data" in flagged["PhoneNumber"]
    assert "4 value(s) look like coordinates" in flagged["lat"]


def test_same_id_in_two_waves_is_not_a_duplicate(tmp_path: Path, mini_schema: Path) -> None:
    from tpn_survey.io import stack_tables

    schema = load_schema(mini_schema)
    rows = [
        MINI_HEADER,
        ["r1", "x", "A", "Urban", "Agree", "1"],
        ["r2", "y", "A", "Urban", "Agree", "2"],
    ]
    waves = [
        read_table(write_csv(tmp_path / f"{y}.csv", rows), drop=schema.pii) for y in (2016, 2017)
    ]
    assert not has_errors(validate(schema, stack_tables(waves)))
    rows.append(["r1", "z", "A", "Urban", "Agree", "3"])
    waves[1] = read_table(write_csv(tmp_path / "2017.csv", rows), drop=schema.pii)
    problems = validate(schema, stack_tables(waves))
    assert [p.code for p in problems] == ["duplicate-id"]
    assert "2017.csv row 2, 2017.csv row 4" in problems[0].message


def test_personal_data_inside_free_text_is_flagged(tmp_path: Path, mini_schema: Path) -> None:
    rows = [[*MINI_HEADER, "comment", "when"]]
    for i, note in enumerate(["call me at 555-123-4567", "write to ana@school.org please", "ok"]):
        rows.append([f"r{i}", "x@y.org", "A", "Urban", "Agree", "1", note, "2023-11-15 10:30"])
    schema = load_schema(mini_schema)
    problems = validate(schema, read_table(write_csv(tmp_path / "p.csv", rows), drop=schema.pii))
    flagged = {p.column: p.message for p in problems if p.code == "possible-pii"}
    assert set(flagged) == {"comment"}
    assert "1 value(s) look like email addresses" in flagged["comment"]
    assert "1 value(s) look like phone numbers" in flagged["comment"]
    assert "555" not in flagged["comment"] and "ana@" not in flagged["comment"]


def test_ids_equal_after_trimming_are_duplicates(tmp_path: Path, mini_schema: Path) -> None:
    """All raw ids differ, but "r1" and "r1 " are one id: the quick all-distinct check must
    not hide the duplicate; nor a blank id among distinct ones."""
    schema = load_schema(mini_schema)
    rows = [MINI_HEADER] + [[rid, "x", "A", "Urban", "Agree", "1"] for rid in ["r1", "r2", "r1 "]]
    problems = validate(schema, read_table(write_csv(tmp_path / "t.csv", rows), drop=["email"]))
    assert [p.code for p in problems] == ["duplicate-id"]
    rows = [MINI_HEADER] + [[rid, "x", "A", "Urban", "Agree", "1"] for rid in ["r1", "", "r2"]]
    problems = validate(schema, read_table(write_csv(tmp_path / "b.csv", rows), drop=["email"]))
    assert [p.code for p in problems] == ["missing-id"]
    rows = [MINI_HEADER] + [[f"r{i}", "x", "A", "Urban", "Agree", "1"] for i in range(5)]
    clean = read_table(write_csv(tmp_path / "c.csv", rows), drop=["email"])
    assert validate(schema, clean) == []


@pytest.mark.parametrize("dtype", ["arrow", "dictionary", "object"])
def test_blank_design_values_are_blank_once_trimmed(dtype: str) -> None:
    """A cluster or stratum cell that is empty once trimmed (Python's white space, a null
    too) is a missing design value, whatever the column's type."""
    import pandas as pd
    import pyarrow as pa

    from tpn_survey.io.table import FILE_COLUMN, ROW_COLUMN, Table
    from tpn_survey.schema import Design
    from tpn_survey.validate import check_design

    cells = ["L1", " ", "L2", "\u00a0\x1c", None, "L1 ", "\t"]
    if dtype == "object":
        column = pd.Series(cells, dtype=object)
    else:
        array = pa.array(cells, pa.string())
        if dtype == "dictionary":
            array = array.dictionary_encode()
        column = pd.Series(array, dtype=pd.ArrowDtype(array.type))
    frame = pd.DataFrame(
        {"leader": column, "org": ["A"] * len(cells), FILE_COLUMN: "s.csv"}
    ).assign(**{ROW_COLUMN: range(2, 2 + len(cells))})
    problems = check_design(Table(frame=frame), Design(cluster="leader", strata="org"))
    assert [(p.code, p.column, p.row) for p in problems] == [("missing-design-value", "leader", 3)]
    assert "4 rows, first row 3" in problems[0].message
