"""Reliability flags of an estimate (DESIGN.md results.json notes): marks that the report
shows as "interpret with caution"."""

from __future__ import annotations

LOW_N_EFFECTIVE = 30  # n_effective (n in a simple analysis) under this: "low-n-effective"
WIDE_INTERVAL = 0.30  # an interval wider than 30 percentage points: "wide-interval"


def reliability_flags(
    n: int, n_effective: float | None, ci_low: float | None, ci_high: float | None
) -> list[str]:
    """`low-n-effective` when the effective sample size (n without a design) is under 30,
    `wide-interval` when ci_high - ci_low > 0.30. Nothing for an empty cell (n = 0)."""
    if n <= 0:
        return []
    flags = []
    size = n_effective if n_effective is not None else n
    if size < LOW_N_EFFECTIVE:
        flags.append("low-n-effective")
    if ci_low is not None and ci_high is not None and ci_high - ci_low > WIDE_INTERVAL + 1e-12:
        flags.append("wide-interval")
    return flags
