"""Change in the same people through `analyze`: linked waves against R survey and an
independent count, attrition, retrospective pairs, effect sizes against R effectsize."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from tests.factories import GOLDEN
from tests.factories import PANEL_SCHEMA as SCHEMA
from tpn_survey.analyze import DataError, analyze
from tpn_survey.errors import OptionError
from tpn_survey.io import read_table
from tpn_survey.options import Options
from tpn_survey.schema import load_yaml, parse_schema
from tpn_survey.stats.compare import newcombe_interval
from tpn_survey.stats.effect_size import cohens_h, hedges_g
from tpn_survey.stats.paired import tango_interval

TOL = 1e-6

DESIGNS: dict[str, dict[str, str]] = {
    "clustered": {"weight": "w", "cluster": "leader", "strata": "org"},
    "weights": {"weight": "w"},
}


def _schema(**extra: Any) -> Any:
    data = load_yaml(SCHEMA)
    data.update(extra)
    return parse_schema(data)


def _panel(schema: Any, **options: Any) -> Any:
    table = read_table(GOLDEN / "panel.csv")
    return analyze(schema, table, Options(paired=True, min_n=0, **options))


@pytest.mark.parametrize("design", list(DESIGNS))
def test_design_paired_differences_equal_r_survey(design: str) -> None:
    results = _panel(_schema(design=DESIGNS[design]))
    golden = pd.read_csv(GOLDEN / "panel_golden.csv")
    rows = golden[golden.design == design]
    got = {p.item: p for p in results.paired}
    assert len(rows) == 4
    for row in rows.itertuples():
        p = got[str(row.item)]
        assert (p.from_, p.to) == ("W1", "W2")
        assert p.method == "linearized-t"
        assert p.kind == ("mean" if row.item == "composite" else "rate")
        assert (p.n_pairs, p.df) == (row.n_pairs, row.df)
        assert p.effect_size is None  # no effect sizes under a design
        for mine, ref in (
            (p.difference, row.difference),
            (p.se, row.se),
            (p.ci_low, row.ci_low),
            (p.ci_high, row.ci_high),
            (p.p_value, row.p_value),
            (p.rate_from, row.rate_from),
            (p.rate_to, row.rate_to),
        ):
            assert mine == pytest.approx(float(ref), abs=TOL), row.item


def _linked_counts() -> dict[str, tuple[int, int, int, int]]:
    """Independently, with pandas: per item (n, before positive, lost, gained) over people
    answering both waves with a valid answer in both."""
    d = pd.read_csv(GOLDEN / "panel.csv", dtype=str, keep_default_na=False)
    d = d[(d[["q1", "q2", "q3"]] != "").any(axis=1)]
    w1 = d[(d.wave == "W1") & (d.tid != "")].set_index("tid")
    w2 = d[(d.wave == "W2") & (d.tid != "")].set_index("tid")
    both = w1.merge(w2, left_index=True, right_index=True, suffixes=("_a", "_b"))
    out = {}
    for item in ("q1", "q2", "q3"):
        a, b = both[f"{item}_a"], both[f"{item}_b"]
        ok = a.isin(["1", "2", "3", "4"]) & b.isin(["1", "2", "3", "4"])
        pa, pb = a[ok].isin(["3", "4"]), b[ok].isin(["3", "4"])
        out[item] = (int(ok.sum()), int(pa.sum()), int((pa & ~pb).sum()), int((~pa & pb).sum()))
    return out


def test_simple_paired_rows_equal_independent_counts() -> None:
    results = _panel(_schema())
    counts = _linked_counts()
    rates = [p for p in results.paired if p.kind == "rate"]
    assert [p.item for p in rates] == ["q1", "q2", "q3"]
    for p in rates:
        n, before, lost, gained = counts[p.item]
        assert p.n_pairs == n
        assert p.rate_from == pytest.approx(before / n)
        assert p.rate_to == pytest.approx((before - lost + gained) / n)
        assert p.difference == pytest.approx(p.rate_to - p.rate_from, abs=1e-12)
        low, high = tango_interval(np.array([lost]), np.array([gained]), np.array([n]))
        assert (p.ci_low, p.ci_high) == pytest.approx((low[0], high[0]), abs=1e-12)
        if lost + gained < 25:
            k, m = min(lost, gained), lost + gained
            ref = min(1.0, 2 * stats.binom.cdf(k - 1, m, 0.5) + stats.binom.pmf(k, m, 0.5))
            assert p.method == "tango-mcnemar-midp"
        else:
            ref = 2 * stats.norm.sf(abs(gained - lost) / math.sqrt(lost + gained))
            assert p.method == "tango-mcnemar-z"
        assert p.p_value == pytest.approx(ref, rel=1e-9)
        assert p.effect_size is not None and p.effect_size.measure == "cohens_h"
        h = 2 * math.asin(math.sqrt(p.rate_to)) - 2 * math.asin(math.sqrt(p.rate_from))
        assert p.effect_size.value == pytest.approx(h)
        assert p.effect_size.ci_low is None and p.effect_size.ci_high is None
    # Holm across the items of the wave pair.
    ps = sorted(p.p_value for p in rates if p.p_value is not None)
    smallest = min(rates, key=lambda p: p.p_value or 1)
    assert smallest.p_adjusted == pytest.approx(min(1.0, 3 * ps[0]))


def test_simple_composite_is_a_paired_t_on_person_scores() -> None:
    results = _panel(_schema())
    comp = next(p for p in results.paired if p.item == "composite")
    d = pd.read_csv(GOLDEN / "panel.csv", dtype=str, keep_default_na=False)
    d = d[(d[["q1", "q2", "q3"]] != "").any(axis=1) & (d.tid != "")]

    def score(frame: pd.DataFrame) -> pd.Series:
        pts = frame[["q1", "q2", "q3"]].apply(pd.to_numeric, errors="coerce")
        pts = pts.where(pts.isin([1, 2, 3, 4]))
        return pts.mean(axis=1).where(pts.notna().sum(axis=1) >= 2)

    s1 = score(d[d.wave == "W1"].set_index("tid"))
    s2 = score(d[d.wave == "W2"].set_index("tid"))
    both = pd.concat([s1, s2], axis=1, join="inner").dropna()
    ref = stats.ttest_rel(both[1], both[0])
    assert comp.kind == "mean" and comp.method == "paired-t"
    assert comp.n_pairs == len(both)
    assert comp.difference == pytest.approx((both[1] - both[0]).mean())
    assert comp.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert comp.ci_low == pytest.approx(ref.confidence_interval().low, rel=1e-9)


def test_attrition_rows_are_baseline_rates_of_retained_and_lost() -> None:
    results = _panel(_schema())
    d = pd.read_csv(GOLDEN / "panel.csv", dtype=str, keep_default_na=False)
    d = d[(d[["q1", "q2", "q3"]] != "").any(axis=1)]
    later = set(d[(d.wave == "W2") & (d.tid != "")].tid)
    w1 = d[d.wave == "W1"]
    assert [a.item for a in results.attrition] == ["q1", "q2", "q3"]
    for a in results.attrition:
        col = w1[a.item]
        ok = col.isin(["1", "2", "3", "4"])
        kept = w1.tid.isin(later)
        pos = col.isin(["3", "4"])
        n_r, n_l = int((ok & kept).sum()), int((ok & ~kept).sum())
        x_r, x_l = int((pos & kept).sum()), int((pos & ~kept).sum())
        assert (a.from_, a.to, a.retained, a.lost) == ("W1", "W2", n_r, n_l)
        assert a.rate_retained == pytest.approx(x_r / n_r)
        assert a.rate_lost == pytest.approx(x_l / n_l)
        low, high = newcombe_interval(np.array(x_r), np.array(n_r), np.array(x_l), np.array(n_l))
        assert (a.ci_low, a.ci_high) == pytest.approx((float(low), float(high)))


def test_results_json_uses_from_and_round_trips() -> None:
    from tpn_survey.results import Results

    results = _panel(_schema())
    data = results.to_dict()
    assert data["paired"][0]["from"] == "W1" and "from_" not in data["paired"][0]
    assert data["attrition"][0]["from"] == "W1"
    assert Results.from_dict(data) == results


def test_paired_needs_link_and_waves() -> None:
    table = read_table(GOLDEN / "panel.csv")
    data = load_yaml(SCHEMA)
    del data["link"]
    with pytest.raises(OptionError, match="link"):
        analyze(parse_schema(data), table, Options(paired=True))
    with pytest.raises(DataError):
        analyze(_schema(link="teacher"), table, Options(paired=True))


def test_repeated_link_ids_are_left_out_with_a_warning(tmp_path: Path) -> None:
    text = (GOLDEN / "panel.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    # Give a second W2 row the link id of another W2 person.
    w2 = [i for i, line in enumerate(lines) if ",W2," in line]
    first_tid = lines[w2[0]].split(",")[1]
    parts = lines[w2[1]].split(",")
    parts[1] = first_tid
    lines[w2[1]] = ",".join(parts)
    path = tmp_path / "panel.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = analyze(_schema(), read_table(path), Options(paired=True, min_n=0))
    warning = next(p for p in results.problems if p.code == "link-repeated")
    assert first_tid not in warning.message
    base = _panel(_schema())
    assert results.paired[0].n_pairs < base.paired[0].n_pairs


PAIRS_SCHEMA = {
    "pairs": [
        {"id": "confidence_change", "before": "q1", "after": "q3", "scale": "agreement",
         "text": "Confidence, before the program and now"},
    ]
}  # fmt: skip


def test_retrospective_pairs_are_always_analyzed() -> None:
    table = read_table(GOLDEN / "panel.csv")
    data = load_yaml(SCHEMA)
    del data["link"]
    data.update(PAIRS_SCHEMA)
    results = analyze(parse_schema(data), table, Options(min_n=0))
    rows = [p for p in results.paired if p.retrospective]
    assert [p.group for p in rows] == [{"wave": "W1"}, {"wave": "W2"}]
    d = pd.read_csv(GOLDEN / "panel.csv", dtype=str, keep_default_na=False)
    d = d[(d[["q1", "q2", "q3"]] != "").any(axis=1)]
    for p in rows:
        w = d[d.wave == p.group["wave"]]
        ok = w.q1.isin(["1", "2", "3", "4"]) & w.q3.isin(["1", "2", "3", "4"])
        before, after = w.q1[ok].isin(["3", "4"]), w.q3[ok].isin(["3", "4"])
        assert (p.from_, p.to, p.item) == ("before", "after", "confidence_change")
        assert p.n_pairs == int(ok.sum())
        assert p.difference == pytest.approx(after.mean() - before.mean())
    assert not results.attrition


def test_effect_sizes_equal_r_effectsize() -> None:
    golden = pd.read_csv(GOLDEN / "effect_size_golden.csv")
    cases = [(30, 50, 20, 50), (466, 512, 400, 480), (5, 9, 1, 40), (12, 40, 30, 41)]
    for row in golden[golden.measure == "cohens_h"].itertuples():
        x1, n1, x2, n2 = cases[int(row.case) - 1]
        res = cohens_h(np.array([x1]), np.array([n1]), np.array([x2]), np.array([n2]))
        got = (res.value[0], res.ci_low[0], res.ci_high[0])
        assert got == pytest.approx((row.value, row.ci_low, row.ci_high), abs=1e-9)
    for row in golden[golden.measure == "hedges_g"].itertuples():
        xy = pd.read_csv(GOLDEN / f"hedges_case{int(row.case)}.csv")
        x, y = xy.x.dropna().to_numpy(), xy.y.dropna().to_numpy()
        res = hedges_g(np.array([x.mean()]), np.array([x.std(ddof=1)]), np.array([x.size]),
                       np.array([y.mean()]), np.array([y.std(ddof=1)]), np.array([y.size]))  # fmt: skip
        got = (res.value[0], res.ci_low[0], res.ci_high[0])
        assert got == pytest.approx((row.value, row.ci_low, row.ci_high), abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_paired_difference_is_the_difference_of_rates_on_the_linked_set(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(12, 60))
    rows = ["rid,tid,wave,org,leader,w,q1,q2,q3"]
    for wave in ("W1", "W2"):
        for i in range(n):
            if rng.random() < 0.15:
                continue
            answers = [str(v) if v else "" for v in rng.integers(0, 5, 3)]
            if not any(answers):
                answers[0] = "3"
            rows.append(f"{wave}-{i},T{i},{wave},A,L1,1,{','.join(answers)}")
    path = Path(f"/tmp/panel-hyp-{seed}.csv")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    try:
        results = analyze(_schema(), read_table(path), Options(paired=True, min_n=0))
    finally:
        path.unlink()
    for p in results.paired:
        if p.kind != "rate" or p.n_pairs == 0:
            continue
        assert p.difference == pytest.approx(p.rate_to - p.rate_from, abs=1e-12)
        assert p.ci_low - 1e-9 <= p.difference <= p.ci_high + 1e-9


def test_comparisons_and_trends_carry_cohens_h_with_effectsize_interval() -> None:
    table = read_table(GOLDEN / "panel.csv")
    data = load_yaml(SCHEMA)
    results = analyze(parse_schema(data), table, Options(compare="organization", min_n=0))
    assert results.comparisons and results.trends
    est = {(e.item, tuple(e.group.items())): e for e in results.estimates}
    rates = [c for c in results.comparisons if c.method != "pooled-t"]
    composites = [c for c in results.comparisons if c.method == "pooled-t"]
    # composite mean differences carry Hedges' g (tests/test_composite_comparisons.py)
    assert all(c.effect_size and c.effect_size.measure == "hedges_g" for c in composites)
    for c in [*rates, *results.trends]:
        a = est[(c.item, ((c.by, c.level),))]
        b = est[(c.item, ((c.by, c.reference),))]
        ref = cohens_h(np.array([a.positive]), np.array([a.n]), np.array([b.positive]),
                       np.array([b.n]))  # fmt: skip
        assert c.effect_size is not None and c.effect_size.measure == "cohens_h"
        assert c.effect_size.value == pytest.approx(ref.value[0])
        assert c.effect_size.ci_low == pytest.approx(ref.ci_low[0])
        assert c.effect_size.ci_high == pytest.approx(ref.ci_high[0])
    designed = analyze(_schema(design=DESIGNS["weights"]), table, Options(compare="organization"))
    assert all(c.effect_size is None for c in designed.comparisons)


def test_composition_of_respondents_against_invitees() -> None:
    from tpn_survey.analysis.nonresponse import composition_rows
    from tpn_survey.results import ResponseRate

    def rate(group: dict[str, str], invited: int, complete: int, partial: int) -> ResponseRate:
        rr2 = (complete + partial) / invited
        return ResponseRate(group=group, invited=invited, complete=complete, partial=partial,
                            break_off=0, rr1=complete / invited, rr2=rr2)  # fmt: skip

    rates = [
        rate({}, 200, 150, 20),
        rate({"organization": "A"}, 100, 90, 5),
        rate({"organization": "B"}, 100, 60, 15),
    ]
    rows = composition_rows(rates, min_n=10)
    assert [(r.value, r.invited, r.respondents) for r in rows] == [("A", 100, 95), ("B", 100, 75)]
    a, b = rows
    assert a.share_invited == pytest.approx(0.5) and a.share_respondents == pytest.approx(95 / 170)
    assert a.difference == pytest.approx(95 / 170 - 0.5)
    assert (a.flagged, b.flagged) == (False, True)  # 95% and 75% against the NCES 85%
    assert composition_rows(rates[:1]) == []


def test_sample_survey_composition_flags_rates_under_85_percent() -> None:
    from tests.factories import SAMPLE, SCHEMAS
    from tpn_survey.schema import load_schema

    schema = load_schema(SCHEMAS / "teacher_leader.yaml")
    table = read_table(SAMPLE / "teacher_leader.csv", drop=schema.pii)
    results = analyze(schema, table, Options())
    grouped = [r for r in results.response_rates if r.group]
    assert [c.value for c in results.composition] == [r.group["organization"] for r in grouped]
    for c, r in zip(results.composition, grouped, strict=True):
        assert c.flagged == (r.rr2 is not None and r.rr2 < 0.85)
    assert sum(c.share_invited or 0 for c in results.composition) == pytest.approx(1)
