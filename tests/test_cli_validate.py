"""`tpn validate`: exit 0 valid, 1 data problems, 2 unreadable input or schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import MINI_HEADER, SAMPLE, write_csv
from tests.factories import LEADER, UNREADABLE, invoke, unreadable_file
from tpn_survey.pipeline import read_survey, validate_survey


def test_valid_sample_exits_0() -> None:
    code, output = invoke("validate", *LEADER)
    assert code == 0 and "valid" in output and "523 rows" in output


def test_data_problems_exit_1_and_json_is_the_library_report(
    tmp_path: Path, mini_schema: Path
) -> None:
    bad = write_csv(
        tmp_path / "bad.csv", [MINI_HEADER, ["r1", "x@y.org", "A", "Urban", "Agreee", "1"]]
    )
    code, output = invoke("validate", str(bad), "--schema", str(mini_schema))
    assert code == 1 and "Agreee" in output and "row 2" in output
    code, output = invoke("validate", str(bad), "--schema", str(mini_schema), "--format", "json")
    assert code == 1
    report = json.loads(output)
    assert report["valid"] is False and report["problems"][0]["code"] == "off-scale"
    library = validate_survey(read_survey([bad], mini_schema))
    assert report == json.loads(library.model_dump_json())


@pytest.mark.parametrize(("content", "message"), UNREADABLE)
def test_unreadable_input_exits_2_naming_the_file(
    tmp_path: Path, mini_schema: Path, content: bytes | None, message: str
) -> None:
    path = unreadable_file(tmp_path / "data.csv", content)
    code, output = invoke("validate", str(path), "--schema", str(mini_schema))
    assert code == 2, output
    assert message in output and "data.csv" in output


def test_bad_schema_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "s.yaml"
    bad.write_text("id: x\nitems: [\n", encoding="utf-8")
    code, output = invoke("validate", str(SAMPLE / "teacher.csv"), "--schema", str(bad))
    assert code == 2 and "not valid YAML" in output


def test_missing_schema_exits_2_with_its_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    code, output = invoke("validate", str(SAMPLE / "teacher.csv"), "--schema", str(missing))
    assert code == 2 and "nope.yaml" in output and "not found" in output


def test_unknown_format_names_the_option() -> None:
    code, output = invoke("validate", *LEADER, "--format", "yaml")
    assert code == 2 and "--format 'yaml'" in output
