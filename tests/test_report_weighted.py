"""Under a design the bars draw weighted shares (results.json `distribution_weighted`), equal to
the weighted rates; reliability flags mark estimates to interpret with caution."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.conftest import ROOT
from tpn_survey.analysis.flags import reliability_flags
from tpn_survey.analyze import Options, analyze
from tpn_survey.io import read_table
from tpn_survey.report.format import pct
from tpn_survey.report.html import render_html
from tpn_survey.results import Results
from tpn_survey.schema import load_yaml, parse_schema

GOLDEN = ROOT / "tests" / "golden"
SCHEMA = """\
id: synthetic
title: Synthetic weighted survey
respondent_id: id
scales:
  four:
    levels: ["1", "2", "3", "4"]
    codes: {1: "1", 2: "2", 3: "3", 4: "4", 9: Not applicable}
    positive: ["3", "4"]
items:
  - {id: q1, column: q1, scale: four, short: First question}
  - {id: q2, column: q2, scale: four}
  - {id: q3, column: q3, scale: four}
groups:
  - {id: band, column: band}
design: {cluster: leader, weight: w}
"""


@pytest.fixture(scope="module")
def weighted() -> Results:
    schema = parse_schema(load_yaml(SCHEMA))
    table = read_table(GOLDEN / "synthetic.csv")
    return analyze(schema, table, Options(by=["band"], min_n=0))


def test_distribution_weighted_equals_weighted_shares(weighted: Results) -> None:
    frame = pd.read_csv(GOLDEN / "synthetic.csv", dtype=str, keep_default_na=False)
    frame["w"] = frame["w"].astype(float)
    for est in weighted.estimates:
        if est.n == 0:  # a listed or blank value nobody answered: no shares
            continue
        band = frame["band"].fillna("").str.strip()
        rows = frame if not est.group else frame[band == est.group["band"]]
        valid = rows[rows[est.item].isin(["1", "2", "3", "4"])]
        total = valid["w"].sum()
        assert est.distribution_weighted is not None
        for level, share in est.distribution_weighted.items():
            expected = valid.loc[valid[est.item] == level, "w"].sum() / total
            assert share == pytest.approx(expected, abs=1e-12)
        # the positive levels' weighted shares are the weighted rate
        positive = est.distribution_weighted["3"] + est.distribution_weighted["4"]
        assert est.rate is not None and positive == pytest.approx(est.rate, abs=1e-12)


def test_simple_results_have_no_weighted_distribution() -> None:
    schema = parse_schema(load_yaml(SCHEMA.replace("design: {cluster: leader, weight: w}\n", "")))
    res = analyze(schema, read_table(GOLDEN / "synthetic.csv"), Options(min_n=0))
    assert all(e.distribution_weighted is None for e in res.estimates)
    assert "distribution_weighted" not in res.to_dict()["estimates"][0]


def test_bars_show_weighted_shares_equal_rates_to_display_rounding(weighted: Results) -> None:
    html = render_html([weighted])
    section = html[html.index('<section class="survey"') : html.index('class="appendix-part"')]
    chart = re.search(r'<div class="wide">(.*?)</div>', section, flags=re.S)
    assert chart
    svg = chart.group(1)
    totals = re.findall(r'font-weight="bold" text-anchor="end">(\d+%)\*?</text>', svg)
    overall = [e for e in weighted.estimates if not e.group]
    assert totals == [pct(e.rate) for e in overall]
    # each segment's share is the weighted share, not the count's
    first = overall[0]
    assert first.distribution_weighted is not None
    for level, share in first.distribution_weighted.items():
        assert f"<title>{level}: {pct(share, bound=True)}</title>" in svg
    assert "First question" in svg  # the schema's short label


def test_reliability_flags() -> None:
    assert reliability_flags(100, 29.9, 0.4, 0.5) == ["low-n-effective"]
    assert reliability_flags(100, 30.0, 0.4, 0.5) == []
    assert reliability_flags(100, None, 0.30, 0.61) == ["wide-interval"]
    assert reliability_flags(100, None, 0.30, 0.60) == []
    assert reliability_flags(100, 12.0, 0.1, 0.9) == ["low-n-effective", "wide-interval"]
    assert reliability_flags(100, None, None, None) == []
    assert reliability_flags(29, None, None, None) == ["low-n-effective"]  # simple: n
    assert reliability_flags(0, None, None, None) == []  # an empty cell has no flag


def test_flags_in_results_and_marked_in_report(weighted: Results) -> None:
    for est in weighted.estimates:
        assert est.flags == reliability_flags(est.n, est.n_effective, est.ci_low, est.ci_high)
    assert any("low-n-effective" in e.flags for e in weighted.estimates)
    assert any("wide-interval" in e.flags for e in weighted.estimates)
    html = render_html([weighted])
    report = html[: html.index('class="appendix-part"')]
    assert "* Interpret with caution" in report  # explained once in the survey's section
    assert re.search(r"\d+%\*</text>", report)  # the mark on a flagged dot
    assert "interpret with caution)" in report  # in the charts' text alternatives
