"""Survey designs as R survey 4.x builds them: `svydesign(ids=~cluster, strata=~stratum,
weights=~w, fpc=~fpc)` for a one-stage stratified cluster sample (Lumley 2010, *Complex
Surveys*, ch. 2; R survey source: `svydesign`, `onestrat`, `degf.survey.design2`).

Bad designs raise ValueError; the analysis turns it into a DesignError naming the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

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


def _codes(labels: npt.ArrayLike, n: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Factorize labels into codes 0..K-1 (sorted), rejecting missing labels.

    A pandas Categorical with sorted categories is taken as already factorized."""
    import pandas as pd  # here, not at the top: stats/ modules load with numpy alone

    if isinstance(labels, pd.Categorical):
        if len(labels) != n:
            raise ValueError(f"{what} has {len(labels)} values for {n} rows")
        codes = np.asarray(labels.codes)
        uniques: Any = labels.categories
    else:
        values = np.asarray(labels, dtype=object)
        if values.shape != (n,):
            raise ValueError(f"{what} has {values.size} values for {n} rows")
        codes, uniques = pd.factorize(pd.Series(values), sort=True)
    if (codes < 0).any():
        row = int(np.flatnonzero(codes < 0)[0])
        raise ValueError(f"{what} is missing in row {row + 1}")
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
        raise ValueError(f"a design needs at least 2 rows, not {n}")
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
        raise ValueError(
            f"cluster {cluster_labels[bad]!r} is in more than one stratum; "
            "cluster ids must be unique across strata"
        )
    cluster_stratum = pairs % n_strata
    n_psu = np.bincount(cluster_stratum, minlength=n_strata)
    if (n_psu < 2).any():
        label = stratum_labels[int(np.flatnonzero(n_psu < 2)[0])]
        raise ValueError(
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
            raise ValueError("fpc must be a positive finite number in every row")
        low = np.full(n_strata, np.inf)
        high = np.full(n_strata, -np.inf)
        np.minimum.at(low, stratum, values)
        np.maximum.at(high, stratum, values)
        if (low != high).any():
            label = stratum_labels[int(np.flatnonzero(low != high)[0])]
            raise ValueError(f"fpc varies within stratum {label!r}")
        if (values <= 1).all():
            fraction, given_as_fraction = values, True
        elif (values >= 1).all():
            if (values < rows_psu).any():
                h = int(stratum[np.flatnonzero(values < rows_psu)[0]])
                raise ValueError(
                    f"fpc {high[h]:g} of stratum {stratum_labels[h]!r} is smaller than "
                    f"the {n_psu[h]} PSUs sampled in it"
                )
            fraction = rows_psu / values
        else:
            raise ValueError("fpc must be all population counts (>= 1) or all fractions (<= 1)")

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
            raise ValueError(f"weights has {w.size} values for {n} rows")
        if not np.isfinite(w).all() or (w <= 0).any():
            row = int(np.flatnonzero(~(np.isfinite(w) & (w > 0)))[0])
            raise ValueError(f"weights must be positive and finite (row {row + 1}: {w[row]})")
    return Design(
        weights=w, strata=stratum, clusters=cluster, fpc=fraction, rows_are_psus=clusters is None
    )


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

    @cached_property
    def _segments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """PSUs in stratum order (stable), where each stratum with PSUs starts, and which."""
        order = np.argsort(self.of_psu, kind="stable")
        sizes = self.n_psu.astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        present = sizes > 0
        return order, starts[present], present

    def _sum_by_stratum(self, flat: np.ndarray) -> np.ndarray:
        """Sums of the rows of `flat` (PSUs, m) within each stratum: (strata, m)."""
        order, starts, present = self._segments
        out = np.zeros((present.size, flat.shape[1]), dtype=flat.dtype)
        if starts.size:
            out[present] = np.add.reduceat(flat[order], starts, axis=0)
        return out

    def _squares(self, rows: np.ndarray) -> np.ndarray:
        """Per row of `rows` (m, PSUs) and stratum: sum_{c in h} (t_c - mean_h t)^2, (m, strata).

        Along the contiguous last axis, with the same additions as `_sum_by_stratum` makes
        down the columns (np.add.reduceat: the first term, then a pairwise sum of the rest),
        so the sums are the same to the last bit."""
        order, starts, present = self._segments
        out = np.zeros((rows.shape[0], present.size))
        if not starts.size:
            return out
        ordered = rows[:, order]
        sums = np.add.reduceat(ordered, starts, axis=1)
        sums /= self.n_psu[present]
        # Each stratum's PSUs are one run of `ordered`: its mean repeated along the run.
        ordered -= np.repeat(sums, self.n_psu[present].astype(np.int64), axis=1)
        ordered *= ordered
        out[:, present] = np.add.reduceat(ordered, starts, axis=1)
        return out

    def variance(self, totals: np.ndarray) -> np.ndarray:
        """R's svyrecvar one-stage variance from PSU totals (..., PSUs, k) of the influence
        values: sum_h scale_h sum_{c in h} (t_c - mean_h t)^2, over every PSU of the design."""
        return self.column_variance(
            totals.shape[:-2], [totals[..., j] for j in range(totals.shape[-1])]
        )

    def column_variance(self, lead: tuple[int, ...], columns: Iterable[np.ndarray]) -> np.ndarray:
        """`variance` of totals given one column at a time, each (*lead, PSUs): no copy of the
        whole (..., PSUs, k) array, and each column's sums run along contiguous memory."""
        return self.product(lead, [self.column_squares(c) for c in columns])

    def column_squares(self, column: np.ndarray) -> np.ndarray:
        """One column's within-stratum squared deviations of its PSU totals (*lead, PSUs):
        (lead, strata), the part of `variance` that needs the totals."""
        return self._squares(np.ascontiguousarray(column).reshape(-1, column.shape[-1]))

    def product(self, lead: tuple[int, ...], blocks: Sequence[np.ndarray]) -> np.ndarray:
        """The variances (*lead, k) from every column's `column_squares`, in one product."""
        if not blocks:
            return np.zeros((*lead, 0))
        # (strata, lead x k) in C order, the matrix the product has always been taken of: a
        # BLAS product adds in an order that may depend on the shape.
        squares = np.ascontiguousarray(np.stack(blocks, axis=-1).transpose(1, 0, 2))
        squares = squares.reshape(squares.shape[0], -1)
        return np.asarray((self.scale @ squares).reshape(*lead, len(blocks)))

    def row_variance(self, s1: np.ndarray, s2: np.ndarray) -> np.ndarray:
        """`variance` where the rows are the PSUs, from each stratum's sums of the influence
        values (s1) and of their squares (s2), both (..., strata, k)."""
        spread = s2 - s1 * s1 / self.n_psu[:, None]
        # A stratum whose PSUs have equal values has no spread: rounding only, never < 0.
        spread = np.maximum(spread, 0.0)
        return np.asarray(np.einsum("h,...hk->...k", self.scale, spread))

    def degf(self, members: np.ndarray) -> np.ndarray:
        """R's degf of a subset: PSUs with a member minus strata with one; members is a bool
        array (..., PSUs, k). Counts, so exact whatever the order: one stratum at a time, with
        no integer copy of the whole array."""
        order, starts, _ = self._segments
        ends = np.append(starts[1:], order.size)
        strata_with = np.zeros(members.shape[:-2] + members.shape[-1:], dtype=np.int64)
        for a, b in zip(starts, ends, strict=True):
            strata_with += members[..., order[a:b], :].any(axis=-2)
        return np.asarray(members.sum(axis=-2, dtype=np.int64) - strata_with)
