"""Disclosure control: which cells of a report are withheld, decided in this one module.

A cell with fewer than min-n valid answers is withheld (primary suppression); a shown cell is
hidden too when the withheld one could be worked out from it and the total (complementary).
Every renderer asks this module; none decides on its own.
"""

from __future__ import annotations

from collections import defaultdict

from tpn_survey.report.format import HIDDEN_TEXT, group_key, suppressed_text
from tpn_survey.results import Comparison, Results


def complementary(results: Results) -> set[int]:
    """Indexes of estimates hidden by complementary suppression.

    In a breakdown (one item, one set of group ids) where exactly one value is suppressed for
    small n and the overall estimate is shown, the suppressed cell could be worked out as the
    total minus the others. The shown cell with the smallest n is then hidden too.
    """
    min_n = results.settings.min_n
    overall_shown = {e.item for e in results.estimates if not e.group and not e.suppressed}
    cells: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, est in enumerate(results.estimates):
        if est.group:
            cells[(est.item, group_key(est.group))].append(i)
    hidden: set[int] = set()
    for (item, _), idx in cells.items():
        primary = [i for i in idx if results.estimates[i].suppressed]
        shown = [i for i in idx if not results.estimates[i].suppressed]
        if len(primary) == 1 and item in overall_shown and shown and min_n > 0:
            hidden.add(min(shown, key=lambda i: (results.estimates[i].n, i)))
    return hidden


def complementary_means(results: Results) -> set[int]:
    """Indexes of means hidden by complementary suppression, by the same rule as `complementary`:
    a group's mean is the overall mean times n less the other groups' means times their n."""
    min_n = results.settings.min_n
    overall_shown = {(m.kind, m.of) for m in results.means if not m.group and not m.suppressed}
    cells: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for i, m in enumerate(results.means):
        if m.group:
            cells[(m.kind, m.of, group_key(m.group))].append(i)
    hidden: set[int] = set()
    for (kind, of, _), idx in cells.items():
        primary = [i for i in idx if results.means[i].suppressed]
        shown = [i for i in idx if not results.means[i].suppressed]
        if len(primary) == 1 and (kind, of) in overall_shown and shown and min_n > 0:
            hidden.add(min(shown, key=lambda i: (results.means[i].n, i)))
    return hidden


def hidden_cells(res: Results, hidden: set[int]) -> set[tuple[str, str, str]]:
    """(item, group id, value) of one-group estimates hidden by complementary suppression."""
    out = set()
    for i in hidden:
        est = res.estimates[i]
        if len(est.group) == 1:
            ((gid, value),) = est.group.items()
            out.add((est.item, gid, value))
    return out


def comparison_mask(c: Comparison, res: Results, hidden: set[tuple[str, str, str]]) -> str | None:
    """`n<10` for a suppressed comparison; `hidden` when either side's estimate is hidden by
    complementary suppression (the difference would give the hidden rate away)."""
    if c.suppressed:
        return suppressed_text(res.settings.min_n)
    if (c.item, c.by, c.level) in hidden or (c.item, c.by, c.reference) in hidden:
        return HIDDEN_TEXT
    return None


def hidden_keys(res: Results) -> set[tuple[str, str, str]]:
    """(item, group id, value) of every estimate hidden by complementary suppression."""
    return hidden_cells(res, complementary(res))
