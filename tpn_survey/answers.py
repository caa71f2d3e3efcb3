"""Answers to category codes: one lookup per distinct value of a column, never per row."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tpn_survey.schema import Scale, normalize_code, normalize_label

if TYPE_CHECKING:
    import pandas as pd

MISSING = -1
OFF_SCALE = -2


def code_answers(values: pd.Series, scale: Scale) -> tuple[np.ndarray, list[str]]:
    """Category index of each answer (levels, then non-substantive), MISSING or OFF_SCALE.

    Returns the codes and the distinct values that matched nothing on the scale.
    """
    import pandas as pd

    lookup = scale.lookup()
    inverse, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=np.int16)
    mapped[-1] = MISSING  # factorize's -1 (NaN) indexes the last slot
    unknown: list[str] = []
    for i, raw in enumerate(uniques):
        text = str(raw).strip()
        if not text:
            mapped[i] = MISSING
            continue
        code = lookup.get(normalize_label(text))
        if code is None:
            code = lookup.get(normalize_code(text) or "")
        if code is None:
            mapped[i] = OFF_SCALE
            unknown.append(str(raw))
        else:
            mapped[i] = code
    return mapped[inverse], unknown


def code_groups(values: pd.Series, order: list[str] | None) -> tuple[np.ndarray, list[str]]:
    """Group index of each (trimmed) value in `order` (or sorted values), -1 for blank or unlisted."""
    import pandas as pd

    trimmed = values.astype(str).str.strip()
    if order is None:
        order = sorted(v for v in trimmed.unique() if v)
    index = pd.Index(order).get_indexer(pd.Index(trimmed))
    return np.asarray(index, dtype=np.int64), list(order)
