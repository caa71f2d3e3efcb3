"""Differences of composite mean scores between groups: pooled t and Hedges' g (DESIGN.md
"Effect sizes": Hedges' g on `comparisons` rows whose `item` is the composite id)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from scipy.special import gammaln

from tests.conftest import SAMPLE, SCHEMAS
from tpn_survey.analyze import Options, analyze
from tpn_survey.io import read_table
from tpn_survey.schema import load_schema
from tpn_survey.stats.scales import mean_differences


@pytest.mark.parametrize(
    ("m1", "s1", "n1", "m2", "s2", "n2"),
    [(3.1, 0.6, 40, 2.9, 0.7, 55), (2.0, 1.1, 12, 2.5, 0.4, 9), (3.5, 0.2, 200, 3.49, 0.25, 3)],
)
def test_mean_differences_equal_scipy(
    m1: float, s1: float, n1: int, m2: float, s2: float, n2: int
) -> None:
    got = mean_differences(*(np.array([v]) for v in (m1, s1, n1, m2, s2, n2)), level=0.9)
    ref = stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=True)
    assert got.p_value[0] == pytest.approx(ref.pvalue, abs=1e-12)
    df = n1 + n2 - 2
    se = math.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / df * (1 / n1 + 1 / n2))
    half = stats.t.ppf(0.95, df) * se
    assert got.ci_low[0] == pytest.approx(m1 - m2 - half, abs=1e-12)
    assert got.ci_high[0] == pytest.approx(m1 - m2 + half, abs=1e-12)
    assert got.df[0] == df


def test_composite_rows_with_hedges_g() -> None:
    schema = load_schema(SCHEMAS / "teacher_leader.yaml")
    assert schema.composites, "the sample instrument has composites"
    table = read_table(SAMPLE / "teacher_leader.csv", drop=schema.pii)
    res = analyze(schema, table, Options(compare="organization"))
    rows = [c for c in res.comparisons if c.item in schema.composites]
    assert rows and all(c.method == "pooled-t" for c in rows)
    means = {
        (m.of, m.group["organization"]): m
        for m in res.means
        if m.kind == "composite" and set(m.group) == {"organization"}
    }
    for c in rows:
        a, b = means[(c.item, c.level)], means[(c.item, c.reference)]
        assert a.mean is not None and b.mean is not None and a.sd and b.sd
        ref = stats.ttest_ind_from_stats(a.mean, a.sd, a.n, b.mean, b.sd, b.n, equal_var=True)
        assert c.difference == pytest.approx(a.mean - b.mean, abs=1e-12)
        assert c.p_value == pytest.approx(ref.pvalue, abs=1e-12)
        # Hedges' g: Cohen's d with the pooled sd times the exact small-sample correction J
        df = a.n + b.n - 2
        pooled = math.sqrt(((a.n - 1) * a.sd**2 + (b.n - 1) * b.sd**2) / df)
        j = math.exp(gammaln(df / 2) - math.log(math.sqrt(df / 2)) - gammaln((df - 1) / 2))
        assert c.effect_size is not None and c.effect_size.measure == "hedges_g"
        assert c.effect_size.value == pytest.approx((a.mean - b.mean) / pooled * j, rel=1e-9)
        assert c.effect_size.ci_low is not None and c.effect_size.ci_high is not None
        assert c.effect_size.ci_low < c.effect_size.value < c.effect_size.ci_high
        assert c.suppressed == (a.suppressed or b.suppressed or min(a.n, b.n) < 10)
    # the composites are a family of their own: the items' Holm adjustment is over items only
    from statsmodels.stats.multitest import multipletests

    items_only = [c for c in res.comparisons if c.item not in schema.composites]
    p = [c.p_value for c in items_only]
    holm = multipletests(p, method="holm")[1]
    assert [c.p_adjusted for c in items_only] == pytest.approx(list(holm), abs=1e-12)


def test_no_composite_rows_under_a_design() -> None:
    schema = load_schema(SCHEMAS / "teacher.yaml")
    table = read_table(SAMPLE / "teacher.csv", drop=schema.pii)
    res = analyze(schema, table, Options(compare="organization", cluster="leader_id"))
    assert not [c for c in res.comparisons if c.method == "pooled-t"]


def test_report_shows_composite_differences_only_as_effect_sizes() -> None:
    """A difference of mean scores is never printed as percentage points of agreement."""
    from tpn_survey.report.html import render_html
    from tpn_survey.report.tables import comparison_rows

    schema = load_schema(SCHEMAS / "teacher_leader.yaml")
    table = read_table(SAMPLE / "teacher_leader.csv", drop=schema.pii)
    res = analyze(schema, table, Options(compare="organization"))
    html = render_html([res])
    for comp in schema.composites:
        assert f"“{comp}”" not in html and f">{comp}<" not in html
    assert "(Hedges&#39; g)</th>" in html
    assert all(r["item"] not in schema.composites for r in comparison_rows(res))
