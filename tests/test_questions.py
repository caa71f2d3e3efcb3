"""Multi, choice, number and text items and skip logic: parsing, validation, simple statistics
against statsmodels / scipy / numpy, and invariants (Hypothesis)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from tpn_survey.analysis.question_answers import code_question, split_options
from tpn_survey.analysis.texts import MAX_QUOTES, pick_quotes, scrub
from tpn_survey.analyze import DataError, analyze
from tpn_survey.io.table import FILE_COLUMN, ROW_COLUMN, Table
from tpn_survey.options import Options
from tpn_survey.results import Results
from tpn_survey.schema import Instrument, Question, parse_schema
from tpn_survey.stats.numbers import qbinom, simple_median
from tpn_survey.validate import validate

OPTIONS = ["Planned, led PL", "Planned", "Coached 1:1", "Shared materials", "None of these"]


def _table(columns: dict[str, list[str]]) -> Table:
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})
    frame[FILE_COLUMN] = "data.csv"
    frame[ROW_COLUMN] = np.arange(2, n + 2)
    return Table(
        frame=frame,
        files=[
            {"file": "data.csv", "sha256": "", "rows": n, "encoding": "utf-8", "export": "plain"}
        ],
    )


def _schema(items: list[dict[str, Any]], **extra: Any) -> Instrument:
    data = {"id": "t", "title": "T", "respondent_id": "id", "items": items, **extra}
    return parse_schema(data)


MULTI = {
    "id": "act",
    "type": "multi",
    "column": "Q7",
    "options": OPTIONS,
    "exclusive": ["None of these"],
}


# ---- parsing ----------------------------------------------------------------------------


def test_multi_matches_longest_option_first_even_with_the_separator_inside() -> None:
    q = Question.model_validate(MULTI)
    from tpn_survey.analysis.question_answers import option_lookup

    table = option_lookup(q)
    chosen, unknown = split_options("Planned, led PL, Planned,Coached 1:1", q, table)
    assert sorted(chosen) == [0, 1, 2] and unknown == []
    chosen, unknown = split_options("  planned ,  SHARED   materials ", q, table)
    assert sorted(chosen) == [1, 3] and unknown == []
    chosen, unknown = split_options("Planned, Coachd 1:1", q, table)
    assert chosen == [1] and unknown == ["Coachd 1:1"]


def test_multi_codes_and_other_separator() -> None:
    q = Question.model_validate(
        {
            "id": "a",
            "type": "multi",
            "column": "c",
            "options": ["A", "B", "C"],
            "codes": [1, 2, 3],
            "separator": ";",
        }
    )
    qa = code_question(q, pd.DataFrame({"c": ["1;3", "2.0 ; 1", "", "B;C"]}))
    assert qa.chosen.tolist() == [
        [True, False, True],
        [True, True, False],
        [False, False, False],
        [False, True, True],
    ]
    assert qa.answered.tolist() == [True, True, False, True]


def test_multi_one_column_per_option() -> None:
    q = Question.model_validate(
        {
            "id": "a",
            "type": "multi",
            "columns": {"A": "c1", "B": "c2", "None": "c3"},
            "exclusive": ["None"],
        }
    )
    frame = pd.DataFrame(
        {"c1": ["A", "", "0", "", "A"], "c2": ["B", "1", "", "", ""], "c3": ["", "", "", "", "x"]}
    )
    qa = code_question(q, frame)
    assert qa.answered.tolist() == [True, True, False, False, False]
    assert qa.chosen[:, 0].tolist() == [True, False, False, False, False]
    assert [b.kind for b in qa.bad] == ["exclusive-combined"]
    assert qa.bad[0].rows.tolist() == [False, False, False, False, True]


# ---- validation --------------------------------------------------------------------------


def test_validation_names_row_column_value_with_did_you_mean() -> None:
    schema = _schema(
        [
            MULTI,
            {"id": "freq", "type": "choice", "column": "Q8", "options": ["Weekly", "Monthly"]},
            {"id": "num", "type": "number", "column": "Q9", "min": 0, "max": 100},
        ]
    )
    table = _table(
        {
            "id": ["1", "2", "3", "4"],
            "Q7": ["Planned", "Coachd 1:1", "None of these, Planned", ""],
            "Q8": ["Weekly", "Montly", "", ""],
            "Q9": ["5", "many", "101", "-1"],
        }
    )
    problems = {(p.code, p.row, p.column, p.value): p for p in validate(schema, table)}
    unknown = problems[("unknown-option", 3, "Q7", "Coachd 1:1")]
    assert "did you mean 'Coached 1:1'" in unknown.message
    assert "did you mean 'Monthly'" in problems[("unknown-option", 3, "Q8", "Montly")].message
    assert ("exclusive-combined", 4, "Q7", "None of these, Planned") in problems
    assert ("not-a-number", 3, "Q9", "many") in problems
    assert ("out-of-range", 4, "Q9", "101") in problems
    assert ("out-of-range", 5, "Q9", "-1") in problems
    assert all(p.severity == "error" for p in problems.values() if p.code != "possible-pii")
    with pytest.raises(DataError):
        analyze(schema, table)


def test_cli_exit_1_on_bad_option(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tpn_survey.cli import app

    (tmp_path / "s.yaml").write_text(
        "id: t\ntitle: T\nrespondent_id: id\nitems:\n"
        "  - {id: f, type: choice, column: Q8, options: [Weekly, Monthly]}\n",
        encoding="utf-8",
    )
    (tmp_path / "d.csv").write_text("id,Q8\n1,Weekly\n2,Yearly\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["validate", str(tmp_path / "d.csv"), "--schema", str(tmp_path / "s.yaml")]
    )
    assert result.exit_code == 1, result.output
    assert "Yearly" in result.output and "Traceback" not in result.output


# ---- skip logic --------------------------------------------------------------------------


def test_asked_if_denominator_and_answered_not_asked_warning() -> None:
    schema = _schema(
        [
            {
                "id": "freq",
                "type": "choice",
                "column": "Q8",
                "options": ["Weekly", "Never"],
                "asked_if": {"column": "role", "in": ["Leader"]},
            },
            {
                "id": "num",
                "type": "number",
                "column": "Q9",
                "asked_if": {"item": "freq", "in": ["weekly"]},
            },
            {"id": "c", "type": "text", "column": "Q10"},  # every row answers something
        ]
    )
    table = _table(
        {
            "id": [str(i) for i in range(6)],
            "role": ["Leader", "Leader", "Leader", " Leader ", "Teacher", "leader"],
            "Q8": ["Weekly", "Never", "", "Weekly", "Weekly", "Never"],
            "Q9": ["3", "4", "", "5", "", "1"],
            "Q10": ["x"] * 6,
        }
    )
    problems = validate(schema, table)
    warned = {(p.code, p.column, p.row) for p in problems}
    assert ("answered-not-asked", "Q8", 6) in warned  # Teacher: not asked
    assert ("answered-not-asked", "Q9", 3) in warned  # answered Never: not asked num
    assert not any(p.severity == "error" for p in problems)
    res = analyze(schema, table, Options(min_n=0))
    freq = [r for r in res.choices if r.item == "freq"]
    # asked: rows 0-3 (case kept: "leader" is not "Leader"); row 2 blank -> missing
    assert freq[0].n == 3 and freq[0].count == 2 and freq[0].missing == 1
    num = res.numbers[0]
    assert num.n == 2 and num.mean == 4.0  # rows 0 and 3 answered Weekly; row 5 left out


def test_asked_if_on_a_likert_item() -> None:
    schema = _schema(
        [
            {"id": "a", "column": "A", "scale": "yn"},
            {"id": "b", "column": "B", "scale": "yn", "asked_if": {"item": "a", "in": ["Yes"]}},
        ],
        scales={"yn": {"levels": ["No", "Yes"], "positive": ["Yes"]}},
    )
    table = _table({"id": ["1", "2", "3"], "A": ["Yes", "No", "yes"], "B": ["Yes", "Yes", "No"]})
    assert [p.code for p in validate(schema, table)] == ["answered-not-asked"]
    res = analyze(schema, table, Options(min_n=0))
    b = next(e for e in res.estimates if e.item == "b")
    assert b.n == 2 and b.positive == 1


# ---- simple statistics against references -----------------------------------------------


def _choice_data(seed: int = 3, n: int = 120) -> Table:
    rng = np.random.default_rng(seed)
    freq = rng.choice(["Weekly", "Monthly", "Never", "Prefer not to say", ""], n)
    picks = rng.random((n, 3)) < [0.6, 0.3, 0.1]
    act = [", ".join(o for o, p in zip(OPTIONS[:3], row, strict=True) if p) for row in picks]
    return _table(
        {
            "id": [str(i) for i in range(n)],
            "org": rng.choice(["A", "B"], n).tolist(),
            "Q7": act,
            "Q8": freq.tolist(),
            "Q9": [str(v) if v >= 0 else "" for v in rng.integers(-3, 40, n)],
            # what was chosen, for the reference counts (the analysis ignores these columns)
            **{f"pick{j}": ["1" if p else "" for p in picks[:, j]] for j in range(3)},
        }
    )


def _choice_results(ci: str) -> tuple[Results, Table]:
    schema = _schema(
        [
            MULTI,
            {
                "id": "freq",
                "type": "choice",
                "column": "Q8",
                "options": ["Weekly", "Monthly", "Never"],
                "non_substantive": ["Prefer not to say"],
            },
            {"id": "num", "type": "number", "column": "Q9", "total": True},
        ],
        groups=[{"id": "org", "column": "org"}],
    )
    table = _choice_data()
    return analyze(schema, table, Options(by=["org"], ci=ci)), table


@pytest.mark.parametrize(
    ("ci", "sm"),
    [
        ("wilson", "wilson"),
        ("clopper-pearson", "beta"),
        ("jeffreys", "jeffreys"),
        ("agresti-coull", "agresti_coull"),
        ("wald", "normal"),
    ],
)
def test_simple_shares_equal_statsmodels(ci: str, sm: str) -> None:
    res, table = _choice_results(ci)
    frame = table.frame
    for row in res.choices:
        rows = frame if not row.group else frame[frame.org == row.group["org"]]
        if row.item == "freq":
            valid = rows.Q8.isin(["Weekly", "Monthly", "Never"])
            assert row.n == int(valid.sum())
            assert row.count == int(rows.Q8.eq(row.option).sum())
            assert row.non_substantive == int((rows.Q8 == "Prefer not to say").sum())
            assert row.missing == int((rows.Q8 == "").sum())
        else:
            answered = rows.Q7 != ""
            assert row.n == int(answered.sum())
            j = OPTIONS.index(row.option)
            assert row.count == (int((rows[f"pick{j}"] == "1").sum()) if j < 3 else 0)
        if ci == "jeffreys" and row.count in (0, row.n):
            continue  # tpn's documented exception (stats.proportions.jeffreys)
        low, high = proportion_confint(row.count, row.n, alpha=0.05, method=sm)
        assert row.rate == pytest.approx(row.count / row.n, abs=1e-12)
        assert row.ci_low == pytest.approx(low, abs=1e-9)
        assert row.ci_high == pytest.approx(high, abs=1e-9)


def test_simple_numbers_equal_scipy_and_numpy() -> None:
    res, table = _choice_results("wilson")
    frame = table.frame
    assert len(res.numbers) == 3
    for row in res.numbers:
        rows = frame if not row.group else frame[frame.org == row.group["org"]]
        x = pd.to_numeric(rows.Q9, errors="coerce").dropna().to_numpy()
        assert row.n == x.size and row.missing == int((rows.Q9 == "").sum())
        low, high = stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=stats.sem(x))
        assert row.mean == pytest.approx(x.mean(), rel=1e-12)
        assert row.mean_ci_low == pytest.approx(low, rel=1e-9)
        assert row.mean_ci_high == pytest.approx(high, rel=1e-9)
        assert row.median == np.median(x)
        k = int(stats.binom.ppf(0.025, x.size, 0.5))
        s = np.sort(x)
        assert (row.median_ci_low, row.median_ci_high) == (s[k - 1], s[x.size - k])
        assert row.total == x.sum() and row.total_ci_low is None and row.method == "t"


@pytest.mark.parametrize("n", list(range(1, 60)))
def test_qbinom_equals_scipy(n: int) -> None:
    for p in (0.005, 0.025, 0.05, 0.1):
        assert qbinom(p, n) == stats.binom.ppf(p, n, 0.5)


def test_qbinom_ties_as_r() -> None:
    # P(X <= 17) = 1/2 exactly for n = 35: R's qbinom(0.5, 35, 0.5) is 17 (scipy says 18)
    assert qbinom(0.5, 35) == 17


def test_median_interval_null_when_k_is_zero() -> None:
    m = simple_median(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))  # qbinom(0.025, 5, .5) = 0
    assert m.value == 3.0 and np.isnan(m.ci_low) and np.isnan(m.ci_high)
    m = simple_median(np.array([4.0, 1.0, 3.0, 2.0, 9.0, 7.0]))  # k = 1
    assert m.value == 3.5 and (m.ci_low, m.ci_high) == (1.0, 9.0)


# ---- text ---------------------------------------------------------------------------------


def test_scrub_removes_emails_phones_urls() -> None:
    text = scrub("Mail jo.doe@school.org or call (555) 123-4567, see https://x.org/a?b=1 ok")
    assert "jo.doe" not in text and "555" not in text and "x.org" not in text
    assert text.count("[removed]") == 3 and text.endswith("ok")
    assert scrub("We met 3 times in 2024.") == "We met 3 times in 2024."


def test_quotes_by_hash_order_free_and_capped() -> None:
    texts = [f"answer {i}" for i in range(30)]
    assert pick_quotes(texts) == pick_quotes(list(reversed(texts)))
    assert len(pick_quotes(texts)) == MAX_QUOTES


def test_text_counts_and_quotes_never_from_small_groups() -> None:
    schema = _schema(
        [
            {"id": "c", "type": "text", "column": "Q10", "quotes": True},
            {"id": "num", "type": "number", "column": "Q9"},  # so blank-text rows stay in
        ],
        groups=[{"id": "org", "column": "org"}],
    )
    n_big = 12
    table = _table(
        {
            "id": [str(i) for i in range(n_big + 5)],
            "org": ["Big"] * n_big + ["Tiny"] * 2 + ["Big", "", ""],
            "Q10": [f"big {i}" for i in range(n_big)] + ["tiny secret", "tiny 2", "  ", "", "x"],
            "Q9": ["1"] * (n_big + 5),
        }
    )
    res = analyze(schema, table, Options(by=["org"]))
    overall = res.texts[0]
    assert (overall.answered, overall.blank) == (n_big + 3, 2)
    assert overall.quotes is not None and len(overall.quotes) == MAX_QUOTES
    assert not any("tiny" in q for q in overall.quotes) and "x" not in overall.quotes
    data = res.to_dict()
    assert "quotes" in data["texts"][0] and "quotes" not in data["texts"][1]


# ---- invariants ----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(OPTIONS[:4]), max_size=4), min_size=1, max_size=40),
    st.sampled_from(["wilson", "jeffreys", "wald"]),
)
def test_invariants_of_multi_shares(answers: list[list[str]], ci: str) -> None:
    cells = [", ".join(dict.fromkeys(a)) for a in answers]
    schema = _schema([MULTI, {"id": "n", "type": "number", "column": "Q9"}])
    table = _table(
        {"id": [str(i) for i in range(len(cells))], "Q7": cells, "Q9": ["1"] * len(cells)}
    )
    res = analyze(schema, table, Options(ci=ci, min_n=0))
    rows = [r for r in res.choices if r.item == "act"]
    n = rows[0].n
    assert n == sum(1 for c in cells if c)
    assert sum(r.count for r in rows) >= n
    for r in rows:
        assert 0 <= r.count <= r.n
        if r.n:
            assert r.rate is not None and 0 <= r.rate <= 1
            assert r.ci_low is not None and r.ci_high is not None
            assert r.ci_low - 1e-12 <= r.rate <= r.ci_high + 1e-12


def test_schema_errors_name_the_yaml_item() -> None:
    from tpn_survey.errors import SchemaError

    with pytest.raises(SchemaError) as err:
        _schema(
            [
                {"id": "a", "type": "number", "column": "A", "options": ["x"]},
                {"id": "b", "type": "multi", "column": "B"},
                {"id": "c", "type": "choice", "column": "C", "options": ["x", "X"]},
            ],
            reach={"item": "b"},
        )
    text = str(err.value)
    assert "items[0].options: only for multi or choice items" in text
    assert "items[1].options: required for a multi item" in text
    assert "items[2].options: options repeat" in text
    assert "reach.item: 'b' is not a number item" in text
