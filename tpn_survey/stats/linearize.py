"""Taylor linearization: per-(domain, PSU) sums of the estimating equations and the
variances R survey's `svyrecvar` / `onestrat` computes from them (Lumley 2010, ch. 2-3).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields

import numpy as np

from tpn_survey.stats.design import Design, Strata
from tpn_survey.stats.keys import unique_keys


@dataclass(frozen=True)
class PsuSums:
    """Sums over the valid rows of each (domain, PSU, column), kept for the (domain, PSU)
    cells that hold rows of the domain: memory grows with those cells, not with domains x
    PSUs.

    `cells` (m,): each cell's flat index domain * PSUs + PSU, ascending; `shape`: (domains,
    PSUs). `w`: weights, `wx`: weighted values, `n`: rows, each (k, m), one row per column.
    From these, every linearized estimate of a domain mean follows without another pass over
    rows. `spread` (domains, k) is the weighted sum of squared deviations from the domain's
    mean, for its standard deviation. `dense` lays a column out over every (domain, PSU), the
    absent ones zeros as R pads them, so sums over PSUs add the same terms in the same order
    as over a full array.
    """

    cells: np.ndarray
    shape: tuple[int, int]
    w: np.ndarray
    wx: np.ndarray
    n: np.ndarray
    spread: np.ndarray

    def dense(self, column: np.ndarray) -> np.ndarray:
        """One column's sums over every (domain, PSU): (domains, PSUs)."""
        out = np.zeros(self.shape[0] * self.shape[1])
        out[self.cells] = column
        return out.reshape(self.shape)

    def totals(self, name: str) -> np.ndarray:
        """Sums of `w`, `wx` or `n` over each domain's PSUs: (domains, k)."""
        values = getattr(self, name)
        out = np.zeros((self.shape[0], values.shape[0]))
        for j in range(values.shape[0]):
            out[:, j] = self.dense(values[j]).sum(axis=1)
        return out

    def degf(
        self, strata: Strata, pairs: tuple[np.ndarray, np.ndarray] | None = None
    ) -> np.ndarray:
        """R's degf of each domain's subset (domains, k), or of the union of the two domains
        of each pair (a, b): PSUs with a member minus strata with one."""
        k = self.n.shape[0]
        members = np.zeros((k, self.shape[0] * self.shape[1]), dtype=bool)  # a byte a cell
        members[:, self.cells] = self.n > 0
        grid = members.reshape(k, *self.shape).transpose(1, 2, 0)
        if pairs is not None:
            grid = grid[pairs[0]] | grid[pairs[1]]
        return strata.degf(grid)


@dataclass(frozen=True)
class RowSums:
    """`PsuSums` of a design whose PSUs are its rows, kept per (domain, stratum, column).

    A PSU total is then one row's influence value z_i = w_i (x_i - m) / W (m the domain's
    mean, W its weight), so the variance needs only each stratum's sum of w_i (x_i - m)
    (`dev`) and of its square (`dev2`): sums of deviations, not raw moments, so a domain
    whose values are all equal has no spread at all rather than rounding noise. `w`, `wx`,
    `n` and `spread` are as in `PsuSums`, by stratum: (domains, strata, k), not
    (domains, rows, k).
    """

    w: np.ndarray
    wx: np.ndarray
    n: np.ndarray
    spread: np.ndarray
    dev: np.ndarray
    dev2: np.ndarray

    def totals(self, name: str) -> np.ndarray:
        """Sums of `w`, `wx` or `n` over each domain's strata: (domains, k)."""
        return np.asarray(getattr(self, name).sum(axis=1))

    def degf(
        self, strata: Strata, pairs: tuple[np.ndarray, np.ndarray] | None = None
    ) -> np.ndarray:
        """As `PsuSums.degf`; here the PSUs with a member are the rows themselves."""
        n = self.n if pairs is None else self.n[pairs[0]] + self.n[pairs[1]]
        return np.asarray(np.rint(n).sum(axis=-2) - (n > 0).sum(axis=-2)).astype(np.int64)


Sums = PsuSums | RowSums


def concat_sums(first: Sums, second: Sums) -> Sums:
    """Sums of the columns of `first`, then those of `second` (same domains and design)."""
    if type(first) is not type(second):
        raise ValueError("cannot join PSU sums of different designs")
    if isinstance(first, PsuSums) and isinstance(second, PsuSums):
        if first.shape != second.shape or not np.array_equal(first.cells, second.cells):
            raise ValueError("cannot join PSU sums of different domains")
        return PsuSums(
            cells=first.cells,
            shape=first.shape,
            w=np.concatenate([first.w, second.w]),
            wx=np.concatenate([first.wx, second.wx]),
            n=np.concatenate([first.n, second.n]),
            spread=np.concatenate([first.spread, second.spread], axis=-1),
        )
    assert isinstance(first, RowSums) and isinstance(second, RowSums)
    joined = {
        f.name: np.concatenate([getattr(first, f.name), getattr(second, f.name)], axis=-1)
        for f in fields(first)
    }
    return RowSums(**joined)


def _row_sums(
    design: Design,
    domain: np.ndarray,
    n_domains: int,
    valid: np.ndarray,
    values: np.ndarray,
) -> RowSums:
    """`psu_sums` of a design whose PSUs are its rows: sums by (domain, stratum), in two
    passes per column (the domain means, then the deviations from them)."""
    n_strata = int(design.strata.max()) + 1
    size = n_domains * n_strata
    rows = np.flatnonzero(domain >= 0)
    d = domain[rows]
    key = d * n_strata + design.strata[rows]
    w = design.weights[rows]
    k = valid.shape[1]
    names = ("w", "wx", "n", "dev", "dev2")
    out = {name: np.zeros((k, size)) for name in names}
    spread = np.zeros((n_domains, k))
    for j in range(k):
        v = valid[rows, j]
        x = np.where(v, values[rows, j], 0.0).astype(np.float64)
        wv = w * v
        wx = wv * x
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.bincount(d, weights=wx, minlength=n_domains) / np.bincount(
                d, weights=wv, minlength=n_domains
            )
        dev = wv * (x - np.nan_to_num(mean)[d])
        out["w"][j] = np.bincount(key, weights=wv, minlength=size)
        out["wx"][j] = np.bincount(key, weights=wx, minlength=size)
        out["n"][j] = np.bincount(key, weights=v, minlength=size)
        out["dev"][j] = np.bincount(key, weights=dev, minlength=size)
        out["dev2"][j] = np.bincount(key, weights=dev * dev, minlength=size)
        spread[:, j] = np.bincount(
            d, weights=dev * (x - np.nan_to_num(mean)[d]), minlength=n_domains
        )
    shaped = {
        name: arr.reshape(k, n_domains, n_strata).transpose(1, 2, 0) for name, arr in out.items()
    }
    return RowSums(spread=spread, **shaped)


def _coded_row_sums(
    weighted: np.ndarray, squared: np.ndarray, counted: np.ndarray, valid: np.ndarray, x: np.ndarray
) -> RowSums:
    """RowSums from sums per (domain, stratum, item, code) of w, w^2 and rows, for values
    `x` (items, codes) of the valid codes (`valid`, items x codes)."""
    w = (weighted * valid).sum(axis=-1)
    wx = (weighted * valid * x).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = wx.sum(axis=1) / w.sum(axis=1)  # (domains, k)
    deviation = np.where(valid, x - np.nan_to_num(mean)[:, None, :, None], 0.0)
    return RowSums(
        w=w,
        wx=wx,
        n=(counted * valid).sum(axis=-1).astype(np.float64),
        spread=(weighted.sum(axis=1) * deviation[:, 0] ** 2).sum(axis=-1),
        dev=(weighted * deviation).sum(axis=-1),
        dev2=(squared * deviation * deviation).sum(axis=-1),
    )


def psu_sums(
    design: Design,
    domain: np.ndarray,
    n_domains: int,
    valid: np.ndarray,
    values: np.ndarray,
    squares: bool = False,
) -> Sums:
    """Grouped sums by (domain, PSU) with one bincount per column and sum.

    valid: (n, k) bool; values: (n, k) numbers (bool for proportions), used where valid.
    Rows with domain -1 are in no domain. `spread` is only summed (a second pass over the
    rows, from the domain means) when `squares` is asked for. A design whose PSUs are its rows gets `RowSums` (the same sums by stratum).
    """
    if design.rows_are_psus:
        return _row_sums(design, domain, n_domains, valid, values)
    n_clusters = int(design.clusters.max()) + 1
    inside = domain >= 0
    rows: slice | np.ndarray = slice(None) if inside.all() else np.flatnonzero(inside)
    key = domain[rows] * n_clusters + design.clusters[rows]
    cells, cell = unique_keys(key, n_domains * n_clusters)
    w = design.weights[rows]
    # Column-major copies make each column contiguous for the loop below.
    valid = np.asfortranarray(valid[rows])
    values = np.asfortranarray(values[rows])
    zero_one = values.dtype == bool
    k = valid.shape[1]
    sums = PsuSums(
        cells=cells,
        shape=(n_domains, n_clusters),
        w=np.zeros((k, cells.size)),
        wx=np.zeros((k, cells.size)),
        n=np.zeros((k, cells.size)),
        spread=np.zeros((n_domains, k)),
    )
    d = domain[rows]
    for j in range(k):  # column by column: no (rows x items) float temporaries
        v = valid[:, j]
        wv = w * v
        sums.n[j] = np.bincount(cell, weights=v, minlength=cells.size)
        sums.w[j] = np.bincount(cell, weights=wv, minlength=cells.size)
        x = values[:, j] & v if zero_one else np.where(v, values[:, j], 0.0)
        wx = w * x if zero_one else wv * x
        sums.wx[j] = np.bincount(cell, weights=wx, minlength=cells.size)
        if squares:
            with np.errstate(divide="ignore", invalid="ignore"):
                mean = sums.dense(sums.wx[j]).sum(axis=1) / sums.dense(sums.w[j]).sum(axis=1)
            deviation = np.where(v, x - np.nan_to_num(mean)[d], 0.0)
            sums.spread[:, j] = np.bincount(d, weights=wv * deviation**2, minlength=n_domains)
    return sums


SUMS_BUDGET = 16 * 2**20
"""Bytes of PSU sums (4 float columns an item over the occupied cells) the analysis has
`coded_psu_chunks` make at a time: with many PSUs, a few items at a time."""


def coded_psu_sums(
    design: Design,
    domain: np.ndarray,
    n_domains: int,
    codes: np.ndarray,
    valid: np.ndarray,
    positive: np.ndarray,
    points: np.ndarray,
    shift: int = 0,
) -> tuple[Sums, Sums, np.ndarray]:
    """`psu_sums` of coded answers for proportions and for means at once, every item in one
    go: `coded_psu_chunks` with no limit on the size of the sums."""
    chunks = coded_psu_chunks(design, domain, n_domains, codes, valid, positive, points, shift)
    ((_, rate, mean, slot_counts),) = chunks
    return rate, mean, slot_counts


def coded_psu_chunks(
    design: Design,
    domain: np.ndarray,
    n_domains: int,
    codes: np.ndarray,
    valid: np.ndarray,
    positive: np.ndarray,
    points: np.ndarray,
    shift: int = 0,
    budget: int | None = None,
) -> Iterator[tuple[slice, Sums, Sums, np.ndarray]]:
    """`psu_sums` of coded answers for proportions and for means at once, a few items at a
    time: (the items, sums for the rate of positive answers, sums for the mean of the points,
    the unweighted count of each slot per (domain, item, slot)), the sums of one chunk of
    items no larger than `budget` bytes (None: every item at once).

    codes: (n, k) category codes, slot = code + `shift` (0 is the first of `width` slots);
    valid, positive: (k, width) masks of those slots; points: (k, width) each slot's value.
    One weighted and one unweighted bincount per item over (domain, PSU, code) give every
    sum. Where the rows are the PSUs, the bincounts are over (domain, stratum, code), with one
    more for the squared weights, and the sums, as small as the strata, come in one chunk.
    """
    by_row = design.rows_are_psus
    unit = design.strata if by_row else design.clusters
    n_units = int(unit.max()) + 1
    size = n_domains * n_units
    k, width = valid.shape
    inside = domain >= 0
    rows: slice | np.ndarray = slice(None) if inside.all() else np.flatnonzero(inside)
    pair_key = domain[rows] * n_units + unit[rows]
    key = pair_key * width + shift
    w = design.weights[rows]
    if not isinstance(rows, slice):
        codes = np.asfortranarray(codes[rows])
    if by_row:
        shape = (n_domains, n_units, k, width)
        weighted, squared, counted = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        for j in range(k):
            cell = key + codes[:, j]
            per = (n_domains, n_units, width)
            weighted[:, :, j] = np.bincount(cell, weights=w, minlength=size * width).reshape(per)
            squared[:, :, j] = np.bincount(cell, weights=w * w, minlength=size * width).reshape(per)
            counted[:, :, j] = np.bincount(cell, minlength=size * width).reshape(per)
        slot_counts = counted.sum(axis=1).astype(np.int64)
        rate_rows = _coded_row_sums(weighted, squared, counted, valid, positive.astype(np.float64))
        mean_rows = _coded_row_sums(weighted, squared, counted, valid, points)
        yield slice(0, k), rate_rows, mean_rows, slot_counts
        return

    # Weighted sums over the occupied (domain, PSU) pairs only, not over domains x PSUs: the
    # work grows with the rows, not with the PSUs. Each cell adds its rows in the same order,
    # and the products over slots are the same BLAS products row by row, so every sum is the
    # same to the last bit (tests/test_linearize_fast.py). Counts are integers, exact in any
    # order: each cell's count of rows gives its PSU's and its domain's.
    occupied, pair = unique_keys(pair_key, size)
    cells = pair * width + shift
    n_cells = occupied.size * width
    slot_of = ((occupied // n_units)[:, None] * width + np.arange(width)).reshape(-1)
    n_slots = n_domains * width
    counts_as = valid.astype(np.float64)  # a float product: BLAS, and exact for counts
    # The occupied pairs are sorted by domain: each domain's cells are one run.
    in_use, starts = np.unique(occupied // n_units, return_index=True)
    cell = np.empty_like(cells)  # one buffer for every item's cells: no new pages each time
    grid = (n_domains, n_units)
    step = k if budget is None else max(1, budget // (4 * 8 * max(occupied.size, 1)))
    for first in range(0, k, step) if k else [0]:  # no items: one empty chunk
        items = slice(first, min(first + step, k))
        m = items.stop - first
        out = {name: np.zeros((m, occupied.size)) for name in ("n", "w", "wy", "wx")}
        by_domain = np.zeros((n_domains, m, width))  # weight of each code in each domain
        slot_counts = np.zeros((n_domains, m, width), dtype=np.int64)
        for i, j in enumerate(range(first, items.stop)):
            np.add(cells, codes[:, j], out=cell)
            summed = np.bincount(cell, weights=w, minlength=n_cells).reshape(-1, width)
            in_cell = np.bincount(cell, minlength=n_cells).reshape(-1, width)
            value = np.where(valid[j], points[j], 0.0)
            out["n"][i] = in_cell @ counts_as[j]
            # Products straight into their rows: no temporary array, no fresh pages to fault in.
            np.matmul(summed, valid[j], out=out["w"][i])
            np.matmul(summed, positive[j], out=out["wy"][i])
            np.matmul(summed, value, out=out["wx"][i])
            # PSU after PSU, as the sum over all PSUs adds them (the absent ones add zeros).
            by_domain[:, i] = np.bincount(slot_of, summed.reshape(-1), n_slots).reshape(-1, width)
            if starts.size:
                slot_counts[in_use, i] = np.add.reduceat(in_cell, starts, axis=0)
        # The spread of 0/1 answers is not asked for; that of the points follows from the means.
        rate = PsuSums(occupied, grid, out["w"], out["wy"], out["n"], np.zeros((n_domains, m)))
        mean = PsuSums(occupied, grid, out["w"], out["wx"], out["n"], np.zeros((n_domains, m)))
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_value = mean.totals("wx") / mean.totals("w")  # (domains, m)
        deviation = np.where(valid[items], points[items] - np.nan_to_num(mean_value)[..., None], 0)
        mean.spread[:] = (by_domain * deviation**2).sum(axis=-1)
        yield items, rate, mean, slot_counts
        del out, rate, mean  # freed before the next chunk's sums are made


def ratio_variance(
    strata: Strata, sums: Sums, ratio: np.ndarray, total_w: np.ndarray
) -> np.ndarray:
    """R's one-stage variance of the domain ratios sum(w x) / sum(w) (domains, k).

    Influence values z_i = w_i (x_i - ratio) / total_w on the domain's valid rows, 0 elsewhere;
    with PSU totals t_c of z: sum_h scale_h sum_{c in h} (t_c - mean_h t)^2. Where the rows
    are the PSUs that is sum_h scale_h (S2_h - S1_h^2 / n_h), S1 and S2 the stratum's sums of
    z and z^2, both from `RowSums`.
    """
    if isinstance(sums, PsuSums):
        return strata.column_variance(total_w.shape[:-1], _psu_totals(sums, ratio, total_w))
    s1, s2 = _influence_moments(sums, total_w)
    return strata.row_variance(s1, s2)


def variance_squares(
    strata: Strata, sums: PsuSums, ratio: np.ndarray, total_w: np.ndarray
) -> list[np.ndarray]:
    """`ratio_variance` of a cluster design up to its last step: each column's
    `Strata.column_squares` of its PSU totals, for `Strata.product`."""
    return [strata.column_squares(t) for t in _psu_totals(sums, ratio, total_w)]


def _psu_totals(sums: PsuSums, ratio: np.ndarray, total_w: np.ndarray) -> Iterator[np.ndarray]:
    """The PSU totals t = (wx - ratio w) / total_w of each column k, (domains, PSUs): one
    column at a time, so no (domains, PSUs, k) temporaries (the same arithmetic, element by
    element, as on the whole array)."""
    for j in range(total_w.shape[-1]):
        wx, w = sums.dense(sums.wx[j]), sums.dense(sums.w[j])
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (wx - ratio[:, None, j] * w) / total_w[:, None, j]
        yield np.nan_to_num(t, copy=False)


def _influence_moments(sums: RowSums, total_w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per (domain, stratum, k): sums of z and of z^2 (their deviations are from the
    domain's own mean, the ratio being estimated)."""
    big_w = total_w[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        s1 = sums.dev / big_w
        s2 = sums.dev2 / (big_w * big_w)
    return np.nan_to_num(s1), np.nan_to_num(s2)


def difference_variance(
    strata: Strata,
    sums: Sums,
    ratio: np.ndarray,
    total_w: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
) -> np.ndarray:
    """Variance of ratio[a] - ratio[b] for pairs of domains of one grouping (disjoint), as
    `ratio_variance` of the influence values z_a - z_b. Rows as PSUs: a row is in a or in b,
    never both, so S2 of the difference is S2_a + S2_b."""
    if isinstance(sums, PsuSums):
        differences = (t[a] - t[b] for t in _psu_totals(sums, ratio, total_w))
        return strata.column_variance((len(a),), differences)
    s1, s2 = _influence_moments(sums, total_w)
    return strata.row_variance(s1[a] - s1[b], s2[a] + s2[b])
