"""Analysis equals an independent pandas + statsmodels computation, overall and by group."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from tests.conftest import MINI_HEADER, SAMPLE, SCHEMAS, write_csv
from tpn_survey.analyze import DataError, Options, analyze
from tpn_survey.errors import OptionError
from tpn_survey.io import read_table
from tpn_survey.schema import load_schema


def independent_rates(csv: Path, schema_path: Path, by: str | None) -> pd.DataFrame:
    """Agreement counts and Wilson intervals computed directly with pandas and statsmodels."""
    schema = load_schema(schema_path)
    df = pd.read_csv(csv, dtype=str, keep_default_na=False)
    rows = []
    for item in schema.items:
        scale = schema.scales[item.scale]
        levels = {lv.casefold(): lv for lv in scale.levels}
        answers = df[item.column].str.strip().str.casefold().map(levels)
        frame = pd.DataFrame({"answer": answers, "group": df[by].str.strip() if by else ""})
        frame = frame[frame["answer"].notna()]
        for group, part in frame.groupby("group"):
            n = len(part)
            k = int(part["answer"].isin(scale.positive).sum())
            low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
            rows.append(
                {"item": item.id, "group": group, "n": n, "positive": k, "low": low, "high": high}
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("survey", ["teacher_leader", "teacher", "end_of_year"])
def test_sample_matches_independent_computation(survey: str) -> None:
    schema = load_schema(SCHEMAS / f"{survey}.yaml")
    table = read_table(SAMPLE / f"{survey}.csv", drop=schema.pii)
    results = analyze(schema, table, Options(by=["organization"]))
    for by, column in ((None, None), ("organization", "org")):
        ref = independent_rates(SAMPLE / f"{survey}.csv", SCHEMAS / f"{survey}.yaml", column)
        ests = (
            [e for e in results.estimates if (by in e.group) if by]
            if by
            else [e for e in results.estimates if not e.group]
        )
        got = {(e.item, e.group.get(by, "") if by else ""): e for e in ests}
        assert len(got) == len(ref)
        for row in ref.itertuples():
            est = got[(row.item, row.group)]
            assert (est.n, est.positive) == (row.n, row.positive)
            assert est.rate == pytest.approx(row.positive / row.n, abs=1e-12)
            assert est.ci_low == pytest.approx(row.low, abs=1e-9)
            assert est.ci_high == pytest.approx(row.high, abs=1e-9)
            # Complementary withholding may add cells (tests/test_disclosure.py).
            assert (est.suppressed_reason == "min-n") == (row.n < 10)
            assert est.suppressed >= (row.n < 10)


def test_counts_codes_missing_and_non_substantive(tmp_path: Path, mini_schema: Path) -> None:
    rows = [
        MINI_HEADER,
        ["r1", "a@example.org", "Org A", "Urban", "Agree", "1"],
        ["r2", "b@example.org", "Org A", "Urban", " strongly  AGREE ", "3.0"],
        ["r3", "c@example.org", "Org B", "Rural", "Disagree", "9"],
        ["r4", "d@example.org", "Org B", "", "Not applicable", ""],
        ["r5", "e@example.org", "Org B", "Rural", "Don’t know", " 4"],
        ["r6", "f@example.org", "", "Rural", "", ""],
    ]
    csv = write_csv(tmp_path / "mini.csv", rows)
    schema = load_schema(mini_schema)
    results = analyze(
        schema, read_table(csv, drop=schema.pii), Options(by=["organization", "region"], min_n=2)
    )
    assert results.respondents.model_dump() == {"rows_read": 6, "rows_used": 5, "rows_excluded": 1}
    assert [p.code for p in results.problems].count("no-answers") == 1
    overall = {e.item: e for e in results.estimates if not e.group}
    q1 = overall["q1"]
    assert (q1.n, q1.positive, q1.missing, q1.non_substantive) == (3, 2, 0, 2)
    assert q1.distribution == {
        "Strongly disagree": 0,
        "Disagree": 1,
        "Agree": 1,
        "Strongly agree": 1,
    }
    q2 = overall["q2"]
    assert (q2.n, q2.positive, q2.missing, q2.non_substantive) == (3, 2, 1, 1)
    by_region = {
        e.group["region"]: e for e in results.estimates if "region" in e.group and e.item == "q1"
    }
    # The schema's order, then the blank value as a cell of its own (DESIGN.md, issue 14).
    assert list(by_region) == ["Urban", "Rural", ""]
    assert (by_region[""].n, by_region[""].non_substantive, by_region[""].suppressed) == (
        0,
        1,
        True,
    )
    assert (by_region["Rural"].n, by_region["Rural"].suppressed) == (1, True)
    assert "email" not in str(results.to_dict())


def test_data_errors_stop_the_analysis(tmp_path: Path, mini_schema: Path) -> None:
    rows = [
        MINI_HEADER,
        ["r1", "x", "A", "Urban", "Agreee", "1"],
        ["r1", "y", "A", "Urban", "Agree", "7"],
    ]
    schema = load_schema(mini_schema)
    with pytest.raises(DataError) as info:
        analyze(schema, read_table(write_csv(tmp_path / "bad.csv", rows), drop=schema.pii))
    codes = sorted(p.code for p in info.value.problems)
    assert codes == ["duplicate-id", "off-scale", "off-scale"]


def test_by_unknown_group_is_an_option_error(tmp_path: Path, mini_schema: Path) -> None:
    rows = [MINI_HEADER, ["r1", "x", "A", "Urban", "Agree", "1"]]
    schema = load_schema(mini_schema)
    table = read_table(write_csv(tmp_path / "ok.csv", rows), drop=schema.pii)
    with pytest.raises(OptionError, match="did you mean 'organization'"):
        analyze(schema, table, Options(by=["organisation"]))
    by_column = analyze(schema, table, Options(by=["org"]))  # a column: its id is its name
    assert by_column.settings.by == ["org"]
    assert {"org": "A"} in [e.group for e in by_column.estimates]


def test_design_only_methods_are_refused_without_design(tmp_path: Path, mini_schema: Path) -> None:
    rows = [MINI_HEADER, ["r1", "x", "A", "Urban", "Agree", "1"]]
    schema = load_schema(mini_schema)
    table = read_table(write_csv(tmp_path / "ok.csv", rows), drop=schema.pii)
    with pytest.raises(OptionError, match="logit"):
        analyze(schema, table, Options(ci="logit"))
