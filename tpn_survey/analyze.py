"""Schema + table + options -> Results. Pure: no I/O, no printing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tpn_survey import __version__
from tpn_survey.analysis.coding import ItemCodes, code_items
from tpn_survey.analysis.comparisons import composite_comparisons, group_comparisons
from tpn_survey.analysis.estimates import design_estimates, estimates_from_counts, item_masks
from tpn_survey.analysis.network import network_from_masks
from tpn_survey.analysis.nonresponse import composition_rows
from tpn_survey.analysis.plan import (
    blank_group_warnings,
    build_design,
    canonical_order,
    domain_codes,
    resolve_design,
    resolve_groups,
    resolve_method,
    wave_group,
)
from tpn_survey.analysis.response_rates import rate_kinds_by_group, survey_response_rates
from tpn_survey.analysis.tally import ItemChecks, Tally, item_checks
from tpn_survey.errors import DataError
from tpn_survey.io.table import FILE_COLUMN, Table
from tpn_survey.options import Options
from tpn_survey.problems import has_errors
from tpn_survey.report.disclosure import apply_withholding
from tpn_survey.results import (
    Estimate,
    GroupInfo,
    InputFile,
    ItemInfo,
    NetworkRow,
    PairInfo,
    Respondents,
    Results,
    Settings,
    Survey,
    Tool,
)
from tpn_survey.schema import Group, Instrument
from tpn_survey.schema_checks import check_pii_options
from tpn_survey.validate import check_columns, validate

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DataError", "analyze"]


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
                short=item.short,
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
        pairs=[PairInfo(id=p.id, text=p.text, headline=p.headline) for p in schema.pairs],
    )


def analyze(schema: Instrument, table: Table, options: Options | None = None) -> Results:
    """Validate, then estimate every item overall and by each `--by` group.

    A simple analysis works from a `Tally` of the answers (the table's own, when it was read
    in chunks, else one made here); a design-based one from the coded rows.
    Raises DataError (carrying all problems) when the data have errors.
    """
    options = options or Options()
    check_pii_options(schema, options.named_columns())
    design = resolve_design(schema, options)
    method = resolve_method(design, options.ci)
    groups = resolve_groups(schema, options.by, table.columns)
    compared = (
        resolve_groups(schema, [options.compare], table.columns, "--compare")
        if options.compare
        else []
    )
    by_keys = [g.id if schema.group(g.id) else g.column for g in [*groups, *compared]]
    tally = table.tally
    assert tally is None or isinstance(tally, Tally)  # the only Tallier
    if tally is not None and design is not None:
        raise ValueError("a tallied table keeps no answers to weight: read it whole")
    coded: ItemCodes | None = None
    checks: ItemChecks | None = tally.checks() if tally is not None else None
    questions = None
    columns_ok = bool(len(table.frame)) and not check_columns(schema, table, design, by_keys)
    if tally is None and columns_ok:
        coded = code_items(schema, table.frame)  # once, for validation and estimates
        checks = item_checks(schema, table.frame, coded)
    if columns_ok and (schema.questions or any(item.asked_if for item in schema.items)):
        from tpn_survey.analysis.questions import code_questions

        questions = code_questions(schema, table.frame)  # once, for validation and estimates
    problems = validate(schema, table, design, by_keys, checks=checks, questions=questions)
    if has_errors(problems):
        raise DataError(problems)
    assert checks is not None  # no errors: the columns are there
    likert_rows = None  # rows whose Likert answers are counted, for asked_if's missing counts
    if questions is not None:
        from tpn_survey.analysis.questions import skip_likert

        if coded is not None:
            coded = skip_likert(schema, coded, questions)
            likert_rows = coded.answered if design is None else None
    excluded = ~checks.answered
    if questions is not None:
        answered = questions.answered(len(table.frame))
        excluded = ~answered if not schema.items else excluded & ~answered
    frame = table.frame
    # Answer columns are coded already, so they are not copied or reordered; a column that is
    # also a group or a design column is kept.
    used = {g.column for g in [*schema.groups, *groups, *compared]}
    if design is not None:
        roles = (design.weight, design.cluster, design.strata, design.fpc)
        used |= {c for c in roles if isinstance(c, str)}
    coded_only = {item.column for item in schema.items} - used
    if excluded.any():
        keep = [c for c in frame.columns if c not in coded_only]
        frame = frame.loc[~excluded, keep].reset_index(drop=True)
    problems += blank_group_warnings(frame, groups)
    waves = wave_group(frame)
    domain_groups = list({g.id: g for g in [*groups, *compared, *waves]}.values())

    estimates: list[Estimate] = []
    row_order: np.ndarray | None = None
    built = None
    masks: tuple[np.ndarray, np.ndarray] | None = None
    network: list[NetworkRow] = []
    if design is None:
        from tpn_survey.analysis.scales import simple_scale_results

        if tally is None:
            assert coded is not None
            tally = Tally(schema, [g.column for g in domain_groups])
            if schema.items:  # else only other question types: nothing to tally
                tally.add(table.frame, coded)
        breakdowns: list[Any] = [(None, tally.overall[None], [{}], {"": 0})]
        for group in domain_groups:
            counts, order, domain_of = tally.breakdown(group)
            breakdowns.append((group.column, counts, [{group.id: v} for v in order], domain_of))
        for _, counts, labels, _ in breakdowns:
            estimates += estimates_from_counts(schema, counts, labels, method, options)
        means, scales = simple_scale_results(
            schema, tally, breakdowns, options.level, options.min_n
        )
        kinds = tally.rates
    else:
        from tpn_survey.analysis.scales import design_means, design_scale_results, design_scores

        assert coded is not None
        # Weighted sums depend on the order of their terms in the last bits: a canonical row
        # order makes results byte-identical whatever the order of the input file.
        row_order = canonical_order(frame[schema.respondent_id], frame[FILE_COLUMN])
        frame = frame[[c for c in frame.columns if c not in coded_only]].iloc[row_order]
        frame = frame.reset_index(drop=True)
        kept = np.flatnonzero(~excluded)[row_order] if excluded.any() else row_order
        codes = coded.codes_of(kept)  # (rows, 0) where there are only other question types
        masks = item_masks(schema, codes)
        built = build_design(frame, design, _file_names(table))
        domains = domain_codes(frame, domain_groups)
        _, scores = design_scores(schema, codes)
        found_means = []
        for domain, labels in domains:
            found, sums = design_estimates(schema, codes, domain, labels, built, method, options)
            estimates += found
            # The means now, so that this breakdown's PSU sums are freed before the next's.
            found_means.append(
                design_means(built, domain, len(labels), sums, scores, options.level)
            )
            del sums
        if design.cluster:
            network = network_from_masks(schema, frame, masks, design.cluster, built.clusters)
        means, scales = design_scale_results(
            schema,
            codes,
            [labels for _, labels in domains],
            found_means,
            options.level,
            options.min_n,
        )
        kinds = rate_kinds_by_group(schema, table.frame, coded)

    if questions is not None and questions.asked and coded is not None:
        from tpn_survey.analysis.skip import leave_out_not_asked, not_asked_counts

        rows = likert_rows if likert_rows is not None else ~excluded
        skipped = not_asked_counts(schema, questions.asked, rows, table.frame, domain_groups)
        estimates = leave_out_not_asked(estimates, skipped)
    asked = _question_results(schema, questions, excluded, row_order, frame, domain_groups, built,
                              method, options)  # fmt: skip
    comparisons, trends, reference = group_comparisons(
        schema, estimates, compared, waves, options, frame, masks, built
    )
    if design is None and compared:  # composite means: Hedges' g (null under a design)
        pairs = list(dict.fromkeys((c.level, c.reference) for c in comparisons))
        comparisons += composite_comparisons(
            means, compared[0].id, pairs, options.level, options.min_n, options.adjust
        )
    rates, rate_problems = survey_response_rates(schema, table, waves, kinds)
    problems += rate_problems
    paired, attrition, change_problems = _change(
        schema, table, coded, ~excluded, waves, design, options
    )
    problems += change_problems
    results = Results(
        tool=Tool(version=__version__),
        survey=_survey(schema, table.settle(), domain_groups),
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
        **asked,
        paired=paired,
        attrition=attrition,
        composition=composition_rows(rates, options.min_n),
    )
    return apply_withholding(results)  # the same withheld cells in every list (DESIGN.md)


def _change(
    schema: Instrument,
    table: Table,
    coded: ItemCodes | None,
    answered: np.ndarray,
    waves: list[Group],
    design: Any,
    options: Options,
) -> tuple[list[Any], list[Any], list[Any]]:
    """Panel comparisons (--paired) and retrospective pairs (see analysis/panels.py)."""
    if not options.paired and not schema.pairs:
        return [], [], []
    from tpn_survey.analysis.panels import Context, change_results

    files = _file_names(table)
    build = None if design is None else (lambda f: build_design(f, design, files))
    ctx = Context(level=options.level, min_n=options.min_n, adjust=options.adjust, build=build)
    labels = (waves[0].values or []) if waves else []
    codes = coded.codes if coded is not None else None
    found = change_results(schema, table.frame, codes, answered, labels, ctx, options.paired)
    if has_errors(found[2]):
        raise DataError(found[2])
    return found


def _file_names(table: Table) -> str:
    return ", ".join(dict.fromkeys(str(f.get("file", "")) for f in table.files)) or "the data"


def _question_results(
    schema: Instrument,
    questions: Any,
    excluded: np.ndarray,
    order: np.ndarray | None,
    frame: pd.DataFrame,
    groups: list[Group],
    built: Any,
    method: str,
    options: Options,
) -> dict[str, Any]:
    """The `choices`, `numbers`, `texts` and `reach` lists (analysis/questions.py), on the
    rows and in the row order of `frame`."""
    if questions is None or not schema.questions:
        return {}
    from tpn_survey.analysis.questions import question_domains, question_info, question_results

    coded = questions.take(np.flatnonzero(~excluded))
    if order is not None:
        coded = coded.take(order)
    waves = [g for g in groups if g.id == "wave"]
    domains = question_domains(
        frame, [g for g in groups if g.id != "wave"], waves[0] if waves else None
    )
    found = question_results(schema, coded, domains, built, method, options.level, options.min_n)
    return {
        "questions": question_info(schema),
        "choices": found.choices,
        "numbers": found.numbers,
        "texts": found.texts,
        "reach": found.reach,
    }
