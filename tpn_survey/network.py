"""Network structure: leaders per organization, teachers per leader, and how alike a leader's
teachers answer (intra-class correlation of agreement by leader)."""

from __future__ import annotations

import numpy as np

from tpn_survey.results import NetworkRow


def icc_oneway(y: np.ndarray, cluster: np.ndarray) -> float | None:
    """ICC(1) of `y` by `cluster` from the one-way ANOVA (Donner 1986, unbalanced clusters).

    ICC = (MSB - MSW) / (MSB + (k0 - 1) MSW), k0 = (N - sum n_i^2 / N) / (g - 1).
    None when there are fewer than 2 clusters or no within-cluster variation to compare.
    """
    if len(y) == 0:
        return None
    _, codes = np.unique(cluster, return_inverse=True)
    counts = np.bincount(codes)
    g, n = len(counts), len(y)
    if g < 2 or n <= g:
        return None
    sums = np.bincount(codes, weights=y)
    means = sums / counts
    grand = y.mean()
    ssb = float((counts * (means - grand) ** 2).sum())
    ssw = float(((y - means[codes]) ** 2).sum())
    msb, msw = ssb / (g - 1), ssw / (n - g)
    k0 = (n - (counts**2).sum() / n) / (g - 1)
    denom = msb + (k0 - 1) * msw
    if denom <= 0:
        return None
    return float((msb - msw) / denom)


def network_rows(
    cluster: np.ndarray,
    organization: np.ndarray | None,
    positive: np.ndarray,
    valid: np.ndarray,
    items: list[str],
) -> list[NetworkRow]:
    """One row overall and one per organization (sorted): leaders, size per leader, ICC by item.

    `cluster` holds each respondent's leader id, `positive`/`valid` are (rows, items) masks.
    """
    groups: list[tuple[str | None, np.ndarray]] = [(None, np.ones(len(cluster), dtype=bool))]
    if organization is not None:
        for name in sorted({str(o) for o in organization if str(o).strip()}):
            groups.append((name, organization == name))
    rows = []
    for org, mask in groups:
        leaders, per_leader = np.unique(cluster[mask], return_counts=True)
        icc = {}
        for j, item in enumerate(items):
            keep = mask & valid[:, j]
            icc[item] = icc_oneway(positive[keep, j].astype(float), cluster[keep])
        rows.append(
            NetworkRow(
                organization=org,
                leaders=len(leaders),
                respondents=int(mask.sum()),
                per_leader_median=float(np.median(per_leader)) if len(per_leader) else None,
                per_leader_min=int(per_leader.min()) if len(per_leader) else None,
                per_leader_max=int(per_leader.max()) if len(per_leader) else None,
                icc=icc,
            )
        )
    return rows
