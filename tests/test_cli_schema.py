"""`tpn schema check | json | results-json | infer`."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.conftest import ROOT, SAMPLE, SCHEMAS
from tests.factories import invoke
from tpn_survey.schema import parse_schema


def test_check_accepts_a_good_schema() -> None:
    code, output = invoke("schema", "check", str(SCHEMAS / "teacher_leader.yaml"))
    assert code == 0 and "ok" in output and "tpn-teacher-leader" in output and "items" in output


def test_check_names_the_bad_key(tmp_path: Path) -> None:
    text = (SCHEMAS / "teacher_leader.yaml").read_text("utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("respondent_id:", "respondent:", 1), encoding="utf-8")
    code, output = invoke("schema", "check", str(bad))
    assert code == 2 and "bad.yaml" in output and "respondent_id" in output


def test_check_missing_file_exits_2_with_its_path(tmp_path: Path) -> None:
    code, output = invoke("schema", "check", str(tmp_path / "nope.yaml"))
    assert code == 2 and "nope.yaml" in output and "not found" in output


def test_json_prints_the_committed_instrument_schema() -> None:
    code, output = invoke("schema", "json")
    assert code == 0
    committed = json.loads((ROOT / "schemas" / "instrument.schema.json").read_text("utf-8"))
    assert json.loads(output) == committed


def test_results_json_prints_the_committed_results_schema() -> None:
    from tpn_survey.results import results_json_schema

    code, output = invoke("schema", "results-json")
    assert code == 0
    committed = json.loads((ROOT / "schemas" / "results.schema.json").read_text("utf-8"))
    assert json.loads(output) == committed == results_json_schema()


def test_infer_drafts_a_schema_that_loads(tmp_path: Path) -> None:
    code, output = invoke("schema", "infer", str(SAMPLE / "teacher_leader.csv"))
    assert code == 0, output
    draft = parse_schema(yaml.safe_load(output), "draft")
    assert len(draft.items) >= 7 and draft.respondent_id
    assert "email" in draft.pii


def test_infer_missing_file_exits_2(tmp_path: Path) -> None:
    code, output = invoke("schema", "infer", str(tmp_path / "gone.csv"))
    assert code == 2 and "gone.csv" in output
