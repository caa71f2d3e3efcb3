"""The CLI in-process: exit codes, one-line errors, outputs equal the library's results."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from tests.conftest import MINI_HEADER, ROOT, SAMPLE, SCHEMAS, write_csv
from tpn_survey.analyze import Options, analyze
from tpn_survey.cli import app
from tpn_survey.io import read_table
from tpn_survey.schema import load_schema

runner = CliRunner()
LEADER = [str(SAMPLE / "teacher_leader.csv"), "--schema", str(SCHEMAS / "teacher_leader.yaml")]


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, output


def test_analyze_writes_outputs_equal_to_library(tmp_path: Path) -> None:
    before = hashlib.sha256((SAMPLE / "teacher_leader.csv").read_bytes()).hexdigest()
    code, output = invoke("analyze", *LEADER, "--by", "organization", "--out", str(tmp_path))
    assert code == 0, output
    # the sample teacher leader survey has choice, multi, number and text items (issue 16)
    question_csvs = {"choices.csv", "numbers.csv", "texts.csv"}
    assert {p.name for p in tmp_path.iterdir()} == {
        "results.json",
        "tables.csv",
        "report.html",
        "manifest.json",
        *question_csvs,
    }
    written = json.loads((tmp_path / "results.json").read_text("utf-8"))
    schema = load_schema(SCHEMAS / "teacher_leader.yaml")
    table = read_table(SAMPLE / "teacher_leader.csv", drop=schema.pii)
    assert written == json.loads(
        json.dumps(analyze(schema, table, Options(by=["organization"])).to_dict())
    )
    results_schema = json.loads((ROOT / "schemas" / "results.schema.json").read_text("utf-8"))
    jsonschema.validate(written, results_schema)
    assert list(written)[:8] == [
        "schema_version",
        "tool",
        "survey",
        "settings",
        "respondents",
        "estimates",
        "comparisons",
        "problems",
    ]
    assert "91%" in output and "@example.org" not in (tmp_path / "report.html").read_text()
    assert hashlib.sha256((SAMPLE / "teacher_leader.csv").read_bytes()).hexdigest() == before


def test_results_json_schema_is_current() -> None:
    from tpn_survey.results import results_json_schema

    committed = json.loads((ROOT / "schemas" / "results.schema.json").read_text("utf-8"))
    assert committed == results_json_schema()


def test_validate_exit_codes(tmp_path: Path, mini_schema: Path) -> None:
    assert invoke("validate", *LEADER)[0] == 0
    bad = write_csv(
        tmp_path / "bad.csv", [MINI_HEADER, ["r1", "x@y.org", "A", "Urban", "Agreee", "1"]]
    )
    code, output = invoke("validate", str(bad), "--schema", str(mini_schema))
    assert code == 1 and "Agreee" in output and "row 2" in output
    code, output = invoke("validate", str(bad), "--schema", str(mini_schema), "--format", "json")
    assert code == 1
    report = json.loads(output)
    assert report["valid"] is False and report["problems"][0]["code"] == "off-scale"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "file not found"),
        (b"", "empty"),
        (b"\x1f\x8b\x08\x00rest", "gzip"),
        (b"rid,Q1\x00\x00\x01\x02", "binary"),
    ],
)
def test_unreadable_input_exits_2(
    tmp_path: Path, mini_schema: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_bytes(content)
    for extra in (["validate"], ["analyze", "--out", str(tmp_path / "o")]):
        code, output = invoke(*extra, str(path), "--schema", str(mini_schema))
        assert code == 2, output
        assert message in output and "data.csv" in output
    assert not (tmp_path / "o").exists()


def test_bad_schema_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "s.yaml"
    bad.write_text("id: x\nitems: [\n", encoding="utf-8")
    code, output = invoke("validate", str(SAMPLE / "teacher.csv"), "--schema", str(bad))
    assert code == 2 and "not valid YAML" in output


def test_data_problems_exit_1_and_write_nothing(tmp_path: Path, mini_schema: Path) -> None:
    rows = [
        MINI_HEADER,
        ["r1", "x", "A", "Urban", "Agree", "1"],
        ["r1", "y", "A", "Urban", "Agree", "2"],
    ]
    data = write_csv(tmp_path / "dup.csv", rows)
    out = tmp_path / "out"
    code, output = invoke("analyze", str(data), "--schema", str(mini_schema), "--out", str(out))
    assert code == 1 and "appears 2 times" in output
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ci", "logit"], "--ci 'logit'"),
        (["--level", "1.5"], "--level"),
        (["--by", "organisation"], "did you mean 'organization'"),
        (["--format", "rtf"], "--format"),
    ],
)
def test_bad_options_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    code, output = invoke("analyze", *LEADER, "--out", str(tmp_path), *args)
    assert code == 2 and message in output


def test_version() -> None:
    code, output = invoke("--version")
    assert code == 0 and output.startswith("tpn ")
