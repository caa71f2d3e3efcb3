"""Hostile nesting in every file tpn parses (instrument, margins, tpn.toml, results.json and an
output folder's manifest): a clear message naming the file and exit 2, never an internal
error. Python's YAML composer, tomllib and json recurse once per level and stop at the
interpreter's recursion limit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, SCHEMAS
from tests.factories import invoke
from tpn_survey.errors import SchemaError
from tpn_survey.yaml12 import load_yaml

DEPTH = 100_000  # far beyond the recursion limit, and well under the 1 MB schema limit


def _deep_list() -> str:
    return "[" * DEPTH + "]" * DEPTH


def test_load_yaml_refuses_nesting_beyond_the_recursion_limit() -> None:
    with pytest.raises(SchemaError, match="nesting deeper than 50 levels"):
        load_yaml("a: " + _deep_list())


def _sample(workdir: Path) -> None:
    shutil.copyfile(SAMPLE / "teacher_leader.csv", workdir / "d.csv")
    shutil.copyfile(SCHEMAS / "teacher_leader.yaml", workdir / "s.yaml")


def _no_internal_error(output: str) -> None:
    assert "internal error" not in output and "RecursionError" not in output, output


def test_deeply_nested_instrument_exits_2_naming_it(workdir: Path) -> None:
    _sample(workdir)
    (workdir / "deep.yaml").write_text("id: x\nitems: " + _deep_list() + "\n")
    code, output = invoke("validate", "d.csv", "--schema", "deep.yaml")
    _no_internal_error(output)
    assert code == 2 and "deep.yaml: nesting deeper than 50 levels" in output


def test_deeply_nested_margins_exit_2_naming_them(workdir: Path) -> None:
    _sample(workdir)
    (workdir / "m.yaml").write_text("org: " + _deep_list() + "\n")
    code, output = invoke("weight", "rake", "d.csv", "--margins", "m.yaml", "--out", "w.csv")
    _no_internal_error(output)
    assert code == 2 and "m.yaml: not a valid margins YAML file" in output
    assert "nesting" in output and not (workdir / "w.csv").exists()


def test_deeply_nested_project_file_exits_2_naming_it(workdir: Path) -> None:
    (workdir / "tpn.toml").write_text("x = " + _deep_list() + "\n")
    code, output = invoke("analyze")
    _no_internal_error(output)
    assert code == 2 and "tpn.toml: not valid TOML: nested too deeply" in output


def test_deeply_nested_results_file_exits_2_naming_it(workdir: Path) -> None:
    (workdir / "r.json").write_text(_deep_list())
    code, output = invoke("report", "r.json", "--out", "o")
    _no_internal_error(output)
    assert code == 2 and "r.json: not a results.json file (nested too deeply)" in output
    assert not (workdir / "o").exists()


def test_deeply_nested_manifest_in_the_output_folder_is_ignored(workdir: Path) -> None:
    """A manifest tpn cannot read lists nothing to replace, as a malformed one does: the run
    writes its set and removes no file of the folder's."""
    _sample(workdir)
    out = workdir / "out"
    out.mkdir()
    (out / "manifest.json").write_text('{"files": ' + _deep_list() + "}")
    (out / "mine.txt").write_text("kept")
    code, output = invoke("analyze", "d.csv", "-s", "s.yaml", "--out", "out", "--format", "json")
    _no_internal_error(output)
    assert code == 0, output
    assert (out / "mine.txt").read_text() == "kept"
    assert "results.json" in json.loads((out / "manifest.json").read_text("utf-8"))["files"]
