"""Change in the same people: linked waves (panels), attrition and retrospective pre-post pairs.

DESIGN.md "Change in the same people". Each wave is compared with the previous one on the
respondents whose `link` id is in both and who gave a valid answer in both: agreement rates
(Tango's interval and McNemar's test; under a design the linearized mean of each person's
after - before on the later wave's design), composite means (paired t; linearized), and
`attrition` rows showing whether those lost differed at baseline. Retrospective `pairs:`
(two columns of one wave) go through the same machinery, always.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tpn_survey.problems import Problem, ProblemCode
from tpn_survey.results import Attrition, EffectSize, Paired, finite
from tpn_survey.schema import Instrument, Scale, pairs_as_items
from tpn_survey.stats.compare import adjust_pvalues, newcombe_interval
from tpn_survey.stats.effect_size import cohens_h_value
from tpn_survey.stats.paired import (
    MeanDifferences,
    design_mean_differences,
    paired_rates,
    paired_t,
)
from tpn_survey.stats.scales import person_means

if TYPE_CHECKING:
    import pandas as pd

#: Values of `Paired.method` and what they mean (for reports' notes).
METHODS = {
    "tango-mcnemar-midp": "paired difference with Tango's score interval; McNemar's exact "
    "mid-p test (fewer than 25 people changed answer)",
    "tango-mcnemar-z": "paired difference with Tango's score interval; McNemar's test "
    "(z, no continuity correction)",
    "paired-t": "mean of each person's change with a t interval and test",
    "linearized-t": "design-based mean of each person's change (Taylor linearization, as R "
    "survey's svymean); t interval and test with the design's degrees of freedom",
}

BuildDesign = Callable[["pd.DataFrame"], Any]


@dataclass(frozen=True)
class Answers:
    """Per row: positive and valid masks (rows, k) and numeric points (NaN = no value)."""

    positive: np.ndarray
    valid: np.ndarray
    points: np.ndarray

    def take(self, rows: np.ndarray) -> Answers:
        return Answers(self.positive[rows], self.valid[rows], self.points[rows])


def scale_answers(codes: np.ndarray, scales: list[Scale]) -> Answers:
    """Masks and points of coded answers (category index; levels first; < 0 no answer)."""
    from tpn_survey.analysis.scores import level_points

    codes = np.asarray(codes)
    positive = np.zeros(codes.shape, dtype=bool)
    valid = np.zeros(codes.shape, dtype=bool)
    points = np.full(codes.shape, np.nan)
    for j, scale in enumerate(scales):
        nlev = len(scale.levels)
        col = codes[:, j].astype(np.int64)
        ok = (col >= 0) & (col < nlev)
        valid[:, j] = ok
        pos_levels = np.flatnonzero(scale.positive_mask())
        positive[:, j] = ok & np.isin(col, pos_levels)
        values = np.asarray(level_points(scale), dtype=np.float64)
        points[ok, j] = values[col[ok]]
    return Answers(positive, valid, points)


def link_ids(frame: pd.DataFrame, link: str) -> np.ndarray:
    """Trimmed link ids as an object array ('' = none)."""
    return frame[link].astype(str).str.strip().to_numpy(dtype=object)


def _index(ids: np.ndarray, rows: np.ndarray) -> tuple[dict[str, int], set[str]]:
    """Link id -> row among `rows`, and the ids that appear more than once (left unlinked)."""
    seen: dict[str, int] = {}
    repeated: set[str] = set()
    for r in rows:
        key = ids[r]
        if not key:
            continue
        if key in seen:
            repeated.add(key)
        seen[key] = int(r)
    for key in repeated:
        del seen[key]
    return seen, repeated


@dataclass(frozen=True)
class Context:
    """What every paired comparison needs besides the answers."""

    level: float
    min_n: int
    adjust: str
    build: BuildDesign | None  # the design of a frame's rows; None = simple analysis


def _rate_rows(
    ids: list[str],
    before: Answers,
    after: Answers,
    labels: tuple[str, str],
    ctx: Context,
    design: Any,
    group: dict[str, str],
    retrospective: bool,
) -> list[Paired]:
    """Paired rows of k items: before/after answers of the same n people (rows aligned)."""
    both = before.valid & after.valid
    pos_b = before.positive & both
    pos_a = after.positive & both
    n = both.sum(axis=0)
    if design is None:
        lost = (pos_b & ~pos_a).sum(axis=0)
        gained = (~pos_b & pos_a).sum(axis=0)
        res = paired_rates(n, pos_b.sum(axis=0), lost, gained, ctx.level)
        h = cohens_h_value(res.rate_to, res.rate_from)
        rows = []
        for j, item in enumerate(ids):
            method = "tango-mcnemar-midp" if res.exact[j] else "tango-mcnemar-z"
            rows.append(
                _paired(
                    item, labels, int(n[j]), res.rate_from[j], res.rate_to[j], res.difference[j],
                    res.ci_low[j], res.ci_high[j], res.p_value[j], method, ctx, group,
                    retrospective, effect=EffectSize(measure="cohens_h", value=finite(h[j])),
                )
            )  # fmt: skip
        return rows
    diff = np.where(both, pos_a.astype(float) - pos_b.astype(float), np.nan)
    md = design_mean_differences(design, diff, ctx.level)
    w = design.weights[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        total = (w * both).sum(axis=0)
        rate_from = (w * pos_b).sum(axis=0) / total
        rate_to = (w * pos_a).sum(axis=0) / total
    return _design_rows(ids, labels, md, rate_from, rate_to, ctx, group, retrospective, "rate")


def _design_rows(
    ids: list[str],
    labels: tuple[str, str],
    md: MeanDifferences,
    value_from: np.ndarray,
    value_to: np.ndarray,
    ctx: Context,
    group: dict[str, str],
    retrospective: bool,
    kind: str,
) -> list[Paired]:
    method = "linearized-t" if ctx.build is not None else "paired-t"
    return [
        _paired(
            item, labels, int(md.n[j]), value_from[j], value_to[j], md.difference[j],
            md.ci_low[j], md.ci_high[j], md.p_value[j], method, ctx, group, retrospective,
            kind=kind, se=md.se[j], df=md.df[j],
        )
        for j, item in enumerate(ids)
    ]  # fmt: skip


def _paired(
    item: str,
    labels: tuple[str, str],
    n: int,
    rate_from: float,
    rate_to: float,
    difference: float,
    ci_low: float,
    ci_high: float,
    p_value: float,
    method: str,
    ctx: Context,
    group: dict[str, str],
    retrospective: bool,
    kind: str = "rate",
    effect: EffectSize | None = None,
    se: float | None = None,
    df: float | None = None,
) -> Paired:
    dfv = finite(df) if df is not None else None
    return Paired.model_validate(
        {
            "item": item,
            "kind": kind,
            "group": group,
            "from": labels[0],
            "to": labels[1],
            "n_pairs": n,
            "rate_from": finite(rate_from),
            "rate_to": finite(rate_to),
            "difference": finite(difference),
            "ci_low": finite(ci_low),
            "ci_high": finite(ci_high),
            "p_value": finite(p_value),
            "p_adjusted": finite(p_value),
            "method": method,
            "effect_size": effect,
            "retrospective": retrospective,
            "suppressed": n < ctx.min_n,
            "se": finite(se) if se is not None else None,
            "df": int(dfv) if dfv is not None else None,
        }
    )


def _composite_rows(
    schema: Instrument,
    before: Answers,
    after: Answers,
    labels: tuple[str, str],
    ctx: Context,
    design: Any,
) -> list[Paired]:
    """Paired change of each composite's mean score (items as in the schema's order)."""
    if not schema.composites:
        return []
    index = {item.id: j for j, item in enumerate(schema.items)}
    names = list(schema.composites)
    diffs, means_from, means_to = [], [], []
    for name in names:
        comp = schema.composites[name]
        cols = [index[i] for i in comp.items if i in index]
        s_from = person_means(before.points[:, cols], comp.required())
        s_to = person_means(after.points[:, cols], comp.required())
        d = s_to - s_from  # NaN unless both scores exist
        ok = np.isfinite(d)
        w = design.weights if design is not None else np.ones(len(d))
        with np.errstate(invalid="ignore", divide="ignore"):
            means_from.append(np.sum(np.where(ok, w * s_from, 0.0)) / np.sum(w * ok))
            means_to.append(np.sum(np.where(ok, w * s_to, 0.0)) / np.sum(w * ok))
        diffs.append(d)
    diff = np.column_stack(diffs)
    md = (
        paired_t(diff, ctx.level)
        if design is None
        else design_mean_differences(design, diff, ctx.level)
    )
    return _design_rows(
        names, labels, md, np.array(means_from), np.array(means_to), ctx, {}, False, "mean"
    )


def _adjusted(rows: list[Paired], method: str) -> list[Paired]:
    """`p_adjusted` over the rate rows of one wave pair (or one retrospective set)."""
    rate = [i for i, r in enumerate(rows) if r.kind == "rate"]
    p = np.array([np.nan if rows[i].p_value is None else rows[i].p_value for i in rate])
    adjusted = adjust_pvalues(p, method)
    out = list(rows)
    for i, q in zip(rate, adjusted, strict=True):
        out[i] = rows[i].model_copy(update={"p_adjusted": finite(q)})
    return out


def _design_of(ctx: Context, frame: pd.DataFrame, rows: np.ndarray) -> Any:
    if ctx.build is None:
        return None
    return ctx.build(frame.iloc[rows].reset_index(drop=True))


def panel_results(
    schema: Instrument,
    frame: pd.DataFrame,
    codes: np.ndarray,
    answered: np.ndarray,
    waves: list[str],
    ctx: Context,
) -> tuple[list[Paired], list[Attrition], list[Problem]]:
    """Paired rows and attrition rows of each wave against the previous one.

    frame: every row read (with `wave` and the link column); codes: (rows, items) answer
    codes; answered: rows that answer at least one item (the others are not respondents).
    """
    assert schema.link is not None
    items = [item for item in schema.items if getattr(item, "scale", None)]
    cols = [j for j, item in enumerate(schema.items) if getattr(item, "scale", None)]
    answers = scale_answers(codes[:, cols], [schema.scale_of(i) for i in items])
    ids = link_ids(frame, schema.link)
    wave = frame["wave"].astype(str).str.strip().to_numpy(dtype=object)
    problems: list[Problem] = []
    paired: list[Paired] = []
    attrition: list[Attrition] = []
    item_ids = [item.id for item in items]
    for first, second in itertools.pairwise(waves):
        rows_a = np.flatnonzero((wave == first) & answered)
        rows_b = np.flatnonzero((wave == second) & answered)
        index_a, rep_a = _index(ids, rows_a)
        index_b, rep_b = _index(ids, rows_b)
        for name, repeated in ((first, rep_a), (second, rep_b)):
            if repeated:
                problems.append(_repeated_problem(schema, name, len(repeated)))
        common = [k for k in index_b if k in index_a]
        ia = np.array([index_a[k] for k in common], dtype=np.int64)
        ib = np.array([index_b[k] for k in common], dtype=np.int64)
        design = _design_of(ctx, frame, rows_b)
        linked_b = ib
        if design is not None:
            # The later wave's design over all its rows; the linked set is a domain of it.
            position = {int(r): p for p, r in enumerate(rows_b)}
            linked_b = np.array([position[int(r)] for r in ib], dtype=np.int64)
            before = _spread(answers.take(ia), linked_b, len(rows_b))
            after = answers.take(rows_b)
            after = Answers(
                after.positive & _mask(linked_b, len(rows_b))[:, None],
                after.valid & _mask(linked_b, len(rows_b))[:, None],
                np.where(_mask(linked_b, len(rows_b))[:, None], after.points, np.nan),
            )
        else:
            before, after = answers.take(ia), answers.take(ib)
        labels = (first, second)
        rows = _rate_rows(item_ids, before, after, labels, ctx, design, {}, False)
        rows += _composite_rows(schema, before, after, labels, ctx, design)
        paired += _adjusted(rows, ctx.adjust)
        attrition += _attrition(item_ids, answers, rows_a, ids, set(index_b), labels, ctx)
    return paired, attrition, problems


def _mask(rows: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size, dtype=bool)
    out[rows] = True
    return out


def _spread(answers: Answers, at: np.ndarray, size: int) -> Answers:
    """Answers placed at rows `at` of a block of `size` rows (no answer elsewhere)."""
    k = answers.valid.shape[1]
    positive = np.zeros((size, k), dtype=bool)
    valid = np.zeros((size, k), dtype=bool)
    points = np.full((size, k), np.nan)
    positive[at], valid[at], points[at] = answers.positive, answers.valid, answers.points
    return Answers(positive, valid, points)


def _attrition(
    item_ids: list[str],
    answers: Answers,
    rows_a: np.ndarray,
    ids: np.ndarray,
    later: set[str],
    labels: tuple[str, str],
    ctx: Context,
) -> list[Attrition]:
    """Baseline rates of those linked in the later wave (retained) and of the rest (lost)."""
    kept = np.array([bool(ids[r]) and ids[r] in later for r in rows_a], dtype=bool)
    base = answers.take(rows_a)
    valid, positive = base.valid, base.positive & base.valid
    n_r = (valid & kept[:, None]).sum(axis=0)
    n_l = (valid & ~kept[:, None]).sum(axis=0)
    x_r = (positive & kept[:, None]).sum(axis=0)
    x_l = (positive & ~kept[:, None]).sum(axis=0)
    low, high = newcombe_interval(x_r, n_r, x_l, n_l, ctx.level)
    with np.errstate(invalid="ignore", divide="ignore"):
        r_r = np.where(n_r > 0, x_r / np.maximum(n_r, 1), np.nan)
        r_l = np.where(n_l > 0, x_l / np.maximum(n_l, 1), np.nan)
    return [
        Attrition.model_validate(
            {
                "item": item,
                "from": labels[0],
                "to": labels[1],
                "retained": int(n_r[j]),
                "lost": int(n_l[j]),
                "rate_retained": finite(r_r[j]),
                "rate_lost": finite(r_l[j]),
                "difference": finite(r_r[j] - r_l[j]),
                "ci_low": finite(low[j]),
                "ci_high": finite(high[j]),
                "suppressed": bool(min(n_r[j], n_l[j]) < ctx.min_n),
            }
        )
        for j, item in enumerate(item_ids)
    ]


def _repeated_problem(schema: Instrument, wave: str, count: int) -> Problem:
    """Repeated link ids in a wave: those people are left out of the linking. The ids are not
    named (the link may be personal data)."""
    return Problem(
        code=ProblemCode.LINK_REPEATED,
        severity="warning",
        column=schema.link,
        message=(
            f"wave {wave!r}: {count} link id(s) in column {schema.link!r} appear more than "
            "once; those respondents are left out of the paired comparisons"
        ),
    )


def retrospective_results(
    schema: Instrument,
    frame: pd.DataFrame,
    answered: np.ndarray,
    waves: list[str],
    ctx: Context,
) -> list[Paired]:
    """Paired rows of every retrospective pair (`from` "before", `to` "after"), in each wave
    (`group` {"wave": w}) when there are several, else overall. Adjusted across the pairs of
    one wave."""
    if not schema.pairs:
        return []
    from tpn_survey.analysis.coding import code_items

    pseudo = pairs_as_items(schema)
    codes = code_items(pseudo, frame).codes
    answers = scale_answers(codes, [schema.scales[p.scale] for p in schema.pairs for _ in "ab"])
    ids = [p.id for p in schema.pairs]
    blocks: list[tuple[dict[str, str], np.ndarray]] = [({}, np.flatnonzero(answered))]
    if len(waves) > 1:
        wave = frame["wave"].astype(str).str.strip().to_numpy(dtype=object)
        blocks = [({"wave": w}, np.flatnonzero(answered & (wave == w))) for w in waves]
    out: list[Paired] = []
    for group, rows in blocks:
        if rows.size == 0:
            continue
        design = _design_of(ctx, frame, rows)
        block = answers.take(rows)
        before = Answers(block.positive[:, 0::2], block.valid[:, 0::2], block.points[:, 0::2])
        after = Answers(block.positive[:, 1::2], block.valid[:, 1::2], block.points[:, 1::2])
        rows_out = _rate_rows(ids, before, after, ("before", "after"), ctx, design, group, True)
        out += _adjusted(rows_out, ctx.adjust)
    return out


def change_results(
    schema: Instrument,
    frame: pd.DataFrame,
    codes: np.ndarray | None,
    answered: np.ndarray,
    waves: list[str],
    ctx: Context,
    paired: bool,
) -> tuple[list[Paired], list[Attrition], list[Problem]]:
    """Everything of "change in the same people" an analysis asks for: the panel comparisons
    (when `paired`), then the retrospective pairs (always). `codes` None: the answers were
    tallied, not kept, so nothing can be linked."""
    from tpn_survey.errors import OptionError

    problems: list[Problem] = []
    rows: list[Paired] = []
    attrition: list[Attrition] = []
    if codes is None:
        if paired:
            raise OptionError("--paired links people row by row: read the data without --chunksize")
        if schema.pairs:
            message = "retrospective pairs are not analyzed when the data are read in chunks"
            problems.append(
                Problem(code=ProblemCode.PAIRS_CHUNKED, severity="warning", message=message)
            )
        return rows, attrition, problems
    if paired:
        if schema.link is None:
            raise OptionError("--paired needs `link:` in the schema: the column that names a "
                              "person the same way in every wave")  # fmt: skip
        if len(waves) < 2:
            raise OptionError("--paired needs two or more waves (data files or a `wave` column)")
        if schema.link not in frame.columns:
            message = f"column {schema.link!r} named as the schema's link is not in the data"
            error = Problem(code=ProblemCode.MISSING_COLUMN, severity="error", column=schema.link,
                            message=message)  # fmt: skip
            return rows, attrition, [error]
        rows, attrition, problems = panel_results(schema, frame, codes, answered, waves, ctx)
    rows += retrospective_results(schema, frame, answered, waves, ctx)
    return rows, attrition, problems
