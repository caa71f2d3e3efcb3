"""Disclosure control: which cells are withheld, decided once, flagged on every result row.

DESIGN.md "Disclosure control". A *cell* is what a table shows for one group value (or group
value x wave) of one breakdown: a rate, its n, its counts. `withheld` is the rule for the
cells of ONE breakdown; `apply_withholding` runs it once per (item, breakdown, wave) over every
result list and marks each withheld row `suppressed=True` with `suppressed_reason` "min-n" or
"complementary". Renderers never decide: they read the flags (`mask`, `reason_label`), so the
terminal, HTML/PDF, CSV/XLSX and `Results.to_frame(masked=True)` withhold the same cells.

Every list that shows the same (item, breakdown, wave) shares one withheld set: the set is the
smallest one that satisfies the rule for the counts of each of those lists (they are run in
turn, each forced to keep what the others withheld, until nothing changes). Tables that are
not about one item (response rates, the network table) use item None, so they share the
respondent-count breakdown of their group.

How to add a new result list (one line in `LISTS`):

- rows that each show one cell (fields `group`, an item field, optional `wave`, a count):
  ``Cells("choices", count="n")``; the item field may be renamed (``item="of"``), the count
  may be a function of the row (``count=lambda r: r.answered``), and ``item=None`` marks a
  table that is not about one item (its cells are respondent counts).
- rows that compare two cells of one breakdown (a difference of two groups or two waves):
  ``Pairs("paired", by=lambda r: "wave", sides=("from", "to"), counts=("n_pairs",))``; such a
  row is withheld when either side is withheld, or when one of its counts is below min-n.

The row model needs `suppressed: bool` and `suppressed_reason: Literal["min-n",
"complementary"] | None = None` (see results.py), and the list must be a field of `Results`.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tpn_survey.results import Results

MIN_N = "min-n"
COMPLEMENTARY = "complementary"
HIDDEN_TEXT = "hidden"
BLANK_LABEL = "(no answer)"

#: (item or None, the breakdown's group ids, wave or None)
Key = tuple[str | None, tuple[str, ...], str | None]


def withheld(
    cells: Mapping[str, int],
    min_n: int,
    *,
    forced: Collection[str] = (),
    total: bool = True,
) -> dict[str, str]:
    """The withheld cells of one breakdown: group value -> "min-n" | "complementary".

    `cells` maps every group value of the breakdown (blank "" and listed values nobody has
    included, with n = 0) to its count (valid answers to the item, or respondents for tables
    that are not about one item). Primary: n < min_n. Complementary: while the withheld cells
    hold fewer than min_n answers together, or fewer than two of them have n > 0, the smallest
    visible cell is withheld too (ties: the value that sorts last goes first). Zero-n cells
    count toward the protected total but not toward "at least two": a lone withheld cell
    beside a zero-n one is still the total minus the visible cells.

    `forced` are values another table of the same breakdown withheld (kept here, reason
    "complementary" unless primary). `total=False` skips the complementary step: it is only
    needed where the breakdown has a visible total (the overall row, the network), because
    only then do the visible cells and the total give the withheld ones' sum by subtraction.
    """
    out = {v: MIN_N for v, n in cells.items() if n < min_n}
    out |= {v: COMPLEMENTARY for v in forced if v in cells and v not in out}
    if not out or not total:
        return out
    visible = sorted(
        sorted((v for v in cells if v not in out), reverse=True), key=cells.__getitem__
    )
    for value in visible:
        held = sum(cells[v] for v in out)
        nonzero = sum(1 for v in out if cells[v] > 0)
        if held >= min_n and nonzero >= 2:
            break
        out[value] = COMPLEMENTARY
    return out


def _getter(field: str | Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    if field is None:
        return lambda row: None
    if callable(field):
        return field
    return lambda row: getattr(row, field)


def cell_value(group: Mapping[str, str]) -> str:
    """The cell of a group dict in its breakdown: its value(s), joined as tables show them."""
    return " × ".join(group.values())


@dataclass(frozen=True)
class Cells:
    """A result list whose rows each show one cell of a breakdown (or the total: group {})."""

    name: str
    count: str | Callable[[Any], int] = "n"
    item: str | Callable[[Any], str | None] | None = "item"
    group: str | Callable[[Any], Mapping[str, str]] = "group"

    def place(self, row: Any) -> tuple[Key, str] | None:
        """(breakdown key, cell value) of a row; None for a total row."""
        group = _getter(self.group)(row)
        if not group:
            return None
        key = (_getter(self.item)(row), tuple(group), getattr(row, "wave", None))
        return key, cell_value(group)

    def mark(self, row: Any, decided: Mapping[Key, Mapping[str, str]], min_n: int) -> Any:
        place = self.place(row)
        hidden = place is not None and place[1] in decided.get(place[0], {})
        return _flag(row, int(_getter(self.count)(row)) < min_n, hidden)


@dataclass(frozen=True)
class Pairs:
    """A result list whose rows compare two cells of one breakdown (group `by`, `sides`)."""

    name: str
    by: str | Callable[[Any], str] = "by"
    sides: tuple[str, str] = ("level", "reference")
    counts: tuple[str, ...] = ("n", "n_reference")
    item: str | Callable[[Any], str | None] | None = "item"

    def mark(self, row: Any, decided: Mapping[Key, Mapping[str, str]], min_n: int) -> Any:
        key = (_getter(self.item)(row), (_getter(self.by)(row),), getattr(row, "wave", None))
        cells = decided.get(key, {})
        hidden = any(getattr(row, side) in cells for side in self.sides)
        small = any(int(getattr(row, c)) < min_n for c in self.counts)
        return _flag(row, small, hidden)


def _flag(row: Any, small: bool, hidden: bool) -> Any:
    # A row an earlier step withheld stays withheld (reason min-n unless it says otherwise).
    if small:
        reason: str | None = MIN_N
    elif hidden:
        reason = COMPLEMENTARY
    elif row.suppressed:
        reason = row.suppressed_reason or MIN_N
    else:
        reason = None
    if row.suppressed == (reason is not None) and row.suppressed_reason == reason:
        return row
    return row.model_copy(update={"suppressed": reason is not None, "suppressed_reason": reason})


def _organization(row: Any) -> dict[str, str]:
    return {} if row.organization is None else {"organization": row.organization}


def _returned(row: Any) -> int:
    return int(row.complete + row.partial + row.break_off)


#: Every list of Results with `suppressed`, in the order they decide (estimates first).
LISTS: tuple[Cells | Pairs, ...] = (
    Cells("estimates", count="n"),
    Cells("means", count="n", item="of"),
    Cells("scales", count="n", item="composite", group=lambda row: {}),
    Cells("response_rates", count=_returned, item=None),
    Cells("network", count="respondents", item=None, group=_organization),
    Cells("choices", count="n"),  # a row per option: the cell's n is the smallest of its rows
    Cells("numbers", count="n"),
    Cells("texts", count="n"),  # n: the answered count
    Cells("reach", count="n", group=lambda row: {}),  # a key figure: the total only
    Pairs("comparisons"),
    Pairs("trends"),
    Cells("composition", count="respondents", item=None, group=lambda r: {r.by: r.value}),
    Pairs("paired", by=lambda r: "wave", sides=("from_", "to"), counts=("n_pairs",)),
    Pairs("attrition", by=lambda r: "wave", sides=("from_", "to"), counts=("retained", "lost")),
)


def decide(results: Results, lists: Sequence[Cells | Pairs] = LISTS) -> dict[Key, dict[str, str]]:
    """The withheld cells of every (item, breakdown, wave) of `results`, over all `lists`."""
    min_n = results.settings.min_n
    tables: dict[Key, list[dict[str, int]]] = defaultdict(list)
    for spec in lists:
        if not isinstance(spec, Cells):
            continue
        count = _getter(spec.count)
        found: dict[Key, dict[str, int]] = {}
        for row in getattr(results, spec.name, None) or []:
            place = spec.place(row)
            if place is None:
                continue
            cells = found.setdefault(place[0], {})
            n = int(count(row))
            cells[place[1]] = min(cells.get(place[1], n), n)  # several rows of a cell: smallest
        for key, cells in found.items():
            tables[key].append(cells)
    out: dict[Key, dict[str, str]] = {}
    for key, maps in tables.items():
        chosen: dict[str, str] = {}
        changed = True
        while changed:  # withholding only grows, so this ends
            changed = False
            for cells in maps:
                for value, reason in withheld(cells, min_n, forced=chosen.keys()).items():
                    if value not in chosen:
                        chosen[value] = reason
                        changed = True
        out[key] = chosen
    return out


_FLAGGED: weakref.WeakValueDictionary[int, Results] = weakref.WeakValueDictionary()
"""The results `apply_withholding` returned (by id, while they live): every table of the
report applies it again to what it is given, ~50 times for the sample report."""


def apply_withholding(results: Results, lists: Sequence[Cells | Pairs] = LISTS) -> Results:
    """`results` with every withheld row of every list flagged, and `confidential` set.
    Applying it to what it returned gives the same results (frozen models), so that one is
    returned as it is."""
    if lists is LISTS and _FLAGGED.get(id(results)) is results:
        return results
    decided = decide(results, lists)
    min_n = results.settings.min_n
    update: dict[str, Any] = {"confidential": True}
    for spec in lists:
        rows = getattr(results, spec.name, None)
        if rows:
            update[spec.name] = [spec.mark(row, decided, min_n) for row in rows]
    flagged = results.model_copy(update=update)
    if lists is LISTS:
        _FLAGGED[id(flagged)] = flagged
    return flagged


def mask(row: Any, min_n: int) -> str | None:
    """What a person sees instead of a withheld row's numbers: `n<10` (the run's min-n) or
    `hidden` (complementary); None when the row is shown."""
    if not row.suppressed:
        return None
    if getattr(row, "suppressed_reason", None) == COMPLEMENTARY:
        return HIDDEN_TEXT
    return f"n<{min_n}"


def reason_label(row: Any, min_n: int) -> str:
    """The `suppressed` column of CSV/XLSX: `n<10`, `complementary` or empty."""
    if not row.suppressed:
        return ""
    if getattr(row, "suppressed_reason", None) == COMPLEMENTARY:
        return COMPLEMENTARY
    return f"n<{min_n}"


def group_label(value: str) -> str:
    """A group value as tables show it: a blank one is `(no answer)`."""
    return value if value.strip() else BLANK_LABEL


def group_text(group: Mapping[str, str]) -> str:
    """A row's group values as tables show them ('' for the total row)."""
    return " × ".join(group_label(v) for v in group.values())
