"""Schema + table + options -> Results. Pure: no I/O, no printing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tpn_survey import __version__
from tpn_survey.answers import (
    ItemCodes,
    code_groups,
    code_items,
    parse_numbers,
    sorted_factorize,
    trimmed_factorize,
)
from tpn_survey.errors import OptionError, TpnError
from tpn_survey.io.table import FILE_COLUMN, Table
from tpn_survey.options import Options
from tpn_survey.results import (
    Comparison,
    Estimate,
    GroupInfo,
    InputFile,
    ItemInfo,
    NetworkRow,
    Problem,
    Respondents,
    Results,
    Settings,
    Survey,
    Tool,
    finite,
)
from tpn_survey.schema import Design, Group, Instrument
from tpn_survey.stats.proportions import SIMPLE_METHODS, proportion_ci
from tpn_survey.tally import (
    ItemChecks,
    Tally,
    count_width,
    item_checks,
    rate_kinds,
    rates_column,
)
from tpn_survey.validate import check_columns, did_you_mean, has_errors, validate

if TYPE_CHECKING:
    import pandas as pd

DESIGN_METHODS = ("logit", "beta", "wald")


class DataError(TpnError):
    """The data have problems that make any estimate untrustworthy."""

    exit_code = 1

    def __init__(self, problems: list[Problem]) -> None:
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} data problem(s); nothing was analyzed")
        self.problems = problems


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


def resolve_groups(schema: Instrument, keys: list[str], columns: list[str]) -> list[Group]:
    """Groups for --by keys: a schema group id, else a column name, whose id is then the
    column name (DESIGN.md); a schema group on that column lends its listed values."""
    by_id = {g.id: g for g in schema.groups}
    groups = []
    for key in keys:
        group = by_id.get(key)
        if group is None:
            if key not in columns:
                choices = list(by_id) + columns
                raise OptionError(
                    f"--by {key!r} is neither a group in the schema nor a column of the data"
                    + did_you_mean(key, choices)
                )
            same_column = next((g for g in schema.groups if g.column == key), None)
            group = Group(id=key, column=key, values=same_column.values if same_column else None)
        groups.append(group)
    return groups


def _survey(schema: Instrument, table: Table, groups: list[Group]) -> Survey:
    items = []
    for item in schema.items:
        scale = schema.scale_of(item)
        cats = scale.categories()
        items.append(
            ItemInfo(
                id=item.id,
                text=item.text,
                headline=item.headline,
                levels=list(scale.levels),
                positive=list(scale.positive),
                non_substantive=cats[len(scale.levels) :],
            )
        )
    shown = {g.id: g for g in schema.groups} | {g.id: g for g in groups}
    return Survey(
        id=schema.id,
        title=schema.title,
        items=items,
        groups=[GroupInfo(id=g.id, column=g.column, label=g.label) for g in shown.values()],
        inputs=[InputFile.model_validate(f) for f in table.files],
    )


def item_masks(schema: Instrument, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positive, valid) answer masks, (rows, items) column-major, one column at a time."""
    valid_mask, pos_mask = _level_masks(schema, count_width(schema))
    positive = np.empty(codes.shape, dtype=bool, order="F")
    valid = np.empty(codes.shape, dtype=bool, order="F")
    for j in range(codes.shape[1]):
        shifted = codes[:, j].astype(np.int64) + 1
        positive[:, j] = pos_mask[j, shifted]
        valid[:, j] = valid_mask[j, shifted]
    return positive, valid


def design_estimates(
    schema: Instrument,
    codes: np.ndarray,
    domain: np.ndarray,
    labels: list[dict[str, str]],
    design: Any,
    method: str,
    options: Options,
) -> tuple[list[Estimate], Any]:
    """Design-based estimates of every item in every domain (Taylor linearization), and the
    PSU sums of the items' points, from which their design-based means follow."""
    from tpn_survey.scales import level_points
    from tpn_survey.stats.design import coded_psu_sums, proportions_from_sums

    width = count_width(schema)
    valid, positive = _level_masks(schema, width)
    points = np.zeros(valid.shape)
    for j, item in enumerate(schema.items):
        level_values = level_points(schema.scale_of(item))
        points[j, 1 : 1 + len(level_values)] = level_values
    # Slot 0 is for off-scale codes (-2): they are no answer, as missing ones (-1) are.
    pad = np.zeros((valid.shape[0], 1), dtype=bool)
    rate_sums, mean_sums, slot_counts = coded_psu_sums(
        design,
        domain,
        len(labels),
        codes,
        np.hstack([pad, valid]),
        np.hstack([pad, positive]),
        np.hstack([pad, points]),
        shift=2,
    )
    counts = slot_counts[:, :, 1:]  # as `_counts` counts them: missing first, then the levels
    count_positive = (counts * positive).sum(axis=2)
    props = proportions_from_sums(design, rate_sums, count_positive, method, options.level)
    values = {
        "rate": props.rate,
        "ci_low": props.ci_low,
        "ci_high": props.ci_high,
        "deff": props.deff,
        "n_effective": props.n_effective,
    }
    return _estimates_from_counts(schema, counts, labels, method, options, values), mean_sums


def _level_masks(schema: Instrument, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Per item, masks over shifted codes: substantive levels and positive levels."""
    k = len(schema.items)
    valid = np.zeros((k, width), dtype=bool)
    positive = np.zeros((k, width), dtype=bool)
    for j, item in enumerate(schema.items):
        scale = schema.scale_of(item)
        nlev = len(scale.levels)
        valid[j, 1 : 1 + nlev] = True
        positive[j, 1 : 1 + nlev] = scale.positive_mask()
    return valid, positive


def _estimates_from_counts(
    schema: Instrument,
    counts: np.ndarray,
    labels: list[dict[str, str]],
    method: str,
    options: Options,
    design_values: dict[str, np.ndarray] | None = None,
) -> list[Estimate]:
    valid_mask, pos_mask = _level_masks(schema, counts.shape[2])
    n = (counts * valid_mask).sum(axis=2)
    positive = (counts * pos_mask).sum(axis=2)
    missing = counts[:, :, 0]
    non_subst = counts.sum(axis=2) - n - missing
    if design_values is None:
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(n > 0, positive / np.where(n > 0, n, 1), np.nan)
        low, high = proportion_ci(positive, n, method, options.level)
    else:
        rate, low, high = design_values["rate"], design_values["ci_low"], design_values["ci_high"]
    out = []
    for d, group in enumerate(labels):
        for j, item in enumerate(schema.items):
            levels = schema.scale_of(item).levels
            extra: dict[str, float | None] = {}
            if design_values is not None:
                extra = {
                    "deff": finite(design_values["deff"][d, j]),
                    "n_effective": finite(design_values["n_effective"][d, j]),
                }
            out.append(
                Estimate(
                    item=item.id,
                    group=group,
                    n=int(n[d, j]),
                    positive=int(positive[d, j]),
                    rate=finite(rate[d, j]),
                    ci_low=finite(low[d, j]),
                    ci_high=finite(high[d, j]),
                    method=method,
                    missing=int(missing[d, j]),
                    non_substantive=int(non_subst[d, j]),
                    suppressed=bool(n[d, j] < options.min_n),
                    distribution={
                        level: int(counts[d, j, 1 + i]) for i, level in enumerate(levels)
                    },
                    **extra,
                )
            )
    return out


def _domains(
    frame: pd.DataFrame, groups: list[Group]
) -> list[tuple[np.ndarray, list[dict[str, str]]]]:
    """Overall, then one breakdown per group: (domain index per row, label of each domain)."""
    out: list[tuple[np.ndarray, list[dict[str, str]]]] = [
        (np.zeros(len(frame), dtype=np.int64), [{}])
    ]
    for group in groups:
        index, order = code_groups(frame[group.column], group.values)
        out.append((index, [{group.id: v} for v in order]))
    return out


def analyze(schema: Instrument, table: Table, options: Options | None = None) -> Results:
    """Validate, then estimate every item overall and by each `--by` group.

    A simple analysis works from a `Tally` of the answers (the table's own, when it was read
    in chunks, else one made here); a design-based one from the coded rows.
    Raises DataError (carrying all problems) when the data have errors.
    """
    options = options or Options()
    design = resolve_design(schema, options)
    method = resolve_method(design, options.ci)
    groups = resolve_groups(schema, options.by, table.columns)
    compared = resolve_groups(schema, [options.compare], table.columns) if options.compare else []
    by_keys = [g.id if schema.group(g.id) else g.column for g in [*groups, *compared]]
    tally = table.tally
    if tally is not None and design is not None:
        raise ValueError("a tallied table keeps no answers to weight: read it whole")
    coded: ItemCodes | None = None
    checks: ItemChecks | None = tally.checks() if tally is not None else None
    if tally is None and len(table.frame) and not check_columns(schema, table, design, by_keys):
        coded = code_items(schema, table.frame)  # once, for validation and estimates
        checks = item_checks(schema, table.frame, coded)
    problems = validate(schema, table, design, by_keys, checks=checks)
    if has_errors(problems):
        raise DataError(problems)
    assert checks is not None  # no errors: the columns are there
    excluded = ~checks.answered
    frame = table.frame
    if excluded.any():
        items = {item.column for item in schema.items}  # already coded: not copied
        keep = [c for c in frame.columns if c not in items]
        frame = frame.loc[~excluded, keep].reset_index(drop=True)
    problems += _blank_group_warnings(frame, groups)
    waves = wave_group(frame)
    domain_groups = list({g.id: g for g in [*groups, *compared, *waves]}.values())

    estimates: list[Estimate] = []
    built = None
    masks: tuple[np.ndarray, np.ndarray] | None = None
    network: list[NetworkRow] = []
    if design is None:
        from tpn_survey.scales import simple_scale_results

        if tally is None:
            assert coded is not None
            tally = Tally(schema, [g.column for g in domain_groups])
            tally.add(table.frame, coded)
        breakdowns: list[Any] = [(None, tally.overall[None], [{}], {"": 0})]
        for group in domain_groups:
            counts, order, domain_of = tally.breakdown(group)
            breakdowns.append((group.column, counts, [{group.id: v} for v in order], domain_of))
        for _, counts, labels, _ in breakdowns:
            estimates += _estimates_from_counts(schema, counts, labels, method, options)
        means, scales = simple_scale_results(
            schema, tally, breakdowns, options.level, options.min_n
        )
        kinds = tally.rates
    else:
        from tpn_survey.scales import design_scale_results

        assert coded is not None
        codes = coded.codes[~excluded] if excluded.any() else coded.codes
        # Weighted sums depend on the order of their terms in the last bits: a canonical row
        # order makes results byte-identical whatever the order of the input file.
        order = canonical_order(frame[schema.respondent_id], frame[FILE_COLUMN])
        items = {item.column for item in schema.items}  # already coded: not reordered
        frame = frame[[c for c in frame.columns if c not in items]].iloc[order]
        frame = frame.reset_index(drop=True)
        codes = np.asfortranarray(codes[order])
        masks = item_masks(schema, codes)
        built = _build_design(frame, design)
        domains = _domains(frame, domain_groups)
        item_sums = []
        for domain, labels in domains:
            found, sums = design_estimates(schema, codes, domain, labels, built, method, options)
            estimates += found
            item_sums.append(sums)
        if design.cluster:
            network = _network(schema, frame, masks, design.cluster)
        means, scales = design_scale_results(
            schema, codes, domains, built, item_sums, options.level, options.min_n
        )
        kinds = _rate_kinds(schema, table.frame, coded)

    comparisons, trends, reference = group_comparisons(
        schema, estimates, compared, waves, options, frame, masks, built
    )
    rates, rate_problems = _response_rates(schema, table, waves, kinds)
    problems += rate_problems
    return Results(
        tool=Tool(version=__version__),
        survey=_survey(schema, table, domain_groups),
        settings=Settings(
            ci=method,
            level=options.level,
            min_n=options.min_n,
            design=design.model_dump(exclude_none=True) if design else None,
            by=[g.id for g in groups],
            compare=compared[0].id if compared else None,
            reference=reference,
            adjust=options.adjust,
        ),
        respondents=Respondents(
            rows_read=len(table.frame),
            rows_used=len(frame),
            rows_excluded=int(excluded.sum()),
        ),
        estimates=estimates,
        comparisons=comparisons,
        trends=trends,
        means=means,
        scales=scales,
        response_rates=rates,
        problems=problems,
        network=network,
    )


def _network(
    schema: Instrument, frame: pd.DataFrame, masks: tuple[np.ndarray, np.ndarray], cluster: str
) -> list[NetworkRow]:
    """Leaders per organization and ICC by leader (see network.py)."""
    from tpn_survey.network import network_rows

    positive, valid = masks
    org = schema.group("organization")
    return network_rows(
        cluster=frame[cluster],
        organization=frame[org.column] if org else None,
        positive=positive,
        valid=valid,
        items=[item.id for item in schema.items],
    )


def wave_group(frame: pd.DataFrame) -> list[Group]:
    """The `wave` group (values in file order) when the rows come from two or more waves."""
    if "wave" not in frame.columns:
        return []
    values = [v for v in dict.fromkeys(frame["wave"].astype(str).str.strip()) if v]
    return [Group(id="wave", column="wave", values=values)] if len(values) > 1 else []


def group_comparisons(
    schema: Instrument,
    estimates: list[Estimate],
    compared: list[Group],
    waves: list[Group],
    options: Options,
    frame: pd.DataFrame,
    masks: tuple[np.ndarray, np.ndarray] | None = None,
    built: Any = None,
) -> tuple[list[Comparison], list[Comparison], str | None]:
    """Comparisons with the reference level and changes from wave to wave, each adjusted as
    one family. Simple: from the estimates' counts; design-based (`built`): linearized."""
    from tpn_survey import compare

    items = [item.id for item in schema.items]
    positive = valid = np.zeros((0, 0), dtype=bool)
    if built is not None and masks is not None:
        positive, valid = masks

    def run(group: Group, levels: list[str], pairs: list[tuple[str, str]]) -> list[Comparison]:
        if built is None:
            return compare.simple_comparisons(
                estimates, items, group.id, levels, pairs, options.level, options.min_n
            )
        domain, order = code_groups(frame[group.column], levels)
        return compare.design_comparisons(
            built, positive, valid, domain, items, group.id, order, pairs,
            options.level, options.min_n,
        )  # fmt: skip

    comparisons: list[Comparison] = []
    trends: list[Comparison] = []
    reference = None
    for group in compared:
        sizes = compare.domain_sizes(estimates, group.id)
        levels = [v for v in (group.values or sorted(sizes)) if v in sizes]
        reference = compare.choose_reference(
            levels, sizes, options.reference, ordered=group.values is not None
        )
        comparisons = run(group, levels, compare.reference_pairs(levels, reference))
    for group in waves:
        trends = run(group, group.values or [], compare.wave_pairs(group.values or []))
    return (
        compare.adjust(comparisons, options.adjust),
        compare.adjust(trends, options.adjust),
        reference,
    )


def _rate_kinds(schema: Instrument, frame: pd.DataFrame, coded: ItemCodes) -> dict[str, Any]:
    """Complete, partial and broken-off returns by the invitation counts' group value."""
    from tpn_survey.response_rates import count_kinds

    if schema.invited is None:
        return {}
    column = rates_column(schema)
    values = None
    if column is not None and column in frame.columns:
        values = frame[column].astype(str).str.strip().to_numpy()
    return count_kinds(rate_kinds(schema.invited, coded), values)


def _response_rates(
    schema: Instrument, table: Table, waves: list[Group], kinds: dict[str, Any]
) -> tuple[list[Any], list[Problem]]:
    """AAPOR RR1/RR2 over every returned row when the schema gives `invited:` counts."""
    from tpn_survey.response_rates import response_rates

    if schema.invited is None:
        return [], []
    if waves:
        message = "invitation counts are for one wave; response rates need one data file"
        return [], [Problem(code="rates-one-wave", severity="warning", message=message)]
    by = getattr(schema.invited, "by", None)
    if by is None:
        return response_rates(schema.invited, kinds)
    group = schema.group(by) or Group(id=by, column=by)
    if group.column not in table.columns:
        message = f"invited.by: {by!r} is neither a group nor a column; no response rates"
        return [], [Problem(code="rates-group", severity="warning", message=message)]
    return response_rates(schema.invited, kinds, group.id)


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


def _build_design(frame: pd.DataFrame, design: Design) -> Any:
    """A stats.design.Design from the design's columns (already validated)."""
    import pandas as pd

    from tpn_survey.stats.design import make_design

    def column(name: str | None) -> pd.Categorical[str] | None:
        if name is None:
            return None
        codes, labels = sorted_factorize(frame[name])
        return pd.Categorical.from_codes(codes, categories=pd.Index(labels))

    weights = parse_numbers(frame[design.weight]) if design.weight else None
    fpc: Any = design.fpc
    if isinstance(fpc, str):
        fpc = parse_numbers(frame[fpc])
    return make_design(
        len(frame),
        weights=weights,
        strata=column(design.strata),
        clusters=column(design.cluster),
        fpc=fpc,
    )


def _blank_group_warnings(frame: pd.DataFrame, groups: list[Group]) -> list[Problem]:
    out = []
    for group in groups:
        inverse, texts = trimmed_factorize(frame[group.column])
        blank = int((inverse == texts.index("")).sum())
        if blank:
            out.append(
                Problem(
                    code="blank-group",
                    severity="warning",
                    column=group.column,
                    message=(
                        f"{blank} row(s) have no value for {group.id!r}; they count in the "
                        "overall estimates only"
                    ),
                )
            )
    return out
