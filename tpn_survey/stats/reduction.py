"""PSU sums reduced to what the estimates of domain ratios need, a few columns at a time:
the sums of a chunk of items can be freed before the next chunk is made."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from tpn_survey.stats import linearize
from tpn_survey.stats.design import Strata
from tpn_survey.stats.linearize import PsuSums, RowSums, Sums, concat_sums


@dataclass(frozen=True)
class Reduced:
    """What the estimates of the domain ratios sum(w x) / sum(w) need of their sums, per
    (domain, column): totals of `w`, `wx` and rows (`n`), R's `degf`, the `spread`, and the
    variance, as `squares` of each column (cluster designs, for one `Strata.product` over
    every column) or as `var` itself (rows as PSUs)."""

    w: np.ndarray
    wx: np.ndarray
    n: np.ndarray
    degf: np.ndarray
    spread: np.ndarray
    squares: list[np.ndarray]
    var: np.ndarray | None = None

    def ratio(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(self.wx / self.w)

    def variance(self, strata: Strata) -> np.ndarray:
        return self.var if self.var is not None else strata.product(self.w.shape[:-1], self.squares)


def reduce_sums(strata: Strata, sums: Sums) -> Reduced:
    """`Reduced` of one set of sums."""
    total_w = sums.totals("w")
    total_wx = sums.totals("wx")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = total_wx / total_w
    degf = sums.degf(strata)
    if isinstance(sums, PsuSums):
        squares = linearize.variance_squares(strata, sums, ratio, total_w)
        return Reduced(total_w, total_wx, sums.totals("n"), degf, sums.spread, squares)
    var = linearize.ratio_variance(strata, sums, ratio, total_w)
    return Reduced(total_w, total_wx, sums.totals("n"), degf, sums.spread, [], var)


class Reduction:
    """Sums of columns added a few at a time (`add`), reduced to one `Reduced` of every
    column (`result`). A cluster design's sums are reduced as they come, so they can be
    freed; every reduction is column by column, and the variance's product over strata is
    taken once, at the shape it would have for all columns at once (a BLAS product may add
    in an order that depends on its shape). Rows-as-PSUs sums, small, are joined first and
    reduced at the end: their sums over strata run across the columns."""

    def __init__(self, strata: Strata) -> None:
        self.strata = strata
        self.parts: list[Reduced] = []
        self.rows: RowSums | None = None

    def add(self, sums: Sums) -> None:
        if isinstance(sums, RowSums):
            joined = sums if self.rows is None else concat_sums(self.rows, sums)
            assert isinstance(joined, RowSums)
            self.rows = joined
        else:
            self.parts.append(reduce_sums(self.strata, sums))

    def result(self) -> Reduced:
        if self.rows is not None:
            return reduce_sums(self.strata, self.rows)
        if len(self.parts) == 1:
            return self.parts[0]
        join = {
            f.name: np.concatenate([getattr(p, f.name) for p in self.parts], axis=-1)
            for f in fields(Reduced)
            if f.name not in ("squares", "var")
        }
        return Reduced(**join, squares=[b for p in self.parts for b in p.squares])
