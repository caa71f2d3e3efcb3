"""Design-based proportions by Taylor linearization, equal to R survey 4.x.

A `Design` is a one-stage stratified cluster sample with weights and an optional finite
population correction, as `svydesign(ids=~cluster, strata=~stratum, weights=~w, fpc=~fpc)`.
`domain_proportions` gives, for every item and domain at once, what
`svyciprop(~I(x %in% positive), subset(design, x valid & in domain), method, level)` gives
(Lumley 2010, *Complex Surveys*, ch. 2-3; R survey source: `svymean.survey.design2`,
`svyrecvar`, `onestrat`, `degf.survey.design2`, `svyciprop`), except that rates of exactly
0 or 1 get the Korn-Graubard rule of DESIGN.md.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tpn_survey.errors import DesignError
from tpn_survey.stats import dist

METHODS = ("logit", "beta", "wald")

# R's onestrat() drops a stratum whose (1 - f) is below this (a census stratum).
_CENSUS_TOLERANCE = 1e-7


@dataclass(frozen=True)
class Design:
    """A one-stage design: per-row weight, stratum code, PSU code, sampling fraction.

    `clusters` are codes 0..C-1 unique across strata (each PSU lies in one stratum);
    `fpc` is the sampling fraction f_h = n_h / N_h of the row's stratum, or None (f = 0).
    """

    weights: np.ndarray
    strata: np.ndarray
    clusters: np.ndarray
    fpc: np.ndarray | None
    rows_are_psus: bool = False  # no cluster column: each row is its own PSU


@dataclass(frozen=True)
class DesignProportions:
    """Estimates per domain and item; every array has shape (n_domains, n_items).

    `df` is R's `degf()` of the domain design (PSUs with a valid member minus strata with
    one). `n_effective` is rate * (1 - rate) / se^2, the n_eff of `svyciprop(method="beta")`
    before its df rescaling (n for rates of 0 or 1, the rule's n_eff). `deff` is
    se^2 / (rate * (1 - rate) / (n - 1)) = (n - 1) / n_effective, which is R's
    `svymean(..., deff="replace")` for the domain: the design variance over the variance of a
    simple random sample of n drawn with replacement, with R's n / (n - 1) in the weighted
    element variance. It is NaN for rates of 0 or 1 (0 / 0). Where df <= 0 (e.g. a domain
    in one PSU) the variance is not estimable: R reports rounding noise as se (~1e-17); tpn
    keeps that se but gives NaN deff, n_effective and interval.
    """

    n: np.ndarray
    positive: np.ndarray
    rate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    df: np.ndarray
    deff: np.ndarray
    n_effective: np.ndarray


def _codes(labels: npt.ArrayLike, n: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Factorize labels into codes 0..K-1 (sorted), rejecting missing labels.

    A pandas Categorical with sorted categories is taken as already factorized."""
    if isinstance(labels, pd.Categorical):
        if len(labels) != n:
            raise DesignError(f"{what} has {len(labels)} values for {n} rows")
        codes = np.asarray(labels.codes)
        uniques: Any = labels.categories
    else:
        values = np.asarray(labels, dtype=object)
        if values.shape != (n,):
            raise DesignError(f"{what} has {values.size} values for {n} rows")
        codes, uniques = pd.factorize(pd.Series(values), sort=True)
    if (codes < 0).any():
        row = int(np.flatnonzero(codes < 0)[0])
        raise DesignError(f"{what} is missing in row {row + 1}")
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def make_design(
    n: int,
    weights: npt.ArrayLike | None = None,
    strata: npt.ArrayLike | None = None,
    clusters: npt.ArrayLike | None = None,
    fpc: npt.ArrayLike | None = None,
) -> Design:
    """Build a `Design` as R's `svydesign()` does (with nest=FALSE, lonely.psu="fail").

    strata / clusters: labels of any type, or None (one stratum / each row its own PSU).
    fpc: population count of first-stage units in the stratum (PSUs in a cluster design,
    people otherwise), or a sampling fraction when every value is <= 1 (R's `as.fpc`).
    weights: None gives N_h / n_h when fpc is given, else 1 (R's default).
    Raises DesignError where R stops, and also where R only warns (fpc varying in a stratum).
    """
    if n < 2:
        raise DesignError(f"a design needs at least 2 rows, not {n}")
    if strata is None:
        stratum = np.zeros(n, dtype=np.int64)
        stratum_labels = np.array([1], dtype=object)
    else:
        stratum, stratum_labels = _codes(strata, n, "stratum")
    if clusters is None:
        cluster = np.arange(n, dtype=np.int64)
        cluster_labels = np.arange(1, n + 1).astype(object)
    else:
        cluster, cluster_labels = _codes(clusters, n, "cluster")
    n_clusters = int(cluster.max()) + 1
    n_strata = int(stratum.max()) + 1

    pairs = np.unique(cluster * n_strata + stratum)
    pair_cluster = pairs // n_strata
    if pairs.size > n_clusters:
        bad = pair_cluster[np.flatnonzero(np.diff(pair_cluster) == 0)[0]]
        raise DesignError(
            f"cluster {cluster_labels[bad]!r} is in more than one stratum; "
            "cluster ids must be unique across strata"
        )
    cluster_stratum = pairs % n_strata
    n_psu = np.bincount(cluster_stratum, minlength=n_strata)
    if (n_psu < 2).any():
        label = stratum_labels[int(np.flatnonzero(n_psu < 2)[0])]
        raise DesignError(
            f"stratum {label!r} has only one PSU, so its variance cannot be estimated"
            if strata is not None
            else "the design has only one PSU, so no variance can be estimated"
        )
    rows_psu = n_psu[stratum].astype(np.float64)

    fraction: np.ndarray | None = None
    given_as_fraction = False
    if fpc is not None:
        values = np.broadcast_to(np.asarray(fpc, dtype=np.float64), (n,)).copy()
        if not np.isfinite(values).all() or (values <= 0).any():
            raise DesignError("fpc must be a positive finite number in every row")
        low = np.full(n_strata, np.inf)
        high = np.full(n_strata, -np.inf)
        np.minimum.at(low, stratum, values)
        np.maximum.at(high, stratum, values)
        if (low != high).any():
            label = stratum_labels[int(np.flatnonzero(low != high)[0])]
            raise DesignError(f"fpc varies within stratum {label!r}")
        if (values <= 1).all():
            fraction, given_as_fraction = values, True
        elif (values >= 1).all():
            if (values < rows_psu).any():
                h = int(stratum[np.flatnonzero(values < rows_psu)[0]])
                raise DesignError(
                    f"fpc {high[h]:g} of stratum {stratum_labels[h]!r} is smaller than "
                    f"the {n_psu[h]} PSUs sampled in it"
                )
            fraction = rows_psu / values
        else:
            raise DesignError("fpc must be all population counts (>= 1) or all fractions (<= 1)")

    if weights is None:
        if fpc is None:
            w = np.ones(n)
        elif given_as_fraction:
            w = 1.0 / values
        else:
            w = values / rows_psu
    else:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (n,):
            raise DesignError(f"weights has {w.size} values for {n} rows")
        if not np.isfinite(w).all() or (w <= 0).any():
            row = int(np.flatnonzero(~(np.isfinite(w) & (w > 0)))[0])
            raise DesignError(f"weights must be positive and finite (row {row + 1}: {w[row]})")
    return Design(
        weights=w, strata=stratum, clusters=cluster, fpc=fraction, rows_are_psus=clusters is None
    )


@dataclass(frozen=True)
class PsuSums:
    """Sums over the valid rows of each (domain, PSU, column): arrays (domains, PSUs, k).

    `w`: weights, `wx`: weighted values, `n`: rows. From these, every linearized estimate of
    a domain mean follows without another pass over rows. `spread` (domains, k) is the
    weighted sum of squared deviations from the domain's mean, for its standard deviation.
    """

    w: np.ndarray
    wx: np.ndarray
    n: np.ndarray
    spread: np.ndarray


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


Sums = PsuSums | RowSums


def concat_sums(first: Sums, second: Sums) -> Sums:
    """Sums of the columns of `first`, then those of `second` (same domains and design)."""
    if type(first) is not type(second):
        raise ValueError("cannot join PSU sums of different designs")
    joined = {
        f.name: np.concatenate([getattr(first, f.name), getattr(second, f.name)], axis=-1)
        for f in fields(first)
    }
    return type(first)(**joined)


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
    size = n_domains * n_clusters
    inside = domain >= 0
    rows: slice | np.ndarray = slice(None) if inside.all() else np.flatnonzero(inside)
    key = domain[rows] * n_clusters + design.clusters[rows]
    w = design.weights[rows]
    # Column-major copies make each column contiguous for the loop below.
    valid = np.asfortranarray(valid[rows])
    values = np.asfortranarray(values[rows])
    zero_one = values.dtype == bool
    k = valid.shape[1]
    out = {name: np.zeros((k, size)) for name in ("w", "wx", "n")}
    spread = np.zeros((n_domains, k))
    d = domain[rows]
    for j in range(k):  # column by column: no (rows x items) float temporaries
        v = valid[:, j]
        wv = w * v
        out["n"][j] = np.bincount(key, weights=v, minlength=size)
        out["w"][j] = np.bincount(key, weights=wv, minlength=size)
        x = values[:, j] & v if zero_one else np.where(v, values[:, j], 0.0)
        wx = w * x if zero_one else wv * x
        out["wx"][j] = np.bincount(key, weights=wx, minlength=size)
        if squares:
            totals = out["wx"][j].reshape(n_domains, -1).sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                mean = np.nan_to_num(totals / out["w"][j].reshape(n_domains, -1).sum(axis=1))
            deviation = np.where(v, x - mean[d], 0.0)
            spread[:, j] = np.bincount(d, weights=wv * deviation**2, minlength=n_domains)
    shaped = {
        name: arr.reshape(k, n_domains, n_clusters).transpose(1, 2, 0) for name, arr in out.items()
    }
    return PsuSums(spread=spread, **shaped)


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
    """`psu_sums` of coded answers for proportions and for means at once.

    codes: (n, k) category codes, slot = code + `shift` (0 is the first of `width` slots);
    valid, positive: (k, width) masks of those slots; points: (k, width) each slot's value.
    One weighted and one unweighted bincount per item over (domain, PSU, code) give every
    sum: (sums for the rate of positive answers, sums for the mean of the points, the
    unweighted count of each slot per (domain, item, slot)). Where the rows are the PSUs,
    the bincounts are over (domain, stratum, code), with one more for the squared weights.
    """
    by_row = design.rows_are_psus
    unit = design.strata if by_row else design.clusters
    n_units = int(unit.max()) + 1
    size = n_domains * n_units
    k, width = valid.shape
    inside = domain >= 0
    rows: slice | np.ndarray = slice(None) if inside.all() else np.flatnonzero(inside)
    key = (domain[rows] * n_units + unit[rows]) * width + shift
    w = design.weights[rows]
    if not isinstance(rows, slice):
        codes = np.asfortranarray(codes[rows])
    slot_counts = np.zeros((n_domains, k, width), dtype=np.int64)
    if by_row:
        shape = (n_domains, n_units, k, width)
        weighted, squared, counted = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        for j in range(k):
            cell = key + codes[:, j]
            per = (n_domains, n_units, width)
            weighted[:, :, j] = np.bincount(cell, weights=w, minlength=size * width).reshape(per)
            squared[:, :, j] = np.bincount(cell, weights=w * w, minlength=size * width).reshape(per)
            counted[:, :, j] = np.bincount(cell, minlength=size * width).reshape(per)
        slot_counts[:] = counted.sum(axis=1)
        rate = _coded_row_sums(weighted, squared, counted, valid, positive.astype(np.float64))
        mean = _coded_row_sums(weighted, squared, counted, valid, points)
        return rate, mean, slot_counts

    names = ("n", "w", "wy", "wx")
    out = {name: np.zeros((k, size)) for name in names}
    by_domain = np.zeros((n_domains, k, width))  # weight of each code in each domain
    for j in range(k):
        cell = key + codes[:, j]
        summed = np.bincount(cell, weights=w, minlength=size * width).reshape(size, width)
        counted_j = np.bincount(cell, minlength=size * width).reshape(size, width)
        value = np.where(valid[j], points[j], 0.0)
        out["n"][j] = counted_j @ valid[j]
        out["w"][j] = summed @ valid[j]
        out["wy"][j] = summed @ positive[j]
        out["wx"][j] = summed @ value
        by_domain[:, j] = summed.reshape(n_domains, n_units, width).sum(axis=1)
        slot_counts[:, j] = counted_j.reshape(n_domains, n_units, width).sum(axis=1)
    shaped = {
        name: arr.reshape(k, n_domains, n_units).transpose(1, 2, 0) for name, arr in out.items()
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = shaped["wx"].sum(axis=1) / shaped["w"].sum(axis=1)  # (domains, k)
    deviation = np.where(valid, points - np.nan_to_num(mean)[:, :, None], 0.0)
    spread = (by_domain * deviation**2).sum(axis=-1)
    zeros = np.zeros_like(spread)  # the spread of 0/1 answers is not asked for
    rate_sums = PsuSums(w=shaped["w"], wx=shaped["wy"], n=shaped["n"], spread=zeros)
    mean_sums = PsuSums(w=shaped["w"], wx=shaped["wx"], n=shaped["n"], spread=spread)
    return rate_sums, mean_sums, slot_counts


def ratio_variance(
    strata: Strata, sums: Sums, ratio: np.ndarray, total_w: np.ndarray
) -> np.ndarray:
    """R's one-stage variance of the domain ratios sum(w x) / sum(w) (domains, k).

    Influence values z_i = w_i (x_i - ratio) / total_w on the domain's valid rows, 0 elsewhere;
    with PSU totals t_c of z: sum_h scale_h sum_{c in h} (t_c - mean_h t)^2. Where the rows
    are the PSUs that is sum_h scale_h (S2_h - S1_h^2 / n_h), S1 and S2 the stratum's sums of
    z and z^2, both from `RowSums`.
    """
    s1, s2 = _influence_moments(sums, total_w)
    if s1 is None or s2 is None:
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (sums.wx - ratio[:, None, :] * sums.w) / total_w[:, None, :]
        return strata.variance(np.nan_to_num(t))
    return strata.row_variance(s1, s2)


def _influence_moments(
    sums: Sums, total_w: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | tuple[None, None]:
    """Per (domain, stratum, k): sums of z and of z^2 (RowSums only: their deviations are
    from the domain's own mean, the ratio being estimated)."""
    if not isinstance(sums, RowSums):
        return None, None
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
    s1, s2 = _influence_moments(sums, total_w)
    if s1 is None or s2 is None:
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.nan_to_num((sums.wx - ratio[:, None, :] * sums.w) / total_w[:, None, :])
        return strata.variance(t[a] - t[b])
    return strata.row_variance(s1[a] - s1[b], s2[a] + s2[b])


def domain_degf(strata: Strata, counts: np.ndarray, by_row: bool) -> np.ndarray:
    """R's degf of each domain's subset: PSUs with a member minus strata with one.

    counts: (..., units, k) valid rows per PSU, or per stratum where the rows are the PSUs
    (`by_row`; then the PSUs with a member are the rows themselves)."""
    members = counts > 0
    if by_row:
        return np.rint(counts).sum(axis=-2) - members.sum(axis=-2)
    return strata.degf(members)


@dataclass(frozen=True)
class Strata:
    """What the one-stage variance needs of the design: each PSU's stratum, PSUs per stratum,
    and R's factor (1 - f_h) n_h / (n_h - 1) (0 for a census stratum)."""

    of_psu: np.ndarray
    n_psu: np.ndarray
    scale: np.ndarray

    @classmethod
    def of(cls, design: Design) -> Strata:
        n_strata = int(design.strata.max()) + 1
        n_clusters = int(design.clusters.max()) + 1
        of_psu = np.zeros(n_clusters, dtype=np.int64)
        of_psu[design.clusters] = design.strata
        n_psu = np.bincount(of_psu, minlength=n_strata).astype(np.float64)
        f = np.zeros(n_strata)
        if design.fpc is not None:
            f[design.strata] = design.fpc
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = (1 - f) * n_psu / (n_psu - 1)
        scale[(1 - f) < _CENSUS_TOLERANCE] = 0.0
        return cls(of_psu=of_psu, n_psu=n_psu, scale=scale)

    def _sum_by_stratum(self, flat: np.ndarray) -> np.ndarray:
        """Sums of the rows of `flat` (PSUs, m) within each stratum: (strata, m)."""
        order = np.argsort(self.of_psu, kind="stable")
        sizes = self.n_psu.astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        present = sizes > 0
        out = np.zeros((sizes.size, flat.shape[1]), dtype=flat.dtype)
        if present.any():
            out[present] = np.add.reduceat(flat[order], starts[present], axis=0)
        return out

    def variance(self, totals: np.ndarray) -> np.ndarray:
        """R's svyrecvar one-stage variance from PSU totals (..., PSUs, k) of the influence
        values: sum_h scale_h sum_{c in h} (t_c - mean_h t)^2, over every PSU of the design."""
        moved = np.moveaxis(totals, -2, 0)  # (PSUs, ..., k)
        flat = moved.reshape(moved.shape[0], -1)
        mean = self._sum_by_stratum(flat) / self.n_psu[:, None]
        squares = self._sum_by_stratum((flat - mean[self.of_psu]) ** 2)
        return (self.scale @ squares).reshape(moved.shape[1:])

    def row_variance(self, s1: np.ndarray, s2: np.ndarray) -> np.ndarray:
        """`variance` where the rows are the PSUs, from each stratum's sums of the influence
        values (s1) and of their squares (s2), both (..., strata, k)."""
        spread = s2 - s1 * s1 / self.n_psu[:, None]
        # A stratum whose PSUs have equal values has no spread: rounding only, never < 0.
        spread = np.maximum(spread, 0.0)
        return np.einsum("h,...hk->...k", self.scale, spread)

    def degf(self, members: np.ndarray) -> np.ndarray:
        """R's degf of a subset: PSUs with a member minus strata with one; members is a bool
        array (..., PSUs, k)."""
        moved = np.moveaxis(members, -2, 0)
        flat = moved.reshape(moved.shape[0], -1).astype(np.int64)
        strata_with = (self._sum_by_stratum(flat) > 0).sum(axis=0)
        return (flat.sum(axis=0) - strata_with).reshape(moved.shape[1:])


def _zero_one_interval(
    is_one: np.ndarray, n: np.ndarray, df: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """DESIGN.md's rule for rates of exactly 0 or 1 (Korn & Graubard 1998, n_eff = n).

    n_eff = n * (qt(a/2, n - 1) / qt(a/2, df))^2; rate 1: [qbeta(a/2, n_eff, 1), 1];
    rate 0: [0, qbeta(1 - a/2, 1, n_eff)]. NaN where n < 2 or df <= 0.
    """
    alpha = 1 - level
    ok = (n >= 2) & (df > 0)
    ratio = dist.t_ppf(alpha / 2, np.where(ok, n - 1, 1)) / dist.t_ppf(
        alpha / 2, np.where(ok, df, 1)
    )
    n_eff = np.where(ok, n * ratio**2, np.nan)
    low = np.where(is_one, dist.beta_ppf(alpha / 2, n_eff, 1), 0.0)
    high = np.where(is_one, 1.0, dist.beta_ppf(1 - alpha / 2, 1, n_eff))
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan)


def domain_proportions(
    design: Design,
    positive: npt.ArrayLike,
    valid: npt.ArrayLike,
    domain: npt.ArrayLike,
    n_domains: int,
    method: str = "logit",
    level: float = 0.95,
) -> DesignProportions:
    """Weighted proportions with CIs for every (domain, item), as R's svyciprop on a subset.

    positive, valid: (n, k) bool, positive implying valid. domain: (n,) codes 0..n_domains-1,
    or -1 for rows in no domain. Rate p = sum(w y) / sum(w) over valid rows of the domain.
    Variance (Taylor linearization, R's svyrecvar/onestrat): with z_i = w_i (y_i - p) / sum(w)
    for the domain's valid rows and 0 elsewhere, and t_c the PSU totals of z (absent PSUs are
    zeros, as R pads them), var = sum_h (1 - f_h) n_h / (n_h - 1) sum_c (t_c - mean_h t)^2,
    n_h the PSUs of stratum h in the full design. df = PSUs with a valid member in the domain
    minus strata with one (R's degf of the subset). Intervals, t = qt(1 - a/2, df):
    "wald" (R's "mean"): p +- t se, not clipped; "logit": expit(logit(p) +- t se / (p (1 - p)))
    (R fits svyglm(quasibinomial), whose intercept variance is exactly this); "beta"
    (Korn & Graubard 1998): n_eff = p (1 - p) / se^2 * (qt(a/2, n - 1) / qt(a/2, df))^2,
    [qbeta(a/2, n_eff p, n_eff (1 - p) + 1), qbeta(1 - a/2, n_eff p + 1, n_eff (1 - p))].
    Rates of exactly 0 or 1 use `_zero_one_interval` for every method. n == 0 gives NaN
    rate and interval; df <= 0 gives a NaN interval (R gives NaN too). One known difference:
    R's logit interval converts the t level to a normal one, 1 - 2 pnorm(qt(a/2, df)), which
    rounds to 1 when df = 1 and level = 0.95, giving a NaN upper limit; tpn gives the exact t
    interval.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    positive = np.asarray(positive, dtype=bool)
    valid = np.asarray(valid, dtype=bool)
    domain = np.asarray(domain, dtype=np.int64)
    n_rows = design.weights.shape[0]
    if positive.ndim != 2 or positive.shape != valid.shape or positive.shape[0] != n_rows:
        raise ValueError("positive and valid must both have shape (n_rows, n_items)")
    if domain.shape != (n_rows,) or (domain >= n_domains).any() or (domain < -1).any():
        raise ValueError("domain must have shape (n_rows,) with codes -1..n_domains-1")
    if (positive & ~valid).any():
        raise ValueError("positive must imply valid")

    sums = psu_sums(design, domain, n_domains, valid, positive)
    # For 0/1 answers the weighted count of ones equals the weighted sum; unweighted ones:
    rows = np.flatnonzero(domain >= 0)
    count_positive = np.stack(
        [
            np.bincount(domain[rows], weights=positive[rows, j], minlength=n_domains)
            for j in range(positive.shape[1])
        ],
        axis=1,
    ).astype(np.int64)
    return proportions_from_sums(design, sums, count_positive, method, level)


def proportions_from_sums(
    design: Design,
    sums: Sums,
    count_positive: np.ndarray,
    method: str = "logit",
    level: float = 0.95,
) -> DesignProportions:
    """`domain_proportions` from the PSU sums of the 0/1 answers and the unweighted count of
    positive answers per (domain, item)."""
    strata = Strata.of(design)
    total_w = sums.w.sum(axis=1)
    count = np.rint(sums.n.sum(axis=1)).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = sums.wx.sum(axis=1) / total_w
        var = ratio_variance(strata, sums, rate, total_w)
        df = np.rint(domain_degf(strata, sums.n, isinstance(sums, RowSums))).astype(np.int64)

        se = np.sqrt(var)
        pq = rate * (1 - rate)
        n_effective = pq / var
        deff = var / (pq / (count - 1))
        alpha = 1 - level
        good_df = df > 0
        tq = np.where(good_df, dist.t_ppf(1 - alpha / 2, np.where(good_df, df, 1)), np.nan)
        if method == "wald":
            low, high = rate - tq * se, rate + tq * se
        elif method == "logit":
            logit = np.log(rate / (1 - rate))
            half = tq * se / pq
            low, high = (1 / (1 + np.exp(-(logit + s * half))) for s in (-1, 1))
        else:
            ratio = np.where(
                good_df & (count > 1),
                dist.t_ppf(alpha / 2, np.maximum(count - 1, 1))
                / dist.t_ppf(alpha / 2, np.where(good_df, df, 1)),
                np.nan,
            )
            m = n_effective * ratio**2
            low = dist.beta_ppf(alpha / 2, m * rate, m * (1 - rate) + 1)
            high = dist.beta_ppf(1 - alpha / 2, m * rate + 1, m * (1 - rate))

    edge = (count > 0) & ((count_positive == 0) | (count_positive == count))
    edge_low, edge_high = _zero_one_interval(count_positive > 0, count, df, level)
    empty = count == 0
    se = np.where(empty, np.nan, se)
    low = np.where(edge, edge_low, np.where(good_df, low, np.nan))
    high = np.where(edge, edge_high, np.where(good_df, high, np.nan))
    n_effective = np.where(edge, count.astype(np.float64), np.where(good_df, n_effective, np.nan))
    deff = np.where(edge | ~good_df, np.nan, deff)
    return DesignProportions(
        n=count,
        positive=count_positive,
        rate=rate,
        se=se,
        ci_low=low,
        ci_high=high,
        df=df,
        deff=deff,
        n_effective=n_effective,
    )
