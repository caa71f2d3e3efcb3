"""Raking (iterative proportional fitting) of weights to population margins, as R's `rake()`.

Deming & Stephan (1940); Lumley 2010, *Complex Surveys*, sec. 7.4; R survey source: `rake`,
`postStratify.survey.design`, `trimWeights.survey.design2`. Only the weights are computed:
a `Design` built from raked weights treats them as fixed, so its variance does not include
the calibration adjustment R's raked design makes (it is conservative).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class RakeResult:
    """Raked weights, whether R's stopping rule was met, and how close each margin came.

    `margins[m]` maps category (index into the margin's targets), target, achieved
    (sum of final weights in the category). `kish_deff` = n sum(w^2) / sum(w)^2 (Kish 1965).
    """

    weights: np.ndarray
    converged: bool
    iterations: int
    margins: list[dict[str, np.ndarray]]
    min_weight: float
    max_weight: float
    kish_deff: float


def _trim(weights: np.ndarray, lower: float, upper: float) -> np.ndarray:
    """R's `trimWeights(strict=FALSE)`: clip to [lower, upper], then share what was cut off
    (or added) equally among the weights that were inside the bounds, so the total stays."""
    outside = (weights < lower) | (weights > upper)
    if not outside.any():
        return weights
    clipped = np.clip(weights, lower, upper)
    if outside.all():
        raise ValueError(f"every weight is outside the trimming bounds [{lower}, {upper}]")
    clipped[~outside] += (weights - clipped).sum() / (~outside).sum()
    return np.asarray(clipped)


def rake(
    weights: npt.ArrayLike,
    margins: list[tuple[npt.ArrayLike, npt.ArrayLike]],
    tol: float = 1e-6,
    max_iter: int = 50,
    trim: tuple[float, float] | None = None,
) -> RakeResult:
    """Rake `weights` so each margin's weighted category totals equal its targets.

    margins: (codes, targets) pairs; codes (n,) give each row's category index into targets
    (population counts). One sweep post-stratifies on each margin in turn, w_i <- w_i T_c /
    sum_{j in c} w_j. R's stopping rule: after a sweep, stop when the largest change of any
    cell of the full cross-classification of the margins is below tol * sum(initial weights)
    (tol < 1; an absolute epsilon when tol >= 1), at most max_iter sweeps. trim=(lower, upper)
    then applies R's `trimWeights` once (so margins are then only near their targets).
    Raises ValueError when a category with a positive target has no respondents (naming the
    margin and category index), or for bad weights, codes or targets.
    """
    w = np.asarray(weights, dtype=np.float64).copy()
    n = w.shape[0]
    if w.ndim != 1 or not np.isfinite(w).all() or (w <= 0).any():
        raise ValueError("weights to rake must be positive and finite")
    if not margins:
        raise ValueError("raking needs at least one margin")
    codes_list: list[np.ndarray] = []
    targets_list: list[np.ndarray] = []
    for m, (codes, targets) in enumerate(margins):
        c = np.asarray(codes, dtype=np.int64)
        t = np.asarray(targets, dtype=np.float64)
        if c.shape != (n,) or (c < 0).any() or (c >= t.size).any():
            raise ValueError(f"margin {m}: codes must be (n,) indexes into its {t.size} targets")
        if not np.isfinite(t).all() or (t < 0).any():
            raise ValueError(f"margin {m}: targets must be finite and not negative")
        counts = np.bincount(c, minlength=t.size)
        empty = np.flatnonzero((counts == 0) & (t > 0))
        if empty.size:
            raise ValueError(f"margin {m}: category {int(empty[0])} has no respondents")
        zero = np.flatnonzero((counts > 0) & (t == 0))
        if zero.size:
            raise ValueError(f"margin {m}: category {int(zero[0])} has respondents but target 0")
        codes_list.append(c)
        targets_list.append(t)

    # Cells of the full cross-classification, for R's convergence check.
    _, cell = np.unique(np.stack(codes_list), axis=1, return_inverse=True)
    cell = cell.reshape(-1)
    epsilon = tol * w.sum() if tol < 1 else tol
    old = np.bincount(cell, weights=w)
    converged, iterations = False, 0
    while iterations < max_iter:
        iterations += 1
        for c, t in zip(codes_list, targets_list, strict=True):
            totals = np.bincount(c, weights=w, minlength=t.size)
            w *= t[c] / totals[c]
        new = np.bincount(cell, weights=w)
        if np.abs(new - old).max() < epsilon:
            converged = True
            break
        old = new
    if trim is not None:
        w = _trim(w, *trim)
    achieved = [
        {
            "category": np.arange(t.size),
            "target": t,
            "achieved": np.bincount(c, weights=w, minlength=t.size),
        }
        for c, t in zip(codes_list, targets_list, strict=True)
    ]
    return RakeResult(
        weights=w,
        converged=converged,
        iterations=iterations,
        margins=achieved,
        min_weight=float(w.min()),
        max_weight=float(w.max()),
        kish_deff=float(n * (w**2).sum() / w.sum() ** 2),
    )
