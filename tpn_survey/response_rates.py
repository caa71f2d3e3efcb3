"""AAPOR response rates RR1 and RR2 from invitation counts and the share of items answered.

AAPOR (2023), Standard Definitions, 10th ed.: RR1 = I / ((I + P) + (R + NC + O) + (UH + UO)),
RR2 = (I + P) / (same). With every invitee taken as eligible the denominator is the number
invited. A returned questionnaire is a complete (I) when at least `complete` (default 80%) of
the items are answered (any answer, "Don't know" included), a partial (P) from `partial`
(default 50%) up to that, and a break-off (counted as a refusal, R) below `partial`.
"""

from __future__ import annotations

import numpy as np

from tpn_survey.results import Problem, ResponseRate
from tpn_survey.schema import Invited


def classify_answered(
    answered: np.ndarray, items: int, complete: float = 0.8, partial: float = 0.5
) -> np.ndarray:
    """Per row: 2 complete, 1 partial, 0 break-off, from the number of items it answers (any
    answer, "Don't know" included), out of `items`."""
    share = answered / items
    eps = 1e-12  # 4 of 5 items is exactly 80%
    return np.where(share >= complete - eps, 2, np.where(share >= partial - eps, 1, 0))


def count_kinds(kinds: np.ndarray, values: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """[break-offs, partials, completes] per (trimmed) group value; under "" without values."""
    if values is None:
        return {"": np.bincount(kinds, minlength=3)}
    texts, index = np.unique(np.asarray(values, dtype=str), return_inverse=True)
    per = np.bincount(index * 3 + kinds, minlength=3 * len(texts)).reshape(-1, 3)
    return {str(t): per[i] for i, t in enumerate(texts)}


def _rate(
    group: dict[str, str], invited: int, counts: np.ndarray
) -> tuple[ResponseRate, Problem | None]:
    i, p, b = int(counts[2]), int(counts[1]), int(counts[0])
    rate = ResponseRate(
        group=group,
        invited=invited,
        complete=i,
        partial=p,
        break_off=b,
        rr1=i / invited if invited > 0 else None,
        rr2=(i + p) / invited if invited > 0 else None,
    )
    problem = None
    if i + p + b > invited:
        where = ", ".join(f"{k} {v!r}" for k, v in group.items()) or "overall"
        problem = Problem(
            code="more-responses-than-invited",
            severity="warning",
            message=f"{where}: {i + p + b} responses but only {invited} invited",
        )
    return rate, problem


def response_rates(
    invited: Invited | int, kinds: dict[str, np.ndarray], group_id: str | None = None
) -> tuple[list[ResponseRate], list[Problem]]:
    """RR1/RR2 overall and, with counts per group, for each listed group value.

    kinds: [break-offs, partials, completes] (see `classify_answered`, `count_kinds`) of every returned
    row, by the trimmed value of the invitation counts' group. Rows whose value is not listed
    in the counts are left out of every rate, with a warning.
    """
    spec = invited if isinstance(invited, Invited) else Invited(total=invited)
    none = np.zeros(3, dtype=np.int64)
    problems: list[Problem] = []
    out: list[ResponseRate] = []
    if spec.counts is None or group_id is None:
        rate, problem = _rate({}, int(spec.total or 0), sum(kinds.values(), none))
        return [rate], [problem] if problem else []
    listed = {k.strip(): int(v) for k, v in spec.counts.items()}
    unknown = sorted(t for t, c in kinds.items() if t not in listed and c.any())
    if unknown:
        left_out = int(sum(kinds[t].sum() for t in unknown))
        problems.append(
            Problem(
                code="not-invited",
                severity="warning",
                column=group_id,
                message=f"{left_out} response(s) have a {group_id} with no invitation "
                f"count ({', '.join(repr(v) for v in unknown[:5])}); left out of response rates",
            )
        )
    known = sum((kinds.get(t, none) for t in listed), none)
    rate, problem = _rate({}, sum(listed.values()), known)
    out.append(rate)
    problems += [problem] if problem else []
    for value, count in listed.items():
        rate, problem = _rate({group_id: value}, count, kinds.get(value, none))
        out.append(rate)
        problems += [problem] if problem else []
    return out, problems
