"""AAPOR RR1/RR2: classification thresholds, per-group rates, schema, through analyze()."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tpn_survey.analysis.coding import MISSING, ItemCodes
from tpn_survey.analysis.response_rates import count_kinds, rate_kinds, response_rates
from tpn_survey.analyze import Options, analyze
from tpn_survey.errors import SchemaError
from tpn_survey.io import read_table
from tpn_survey.schema import Invited, load_yaml, parse_schema


def _codes(answered: list[int], k: int = 10) -> np.ndarray:
    """Rows answering the given number of items out of k."""
    codes = np.full((len(answered), k), MISSING, dtype=np.int16)
    for i, a in enumerate(answered):
        codes[i, :a] = 1
    return codes


def classify(codes: np.ndarray, complete: float = 0.8, partial: float = 0.5) -> np.ndarray:
    """Each row's kind, as the analysis classifies it (tally.rate_kinds)."""
    spec = Invited(total=1, complete=complete, partial=partial)
    return rate_kinds(spec, ItemCodes.of_codes(codes))


def test_classify_thresholds() -> None:
    # 10 items: 8+ complete, 5-7 partial, under 5 break-off
    kinds = classify(_codes([10, 8, 7, 5, 4, 0]))
    assert kinds.tolist() == [2, 2, 1, 1, 0, 0]
    assert classify(_codes([4, 3], k=5)).tolist() == [2, 1]  # 80% exactly is complete
    assert classify(_codes([9, 6], k=10), complete=0.95, partial=0.7).tolist() == [1, 0]


def test_non_substantive_answers_count_as_answered() -> None:
    codes = _codes([4], k=5)
    codes[0, 0] = 5  # a "Don't know" category index
    assert classify(codes).tolist() == [2]


def test_total_only() -> None:
    rates, problems = response_rates(20, count_kinds(classify(_codes([10, 10, 6, 2]))))
    (r,) = rates
    assert (r.invited, r.complete, r.partial, r.break_off) == (20, 2, 1, 1)
    assert r.rr1 == pytest.approx(2 / 20) and r.rr2 == pytest.approx(3 / 20)
    assert not problems


def test_by_group_and_unlisted_values() -> None:
    spec = Invited(by="org", counts={"A": 4, "B": 10})
    codes = _codes([10, 7, 10, 10, 10, 0, 10])
    orgs = np.array(["A", "A", "B", "B", "B", "B", "Z"], dtype=object)
    rates, problems = response_rates(spec, count_kinds(classify(codes), orgs), "org")
    by = {tuple(r.group.values()): r for r in rates}
    assert by[()].invited == 14 and by[()].complete == 4 and by[()].partial == 1
    assert by[("A",)].rr1 == pytest.approx(1 / 4) and by[("A",)].rr2 == pytest.approx(2 / 4)
    assert by[("B",)].rr1 == pytest.approx(3 / 10) and by[("B",)].break_off == 1
    assert [p.code for p in problems] == ["not-invited"]


def test_more_responses_than_invited_warns() -> None:
    _, problems = response_rates(1, count_kinds(classify(_codes([10, 10]))))
    assert [p.code for p in problems] == ["more-responses-than-invited"]


def test_invited_schema_checks() -> None:
    base = load_yaml(SCHEMA)
    for bad, message in [
        ({"counts": {"A": 3}}, "invited.by"),
        ({"total": 3, "counts": {"A": 3}, "by": "org"}, "either total or counts"),
        ({"total": 3, "complete": 0.4, "partial": 0.6}, "invited.partial"),
    ]:
        base["invited"] = bad
        with pytest.raises(SchemaError, match=message):
            parse_schema(base)
    base["invited"] = 50
    assert parse_schema(base).invited == 50


SCHEMA = """\
id: t
title: T
respondent_id: id
scales:
  yn: {levels: ["No", "Yes"], positive: ["Yes"]}
items:
  - {id: a, column: A, scale: yn}
  - {id: b, column: B, scale: yn}
  - {id: c, column: C, scale: yn}
  - {id: d, column: D, scale: yn}
  - {id: e, column: E, scale: yn}
groups:
  - {id: organization, column: org}
invited:
  by: organization
  counts: {North: 10, South: 8}
"""


def test_through_analyze(tmp_path: Path) -> None:
    rows = [
        ["1", "North", "Yes", "Yes", "Yes", "Yes", "No"],  # 5/5 complete
        ["2", "North", "Yes", "Yes", "Yes", "Yes", ""],  # 4/5 complete
        ["3", "North", "Yes", "Yes", "Yes", "", ""],  # 3/5 partial
        ["4", "South", "Yes", "", "", "", ""],  # 1/5 break-off
        ["5", "South", "", "", "", "", ""],  # nothing: break-off (not analyzed)
        ["6", "South", "No", "No", "No", "No", "No"],
    ]
    frame = pd.DataFrame(rows, columns=["id", "org", "A", "B", "C", "D", "E"])
    frame.to_csv(tmp_path / "x.csv", index=False)
    res = analyze(parse_schema(load_yaml(SCHEMA)), read_table(tmp_path / "x.csv"), Options())
    by = {r.group.get("organization", "all"): r for r in res.response_rates}
    assert (by["all"].invited, by["all"].complete, by["all"].partial) == (18, 3, 1)
    assert by["all"].break_off == 2
    assert by["North"].rr1 == pytest.approx(2 / 10) and by["North"].rr2 == pytest.approx(3 / 10)
    assert by["South"].rr1 == pytest.approx(1 / 8) and by["South"].rr2 == pytest.approx(1 / 8)
    assert res.to_dict()["response_rates"][0]["rr1"] == pytest.approx(3 / 18)
