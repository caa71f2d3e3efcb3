"""AAPOR response rates RR1 and RR2 from invitation counts and the share of items answered.

AAPOR (2023), Standard Definitions, 10th ed.: RR1 = I / ((I + P) + (R + NC + O) + (UH + UO)),
RR2 = (I + P) / (same). With every invitee taken as eligible the denominator is the number
invited. A returned questionnaire is a complete (I) when at least `complete` (default 80%) of
the items are answered (any answer, "Don't know" included), a partial (P) from `partial`
(default 50%) up to that, and a break-off (counted as a refusal, R) below `partial`.
"""

from __future__ import annotations

import numpy as np

from tpn_survey.answers import MISSING
from tpn_survey.results import Problem, ResponseRate
from tpn_survey.schema import Invited


def classify(codes: np.ndarray, complete: float = 0.8, partial: float = 0.5) -> np.ndarray:
    """Per row: 2 complete, 1 partial, 0 break-off, from the share of items answered."""
    share = (codes != MISSING).mean(axis=1)
    eps = 1e-12  # 4 of 5 items is exactly 80%
    return np.where(share >= complete - eps, 2, np.where(share >= partial - eps, 1, 0))


def _rate(
    group: dict[str, str], invited: int, kinds: np.ndarray
) -> tuple[ResponseRate, Problem | None]:
    counts = np.bincount(kinds, minlength=3)
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
    invited: Invited | int,
    codes: np.ndarray,
    group_id: str | None = None,
    group_values: np.ndarray | None = None,
) -> tuple[list[ResponseRate], list[Problem]]:
    """RR1/RR2 overall and, with counts per group, for each listed group value.

    codes: (rows, items) answer codes of every returned row (answers.MISSING = no answer).
    group_values: (rows,) trimmed values of the counts' group. Rows whose value is not listed
    in the counts are left out of every rate, with a warning.
    """
    spec = invited if isinstance(invited, Invited) else Invited(total=invited)
    kinds = classify(codes, spec.complete, spec.partial)
    problems: list[Problem] = []
    out: list[ResponseRate] = []
    if spec.counts is None or group_values is None or group_id is None:
        rate, problem = _rate({}, int(spec.total or 0), kinds)
        return [rate], [problem] if problem else []
    listed = {k.strip(): int(v) for k, v in spec.counts.items()}
    values = np.asarray(group_values, dtype=object)
    known = np.isin(values, list(listed))
    if not known.all():
        unknown = sorted({str(v) for v in values[~known]})
        problems.append(
            Problem(
                code="not-invited",
                severity="warning",
                column=group_id,
                message=f"{int((~known).sum())} response(s) have a {group_id} with no invitation "
                f"count ({', '.join(repr(v) for v in unknown[:5])}); left out of response rates",
            )
        )
    rate, problem = _rate({}, sum(listed.values()), kinds[known])
    out.append(rate)
    problems += [problem] if problem else []
    for value, count in listed.items():
        rate, problem = _rate({group_id: value}, count, kinds[values == value])
        out.append(rate)
        problems += [problem] if problem else []
    return out, problems
