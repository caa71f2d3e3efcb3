"""The public API (`import tpn_survey as tpn`): what a notebook user gets, as DESIGN.md says."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

import tpn_survey as tpn
from tests.conftest import MINI_HEADER, SAMPLE, SCHEMAS, write_csv
from tests.factories import invoke


@pytest.fixture(scope="module")
def survey() -> tpn.SurveyData:
    return tpn.read_survey([SAMPLE / "teacher_leader.csv"], schema=SCHEMAS / "teacher_leader.yaml")


def test_every_public_name_resolves() -> None:
    for name in tpn.__all__:
        assert getattr(tpn, name) is not None, name


def test_analyze_and_validate_stay_functions_after_their_modules_load(
    survey: tpn.SurveyData,
) -> None:
    import tpn_survey.analyze
    import tpn_survey.validate

    for _ in range(2):  # each call imports the module of the same name
        assert tpn.validate(survey).valid
        assert tpn.analyze(survey).estimates
    assert callable(tpn.analyze) and callable(tpn.validate)
    assert not isinstance(tpn.analyze, type(tpn_survey))


def test_pii_is_dropped_when_read(survey: tpn.SurveyData) -> None:
    assert not {"email", "full_name"} & set(survey.table.columns)


def test_to_frame_is_numeric_with_a_suppressed_column(survey: tpn.SurveyData) -> None:
    results = tpn.analyze(survey, by=["organization"])
    frame = results.to_frame()
    assert len(frame) == len(results.estimates)
    for column in ("n", "rate", "ci_low", "ci_high"):
        assert pd.api.types.is_numeric_dtype(frame[column]), column
    withheld = frame[frame["suppressed"]]
    assert len(withheld) and withheld["rate"].notna().all()  # the record keeps the numbers
    masked = results.to_frame(masked=True)
    assert masked.loc[withheld.index, ["rate", "ci_low", "ci_high", "n"]].isna().all().all()
    shown = ~frame["suppressed"]
    assert masked.loc[shown, "rate"].tolist() == frame.loc[shown, "rate"].tolist()
    overall = frame[frame["group_by"] == ""].iloc[0]
    assert math.isclose(overall["rate"], 468 / 515)


def test_analyze_takes_the_cli_options_and_equals_the_cli_json(
    survey: tpn.SurveyData, tmp_path: Path
) -> None:
    library = tpn.analyze(survey, by=["organization"], ci="jeffreys", min_n=5)
    code, output = invoke(
        "analyze", str(SAMPLE / "teacher_leader.csv"), "--schema",
        str(SCHEMAS / "teacher_leader.yaml"), "--by", "organization", "--ci", "jeffreys",
        "--min-n", "5", "--format", "json", "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 0, output
    written = json.loads((tmp_path / "results.json").read_text("utf-8"))
    assert written == json.loads(json.dumps(library.to_dict()))
    with pytest.raises(TypeError):
        tpn.analyze(survey, tpn.Options(), by=["organization"])


def test_bad_data_is_a_report_then_a_data_error(tmp_path: Path, mini_schema: Path) -> None:
    data = write_csv(tmp_path / "d.csv", [MINI_HEADER, ["r1", "", "A", "Urban", "Agreee", "1"]])
    survey = tpn.read_survey(data, schema=mini_schema)
    report = tpn.validate(survey)
    assert not report.valid and report.problems[0].code == "off-scale"
    with pytest.raises(tpn.DataError) as caught:
        tpn.analyze(survey)
    assert isinstance(caught.value, tpn.TpnError)
    assert [p.code for p in caught.value.problems] == [p.code for p in report.problems]
