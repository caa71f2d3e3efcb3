"""The few distribution functions tpn needs, from scipy.special.

`scipy.stats` costs most of a second to import; these are the same special functions its
`norm`, `t`, `beta` and `f` distributions evaluate, without that start-up cost. Even
scipy.special takes ~0.15 s, so it is imported at the first quantile, not with this module
(`tpn validate` computes none).
"""

from __future__ import annotations

from typing import Any

import numpy as np

ArrayLike = Any


def norm_isf(p: ArrayLike) -> np.ndarray:
    """Upper-tail quantile of the standard normal: z with P(Z > z) = p."""
    from scipy import special

    return np.asarray(-special.ndtri(p))


def norm_sf(x: ArrayLike) -> np.ndarray:
    """P(Z > x) for the standard normal."""
    from scipy import special

    return np.asarray(special.ndtr(-np.asarray(x, dtype=np.float64)))


def t_ppf(q: ArrayLike, df: ArrayLike) -> np.ndarray:
    """Quantile of Student's t with `df` degrees of freedom."""
    from scipy import special

    return np.asarray(special.stdtrit(df, q))


def t_sf(x: ArrayLike, df: ArrayLike) -> np.ndarray:
    """P(T > x) for Student's t with `df` degrees of freedom."""
    from scipy import special

    return np.asarray(special.stdtr(df, -np.asarray(x, dtype=np.float64)))


def beta_ppf(q: ArrayLike, a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Quantile of Beta(a, b)."""
    from scipy import special

    return np.asarray(special.betaincinv(a, b, q))


def beta_isf(q: ArrayLike, a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Upper-tail quantile of Beta(a, b): x with P(X > x) = q."""
    from scipy import special

    return np.asarray(special.betainccinv(a, b, q))


def f_isf(q: ArrayLike, dfn: ArrayLike, dfd: ArrayLike) -> np.ndarray:
    """Upper-tail quantile of the F distribution."""
    from scipy import special

    return np.asarray(special.fdtri(dfn, dfd, 1 - np.asarray(q, dtype=np.float64)))
