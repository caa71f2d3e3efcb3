"""Numeric scores of answers: each level's value, item values, composite scores, and the
counts of answer pairs that Cronbach's alpha needs.

An item's value is its level's numeric code (the scale's `codes` when every level has a
number, else the level's position 1..L); missing and non-substantive answers are no value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tpn_survey.schema import Instrument, Scale, normalize_code, normalize_label
from tpn_survey.stats.scales import person_means


def level_points(scale: Scale) -> list[float]:
    """Numeric value of each level: its code if every level has a numeric one, else 1..L."""
    codes: dict[str, float] = {}
    pairs: list[tuple[Any, str]] = []
    if isinstance(scale.codes, list):
        pairs = list(zip(scale.codes, scale.levels, strict=False))
    elif isinstance(scale.codes, dict):
        pairs = list(scale.codes.items())
    for code, label in pairs:
        number = normalize_code(str(code))
        if number is not None:
            codes.setdefault(normalize_label(label), float(number))
    values = [codes.get(normalize_label(level)) for level in scale.levels]
    if all(v is not None for v in values) and len(set(values)) == len(values):
        return [float(v) for v in values if v is not None]
    return [float(i + 1) for i in range(len(scale.levels))]


def item_values(schema: Instrument, codes: np.ndarray) -> np.ndarray:
    """(rows, items) float values of substantive answers, NaN otherwise."""
    width = max(len(s.categories()) for s in schema.scales.values())
    out = np.empty(codes.shape, order="F")  # column-major: each item's values contiguous
    for j, item in enumerate(schema.items):
        # The value of each code shifted by 2 (so OFF_SCALE -2 and MISSING -1 index too).
        lookup = np.full(width + 2, np.nan)
        points = level_points(schema.scale_of(item))
        lookup[2 : 2 + len(points)] = points
        out[:, j] = lookup[codes[:, j].astype(np.int64) + 2]
    return out


def composite_scores(schema: Instrument, values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Composite ids and (rows, composites) respondent means (NaN below `min_items`)."""
    index = {item.id: j for j, item in enumerate(schema.items)}
    names = list(schema.composites)
    scores = np.full((values.shape[0], len(names)), np.nan)
    for c, name in enumerate(names):
        comp = schema.composites[name]
        cols = [index[i] for i in comp.items]
        scores[:, c] = person_means(values[:, cols], comp.required())
    return names, scores


def pair_counts(schema: Instrument, codes: np.ndarray) -> list[np.ndarray]:
    """Per composite, (k, k, L, L) counts of level pairs of its k items among the rows that
    answer all of them on their L-level scale: what Cronbach's alpha needs."""
    index = {item.id: j for j, item in enumerate(schema.items)}
    out = []
    for comp in schema.composites.values():
        cols = [index[i] for i in comp.items]
        size = len(schema.scale_of(schema.items[cols[0]]).levels)
        block = codes[:, cols]
        x = block[((block >= 0) & (block < size)).all(axis=1)].astype(np.int64)
        k = len(cols)
        pairs = np.zeros((k, k, size, size), dtype=np.int64)
        for a in range(k):
            for b in range(a, k):
                cell = x[:, a] * size + x[:, b]
                pairs[a, b] = np.bincount(cell, minlength=size * size).reshape(size, size)
                pairs[b, a] = pairs[a, b].T
        out.append(pairs)
    return out
