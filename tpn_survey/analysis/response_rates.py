"""AAPOR response rates RR1 and RR2 from invitation counts and the share of items answered.

AAPOR (2023), Standard Definitions, 10th ed.: RR1 = I / ((I + P) + (R + NC + O) + (UH + UO)),
RR2 = (I + P) / (same). With every invitee taken as eligible the denominator is the number
invited. A returned questionnaire is a complete (I) when at least `complete` (default 80%) of
the items are answered (any answer, "Don't know" included), a partial (P) from `partial`
(default 50%) up to that, and a break-off (counted as a refusal, R) below `partial`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tpn_survey.analysis.coding import MISSING, ItemCodes
from tpn_survey.io.table import Table
from tpn_survey.problems import Problem, ProblemCode
from tpn_survey.results import ResponseRate
from tpn_survey.schema import Group, Instrument, Invited

if TYPE_CHECKING:
    import pandas as pd


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
            code=ProblemCode.MORE_RESPONSES_THAN_INVITED,
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
                code=ProblemCode.NOT_INVITED,
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


def rate_kinds_by_group(
    schema: Instrument, frame: pd.DataFrame, coded: ItemCodes
) -> dict[str, Any]:
    """Complete, partial and broken-off returns by the invitation counts' group value."""
    if schema.invited is None:
        return {}
    column = rates_column(schema)
    values = None
    if column is not None and column in frame.columns:
        values = frame[column].astype(str).str.strip().to_numpy()
    return count_kinds(rate_kinds(schema.invited, coded), values)


def survey_response_rates(
    schema: Instrument, table: Table, waves: list[Group], kinds: dict[str, Any]
) -> tuple[list[Any], list[Problem]]:
    """AAPOR RR1/RR2 over every returned row when the schema gives `invited:` counts."""
    if schema.invited is None:
        return [], []
    if waves:
        message = "invitation counts are for one wave; response rates need one data file"
        return [], [Problem(code=ProblemCode.RATES_ONE_WAVE, severity="warning", message=message)]
    by = getattr(schema.invited, "by", None)
    if by is None:
        return response_rates(schema.invited, kinds)
    group = schema.group(by) or Group(id=by, column=by)
    if group.column not in table.columns:
        message = f"invited.by: {by!r} is neither a group nor a column; no response rates"
        return [], [Problem(code=ProblemCode.RATES_GROUP, severity="warning", message=message)]
    return response_rates(schema.invited, kinds, group.id)


def rate_kinds(invited: Invited | int, coded: ItemCodes) -> np.ndarray:
    """Per row: 2 complete, 1 partial, 0 break-off (response_rates.classify_answered)."""
    spec = invited if isinstance(invited, Invited) else Invited(total=invited)
    answered = np.zeros(coded.rows, dtype=np.int64)
    for index, lookup in zip(coded.index, coded.lookup, strict=True):
        answered += (lookup != MISSING)[index]
    return classify_answered(answered, len(coded.index), spec.complete, spec.partial)


def rates_column(schema: Instrument) -> str | None:
    """The column whose values the invitation counts are given by, if any."""
    by = getattr(schema.invited, "by", None)
    if by is None:
        return None
    group = schema.group(by)
    return group.column if group else by
