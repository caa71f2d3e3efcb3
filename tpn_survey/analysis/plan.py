"""The plan of an analysis: its design, interval method, groups, domains and row order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tpn_survey.analysis.coding import (
    code_groups,
    parse_numbers,
    sorted_factorize,
    trimmed_factorize,
)
from tpn_survey.errors import DesignError, OptionError
from tpn_survey.options import Options
from tpn_survey.problems import Problem, ProblemCode, did_you_mean
from tpn_survey.schema import Design, Group, Instrument
from tpn_survey.vocab import DESIGN_METHODS, SIMPLE_METHODS

if TYPE_CHECKING:
    import pandas as pd


def resolve_design(schema: Instrument, options: Options) -> Design | None:
    """The schema's design, with CLI options taking precedence field by field."""
    base = schema.effective_design() or Design()
    fields: dict[str, Any] = base.model_dump()
    for key in ("weight", "cluster", "strata"):
        if getattr(options, key):
            fields[key] = getattr(options, key)
    if options.population is not None:
        fields["fpc"] = options.population
    design = Design(**fields)
    return None if design.is_empty() else design


def resolve_method(design: Design | None, ci: str | None) -> str:
    allowed = DESIGN_METHODS if design else SIMPLE_METHODS
    method = ci or allowed[0]
    if method not in allowed:
        kind = "design-based" if design else "simple (no design)"
        raise OptionError(
            f"--ci {method!r} is not available for a {kind} analysis; use one of "
            + ", ".join(allowed)
        )
    return method


def resolve_groups(
    schema: Instrument, keys: list[str], columns: list[str], option: str = "--by"
) -> list[Group]:
    """Groups for --by keys: a schema group id, else a column name, whose id is then the
    column name (DESIGN.md); a schema group on that column lends its listed values.
    `option` is the setting the keys came from (`--by`, `--compare`), named in errors."""
    by_id = {g.id: g for g in schema.groups}
    groups = []
    for key in keys:
        group = by_id.get(key)
        if group is None:
            if key not in columns:
                choices = list(by_id) + columns
                raise OptionError(
                    f"{option} {key!r} is neither a group in the schema nor a column of the data"
                    + did_you_mean(key, choices)
                )
            same_column = next((g for g in schema.groups if g.column == key), None)
            group = Group(id=key, column=key, values=same_column.values if same_column else None)
        groups.append(group)
    return groups


def wave_group(frame: pd.DataFrame) -> list[Group]:
    """The `wave` group (values in file order) when the rows come from two or more waves."""
    if "wave" not in frame.columns:
        return []
    values = [v for v in dict.fromkeys(frame["wave"].astype(str).str.strip()) if v]
    return [Group(id="wave", column="wave", values=values)] if len(values) > 1 else []


def domain_codes(
    frame: pd.DataFrame, groups: list[Group]
) -> list[tuple[np.ndarray, list[dict[str, str]]]]:
    """Overall, then one breakdown per group: (domain index per row, label of each domain)."""
    out: list[tuple[np.ndarray, list[dict[str, str]]]] = [
        (np.zeros(len(frame), dtype=np.int64), [{}])
    ]
    for group in groups:
        index, order = code_groups(frame[group.column], group.values, blank=True)
        out.append((index, [{group.id: v} for v in order]))
    return out


def canonical_order(ids: pd.Series, files: pd.Series) -> np.ndarray:
    """Row order sorted by respondent id, then file name (code point order, as str sorts)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    # (id, file) is unique once validation has passed, so the order is fully determined.
    keys = pa.table(
        {"id": pa.array(ids.astype(str).array), "file": pa.array(files.astype(str).array)}
    )
    order = pc.sort_indices(keys, sort_keys=[("id", "ascending"), ("file", "ascending")])
    return np.asarray(order.to_numpy(), dtype=np.int64)


def build_design(frame: pd.DataFrame, design: Design, files: str = "the data") -> Any:
    """A stats.design.Design from the design's columns (already validated); a design the data
    cannot support (a stratum with one PSU, say) is a DesignError naming the files and columns."""
    import pandas as pd

    from tpn_survey.stats.design import make_design

    def column(name: str | None) -> pd.Categorical[str] | None:
        if name is None:
            return None
        codes, labels = sorted_factorize(frame[name])
        return pd.Categorical.from_codes(codes, categories=pd.Index(labels))

    weights = parse_numbers(frame[design.weight]) if design.weight else None
    if weights is not None and len(weights):
        # Rates, means and their variances do not change when every weight is scaled by the
        # same factor; weights near the float limits would overflow (or underflow) in the sums
        # of squares, so such weights are scaled to a maximum of 1 first.
        top = float(np.max(weights))
        if np.isfinite(top) and top > 0 and not 1e-100 < top < 1e100:
            weights = weights / top
    fpc: Any = design.fpc
    if isinstance(fpc, str):
        fpc = parse_numbers(frame[fpc])
    try:
        return make_design(
            len(frame),
            weights=weights,
            strata=column(design.strata),
            clusters=column(design.cluster),
            fpc=fpc,
        )
    except ValueError as ex:
        named = [
            f"{role} column {col!r}"
            for role, col in (("strata", design.strata), ("cluster", design.cluster))
            if isinstance(col, str)
        ]
        where = f" ({', '.join(named)})" if named else ""
        raise DesignError(f"{files}{where}: {ex}") from None


def blank_group_warnings(frame: pd.DataFrame, groups: list[Group]) -> list[Problem]:
    out = []
    for group in groups:
        inverse, texts = trimmed_factorize(frame[group.column])
        blank = int((inverse == texts.index("")).sum())
        if blank:
            out.append(
                Problem(
                    code=ProblemCode.BLANK_GROUP,
                    severity="warning",
                    column=group.column,
                    message=(
                        f"{blank} row(s) have no value for {group.id!r}; they are shown as "
                        "the group value (no answer)"
                    ),
                )
            )
    return out
