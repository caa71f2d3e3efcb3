"""Additive tallies of coded answers: all that a simple (unweighted) analysis needs from the
item columns.

A tally holds counts only: of each answer code by item and by the text of each breakdown
column, of composite scores, of pairs of answers among complete cases (for alpha), of
complete, partial and broken-off returns (for response rates), and the first row and count
of each off-scale answer. Counts are integers, so a tally of chunks of rows added together is
exactly the tally of all rows: `--chunksize` tallies each chunk as it is read and keeps none
of its answers, and a table in memory is tallied in one go by the same code.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tpn_survey.analysis.coding import MISSING, OFF_SCALE, ItemCodes, code_items, trimmed_factorize
from tpn_survey.analysis.response_rates import rate_kinds, rates_column
from tpn_survey.analysis.scores import composite_scores, item_values, pair_counts
from tpn_survey.schema import Group, Instrument

if TYPE_CHECKING:
    import pandas as pd

MAX_CROSS_CELLS = 20_000  # cells x items x width int64 counts stay small

ScoreKey = tuple[str | None, str, int, float]  # (column or None overall, text, composite, score)


def count_width(schema: Instrument) -> int:
    """Slots per item in a count table: missing, then every category."""
    return 1 + max((len(s.categories()) for s in schema.scales.values()), default=0)


def counts_by(coded: ItemCodes, domain: np.ndarray, n_domains: int, width: int) -> np.ndarray:
    """(domains, items, width) counts of code+1 (0 = missing) per domain (-1: no domain).

    Per item, one bincount over (domain, distinct answer) pairs, straight from the column's
    factorized index, then a sum of the distinct answers into their codes: no (rows, items)
    matrix of codes is built. Off-scale answers count as missing (validation stops the
    analysis on them). Rows outside every domain go to an extra domain that is dropped.
    """
    k = len(coded.index)
    cells = n_domains + 1
    cell = np.where(domain >= 0, domain, n_domains).astype(np.int64)
    base: dict[int, np.ndarray] = {}  # cell * slots + 1, by number of slots
    out = np.empty((cells, k, width), dtype=np.int64)
    for j in range(k):
        lookup = coded.lookup[j]
        slots = len(lookup)  # slot 0: a null (index -1); slot u + 1: distinct answer u
        if slots not in base:
            base[slots] = cell * slots + 1
        found = np.bincount(base[slots] + coded.index[j], minlength=cells * slots)
        code = np.maximum(np.r_[MISSING, lookup[:-1]], MISSING) + 1  # each slot's code + 1
        into = np.zeros((slots, width), dtype=np.int64)
        into[np.arange(slots), code] = 1
        out[:, j, :] = found.reshape(cells, slots) @ into
    return out[:n_domains]


def all_counts(
    coded: ItemCodes, domains: list[tuple[np.ndarray, list[Any]]], width: int
) -> list[np.ndarray] | None:
    """Counts of every breakdown from one pass: count the cross-classification of all
    breakdowns after the first (overall; each with an extra "blank" level), then sum it down
    to each breakdown.

    Integer sums, so equal to `counts_by` per breakdown. None when the cross has too many cells.
    """
    sizes = [len(labels) + 1 for _, labels in domains[1:]]  # + a blank/unlisted level
    cells = int(np.prod(sizes, dtype=np.int64)) if sizes else 1
    if cells > MAX_CROSS_CELLS:
        return None
    k = len(coded.index)
    cross = np.zeros(coded.rows, dtype=np.int64)
    for (index, labels), size in zip(domains[1:], sizes, strict=True):
        cross = cross * size + np.where(index >= 0, index, len(labels))
    table = counts_by(coded, cross, cells, width).reshape(*sizes, k, width)
    axes = tuple(range(len(sizes)))
    out = [table.sum(axis=axes).reshape(1, k, width)]
    for g, size in enumerate(sizes):
        margin = table.sum(axis=tuple(a for a in axes if a != g))
        out.append(margin[: size - 1])
    return out


@dataclass
class ItemChecks:
    """What validation needs from the item columns: each off-scale answer's (item index,
    value) -> [position of its first row in the table, rows], and which rows answer an item."""

    off_scale: dict[tuple[int, str], list[int]]
    answered: np.ndarray


def item_checks(schema: Instrument, frame: pd.DataFrame, coded: ItemCodes) -> ItemChecks:
    return ItemChecks(_off_scale(schema, frame, coded, 0), coded.answered)


def _off_scale(
    schema: Instrument, frame: pd.DataFrame, coded: ItemCodes, offset: int
) -> dict[tuple[int, str], list[int]]:
    out = {}
    for j, item in enumerate(schema.items):
        if not coded.unknown[j]:
            continue
        values = frame[item.column].astype(str).to_numpy()
        off = coded.column(j) == OFF_SCALE
        for value in coded.unknown[j]:
            where = np.flatnonzero(off & (values == value))
            out[(j, value)] = [offset + int(where[0]), len(where)]
    return out


@dataclass
class Tally:
    """Counts of a table's answers, by the trimmed text of each of `keys` (columns).

    `add` tallies rows (a chunk, or a whole table); positions of rows continue from one call
    to the next. A column of `keys` that the table lacks counts every row under "".
    """

    schema: Instrument
    keys: list[str]
    columns: list[str] = field(default_factory=list)  # the table's columns, items included
    rows: int = 0
    overall: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    counts: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    scores: dict[ScoreKey, int] = field(default_factory=lambda: defaultdict(int))
    pairs: list[np.ndarray] = field(default_factory=list)
    rates: dict[str, np.ndarray] = field(default_factory=dict)
    off_scale: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    answered: list[np.ndarray] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.keys = list(dict.fromkeys(self.keys))
        width = count_width(self.schema)
        if not self.overall.size:
            self.overall = np.zeros((len(self.schema.items), width), dtype=np.int64)
        for key in self.keys:
            self.counts.setdefault(key, {})
        if not self.pairs:
            self.pairs = pair_counts(self.schema, np.zeros((0, len(self.schema.items)), int))

    @property
    def item_columns(self) -> set[str]:
        return {item.column for item in self.schema.items}

    @property
    def rates_column(self) -> str | None:
        return rates_column(self.schema) if self.schema.invited is not None else None

    def add(self, frame: pd.DataFrame, coded: ItemCodes | None = None) -> None:
        """Tally the rows of `frame` (`coded`: its items' codes, if already coded)."""
        schema = self.schema
        if not schema.items:  # only other question types: analyzed from the kept columns
            self.answered.append(np.zeros(len(frame), dtype=bool))
            self.rows += len(frame)
            return
        if coded is None and not self.item_columns <= set(frame.columns):
            # A missing item column: validation says so, and nothing is analyzed.
            self.answered.append(np.zeros(len(frame), dtype=bool))
            self.rows += len(frame)
            return
        coded = coded or code_items(schema, frame)
        for found, entry in _off_scale(schema, frame, coded, self.rows).items():
            if found in self.off_scale:
                self.off_scale[found][1] += entry[1]
            else:
                self.off_scale[found] = entry
        answered = coded.answered
        self.answered.append(answered)
        self.rows += len(frame)
        if schema.invited is not None:
            index, texts = self._texts(frame, self.rates_column)
            kinds = rate_kinds(schema.invited, coded)
            per = np.bincount(index * 3 + kinds, minlength=3 * len(texts)).reshape(-1, 3)
            for t in np.flatnonzero(per.any(axis=1)):
                self.rates[texts[t]] = self.rates.get(texts[t], np.zeros(3, np.int64)) + per[t]
        used = None if answered.all() else np.flatnonzero(answered)
        rows = coded if used is None else coded.take(used)
        keyed = []
        for key in self.keys:
            index, texts = self._texts(frame, key)
            keyed.append((index if used is None else index[used], texts))
        self._add_counts(rows, keyed)
        if schema.composites:
            # Off-scale answers are an error, so nothing is analyzed; no value meanwhile.
            codes = np.where(rows.codes == OFF_SCALE, MISSING, rows.codes)
            self._add_scores(codes, keyed)
            for total, more in zip(self.pairs, pair_counts(schema, codes), strict=True):
                total += more

    def _texts(self, frame: pd.DataFrame, column: str | None) -> tuple[np.ndarray, list[str]]:
        if column is None or column not in frame.columns:
            return np.zeros(len(frame), dtype=np.int64), [""]
        index, texts = trimmed_factorize(frame[column])
        return np.asarray(index, dtype=np.int64), texts

    def _add_counts(self, coded: ItemCodes, keyed: list[tuple[np.ndarray, list[str]]]) -> None:
        width = self.overall.shape[1]
        domains = [(np.zeros(coded.rows, dtype=np.int64), [""]), *keyed]
        counts = all_counts(coded, domains, width) or [
            counts_by(coded, index, len(texts), width) for index, texts in domains
        ]
        self.overall += counts[0][0]
        for key, (_, texts), found in zip(self.keys, keyed, counts[1:], strict=True):
            table = self.counts[key]
            for t in np.flatnonzero(found[:, 0, :].sum(axis=1)):  # texts with rows
                text = texts[t]
                table[text] = table[text] + found[t] if text in table else found[t]

    def _add_scores(self, codes: np.ndarray, keyed: list[tuple[np.ndarray, list[str]]]) -> None:
        _, scores = composite_scores(self.schema, item_values(self.schema, codes))
        overall = (np.zeros(len(codes), dtype=np.int64), [""])
        for c in range(scores.shape[1]):
            ok = np.isfinite(scores[:, c])
            distinct, which = np.unique(scores[ok, c], return_inverse=True)
            for key, (index, texts) in zip([None, *self.keys], [overall, *keyed], strict=True):
                cell = index[ok] * len(distinct) + which
                found = np.bincount(cell, minlength=len(texts) * len(distinct))
                for at in np.flatnonzero(found):
                    t, s = divmod(int(at), len(distinct))
                    self.scores[(key, texts[t], c, float(distinct[s]))] += int(found[at])

    def drop_rows(self, keep: np.ndarray) -> None:
        """Forget rows tallied but then dropped (blank lines, all of whose cells are "")."""
        dropped = int((~keep).sum())
        if not dropped:
            return
        answered = np.concatenate(self.answered)
        self.answered = [answered[keep]]
        before = np.cumsum(~keep)  # rows dropped up to each position
        for entry in self.off_scale.values():
            entry[0] -= int(before[entry[0]])
        self.rows -= dropped
        if self.schema.invited is not None:
            blank = ItemCodes.of_codes(np.full((1, len(self.schema.items)), MISSING))
            self.rates[""][int(rate_kinds(self.schema.invited, blank)[0])] -= dropped

    def relabel_blank(self, key: str, text: str) -> None:
        """Count the rows under "" of `key` under `text` (a file's wave, from its name)."""
        table = self.counts.get(key, {})
        if "" in table:
            table[text] = table.pop("")
        for score_key in [k for k in self.scores if k[0] == key and k[1] == ""]:
            self.scores[(key, text, score_key[2], score_key[3])] = self.scores.pop(score_key)

    def merge(self, other: Tally) -> None:
        """Add the tally of rows that follow these (another file, stacked below)."""
        for found, (position, count) in other.off_scale.items():
            if found in self.off_scale:
                self.off_scale[found][1] += count
            else:
                self.off_scale[found] = [self.rows + position, count]
        self.rows += other.rows
        self.answered += other.answered
        self.columns = list(dict.fromkeys([*self.columns, *other.columns]))
        self.overall += other.overall
        for key, table in other.counts.items():
            mine = self.counts.setdefault(key, {})
            for text, more in table.items():
                mine[text] = mine[text] + more if text in mine else more
        for score_key, count in other.scores.items():
            self.scores[score_key] += count
        for total, more in zip(self.pairs, other.pairs, strict=True):
            total += more
        for text, kinds in other.rates.items():
            self.rates[text] = self.rates.get(text, np.zeros(3, np.int64)) + kinds

    def checks(self) -> ItemChecks:
        answered = np.concatenate(self.answered) if self.answered else np.zeros(0, bool)
        return ItemChecks(dict(self.off_scale), answered)

    def breakdown(self, group: Group) -> tuple[np.ndarray, list[str], dict[str, int]]:
        """(domains, items, width) counts of `group`'s domains, the domains' values, and the
        domain of each text tallied (-1: not listed; blank ones are a last domain ""), as
        `answers.code_groups`."""
        import pandas as pd

        from tpn_survey.analysis.coding import code_groups

        if group.column not in self.counts:
            raise ValueError(f"the tally has no counts by column {group.column!r}")
        table = self.counts[group.column]
        texts = list(table)
        tallied = pd.Series(texts, dtype=object)
        index, order = code_groups(tallied, group.values, blank=True)
        out = np.zeros((len(order), *self.overall.shape), dtype=np.int64)
        for text, domain in zip(texts, index, strict=True):
            if domain >= 0:
                out[domain] += table[text]
        if "" in order and not out[-1].any():  # only blank texts of rows that answer nothing
            out, order = out[:-1], order[:-1]
            index = np.where(index == len(order), -1, index)
        return out, order, {t: int(d) for t, d in zip(texts, index, strict=True)}

    def score_counts(
        self, key: str | None, domain_of: dict[str, int], n_domains: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(domains, composites, S) counts of each composite score and (composites, S) the
        scores (ascending; padded with zeros), for the breakdown by `key` (None: overall)."""
        names = list(self.schema.composites)
        distinct: list[list[float]] = [[] for _ in names]
        for column, _, c, score in self.scores:
            if column is None:
                distinct[c].append(score)
        distinct = [sorted(set(d)) for d in distinct]
        size = max((len(d) for d in distinct), default=0)
        points = np.zeros((len(names), size))
        for c, values in enumerate(distinct):
            points[c, : len(values)] = values
        slot = [{s: i for i, s in enumerate(d)} for d in distinct]
        out = np.zeros((n_domains, len(names), size), dtype=np.int64)
        for (column, text, c, score), count in self.scores.items():
            if column == key:
                domain = domain_of.get(text, -1)
                if domain >= 0:
                    out[domain, c, slot[c][score]] += count
        return out, points
