"""Distinct integer keys by counting rather than sorting."""

from __future__ import annotations

import numpy as np


def unique_keys(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(keys, return_inverse=True)` for keys in [0, size): the sorted distinct keys
    and each key's position among them.

    Linear in len(keys) + size where np.unique sorts (n log n); falls back to it when `size`
    is much larger than the keys (a sparse range)."""
    if size > 4 * keys.size + 1024:
        distinct, inverse = np.unique(keys, return_inverse=True)
        return distinct, inverse.reshape(-1)
    present = np.zeros(size, dtype=bool)
    present[keys] = True
    position = np.cumsum(present) - 1
    return np.flatnonzero(present), position[keys]
