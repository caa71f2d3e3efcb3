"""Disclosure control (DESIGN.md "Disclosure control"): the rule, and no withheld cell can be
worked out from what the outputs publish."""

from __future__ import annotations

from tpn_survey.report.disclosure import withheld


def test_one_and_two_next_to_twenty_five_all_withheld() -> None:
    # The case: 1 and 2 withheld together hold 3 answers; with the total shown the
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
