"""Design-based shares, means, medians and totals of question items against R survey 4.x
(tests/golden/make_golden_questions.R wrote the data and the values; R is never run here)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tpn_survey.analyze import analyze
from tpn_survey.io.table import read_table
from tpn_survey.options import Options
from tpn_survey.results import Results
from tpn_survey.schema import parse_schema

GOLDEN = Path(__file__).parent / "golden"

# Same designs as make_golden_questions.R, as schema `design:` blocks.
DESIGNS: dict[str, dict[str, Any]] = {
    "weights_only": {"weight": "w"},
    "strat_fpc": {"strata": "org", "fpc": "pop_people"},
    "clus1": {"cluster": "leader", "weight": "w"},
    "strat_clus": {"cluster": "leader", "strata": "org", "weight": "w", "fpc": "pop_leaders"},
}
ITEMS = [
    {
        "id": "activities",
        "type": "multi",
        "column": "activities",
        "options": [
            "Planned, led PL",
            "Facilitated PL",
            "Coached 1:1",
            "Shared materials",
            "None of these",
        ],
        "exclusive": ["None of these"],
    },
    {
        "id": "freq",
        "type": "choice",
        "column": "freq",
        "options": ["Weekly", "Monthly", "A few times a year", "Never"],
        "non_substantive": ["Prefer not to say"],
    },
    {"id": "supported", "type": "number", "column": "supported", "min": 0, "total": True},
]


@cache
def _golden() -> pd.DataFrame:
    g = pd.read_csv(GOLDEN / "questions_golden.csv", keep_default_na=False, na_values=["NA"])
    return g.astype({"value": float, "ci_low": float, "ci_high": float})


@cache
def _results(design: str, method: str) -> Results:
    schema = parse_schema(
        {
            "id": "golden",
            "title": "Golden",
            "respondent_id": "id",
            "items": ITEMS,
            "groups": [{"id": "band", "column": "band"}],
            "design": DESIGNS[design],
        }
    )
    table = read_table(GOLDEN / "questions.csv")
    return analyze(schema, table, Options(by=["band"], ci=method))


def _group(domain: str) -> dict[str, str]:
    return {} if domain == "overall" else {"band": domain}


def _close(got: float | None, want: float, rel: float, abs_: float = 0.0) -> bool:
    if np.isnan(want):
        return got is None
    return got is not None and abs(got - want) <= max(rel * abs(want), abs_)


@pytest.mark.parametrize("design", list(DESIGNS))
@pytest.mark.parametrize("method", ["logit", "beta", "wald"])
def test_shares_equal_r(design: str, method: str) -> None:
    g = _golden()
    want = g[(g.design == design) & (g.stat == "share") & (g.method == method)]
    assert len(want) == 4 * 9
    rows = {(r.item, r.option, tuple(r.group.items())): r for r in _results(design, method).choices}
    for w in want.itertuples():
        row = rows[(w.item, w.option, tuple(_group(w.domain).items()))]
        assert row.n == w.n
        for got, value in ((row.rate, w.value), (row.ci_low, w.ci_low), (row.ci_high, w.ci_high)):
            assert _close(got, value, 0, 1e-6), (w, row)


@pytest.mark.parametrize("design", list(DESIGNS))
def test_means_medians_totals_equal_r(design: str) -> None:
    g = _golden()
    want = g[(g.design == design) & (g.item == "supported")]
    assert len(want) == 4 * 3
    rows = {tuple(r.group.items()): r for r in _results(design, "logit").numbers}
    for w in want.itertuples():
        row = rows[tuple(_group(w.domain).items())]
        assert row.n == w.n
        got = {
            "mean": (row.mean, row.mean_ci_low, row.mean_ci_high),
            "median": (row.median, row.median_ci_low, row.median_ci_high),
            "total": (row.total, row.total_ci_low, row.total_ci_high),
        }[w.stat]
        rel = 1e-9 if w.stat == "total" else 1e-8
        for value, expected in zip(got, (w.value, w.ci_low, w.ci_high), strict=True):
            assert _close(value, expected, rel), (w, row)
        assert row.method == "linearized-t"


def test_golden_covers_every_domain() -> None:
    g = _golden()
    assert set(g.domain) == {"overall", "K-5", "6-8", "9-12"}
    assert set(g.design) == set(DESIGNS)
