"""Disclosure control (DESIGN.md "Disclosure control"): the rule, and no withheld cell can be
worked out from what the outputs publish."""

from __future__ import annotations

import json
import random
import re
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tpn_survey.report.disclosure import withheld


def test_one_and_two_next_to_twenty_five_all_withheld() -> None:
    # The issue's case: 1 and 2 withheld together hold 3 answers; with the total shown the
    # 25 would give their sum (and "all agreed") away, so it is withheld too.
    assert withheld({"A": 1, "B": 2, "C": 25}, 10) == {
        "A": "min-n",
        "B": "min-n",
        "C": "complementary",
    }


def test_the_smallest_visible_cell_goes_until_both_conditions_hold() -> None:
    got = withheld({"A": 1, "B": 2, "C": 25, "D": 30}, 10)
    assert got == {"A": "min-n", "B": "min-n", "C": "complementary"}


def test_blank_group_value_is_a_cell() -> None:
    got = withheld({"Org A": 20, "Org B": 15, "": 3}, 10)
    assert got == {"": "min-n", "Org B": "complementary"}


def test_listed_value_nobody_has_is_withheld_and_not_one_of_the_two() -> None:
    got = withheld({"A": 20, "B": 15, "C": 12, "D": 0}, 10)
    assert got == {"D": "min-n", "C": "complementary", "B": "complementary"}


def test_group_that_skipped_the_item_is_not_the_second_cell() -> None:
    # A skipped the item (n = 0), B has 5: with C and D shown, B = total - C - D.
    got = withheld({"A": 0, "B": 5, "C": 40, "D": 30}, 10)
    assert got == {"A": "min-n", "B": "min-n", "D": "complementary"}


def test_two_small_cells_that_hold_min_n_together_need_nothing_more() -> None:
    assert withheld({"A": 4, "B": 6, "C": 40}, 10) == {"A": "min-n", "B": "min-n"}


def test_ties_the_value_that_sorts_last_goes_first() -> None:
    got = withheld({"A": 5, "X": 20, "Y": 20, "Z": 30}, 10)
    assert got == {"A": "min-n", "Y": "complementary"}


def test_nothing_small_nothing_withheld() -> None:
    assert withheld({"A": 10, "B": 11}, 10) == {}
    assert withheld({}, 10) == {}


def test_every_cell_withheld_when_the_visible_ones_run_out() -> None:
    assert withheld({"A": 3, "B": 40}, 10) == {"A": "min-n", "B": "complementary"}


def test_forced_cells_from_another_table_of_the_breakdown() -> None:
    got = withheld({"A": 12, "B": 30, "C": 50}, 10, forced={"A", "gone"})
    assert got == {"A": "complementary", "B": "complementary"}


def test_without_a_visible_total_only_the_primary_rule() -> None:
    assert withheld({"A": 3, "B": 40}, 10, total=False) == {"A": "min-n"}


# --- The attacker: no withheld cell can be solved from what the outputs publish -------------

SCHEMA_YAML = """\
id: disclosure
title: Disclosure check
respondent_id: rid
scales:
  agree:
    levels: [Strongly disagree, Disagree, Agree, Strongly agree]
    positive: [Agree, Strongly agree]
    non_substantive: [Don't know]
items:
  - {id: q1, column: q1, scale: agree, text: First item}
  - {id: q2, column: q2, scale: agree, text: Second item}
groups:
  - {id: organization, column: org, values: [A, B, C, D, E]}
invited:
  by: organization
  counts: {A: 40, B: 40, C: 40, D: 40, E: 40}
"""
VALUES = ["A", "B", "C", "D", "E", ""]  # "" is a blank organization
ITEMS = ["q1", "q2"]
ANSWERS = ["Strongly disagree", "Disagree", "Agree", "Strongly agree", "Don't know", ""]
QUANTITIES = ("n", "positive", "missing", "non_substantive")
RATE_QUANTITIES = ("complete", "partial", "break_off")
MIN_N = 10


def _survey_csv(sizes: list[int], skipped: list[bool], seed: int) -> str:
    """Respondents per organization value; `skipped[v * 2 + j]`: value v never answers item j."""
    rng = random.Random(seed)
    lines = ["rid,org,q1,q2"]
    rid = 0
    for v, (value, size) in enumerate(zip(VALUES, sizes, strict=True)):
        for _ in range(size):
            rid += 1
            answers = ["" if skipped[v * 2 + j] else rng.choice(ANSWERS) for j in range(len(ITEMS))]
            lines.append(",".join([f"r{rid}", value, *answers]))
    return "\n".join(lines) + "\n"


class Equations:
    """What the outputs publish, as linear equations over unknown counts, solved exactly with
    fractions. A variable is determined when the reduced system pins it alone. With
    `nonnegative`, a combination with coefficients of one sign that equals 0 also makes each of
    its counts 0 (counts are never negative), which is added and the system solved again."""

    def __init__(self) -> None:
        self.rows: list[tuple[dict[str, Fraction], Fraction]] = []

    def add(self, coefficients: dict[str, Any], value: Any) -> None:
        row = {k: Fraction(v) for k, v in coefficients.items() if v}
        if row:
            self.rows.append((row, Fraction(value)))

    def _reduce(self) -> tuple[dict[str, Fraction], list[tuple[dict[str, Fraction], Fraction]]]:
        names = list(dict.fromkeys(k for row, _ in self.rows for k in row))
        col = {k: i for i, k in enumerate(names)}
        width = len(names)
        matrix = []
        for row, value in self.rows:
            line = [Fraction(0)] * (width + 1)
            for k, v in row.items():
                line[col[k]] = v
            line[width] = value
            matrix.append(line)
        pivots: list[int] = []
        rank = 0
        for c in range(width):
            pivot = next((r for r in range(rank, len(matrix)) if matrix[r][c] != 0), None)
            if pivot is None:
                continue
            matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
            lead = matrix[rank][c]
            matrix[rank] = [x / lead for x in matrix[rank]]
            for r in range(len(matrix)):
                if r != rank and matrix[r][c] != 0:
                    f = matrix[r][c]
                    matrix[r] = [a - f * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
            pivots.append(c)
            rank += 1
        assert all(line[width] == 0 for line in matrix[rank:]), "the attacker's model is wrong"
        known = {}
        reduced = []
        for r, c in enumerate(pivots):
            rest = {names[j]: matrix[r][j] for j in range(width) if j != c and matrix[r][j] != 0}
            if not rest:
                known[names[c]] = matrix[r][width]
            reduced.append(({names[c]: Fraction(1)} | rest, matrix[r][width]))
        return known, reduced

    def solve(self, nonnegative: bool = False) -> dict[str, Fraction]:
        """Every variable whose value follows from what is published, with its value."""
        while True:
            known, reduced = self._reduce()
            if not nonnegative:
                return known
            zeros = set()
            for row, value in self.rows + reduced:
                rest = {k: v for k, v in row.items() if k not in known}
                left = value - sum(v * known[k] for k, v in row.items() if k in known)
                signs = {v > 0 for v in rest.values()}
                if rest and left == 0 and len(signs) == 1:
                    zeros |= set(rest)
            if not zeros:
                return known
            for k in zeros:
                self.add({k: 1}, 0)


def _number(text: Any) -> float | None:
    if text is None or text == "":
        return None
    if isinstance(text, int | float):
        return float(text)
    try:
        return float(str(text).replace(",", ""))
    except ValueError:
        return None


def _cell_of(value: Any) -> str:
    return "" if value in (None, "", "(no answer)") else str(value)


class Attacker:
    """Reads every number of tables.csv, tables.xlsx and the terminal into `Equations`."""

    def __init__(self) -> None:
        self.eq = Equations()
        self.cells: set[str] = set()  # the group values the outputs show (withheld or not)

    def counts(self, item: str, cell: str | None, row: dict[str, Any]) -> None:
        """A table row's counts (cell None: the overall row, the sum over every cell)."""
        if cell is not None:
            self.cells.add(cell)
        for q in QUANTITIES:
            value = _number(row.get(q))
            if value is not None:
                cells = VALUES if cell is None else [cell]
                self.eq.add({f"{q}|{item}|{c}": 1 for c in cells}, int(value))

    def read(self, out: Path, terminal: str) -> Equations:
        import csv

        from openpyxl import load_workbook

        with open(out / "tables.csv", encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                cell = _cell_of(row["group_value"]) if row["group_by"] else None
                self.counts(row["item"], cell, row)
        book = load_workbook(out / "tables.xlsx", read_only=True)
        for ws in book.worksheets:
            rows = list(ws.iter_rows(values_only=True))
            if ws.title != "About" and rows:
                header = [str(h) for h in rows[0]]
                for values in rows[1:]:
                    self.sheet_row(
                        ws.title.split(" ", 1)[1], dict(zip(header, values, strict=False))
                    )
        self.terminal(terminal)
        self.identities()
        return self.eq

    def sheet_row(self, title: str, row: dict[str, Any]) -> None:
        eq = self.eq
        if title == "Items":
            self.counts(str(row["item"]), None, row)
        elif title == "By organization":
            self.counts(str(row["item"]), _cell_of(row["organization"]), row)
        elif title == "Means" and row["kind"] == "item":
            cell = _cell_of(row["group_value"]) if row["group_by"] else None
            self.counts(str(row["of"]), cell, {"n": row["n"]})
        elif title == "Comparisons":
            n_level, n_ref = _number(row["n"]), _number(row["n_reference"])
            level, ref, item = _cell_of(row["level"]), _cell_of(row["reference"]), str(row["item"])
            if n_level is not None:
                eq.add({f"n|{item}|{level}": 1}, int(n_level))
            if n_ref is not None:
                eq.add({f"n|{item}|{ref}": 1}, int(n_ref))
            diff = _number(row["difference"])
            if diff is not None and n_level and n_ref:
                # rate(level) - rate(reference): linear in the positives once both n are known
                exact = Fraction(diff).limit_denominator(int(n_level) * int(n_ref))
                pos_level, pos_ref = f"positive|{item}|{level}", f"positive|{item}|{ref}"
                eq.add(
                    {pos_level: Fraction(1, int(n_level)), pos_ref: -Fraction(1, int(n_ref))}, exact
                )
        elif title == "Response rates":
            cell = _cell_of(row["group_value"]) if row["group_by"] else None
            for q in RATE_QUANTITIES:
                value = _number(row[q])
                if value is not None:
                    cells = VALUES[:-1] if cell is None else [cell]  # blank: not invited
                    eq.add({f"{q}|rate|{c}": 1 for c in cells}, int(value))

    def terminal(self, text: str) -> None:
        found = re.search(r"— ([\d,]+) respondents", text)
        if found:
            self.eq.add({f"R|{c}": 1 for c in VALUES}, int(found.group(1).replace(",", "")))
        for item in ITEMS:
            line = next((ln for ln in text.splitlines() if f" {item} " in ln), "")
            numbers = re.findall(r"(?<![\d<%])(\d+)\s*[│|]?\s*$", line)
            if numbers:
                self.eq.add({f"n|{item}|{c}": 1 for c in VALUES}, int(numbers[-1]))

    def identities(self) -> None:
        """What anyone knows: a cell's used rows answer, skip or say "Don't know" to each item;
        its returns (response-rate classes) are its used rows and its excluded ones; a group
        value no output shows has no used rows."""
        eq = self.eq
        for c in VALUES:
            for item in ITEMS:
                counts = {f"n|{item}|{c}": 1, f"missing|{item}|{c}": 1}
                eq.add(counts | {f"non_substantive|{item}|{c}": 1, f"R|{c}": -1}, 0)
            if c:  # a blank organization is not invited; T: its returned questionnaires
                returns = {f"{q}|rate|{c}": 1 for q in RATE_QUANTITIES}
                eq.add(returns | {f"R|{c}": -1, f"E|{c}": -1}, 0)
                eq.add(returns | {f"T|rate|{c}": -1}, 0)
            if c not in self.cells:
                eq.add({f"R|{c}": 1}, 0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes=st.lists(st.integers(0, 30), min_size=len(VALUES), max_size=len(VALUES)),
    skipped=st.lists(st.booleans(), min_size=2 * len(VALUES), max_size=2 * len(VALUES)),
    seed=st.integers(0, 2**16),
)
def test_no_withheld_cell_can_be_solved_from_the_outputs(
    sizes: list[int], skipped: list[bool], seed: int
) -> None:
    from typer.testing import CliRunner

    from tpn_survey.cli import app

    assume(any(s > 0 and not (skipped[v * 2] and skipped[v * 2 + 1]) for v, s in enumerate(sizes)))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "schema.yaml").write_text(SCHEMA_YAML, encoding="utf-8")
        (root / "data.csv").write_text(_survey_csv(sizes, skipped, seed), encoding="utf-8")
        out = root / "out"
        args = ["analyze", str(root / "data.csv"), "--schema", str(root / "schema.yaml")]
        args += ["--by", "organization", "--compare", "organization", "--min-n", str(MIN_N)]
        args += ["--format", "csv,xlsx,html,json", "--out", str(out)]
        run = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
        assert run.exit_code == 0, run.output
        results = json.loads((out / "results.json").read_text(encoding="utf-8"))
        assert results["confidential"] is True
        equations = Attacker().read(out, run.output)
        html = (out / "report.html").read_text(encoding="utf-8")

    withheld_cells = [
        (e["item"], e["group"]["organization"], e["suppressed_reason"])
        for e in results["estimates"]
        if e["group"] and e["suppressed"]
    ]
    # Linear: no withheld count, positive count or response-rate class can be solved for.
    linear = equations.solve()
    # Also using that counts are never negative (a total of 0 makes every cell 0): no withheld
    # n and no withheld group's returns. (Positives and classes are not protected against that:
    # when no withheld answer agreed, each withheld cell's positives are 0. DESIGN.md's rule
    # protects the cells' sizes.)
    nonnegative = equations.solve(nonnegative=True)
    truth = {(e["item"], e["group"]["organization"]): e for e in results["estimates"] if e["group"]}
    for key, value in nonnegative.items():  # the attacker's model is right: what it finds is true
        q, item, cell = [*key.split("|"), "", ""][:3]
        if item in ITEMS and (item, cell) in truth:
            assert truth[(item, cell)][q] == value, key
    for item, cell, reason in withheld_cells:
        assert reason in ("min-n", "complementary")
        for q in ("n", "positive"):
            assert f"{q}|{item}|{cell}" not in linear, (item, cell, q)
        assert f"n|{item}|{cell}" not in nonnegative, (item, cell)
    for rate in results["response_rates"]:
        if rate["group"] and rate["suppressed"]:
            cell = rate["group"]["organization"]
            for q in RATE_QUANTITIES:
                assert f"{q}|rate|{cell}" not in linear, (cell, q)
            assert f"T|rate|{cell}" not in nonnegative, cell
    _check_html(html, results)


def _check_html(html: str, results: dict[str, Any]) -> None:
    """The report's agreement table by organization masks exactly the withheld cells."""
    table = re.search(r"<caption>Agreement by organization.*?</table>", html, re.S)
    assert table is not None
    masks = {f"n&lt;{MIN_N}", "hidden"}
    withheld = {
        (e["item"], e["group"]["organization"])
        for e in results["estimates"]
        if e["group"] and e["suppressed"]
    }
    for label, body in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', table.group(0)):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", body)
        value = "" if label == "(no answer)" else label
        shown = cells[-len(ITEMS) :]
        for item, text in zip(ITEMS, shown, strict=True):
            assert (text in masks) == ((item, value) in withheld), (label, item, text)


# --- Every list of one analysis withholds the same cells --------------------------------------

LISTS_SCHEMA = """\
id: lists
title: Every list
respondent_id: rid
scales:
  agree:
    levels: [Strongly disagree, Disagree, Agree, Strongly agree]
    codes: [1, 2, 3, 4]
    positive: [Agree, Strongly agree]
items:
  - {id: q1, column: q1, scale: agree, text: First item}
  - {id: q2, column: q2, scale: agree, text: Second item}
groups:
  - {id: organization, column: org, values: [A, B, C, D]}
composites:
  both: {label: Both items, items: [q1, q2]}
invited:
  by: organization
  counts: {A: 10, B: 30, C: 60, D: 5}
"""


def _analyze(tmp_path: Path, files: dict[str, list[str]], **options: Any) -> Any:
    from tpn_survey.options import Options
    from tpn_survey.pipeline import analyze_survey, read_survey

    (tmp_path / "schema.yaml").write_text(LISTS_SCHEMA, encoding="utf-8")
    paths = []
    for name, lines in files.items():
        path = tmp_path / name
        path.write_text("\n".join(["rid,org,q1,q2", *lines]) + "\n", encoding="utf-8")
        paths.append(path)
    survey = read_survey(paths, tmp_path / "schema.yaml")
    return analyze_survey(survey, Options(**options))


def _rows(
    org: str, count: int, start: int, answers: tuple[str, str] = ("Agree", "Disagree")
) -> list[str]:
    return [f"r{start + k},{org},{answers[0]},{answers[1]}" for k in range(count)]


def _withheld_cells(rows: list[Any], field: str = "item") -> dict[tuple[str, str], str]:
    return {
        (getattr(r, field), next(iter(r.group.values()))): r.suppressed_reason
        for r in rows
        if r.group and r.suppressed
    }


def test_means_comparisons_and_rates_withhold_the_estimates_cells(tmp_path: Path) -> None:
    # A: 3 answers (primary); B: 25 (withheld with A: together 28, two cells); C: 40 shown;
    # D: listed, nobody (n = 0, withheld); blank organization: 2 rows (primary).
    lines = _rows("A", 3, 0) + _rows("B", 25, 100) + _rows("C", 40, 200) + _rows("", 2, 300)
    results = _analyze(tmp_path, {"data.csv": lines}, by=["organization"], compare="organization")
    estimates = _withheld_cells(results.estimates)
    assert estimates == {
        ("q1", "A"): "min-n",
        ("q1", "D"): "min-n",
        ("q1", ""): "min-n",
        ("q1", "B"): "complementary",
        ("q2", "A"): "min-n",
        ("q2", "D"): "min-n",
        ("q2", ""): "min-n",
        ("q2", "B"): "complementary",
    }
    means = _withheld_cells([m for m in results.means if m.kind == "item"], "of")
    assert means == estimates
    composite = _withheld_cells([m for m in results.means if m.kind == "composite"], "of")
    assert set(composite) == {("both", v) for v in ("A", "B", "D", "")}
    # C is the reference; every comparison has a withheld side except none: all withheld
    for c in results.comparisons:
        assert c.suppressed and c.suppressed_reason == (
            "min-n" if min(c.n, c.n_reference) < 10 else "complementary"
        )
    rates = {next(iter(r.group.values()), "all"): r for r in results.response_rates}
    assert not rates["all"].suppressed
    assert rates["A"].suppressed_reason == "min-n" and rates["D"].suppressed_reason == "min-n"
    assert rates["B"].suppressed_reason == "complementary" and not rates["C"].suppressed
    data = results.to_dict()
    assert data["schema_version"] == 2 and data["confidential"] is True
    assert {e["suppressed_reason"] for e in data["estimates"]} == {None, "min-n", "complementary"}
    assert results.to_frame(masked=True).query("group_value == 'B'")["n"].isna().all()


def test_no_small_group_no_row_withheld(tmp_path: Path) -> None:
    lines = _rows("A", 12, 0) + _rows("B", 25, 100) + _rows("C", 40, 200) + _rows("D", 11, 300)
    results = _analyze(tmp_path, {"data.csv": lines}, by=["organization"], compare="organization")
    assert not any(r.suppressed for r in [*results.estimates, *results.means, *results.comparisons])
    assert not any(r.suppressed for r in results.response_rates)


def test_trends_withheld_with_the_wave_cells(tmp_path: Path) -> None:
    files = {
        "w1.csv": _rows("C", 5, 0),
        "w2.csv": _rows("C", 30, 100, ("Disagree", "Agree")),
        "w3.csv": _rows("C", 40, 200),
    }
    results = _analyze(tmp_path, files)
    waves = _withheld_cells([e for e in results.estimates if "wave" in e.group])
    assert waves == {("q1", "w1"): "min-n", ("q1", "w2"): "complementary"} | {
        ("q2", "w1"): "min-n",
        ("q2", "w2"): "complementary",
    }
    # w2 vs w1 has a side below min-n; w3 vs w2 has a withheld side: both withheld
    reasons = {(t.level, t.reference): t.suppressed_reason for t in results.trends}
    assert set(reasons.values()) <= {"min-n", "complementary"}
    assert reasons[("w2", "w1")] == "min-n" and reasons[("w3", "w2")] == "complementary"


def test_results_json_version_1_gets_its_withheld_cells_on_load(tmp_path: Path) -> None:
    from tpn_survey.results import load_results

    lines = _rows("A", 3, 0) + _rows("B", 25, 100) + _rows("C", 40, 200) + _rows("D", 12, 300)
    results = _analyze(tmp_path, {"data.csv": lines}, by=["organization"])
    data = results.to_dict()
    data["schema_version"] = 1  # as tpn wrote it before: only cells below min-n flagged
    del data["confidential"]
    for key in ("estimates", "means", "scales", "comparisons", "trends"):
        for row in data[key]:
            row.pop("suppressed_reason", None)
            row["suppressed"] = row["n"] < 10
    for key in ("response_rates", "network"):
        for row in data[key]:
            row.pop("suppressed", None)
            row.pop("suppressed_reason", None)
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    loaded = load_results(path)
    assert _withheld_cells(loaded.estimates) == _withheld_cells(results.estimates)
    assert ("q1", "D") in _withheld_cells(loaded.estimates)  # D (12) is the smallest shown


def test_withholding_twice_changes_nothing(tmp_path: Path) -> None:
    from tpn_survey.report.disclosure import apply_withholding

    lines = _rows("A", 3, 0) + _rows("B", 25, 100) + _rows("C", 40, 200) + _rows("", 2, 300)
    results = _analyze(tmp_path, {"data.csv": lines}, by=["organization"], compare="organization")
    # A copy: a new object, so withholding is worked out again rather than recognised.
    again = apply_withholding(results.model_copy())
    assert again is not results
    assert again == results


def test_withheld_results_are_recognised_and_a_changed_copy_is_not(tmp_path: Path) -> None:
    from tpn_survey.report.disclosure import apply_withholding

    lines = _rows("A", 3, 0) + _rows("B", 25, 100) + _rows("C", 40, 200) + _rows("", 2, 300)
    results = _analyze(tmp_path, {"data.csv": lines}, by=["organization"], compare="organization")
    assert apply_withholding(results) is results  # analyze() returns it flagged
    # A hand-made copy with its flags cleared is flagged again, not taken as already done.
    cleared = results.model_copy(
        update={
            "estimates": [e.model_copy(update={"suppressed": False}) for e in results.estimates]
        }
    )
    flagged = apply_withholding(cleared)
    assert flagged is not cleared
    assert _withheld_cells(flagged.estimates) == _withheld_cells(results.estimates)
    assert _withheld_cells(cleared.estimates) == {}


def test_network_rows_for_absent_and_blank_organizations() -> None:
    import numpy as np

    from tpn_survey.analysis.network import network_rows

    leaders = ["L1"] * 6 + ["L2"] * 6 + ["L3"] * 3
    orgs = ["A"] * 12 + [""] * 3
    valid = np.ones((15, 1), dtype=bool)
    rows = network_rows(leaders, orgs, valid, valid, ["q1"], listed=["A", "B"])
    assert [(r.organization, r.respondents) for r in rows] == [
        (None, 15),
        ("A", 12),
        ("B", 0),
        ("", 3),
    ]


def test_every_result_list_with_suppressed_is_walked() -> None:
    """A new list of Results whose rows have `suppressed` needs `suppressed_reason` and its
    line in `report.disclosure.LISTS` (see that module's docstring), or its rows would never
    be withheld with the rest of their breakdown."""
    import typing

    from tpn_survey.report.disclosure import LISTS
    from tpn_survey.results import Results

    walked = {spec.name for spec in LISTS}
    for name, field in Results.model_fields.items():
        args = typing.get_args(field.annotation)
        row = args[0] if args else None
        if row is not None and "suppressed" in getattr(row, "model_fields", {}):
            assert name in walked, name
            assert "suppressed_reason" in row.model_fields, name
