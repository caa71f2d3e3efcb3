"""`tpn analyze DATA --schema S`: outputs equal the library's, every edge one plain message."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from typer.testing import CliRunner

from tests.conftest import MINI_HEADER, MINI_SCHEMA, ROOT, SAMPLE, SCHEMAS, write_csv
from tests.factories import LEADER, UNREADABLE, invoke, unreadable_file
from tpn_survey.analyze import Options, analyze
from tpn_survey.io import read_table
from tpn_survey.schema import load_schema

ANSWERS = ["Strongly disagree", "Disagree", "Agree", "Strongly agree"]


def _results(out: Path) -> dict:
    return json.loads((out / "results.json").read_text("utf-8"))


def _mini_rows(n: int, seed: int = 3) -> list[list[str]]:
    """A mini survey with a weight and a copy of item q2's column (to break down by)."""
    rng = np.random.default_rng(seed)
    rows = [[*MINI_HEADER, "w", "leader", "Q2copy"]]
    for i in range(n):
        q2 = ANSWERS[int(rng.integers(0, 4))]
        rows.append(
            [f"r{i}", "", "AB"[i % 2], "Urban", ANSWERS[int(rng.integers(0, 4))], q2,
             f"{1 + rng.random():.3f}", f"L{i % 7}", q2]
        )  # fmt: skip
    return rows


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
    written = _results(tmp_path)
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


def test_summary_uses_the_report_formatters_and_labels(tmp_path: Path) -> None:
    mini_schema = tmp_path / "mini.yaml"
    mini_schema.write_text(
        MINI_SCHEMA.replace("text: It was useful.}", "text: It was useful., short: Useful to me}")
    )
    rows = [MINI_HEADER]
    for i in range(250):  # q1: 1 of 8 agree (12.5% -> 13%); q2: 249 of 250 (99.6% -> >99%)
        q1 = ("Agree" if i == 0 else "Disagree") if i < 8 else ""
        rows.append([f"r{i}", "", "A", "Urban", q1, "Disagree" if i == 0 else "Agree"])
    data = write_csv(tmp_path / "d.csv", rows)
    code, output = invoke(
        "analyze", str(data), "--schema", str(mini_schema), "--min-n", "0",
        "--format", "json", "--out", str(tmp_path / "o"),
    )  # fmt: skip
    assert code == 0, output
    assert "13%" in output and ">99%" in output
    assert "12.5" not in output and "99.6" not in output
    # the headline of q1, the short label of q2 (as the report labels them), never the ids
    assert "learned a lot" in output and "Useful to me" in output
    assert "It was useful." not in output
    assert "q1" not in output.replace("mini", "")


@pytest.mark.parametrize("design", [[], ["--weight", "w"], ["--cluster", "leader"]])
@pytest.mark.parametrize("option", ["--by", "--compare"])
def test_breakdown_by_an_item_column_equals_one_by_its_copy(
    tmp_path: Path, mini_schema: Path, design: list[str], option: str
) -> None:
    data = write_csv(tmp_path / "d.csv", _mini_rows(120))
    runs = {}
    for column in ("Q2", "Q2copy"):
        out = tmp_path / column
        code, output = invoke(
            "analyze", str(data), "--schema", str(mini_schema), option, column, *design,
            "--min-n", "0", "--format", "json", "--out", str(out),
        )  # fmt: skip
        assert code == 0, output
        res = _results(out)
        runs[column] = json.dumps([res["estimates"], res["comparisons"]]).replace(
            '"Q2copy"', '"Q2"'
        )
    assert runs["Q2"] == runs["Q2copy"]
    assert '"Q2": "Agree"' in runs["Q2"]


def test_lonely_psu_names_the_file_and_the_strata_column(tmp_path: Path, mini_schema: Path) -> None:
    rows = _mini_rows(30)
    for row in rows[1:]:
        row[2] = "C" if row[7] == "L0" else "AB"[int(row[7][1:]) % 2]  # stratum C: one PSU
    data = write_csv(tmp_path / "lonely.csv", rows)
    code, output = invoke(
        "analyze", str(data), "--schema", str(mini_schema), "--strata", "org",
        "--cluster", "leader", "--format", "json", "--out", str(tmp_path / "o"),
    )  # fmt: skip
    assert code == 1, output
    assert "lonely.csv" in output and "strata column 'org'" in output
    assert not (tmp_path / "o").exists()


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


@pytest.mark.parametrize(("content", "message"), UNREADABLE)
def test_unreadable_input_exits_2(
    tmp_path: Path, mini_schema: Path, content: bytes | None, message: str
) -> None:
    path = unreadable_file(tmp_path / "data.csv", content)
    out = tmp_path / "o"
    code, output = invoke("analyze", "--out", str(out), str(path), "--schema", str(mini_schema))
    assert code == 2, output
    assert message in output and "data.csv" in output
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ci", "logit"], "--ci 'logit'"),
        (["--level", "1.5"], "--level"),
        (["--level", "95"], "--level 95: give a fraction (did you mean 0.95?)"),
        (["--level", "nan"], "--level: Input should be a finite number"),
        (["--population", "inf"], "--population: Input should be a finite number"),
        (["--population", "nan"], "--population: Input should be a finite number"),
        (["--by", "organisation"], "did you mean 'organization'"),
        (["--compare", "nope"], "--compare 'nope' is neither a group"),
        (["--compare", "organization", "--reference", "Harbor City Teacher Leader"],
         "--reference 'Harbor City Teacher Leader' is not a value of the compared group "
         "(did you mean 'Harbor City Teacher Leaders'?)"),
        (["--format", "docx,nope"], "--format"),
        (["--format", ","], "--format"),
        (["--templates", "no-such-folder"], "--templates no-such-folder: no such folder"),
        (["--schema", "nope.yaml"], "nope.yaml: schema file not found"),
    ],
)  # fmt: skip
def test_bad_options_exit_2_naming_the_option(
    tmp_path: Path, args: list[str], message: str
) -> None:
    code, output = invoke("analyze", *LEADER, "--out", str(tmp_path / "o"), *args)
    assert code == 2 and message in output, output
    if args[0] == "--compare" and args[1] == "nope":
        assert "--by" not in output
    assert not (tmp_path / "o").exists()


def test_debug_shows_the_traceback_of_an_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tpn_survey import pipeline
    from tpn_survey.cli import app

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the library")

    monkeypatch.setattr(pipeline, "analyze_survey", broken)
    args = ["analyze", *LEADER, "--format", "json", "--out", str(tmp_path / "o")]
    code, output = invoke(*args)  # no traceback by default (invoke checks)
    assert code == 2
    assert "internal error (RuntimeError): a bug in the library" in output
    assert "--debug" in output
    runner = CliRunner()
    for argv, env in (
        (["--debug", *args], {"TPN_DEBUG": ""}),
        (args, {"TPN_DEBUG": "1"}),
    ):
        result = runner.invoke(app, argv, env=env)
        assert result.exit_code == 2
        assert "Traceback" in result.output and "in broken" in result.output
        assert "a bug in the library" in result.output
