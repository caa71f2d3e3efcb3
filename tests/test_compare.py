"""--compare and trends through analyze(): references, suppression, adjustment, waves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep

from tpn_survey.analyze import Options, analyze
from tpn_survey.errors import OptionError
from tpn_survey.io.table import Table, stack_tables
from tpn_survey.results import Estimate, Results
from tpn_survey.schema import parse_schema

LEVELS = ["Strongly disagree", "Disagree", "Agree", "Strongly agree"]


def _schema(values: list[str] | None = None) -> dict:
    return {
        "id": "t",
        "title": "T",
        "respondent_id": "id",
        "scales": {
            "agree": {
                "levels": LEVELS,
                "positive": ["Agree", "Strongly agree"],
                "non_substantive": ["Not applicable"],
            }
        },
        "items": [{"id": f"q{i}", "column": f"Q{i}", "scale": "agree"} for i in range(3)],
        "groups": [{"id": "role", "column": "role", **({"values": values} if values else {})}],
    }


def _frame(sizes: dict[str, int], seed: int = 0, prefix: str = "") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for role, size in sizes.items():
        for r in range(size):
            row = {"id": f"{prefix}{role}{r}", "role": role}
            for i in range(3):
                row[f"Q{i}"] = str(rng.choice(["", "Not applicable", *LEVELS]))
            rows.append(row)
    return pd.DataFrame(rows)


def _file(name: str) -> dict[str, str | int]:
    return {"file": name, "sha256": "0" * 64, "rows": 0, "encoding": "utf-8", "export": "plain"}


def _run(frame: pd.DataFrame, schema: dict | None = None, **options: object) -> Results:
    frame = frame.assign(__file__="x.csv", __row__=np.arange(2, len(frame) + 2))
    table = Table(frame=frame, files=[_file("x.csv")])
    return analyze(parse_schema(schema or _schema()), table, Options(**options))  # type: ignore[arg-type]


def _estimate(res: Results, item: str, group: dict[str, str]) -> Estimate:
    return next(e for e in res.estimates if e.item == item and e.group == group)


def test_compare_every_level_with_the_largest() -> None:
    res = _run(_frame({"Teacher": 80, "Leader": 120, "Coach": 40}), compare="role")
    assert res.settings.compare == "role" and res.settings.reference == "Leader"
    assert len(res.comparisons) == 2 * 3
    assert {c.level for c in res.comparisons} == {"Coach", "Teacher"}
    for c in res.comparisons:
        a = _estimate(res, c.item, {"role": c.level})
        b = _estimate(res, c.item, {"role": c.reference})
        assert (c.n, c.n_reference) == (a.n, b.n)
        low, high = confint_proportions_2indep(a.positive, a.n, b.positive, b.n, method="newcomb")
        assert c.difference == pytest.approx(a.positive / a.n - b.positive / b.n, abs=1e-12)
        assert (c.ci_low, c.ci_high) == pytest.approx((low, high), abs=1e-9)
        assert c.method in ("newcombe-score", "newcombe-fisher")
    p = [c.p_value for c in res.comparisons]
    expected = multipletests(p, method="holm")[1]
    assert [c.p_adjusted for c in res.comparisons] == pytest.approx(list(expected), abs=1e-15)


def test_reference_first_listed_value_or_requested() -> None:
    frame = _frame({"Teacher": 80, "Leader": 120})
    res = _run(frame, _schema(values=["Teacher", "Leader"]), compare="role")
    assert res.settings.reference == "Teacher"
    res = _run(frame, compare="role", reference="teacher", adjust="bh")
    assert res.settings.reference == "Teacher" and res.settings.adjust == "bh"
    expected = multipletests([c.p_value for c in res.comparisons], method="fdr_bh")[1]
    assert [c.p_adjusted for c in res.comparisons] == pytest.approx(list(expected))
    with pytest.raises(OptionError, match="--reference 'Principal'"):
        _run(frame, compare="role", reference="Principal")


def test_compare_by_a_column_name_and_estimates_by_it() -> None:
    res = _run(_frame({"A": 30, "B": 30}), compare="role", by=[])
    assert any(e.group == {"role": "A"} for e in res.estimates)
    assert res.settings.by == []


def test_small_groups_are_flagged_but_keep_numbers() -> None:
    res = _run(_frame({"Big": 200, "Tiny": 6}), compare="role", min_n=10)
    tiny = [c for c in res.comparisons if c.level == "Tiny"]
    assert tiny and all(c.suppressed for c in tiny)
    assert all(c.difference is not None for c in tiny if c.n > 0)
    res = _run(_frame({"Big": 200, "Tiny": 6}), compare="role", min_n=0)
    assert not any(c.suppressed for c in res.comparisons)


def test_fisher_used_for_small_groups_and_said() -> None:
    res = _run(_frame({"Big": 200, "Tiny": 6}), compare="role")
    assert {c.method for c in res.comparisons} == {"newcombe-fisher"}


def test_adjust_option_is_checked() -> None:
    with pytest.raises(ValueError, match="adjust"):
        Options(adjust="bonferroni")  # type: ignore[arg-type]


def test_trends_across_waves() -> None:
    tables = []
    for k, wave in enumerate(["2016", "2017", "2018"]):
        frame = _frame({"Teacher": 60 + 10 * k}, seed=k, prefix=wave)
        frame = frame.assign(__file__=f"{wave}.csv", __row__=np.arange(2, len(frame) + 2))
        tables.append(Table(frame=frame, files=[_file(f"{wave}.csv")]))
    res = analyze(parse_schema(_schema()), stack_tables(tables), Options())
    assert not res.comparisons
    assert [(t.level, t.reference) for t in res.trends[::3]] == [("2017", "2016"), ("2018", "2017")]
    series = [e for e in res.estimates if e.item == "q0" and "wave" in e.group]
    assert [e.group["wave"] for e in series] == ["2016", "2017", "2018"]
    for t in res.trends:
        a = _estimate(res, t.item, {"wave": t.level})
        b = _estimate(res, t.item, {"wave": t.reference})
        assert t.by == "wave" and (t.n, t.n_reference) == (a.n, b.n)
        low, high = confint_proportions_2indep(a.positive, a.n, b.positive, b.n, method="newcomb")
        assert (t.ci_low, t.ci_high) == pytest.approx((low, high), abs=1e-9)
    expected = multipletests([t.p_value for t in res.trends], method="holm")[1]
    assert [t.p_adjusted for t in res.trends] == pytest.approx(list(expected))


def test_results_json_round_trip_with_comparisons() -> None:
    res = _run(_frame({"A": 30, "B": 30}), compare="role")
    data = res.to_dict()
    assert set(data["comparisons"][0]) >= {
        "item",
        "by",
        "level",
        "reference",
        "difference",
        "ci_low",
        "ci_high",
        "p_value",
        "p_adjusted",
        "method",
        "n",
        "n_reference",
        "suppressed",
    }
    assert "se" not in data["comparisons"][0] and "df" not in data["comparisons"][0]
    assert Results.from_dict(data) == res
