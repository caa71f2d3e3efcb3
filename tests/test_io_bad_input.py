"""Every broken input the issue lists: one clear message naming file (row, column, value), the
right exit code (1 data problems, 2 cannot read), never a traceback, never a partial output."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tpn_survey.cli import app

EXPORTS = Path(__file__).parent / "fixtures" / "exports"

SCHEMA = """\
id: t
title: T
respondent_id: response_id
scales:
  agreement:
    levels: [Strongly disagree, Disagree, Agree, Strongly agree]
    codes: [1, 2, 3, 4]
    positive: [Agree, Strongly agree]
items:
  - {id: q1, column: Q1, scale: agreement}
  - {id: q2, column: Q2, scale: agreement}
groups:
  - {id: org, column: org}
pii: [email]
"""
HEADER = "response_id,email,org,Q1,Q2\n"
GOOD = HEADER + "r1,a@example.org,Org A,Agree,3\nr2,b@example.org,Org B,Disagree,4\n"


def run(tmp_path: Path, data: bytes | str, schema: str = SCHEMA, *extra: str) -> tuple[int, str]:
    """Run validate, then analyze; both must agree on the exit code and write nothing on error."""
    path = tmp_path / "data.csv"
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    schema_path = tmp_path / "schema.yaml"
    schema_path.write_text(schema, encoding="utf-8")
    runner = CliRunner()
    checked = runner.invoke(app, ["validate", str(path), "--schema", str(schema_path), *extra])
    out = tmp_path / "out"
    analyzed = runner.invoke(
        app,
        [
            "analyze",
            str(path),
            "--schema",
            str(schema_path),
            "--out",
            str(out),
            "--format",
            "json",
            *extra,
        ],
    )
    for result in (checked, analyzed):
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "internal error" not in result.output
    assert checked.exit_code == analyzed.exit_code, (checked.output, analyzed.output)
    if analyzed.exit_code != 0:
        assert not out.exists() or not any(out.iterdir()), "partial output written"
    as_json = runner.invoke(
        app, ["validate", str(path), "--schema", str(schema_path), "--format", "json", *extra]
    )
    assert as_json.exit_code == checked.exit_code
    messages = ""
    if as_json.exit_code != 2:
        report = json.loads(as_json.stdout)
        assert report["valid"] == (as_json.exit_code == 0)
        messages = "\n".join(p["message"] for p in report["problems"])
    texts = [checked.output, analyzed.output, as_json.output]
    return checked.exit_code, "\n".join([*texts, messages])


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_good_file_is_valid(tmp_path: Path) -> None:
    code, output = run(tmp_path, GOOD)
    assert code == 0, output


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "the file is empty"),
        (b"  \r\n\n ", "the file is empty"),
        (b"\xef\xbb\xbf", "no header row"),
        (gzip.compress(GOOD.encode()), "gzip-compressed"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x00\x01\x02binary\x00stuff" * 20, "binary file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        (b"PK\x03\x04 truncated zip", "broken zip"),
        (b"PAR1 not really parquet PAR1", "Parquet"),
        (b"$FL2@(#) SPSS DATA FILE broken", "SPSS"),
    ],
)
def test_unreadable_files_exit_2(tmp_path: Path, data: bytes, needle: str) -> None:
    code, output = run(tmp_path, data)
    assert code == 2
    assert "data.csv" in output and needle in one_line(output)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("responses.csv", GOOD)
    code, output = run(tmp_path, buf.getvalue())
    assert code == 2 and "zip archive" in output and "unzip" in output


def test_corrupt_workbook(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("[Content_Types].xml", "<bad")
        archive.writestr("xl/workbook.xml", "<not xml")
    code, output = run(tmp_path, buf.getvalue())
    assert code == 2 and "Excel workbook" in output


def test_undecodable_with_given_encoding(tmp_path: Path) -> None:
    code, output = run(
        tmp_path,
        GOOD.replace("Org A", "Organización").encode("utf-8"),
        SCHEMA,
        "--encoding",
        "ascii",
    )
    assert code == 2 and "not valid ascii" in output


def test_unknown_export_flavour(tmp_path: Path) -> None:
    code, output = run(tmp_path, GOOD, SCHEMA, "--export", "typeform")
    assert code == 2 and "unknown export flavour 'typeform'" in output


@pytest.mark.parametrize(
    "data",
    [HEADER, HEADER.rstrip("\n"), HEADER + "\n\n"],
)
def test_header_only_exit_1(tmp_path: Path, data: str) -> None:
    code, output = run(tmp_path, data)
    assert code == 1 and "no responses" in output and "data.csv" in output


def test_qualtrics_header_rows_only_exit_1(tmp_path: Path) -> None:
    lines = (EXPORTS / "qualtrics_choice_text.csv").read_bytes().split(b"\r\n")
    head = b"\r\n".join(lines[:3]) + b"\r\n"  # ids, question text (one has a line break), ImportId
    code, output = run(tmp_path, head, SCHEMA.replace("response_id", "ResponseId"))
    assert code == 1 and "no responses" in output


def test_ragged_row_names_spreadsheet_row(tmp_path: Path) -> None:
    code, output = run(tmp_path, GOOD + "r3,c@example.org,Org A,Agree\n")
    assert code == 1
    assert "data.csv, row 4: 4 cells where the header has 5" in one_line(output)


def test_ragged_row_in_qualtrics_counts_header_rows(tmp_path: Path) -> None:
    raw = (EXPORTS / "qualtrics_choice_text.csv").read_bytes()
    lines = raw.split(b"\r\n")
    lines[4] = lines[4].rsplit(b",", 2)[0]  # respondent 2 (spreadsheet row 5) loses two cells
    code, output = run(tmp_path, b"\r\n".join(lines), SCHEMA.replace("response_id", "ResponseId"))
    assert code == 1
    assert "row 5: 21 cells where the header has 23" in one_line(output)


def test_missing_column_did_you_mean(tmp_path: Path) -> None:
    code, output = run(tmp_path, GOOD.replace("Q2", "Q_2"))
    assert code == 1
    assert "column 'Q2' named in the schema is not in the file (did you mean 'Q_2'?)" in one_line(
        output
    )


def test_duplicate_ids(tmp_path: Path) -> None:
    code, output = run(tmp_path, GOOD + "r1,c@example.org,Org A,Agree,2\n")
    assert code == 1
    text = one_line(output)
    assert "respondent id 'r1' appears 2 times (data.csv row 2, data.csv row 4)" in text


def test_duplicate_private_ids_hide_the_value(tmp_path: Path) -> None:
    schema = SCHEMA.replace("respondent_id: response_id", "respondent_id: email")
    code, output = run(tmp_path, GOOD + "r3,a@example.org,Org A,Agree,2\n", schema)
    assert code == 1
    assert "a respondent id appears 2 times" in one_line(output)
    assert "@example.org" not in output


@pytest.mark.parametrize(
    ("answer", "needle"),
    [
        ("Agreee", "'Agreee' is not an answer on the 'agreement' scale (did you mean 'Agree'?)"),
        ("7", "'7' is not an answer on the 'agreement' scale"),
    ],
)
def test_answers_off_the_scale(tmp_path: Path, answer: str, needle: str) -> None:
    code, output = run(tmp_path, GOOD + f"r3,c@example.org,Org A,{answer},2\n")
    assert code == 1
    text = one_line(output)
    assert "data.csv, row 4, column 'Q1'" in text and needle in text
    assert "@example.org" not in output


@pytest.mark.parametrize(("weight", "shown"), [("abc", "'abc'"), ("-1", "'-1'"), ("", "a blank")])
def test_bad_weights(tmp_path: Path, weight: str, shown: str) -> None:
    data = "response_id,org,Q1,Q2,w\nr1,Org A,Agree,3,1\nr2,Org B,Agree,3," + weight + "\n"
    schema = SCHEMA + "design: {weight: w}\n"
    code, output = run(tmp_path, data, schema)
    assert code == 1
    assert (
        f"data.csv, row 3, column 'w': weight must be a positive number, got {shown}"
        in one_line(output)
    )


@pytest.mark.parametrize(
    ("schema", "needle"),
    [
        ("id: [unclosed\n", "not valid YAML"),
        (
            SCHEMA.replace("scale: agreement}\n  - {id: q2", "scale: agreemnt}\n  - {id: q2"),
            "'agreemnt' is not a defined scale (did you mean 'agreement'?)",
        ),
        (SCHEMA.replace("{id: q2,", "{id: q1,"), "'q1' repeats an earlier item id"),
    ],
)
def test_bad_schema_exit_2(tmp_path: Path, schema: str, needle: str) -> None:
    code, output = run(tmp_path, GOOD, schema)
    assert code == 2 and needle in one_line(output) and "schema.yaml" in output


def test_personal_data_never_in_messages(tmp_path: Path) -> None:
    """Problems in rows holding emails never echo them, whatever else is wrong."""
    data = GOOD + "r1,secret@example.org,Org A,Agreee,2\nr9,x@example.org,Org A\n"
    code, output = run(tmp_path, data)
    assert code == 1
    assert "example.org" not in output
