"""Network structure: leaders per organization, teachers per leader, and how alike a leader's
teachers answer (intra-class correlation of agreement by leader)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tpn_survey.results import NetworkRow
from tpn_survey.schema import Instrument
from tpn_survey.stats.keys import unique_keys

if TYPE_CHECKING:
    import pandas as pd


def icc_oneway(y: np.ndarray, cluster: np.ndarray) -> float | None:
    """ICC(1) of a 0/1 answer `y` by `cluster` (see `icc_from_sums`)."""
    _, codes = np.unique(cluster, return_inverse=True)
    n = np.bincount(codes).astype(np.float64)
    return icc_from_sums(n, np.bincount(codes, weights=y))


def network_rows(
    cluster: Any,
    organization: Any,
    positive: np.ndarray,
    valid: np.ndarray,
    items: list[str],
    listed: list[str] | None = None,
    leader_codes: np.ndarray | None = None,
) -> list[NetworkRow]:
    """One row overall and one per organization (sorted): leaders, size per leader, ICC by item.

    `cluster` holds each respondent's leader id and `organization` their organization (arrays
    or Series, None for no organization); `positive`/`valid` are (rows, items) masks.
    Organizations `listed` in the schema that nobody is in get a row with 0 respondents, and
    respondents with a blank organization a last row "": both are cells of the breakdown, so
    withheld ones cannot be worked out from the overall row (DESIGN.md "Disclosure control").
    Everything comes from per-leader counts (one bincount per item), so the cost is one pass.
    `leader_codes`, each respondent's leader as 0..L-1 in sorted order (the design's PSU
    codes), spares factorizing `cluster` again.
    """
    if leader_codes is None:
        leader_of, leader_ids = _codes(cluster)
        n_leaders = len(leader_ids)
    else:
        leader_of, n_leaders = leader_codes, int(leader_codes.max(initial=-1)) + 1
    orgs: list[str] = []
    if organization is None:
        org_of = np.zeros(len(cluster), dtype=np.int64)
    else:
        org_of, orgs = _codes(organization)
    # A leader who appears in two organizations counts once in each: cells are (org, leader).
    cell = org_of * n_leaders + leader_of
    cells, cell_of = unique_keys(cell, max(len(orgs), 1) * n_leaders)
    cell_org = cells // n_leaders
    size = np.bincount(cell_of, minlength=len(cells))
    # Counts, kept as int32 (half the memory of floats; a leader per cell, so as many cells
    # as leaders) and made floats again per organization: the same values.
    n = np.empty((valid.shape[1], len(cells)), dtype=np.int32)
    s = np.empty_like(n)
    for j in range(valid.shape[1]):
        n[j] = np.bincount(cell_of, weights=valid[:, j], minlength=len(cells))
        s[j] = np.bincount(cell_of, weights=positive[:, j] & valid[:, j], minlength=len(cells))

    rows = []
    # The cells are sorted by organization, so each organization's cells are one slice.
    bounds = np.searchsorted(cell_org, np.arange(len(orgs) + 1))
    groups: list[tuple[str | None, slice]] = [(None, slice(None))]
    present = {name: k for k, name in enumerate(orgs)}
    names = sorted({name for name in orgs if name.strip()} | set(listed or []))
    names += [""] if "" in present else []
    for name in names:
        k = present.get(name)
        members = slice(0, 0) if k is None else slice(int(bounds[k]), int(bounds[k + 1]))
        groups.append((name, members))
    for org, members in groups:
        per_leader = np.bincount(leader_of) if org is None else size[members]
        rows.append(
            NetworkRow(
                organization=org,
                leaders=len(per_leader),
                respondents=int(per_leader.sum()),
                per_leader_median=float(np.median(per_leader)) if len(per_leader) else None,
                per_leader_min=int(per_leader.min()) if len(per_leader) else None,
                per_leader_max=int(per_leader.max()) if len(per_leader) else None,
                icc={
                    item: icc_from_sums(n[j, members], s[j, members])
                    for j, item in enumerate(items)
                },
            )
        )
    return rows


def _codes(values: Any) -> tuple[np.ndarray, list[str]]:
    """Integer code of each value and the sorted distinct values (as trimmed strings)."""
    import pandas as pd

    from tpn_survey.analysis.coding import sorted_factorize

    series = values if isinstance(values, pd.Series) else pd.Series(values).astype(str)
    return sorted_factorize(series)


def icc_from_sums(n: np.ndarray, s: np.ndarray) -> float | None:
    """ICC(1) of a 0/1 answer from each cluster's count `n` and number of ones `s`.

    One-way ANOVA estimator for unequal clusters (Donner 1986):
    ICC = (MSB - MSW) / (MSB + (k0 - 1) MSW), k0 = (N - sum n_i^2 / N) / (g - 1), where for
    0/1 answers SSW = sum(s - s^2/n) and SSB = sum n (s/n - M)^2. None with fewer than two
    clusters, no within-cluster degrees of freedom, or a non-positive denominator.
    """
    keep = n > 0
    n, s = n[keep].astype(np.float64), s[keep].astype(np.float64)
    g, total = len(n), float(n.sum())
    if g < 2 or total <= g:
        return None
    means = s / n
    grand = s.sum() / total
    ssb = float((n * (means - grand) ** 2).sum())
    ssw = float((s - s * means).sum())
    msb, msw = ssb / (g - 1), ssw / (total - g)
    k0 = (total - (n**2).sum() / total) / (g - 1)
    denom = msb + (k0 - 1) * msw
    if denom <= 0:
        return None
    return float((msb - msw) / denom)


def network_from_masks(
    schema: Instrument,
    frame: pd.DataFrame,
    masks: tuple[np.ndarray, np.ndarray],
    cluster: str,
    leader_codes: np.ndarray | None = None,
) -> list[NetworkRow]:
    """Leaders per organization and ICC by leader (see network.py)."""
    positive, valid = masks
    org = schema.group("organization")
    return network_rows(
        cluster=frame[cluster],
        organization=frame[org.column] if org else None,
        positive=positive,
        valid=valid,
        items=[item.id for item in schema.items],
        listed=org.values if org else None,
        leader_codes=leader_codes,
    )
