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
    """Linear equations over named unknowns, each saying that a combination is published; a
    variable is determined when its unit vector lies in their row space (exact fractions)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Fraction]] = []
        self.names: dict[str, int] = {}

    def add(self, coefficients: dict[str, Fraction | int]) -> None:
        row = {k: Fraction(v) for k, v in coefficients.items() if v}
        for k in row:
            self.names.setdefault(k, len(self.names))
        if row:
            self.rows.append(row)

    def determined(self) -> set[str]:
        """Every variable whose value follows from the published combinations."""
        cols = len(self.names)
        matrix = [[Fraction(0)] * cols for _ in self.rows]
        for r, row in enumerate(self.rows):
            for k, v in row.items():
                matrix[r][self.names[k]] = v
        pivots: list[int] = []
        rank = 0
        for c in range(cols):
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
        free = [c for c in range(cols) if c not in pivots]
        by_col = {v: k for k, v in self.names.items()}
        out = set()
        for r, c in enumerate(pivots):  # reduced row echelon: x_c + sum(free) = value
            if all(matrix[r][f] == 0 for f in free):
                out.add(by_col[c])
        return out


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


def _publish_counts(eq: Equations, item: str, cell: str | None, row: dict[str, Any]) -> None:
    """Equations for the counts a table row shows (cell None: the overall row = sum of cells)."""
    for q in QUANTITIES:
        if q in row and _number(row[q]) is not None:
            if cell is None:
                eq.add({f"{q}|{item}|{c}": 1 for c in VALUES})
            else:
                eq.add({f"{q}|{item}|{cell}": 1})


def _attack(out: Path, terminal: str) -> Equations:
    import csv

    from openpyxl import load_workbook

    eq = Equations()
    # What anyone knows: each cell's rows answer, skip or say "Don't know" to each item, and
    # the response-rate classes of a value's returns are its used plus its excluded rows.
    for c in VALUES:
        for item in ITEMS:
            eq.add({f"{q}|{item}|{c}": 0 for q in QUANTITIES})  # names the unknowns
    identities: list[dict[str, int]] = []
    for c in VALUES:
        for item in ITEMS:
            identities.append(
                {f"n|{item}|{c}": 1, f"missing|{item}|{c}": 1, f"non_substantive|{item}|{c}": 1}
                | {f"R|{c}": -1}
            )
        identities.append(
            {f"{q}|rate|{c}": 1 for q in RATE_QUANTITIES} | {f"R|{c}": -1, f"E|{c}": -1}
        )
    # Identities are known with value 0: they join the published equations.
    for identity in identities:
        eq.add(identity)

    with open(out / "tables.csv", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            cell = _cell_of(row["group_value"]) if row["group_by"] else None
            _publish_counts(eq, row["item"], cell, row)

    book = load_workbook(out / "tables.xlsx", read_only=True)
    for ws in book.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if not rows or ws.title == "About":
            continue
        header = [str(h) for h in rows[0]]
        for values in rows[1:]:
            row = dict(zip(header, values, strict=False))
            title = ws.title.split(" ", 1)[1]
            if title == "Items":
                _publish_counts(eq, str(row["item"]), None, row)
            elif title == "By organization":
                _publish_counts(eq, str(row["item"]), _cell_of(row["organization"]), row)
            elif title == "Means":
                cell = _cell_of(row["group_value"]) if row["group_by"] else None
                if row["kind"] == "item":
                    _publish_counts(eq, str(row["of"]), cell, {"n": row["n"]})
            elif title == "Comparisons":
                n_level, n_ref = _number(row["n"]), _number(row["n_reference"])
                level, ref, item = str(row["level"]), str(row["reference"]), str(row["item"])
                if n_level is not None:
                    eq.add({f"n|{item}|{level}": 1})
                if n_ref is not None:
                    eq.add({f"n|{item}|{ref}": 1})
                if _number(row["difference"]) is not None and n_level and n_ref:
                    # rate(level) - rate(reference), linear in the positives once n is known
                    eq.add(
                        {
                            f"positive|{item}|{level}": Fraction(1) / Fraction(int(n_level)),
                            f"positive|{item}|{ref}": -Fraction(1) / Fraction(int(n_ref)),
                        }
                    )
            elif title == "Response rates":
                cell = _cell_of(row["group_value"]) if row["group_by"] else None
                for q in RATE_QUANTITIES:
                    if _number(row[q]) is not None:
                        cells = VALUES[:-1] if cell is None else [cell]  # blank: not invited
                        eq.add({f"{q}|rate|{c}": 1 for c in cells})

    # The terminal: the respondents used, and each item's overall n.
    found = re.search(r"— (\d+) respondents", terminal)
    if found:
        eq.add({f"R|{c}": 1 for c in VALUES})
    for item in ITEMS:
        line = next((ln for ln in terminal.splitlines() if f" {item} " in ln), "")
        numbers = re.findall(r"(?<![\d<%])(\d+)\s*[│|]?\s*$", line)
        if numbers:
            eq.add({f"n|{item}|{c}": 1 for c in VALUES})
    return eq


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
        determined = _attack(out, run.output).determined()
        html = (out / "report.html").read_text(encoding="utf-8")

    withheld_cells = [
        (e["item"], e["group"]["organization"], e["suppressed_reason"])
        for e in results["estimates"]
        if e["group"] and e["suppressed"]
    ]
    for item, cell, reason in withheld_cells:
        assert reason in ("min-n", "complementary")
        for q in ("n", "positive"):
            assert f"{q}|{item}|{cell}" not in determined, (item, cell, q)
    for rate in results["response_rates"]:
        if rate["group"] and rate["suppressed"]:
            cell = rate["group"]["organization"]
            for q in RATE_QUANTITIES:
                assert f"{q}|rate|{cell}" not in determined, (cell, q)
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
