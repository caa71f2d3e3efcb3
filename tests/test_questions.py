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


def test_a_number_too_large_to_average_is_an_error_not_a_blank_mean() -> None:
    """1e200 hours is a typo, and its square overflows a double: the mean, its interval and
    the SD could not be computed, and would have been left blank without a word."""
    schema = _schema([{"id": "num", "type": "number", "column": "Q9"}])
    table = _table({"id": ["1", "2", "3"], "Q9": ["5", "1e200", "-2e150"]})
    problems = {(p.code, p.row, p.column, p.value): p for p in validate(schema, table)}
    big = problems[("out-of-range", 3, "Q9", "1e200")]
    assert big.severity == "error"
    assert "column 'Q9': 1e200 is too large to average ('num' is a number item" in big.message
    assert ("out-of-range", 4, "Q9", "-2e150") in problems
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
    table = _table(
        {
            "id": ["1", "2", "3", "4"],
            "A": ["Yes", "No", "yes", "Yes"],
            "B": ["Yes", "Yes", "No", ""],
        }
    )
    assert [p.code for p in validate(schema, table)] == ["answered-not-asked"]
    for options in (Options(min_n=0), Options(min_n=0, weight="w")):
        if options.weight:
            table.frame["w"] = "1"
        res = analyze(schema, table, options)
        b = next(e for e in res.estimates if e.item == "b" and not e.group)
        # asked: rows 1, 3, 4; row 2 (No) answered anyway: left out, and not "missing"
        assert (b.n, b.positive, b.missing) == (2, 1, 1)


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
    orgs = ["Big"] * 12 + ["Mid"] * 12 + ["Tiny"] * 2 + ["", "Big", "Big"]
    texts = [f"big {i}" for i in range(12)] + [f"mid {i}" for i in range(12)]
    texts += ["tiny secret", "tiny 2", "x", "  ", ""]
    table = _table(
        {"id": [str(i) for i in range(len(orgs))], "org": orgs, "Q10": texts, "Q9": ["1"] * 29}
    )
    res = analyze(schema, table, Options(by=["org"]))
    overall = res.texts[0]
    assert (overall.answered, overall.blank) == (27, 2)
    by_org = {r.group["org"]: r for r in res.texts if r.group}
    # Tiny (2) and the blank org (1) are withheld (min-n); together 3 < 10, so the next
    # smallest cell, Mid (ties: the value sorting last), is withheld too (complementary)
    assert by_org["Tiny"].suppressed_reason == "min-n" and by_org[""].suppressed
    assert by_org["Mid"].suppressed_reason == "complementary"
    assert not by_org["Big"].suppressed
    assert overall.quotes is not None and len(overall.quotes) == MAX_QUOTES
    assert all(q.startswith("big ") for q in overall.quotes)
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


# ---- waves, reach, report and tables ------------------------------------------------------


def _two_waves() -> tuple[Instrument, Table]:
    from tpn_survey.io.table import stack_tables

    schema = _schema(
        [
            {"id": "act", "type": "multi", "column": "Q7", "options": ["A", "B"]},
            {"id": "num", "type": "number", "column": "Q9", "total": True},
            {"id": "c", "type": "text", "column": "Q10", "quotes": True},
        ],
        groups=[{"id": "org", "column": "org"}],
        reach={"item": "num", "label": "teachers supported"},
    )
    first = _table({"id": ["1", "2", "3"], "org": ["X", "Y", "X"], "Q7": ["A", "A,B", "B"],
                    "Q9": ["1", "2", "3"], "Q10": ["a b", "", "c d"]})  # fmt: skip
    second = _table({"id": ["1", "2"], "org": ["X", "X"], "Q7": ["B", ""], "Q9": ["10", "20"],
                     "Q10": ["e f", "g h"]})  # fmt: skip
    first.files[0]["file"] = "2016.csv"
    second.files[0]["file"] = "2017.csv"
    first.frame[FILE_COLUMN] = "2016.csv"
    second.frame[FILE_COLUMN] = "2017.csv"
    return schema, stack_tables([first, second])


def test_rows_by_wave_and_group_within_wave() -> None:
    schema, table = _two_waves()
    res = analyze(schema, table, Options(by=["org"], min_n=0))
    numbers = {(tuple(r.group.items()), r.wave): r for r in res.numbers}
    assert numbers[((), None)].n == 5 and numbers[((), None)].total == 36
    assert numbers[((), "2016")].total == 6 and numbers[((), "2017")].total == 30
    assert numbers[((("org", "X"),), "2017")].n == 2
    assert numbers[((("org", "Y"),), "2016")].n == 1
    b = {(tuple(r.group.items()), r.wave): r for r in res.choices if r.option == "B"}
    assert (b[((), "2016")].n, b[((), "2016")].count) == (3, 2)
    assert (b[((), "2017")].n, b[((), "2017")].count) == (1, 1)
    reach = {r.wave: r for r in res.reach}
    assert reach[None].total == 36 and reach["2017"].total == 30
    assert not reach[None].estimated and reach[None].ci_low is None
    data = res.to_dict()
    assert "wave" not in data["numbers"][0] and data["numbers"][-1]["wave"] == "2017"
    assert Results.from_dict(data) == res  # `tpn report` re-renders the same rows


def test_reach_estimated_under_a_design_and_its_key_figure() -> None:
    from tpn_survey.report.html import render_html
    from tpn_survey.report.meta import ReportMeta

    schema, table = _two_waves()
    res = analyze(schema, table, Options(min_n=0, population=400))
    overall = next(r for r in res.reach if r.wave is None)
    assert overall.estimated and overall.ci_low is not None and overall.ci_high is not None
    # svytotal with fpc N = 400 and weights N / n: 400 / 5 * 36
    assert overall.total == pytest.approx(400 / 5 * 36)
    html = render_html([res])
    assert "teachers supported" in html and "estimated" in html
    typed = render_html([res], ReportMeta(teachers_reached=12000))
    assert "12,000" in typed and "teachers supported</span>" not in typed


def test_report_and_tables_of_question_types() -> None:
    import io as _io

    import openpyxl

    from tpn_survey.report.html import render_html
    from tpn_survey.report.question_tables import question_tables
    from tpn_survey.report.tables import csv_bytes
    from tpn_survey.report.workbook import xlsx_bytes

    res, _ = _choice_results("wilson")
    schema = _schema([{"id": "c", "type": "text", "column": "Q10", "quotes": True}])
    secret = "call me at 555-201-7788 about the plan"
    texts = analyze(
        schema,
        _table(
            {"id": [str(i) for i in range(12)], "Q10": [secret] + [f"a b {i}" for i in range(11)]}
        ),
    )
    html = render_html([res, texts])
    assert "respondents could choose several" in html
    assert "Numbers " in html and "Quote bank" in html
    assert "555-201-7788" not in html and "[removed]" in html
    tables = question_tables([res, texts])
    assert set(tables) == {"choices", "numbers", "texts"}
    assert "quotes" not in tables["texts"].columns
    for frame in tables.values():
        assert b"a b 1" not in csv_bytes(frame)
    book = openpyxl.load_workbook(_io.BytesIO(xlsx_bytes([res, texts])))
    cells = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not any("a b 1" in c or "555" in c for c in cells)
    assert "S1 Choices" in book.sheetnames and "S2 Open answers" in book.sheetnames


def test_withheld_rows_show_no_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    from tpn_survey.report.html import render_html

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1483228800")  # no '202' in the document's date
    from tpn_survey.report.question_tables import question_tables

    res, _ = _choice_results("wilson")
    small = analyze(
        _schema([{"id": "num", "type": "number", "column": "Q9", "total": True}]),
        _table({"id": ["1", "2", "3"], "Q9": ["7717", "8818", "9919"]}),
    )
    assert all(r.suppressed for r in small.numbers)
    html = render_html([small])
    assert (
        "26454" not in html and "26,454" not in html and "8818" not in html and "8,818" not in html
    )
    assert "n&lt;10" in html
    frame = question_tables([small])["numbers"]
    assert frame["total"].isna().all() and frame["mean"].isna().all()
    assert list(frame["suppressed"]) == ["n<10"]
    assert res.numbers[0].suppressed is False


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(max_size=12), st.text(max_size=6), st.text(max_size=8)),
        min_size=1,
        max_size=12,
    )
)
def test_validate_never_raises_on_messy_question_cells(cells: list[tuple[str, str, str]]) -> None:
    schema = _schema(
        [
            MULTI,
            {"id": "f", "type": "choice", "column": "Q8", "options": ["Weekly", "Never"]},
            {"id": "n", "type": "number", "column": "Q9", "min": 0, "max": 10},
        ]
    )
    table = _table(
        {
            "id": [str(i) for i in range(len(cells))],
            "Q7": [c[0] for c in cells],
            "Q8": [c[1] for c in cells],
            "Q9": [c[2] for c in cells],
        }
    )
    problems = validate(schema, table)
    for p in problems:
        if p.code in ("unknown-option", "not-a-number", "out-of-range", "exclusive-combined"):
            assert p.row is not None and p.column in ("Q7", "Q8", "Q9") and p.value is not None


def test_cli_summary_lists_question_items(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tpn_survey.cli import app

    (tmp_path / "s.yaml").write_text(
        "id: t\ntitle: T\nrespondent_id: id\nitems:\n"
        "  - {id: f, type: choice, column: Q8, options: [Weekly, Monthly], short: Meetings}\n"
        "  - {id: n, type: number, column: Q9}\n",
        encoding="utf-8",
    )
    rows = "".join(f"{i},{'Weekly' if i % 4 else 'Monthly'},{i}\n" for i in range(20))
    (tmp_path / "d.csv").write_text("id,Q8,Q9\n" + rows, encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["analyze", str(tmp_path / "d.csv"), "--schema", str(tmp_path / "s.yaml"),
         "--out", str(tmp_path / "out"), "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Other questions" in result.output and "Meetings" in result.output
    assert "75%" in result.output and "9.5" in result.output  # 15 of 20 weekly; mean of 0..19
