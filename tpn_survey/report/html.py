"""Results -> one self-contained HTML report (Jinja templates, inline CSS and SVG charts)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from markupsafe import Markup

from tpn_survey import __version__
from tpn_survey.report import figures, findings, sections
from tpn_survey.report.change import change_context
from tpn_survey.report.disclosure import COMPLEMENTARY, apply_withholding, group_text
from tpn_survey.report.disclosure import mask as withheld_mask
from tpn_survey.report.environment import make_environment, template_errors
from tpn_survey.report.format import (
    adjust_name,
    adjust_phrase,
    count,
    group_key,
    interval_text,
    level_text,
    method_name,
    pct,
    population_noun,
    rate_comparisons,
    suppressed_text,
)
from tpn_survey.report.key_figures import key_figures
from tpn_survey.report.matrix import Breakdown, agreement_matrix, cell_of
from tpn_survey.report.meta import ReportMeta, build_date, logo_uri, report_year
from tpn_survey.report.questions import questions_context, quote_bank
from tpn_survey.report.sections import p_text, pts, significant
from tpn_survey.results import Comparison, Estimate, ItemInfo, Results

DOT_CHARTS = 2
"""A breakdown's dot plots in the report part: the items whose groups differ most."""


def _headline(
    est: Estimate | None,
    item: ItemInfo,
    noun: str,
    res: Results,
    mask: str | None,
    previous: Estimate | None = None,
    trend: Comparison | None = None,
) -> str:
    """'91% of teacher leaders … (95% CI 88%–93%, n = 512).'; with waves, the latest wave's
    rate ('In 2017, …'), and the previous wave's when the change is significant."""
    assert item.headline is not None
    if est is None:
        return f"No {noun} answered whether they {item.headline}."
    if mask is not None:
        return f"Too few {noun} answered to report how many {item.headline} ({mask})."
    if est.rate is None:
        return f"No {noun} gave a valid answer on whether they {item.headline}."
    # no-break spaces keep "n = 512" and "95% CI" from splitting across lines
    interval = interval_text(est, res.settings.level).replace(" = ", "\u00a0=\u00a0")
    interval = interval.replace(" CI ", "\u00a0CI ", 1)
    when = f"In {est.group[sections.WAVE]}, " if est.group else ""
    change = ""
    if previous is not None and trend is not None and significant(trend, res.settings.level):
        prev_est = previous
        if prev_est.rate is not None and trend.difference is not None:
            way = "up" if trend.difference > 0 else "down"
            change = f", {way} from {pct(prev_est.rate)} in {trend.reference}"
    return f"{when}{pct(est.rate)} of {noun} {item.headline} ({interval}){change}."


def _comparison_row(
    c: Comparison,
    res: Results,
    items: dict[str, ItemInfo],
    group_labels: dict[str, str],
) -> dict[str, Any]:
    mask = withheld_mask(c, res.settings.min_n)  # withheld when either side is
    item = items.get(c.item)
    return {
        "item": item.text or item.id if item else c.item,
        "by": group_labels.get(c.by, c.by),
        "level": c.level,
        "reference": c.reference,
        "difference": f"{pts(c.difference)} pts" if c.difference is not None else "–",
        "ci": f"{pts(c.ci_low)} to {pts(c.ci_high)}" if c.ci_low is not None else "–",
        "p": p_text(c.p_value),
        "p_adjusted": p_text(c.p_adjusted),
        "n": f"{count(c.n)} vs {count(c.n_reference)}",
        "significant": mask is None and significant(c, res.settings.level),
        "fisher": c.method == "newcombe-fisher",
        "mask": mask,
    }


def _design_text(design: dict[str, Any] | None) -> str | None:
    if not design:
        return None
    parts = []
    if design.get("weight") is not None:
        parts.append(f"weights from column “{design['weight']}”")
    if design.get("cluster") is not None:
        parts.append(f"clusters (primary sampling units) from column “{design['cluster']}”")
    if design.get("strata") is not None:
        parts.append(f"strata from column “{design['strata']}”")
    fpc = design.get("fpc")
    if isinstance(fpc, int | float):
        what = "sampling fraction" if fpc <= 1 else "population size"
        parts.append(f"a finite population correction with {what} {fpc:g}")
    elif fpc is not None:
        parts.append(f"a finite population correction from column “{fpc}”")
    extra = {k: v for k, v in design.items() if k not in {"weight", "cluster", "strata", "fpc"}}
    parts += [f"{k}: {v}" for k, v in sorted(extra.items()) if v is not None]
    return "; ".join(parts) if parts else None


def _icc_text(value: float | None) -> str:
    if value is None:
        return "–"
    rounded = round(value, 2)
    return f"{rounded or 0.0:.2f}"  # -0.0 is falsy: never "-0.00"


def _network_context(
    res: Results, items: dict[str, ItemInfo], order: list[str]
) -> dict[str, Any] | None:
    """Leaders per organization and ICC by leader; a withheld organization (on its
    respondents, report.disclosure) shows its mask in every column."""
    if not res.network:
        return None
    min_n = res.settings.min_n
    rows = []
    for row in res.network:
        spread = (
            f"{row.per_leader_median:g} ({row.per_leader_min}–{row.per_leader_max})"
            if row.per_leader_median is not None
            else "–"
        )
        iccs = [_icc_text(row.icc.get(i)) for i in order if i in row.icc]
        numbers = {
            "leaders": count(row.leaders),
            "respondents": count(row.respondents),
            "spread": spread,
        }
        masked = withheld_mask(row, min_n)
        if masked is not None:
            numbers = dict.fromkeys(numbers, masked)
            iccs = [masked for _ in iccs]
        label = "All organizations" if row.organization is None else row.organization
        rows.append(
            {
                "label": group_text({"organization": label}),
                "overall": row.organization is None,
                **numbers,
                "iccs": iccs,
            }
        )
    with_icc = [i for i in order if i in res.network[0].icc]
    legend = [(k + 1, items[i].text or i) for k, i in enumerate(with_icc)]
    return {"rows": rows, "legend": legend}


def _lede(res: Results, noun: str, waves: list[str]) -> str:
    """'523 teacher leaders answered; 91% of the 572 invited responded.'"""
    text = f"{count(res.respondents.rows_used)} {noun} answered"
    if waves:
        text += f" over {len(waves)} waves ({', '.join(waves)}); the figures below are for "
        text += f"{waves[-1]}, the latest"
    overall = next((r for r in res.response_rates if not r.group), None)
    if overall is not None and (overall.rr2 is not None or overall.rr1 is not None):
        rate = overall.rr2 if overall.rr2 is not None else overall.rr1
        text += f"; {pct(rate)} of the {count(overall.invited)} invited responded"
    return text + "."


def _survey_context(res: Results, index: int, meta: ReportMeta) -> dict[str, Any]:
    min_n = res.settings.min_n
    level = res.settings.level
    items = {it.id: it for it in res.survey.items}
    order = [it.id for it in res.survey.items]
    for est in res.estimates:
        if est.item not in items:
            items[est.item] = ItemInfo(
                id=est.item,
                text=est.item,
                headline=None,
                levels=list(est.distribution),
                positive=[],
                non_substantive=[],
            )
            order.append(est.item)

    def mask_of(i: int) -> str | None:
        return withheld_mask(res.estimates[i], min_n)

    pooled: dict[str, tuple[int, Estimate]] = {}
    by_key: dict[str, list[tuple[int, Estimate]]] = defaultdict(list)
    for i, est in enumerate(res.estimates):
        if not est.group:
            pooled.setdefault(est.item, (i, est))
        else:
            by_key[group_key(est.group)].append((i, est))
    # Several waves: the headlines, bars and item table are the latest wave's, not all pooled.
    waves = sections.wave_order(res)
    latest = waves[-1] if len(waves) > 1 else None
    overall = pooled
    previous: dict[str, Estimate] = {}
    if latest is not None:
        wave_ests = [(i, e) for i, e in enumerate(res.estimates) if set(e.group) == {"wave"}]
        overall = {e.item: (i, e) for i, e in wave_ests if e.group["wave"] == latest}
        previous = {e.item: e for _, e in wave_ests if e.group["wave"] == waves[-2]}
    trend_of = {c.item: c for c in res.trends if c.by == sections.WAVE and c.level == latest}

    noun = meta.respondents.get(res.survey.id) or population_noun(res.survey.title)
    headlines = []
    for item_id in order:
        item = items[item_id]
        if item.headline:
            i, est = overall.get(item_id, (-1, None))  # type: ignore[assignment]
            mask = mask_of(i) if est else None
            prev = previous.get(item_id)
            prev_shown = prev is not None and not prev.suppressed
            headlines.append(
                _headline(
                    est, item, noun, res, mask, prev if prev_shown else None, trend_of.get(item_id)
                )
            )

    bars = figures.bar_charts(overall, items, order, mask_of, f"s{index}-bars")
    shown_overall = [e for i, e in overall.values() if mask_of(i) is None]
    not_in_bars = {
        "missing": count(sum(e.missing for e in shown_overall)),
        "non_substantive": count(sum(e.non_substantive for e in shown_overall)),
        "labels": sorted({ns for x in overall for ns in items[x].non_substantive}),
    }
    any_caution = any(figures.caution(e) for i, e in enumerate(res.estimates) if mask_of(i) is None)

    overall_rows = [
        cell_of(overall[i][1], items[i].text or i, mask_of(overall[i][0]))
        for i in order
        if i in overall
    ]
    has_deff = any(e.deff is not None for e in res.estimates)

    trends = sections.trends_context(res, index, items, order, mask_of, meta.primary_color)
    breakdowns = []
    group_labels = {g.id: g.label or g.id for g in res.survey.groups}
    keys = [k for k in res.settings.by if k in by_key]
    keys += [k for k in by_key if k not in keys]
    if trends is not None:  # the trends section shows the estimates by wave
        keys = [k for k in keys if k != sections.WAVE]
    for b, key in enumerate(keys):
        label = " × ".join(group_labels.get(part, part) for part in key.split(" × "))
        bd = Breakdown(key=key, label=label)
        per_item: dict[str, list[tuple[int, Estimate]]] = defaultdict(list)
        for i, est in by_key[key]:
            per_item[est.item].append((i, est))
        columns: list[tuple[str, list[tuple[int, Estimate]]]] = []
        for item_id in [x for x in order if x in per_item]:
            text = items[item_id].text or item_id
            bd.items.append({"id": item_id, "text": text})
            columns.append((text, per_item[item_id]))
        bd.total = len(columns)
        network = {x: (e.rate if mask_of(i) is None else None) for x, (i, e) in pooled.items()}
        bd.charts = figures.dot_charts(
            per_item,
            network,
            items,
            order,
            mask_of,
            label.lower(),
            f"s{index}-g{b}",
            meta.primary_color,
            overall_label="All",
            limit=DOT_CHARTS,
        )
        bd.matrix = agreement_matrix(label, columns, mask_of, False)
        breakdowns.append(bd)

    rate_diffs = rate_comparisons(res)
    comparisons = [_comparison_row(c, res, items, group_labels) for c in rate_diffs]
    compared_by = rate_diffs[0].by if rate_diffs else None
    comparison_groups: dict[str, list[dict[str, Any]]] = {}
    for row in comparisons:
        comparison_groups.setdefault(row["item"], []).append(row)
    references = sorted({c.reference for c in rate_diffs})
    problems: dict[str, dict[str, Any]] = {}
    for p in res.problems:
        entry = problems.setdefault(
            p.code, {"code": p.code, "severity": p.severity, "count": 0, "example": p.message}
        )
        entry["count"] += 1
        if p.severity == "error":
            entry["severity"] = "error"
    design = res.settings.design
    differences = []
    for c in rate_diffs:
        if withheld_mask(c, min_n) is None and significant(c, level):
            info = items.get(c.item)
            label = figures.label_of(info) if info else c.item
            if c.difference is not None:
                more = "more" if c.difference > 0 else "less"
                differences.append(
                    f"{c.level} agreed {more} often than {c.reference}: “{label}” "
                    f"({pts(c.difference)} percentage points)."
                )
    return {
        "lede": _lede(res, noun, waves if latest is not None else []),
        "differences": differences,
        "network": _network_context(res, items, order),
        "res": res,
        "index": index,
        "anchor": f"survey-{index}",
        "noun": noun,
        "waves": waves if latest is not None else [],
        "latest": latest,
        "headlines": headlines,
        "bars": bars,
        "not_in_bars": not_in_bars,
        "any_caution": any_caution,
        "facts": findings.SurveyFacts(
            res=res,
            title=res.survey.title,
            noun=noun,
            wave=latest,
            overall=[e for _, e in overall.values()],
            by_group={
                (e.item, *next(iter(e.group.items()))): e
                for _, e in (x for v in by_key.values() for x in v)
                if len(e.group) == 1
            },
            previous=previous,
            items=items,
            shown=lambda e: withheld_mask(e, min_n) is None,
        ),
        "overall_rows": overall_rows,
        "has_deff": has_deff,
        "breakdowns": breakdowns,
        "comparisons": comparisons,
        "compared_by": group_labels.get(compared_by, compared_by) if compared_by else None,
        "comparison_groups": [{"item": k, "rows": v} for k, v in comparison_groups.items()],
        "reference": references[0] if len(references) == 1 else None,
        "comparison_note": (
            sections.comparison_footnote(rate_diffs, res.settings.adjust, level)
            if rate_diffs
            else ""
        ),
        "adjust": adjust_name(res.settings.adjust),
        "adjust_phrase": adjust_phrase(res.settings.adjust),
        "alpha": f"{1 - level:g}",
        "any_significant": any(c["significant"] for c in comparisons),
        "any_fisher": any(c["fisher"] for c in comparisons),
        "trends": trends,
        "means": sections.means_context(res, items, order, latest),
        "scales": sections.scales_context(res, items),
        "rates": sections.rates_context(res),
        "change": change_context(res, noun),
        "problems": sorted(problems.values(), key=lambda e: (e["severity"] != "error", e["code"])),
        "n_problems": len(res.problems),
        "ci_name": method_name(res.settings.ci, design=bool(design)),
        "level": level_text(level),
        "design_text": _design_text(design),
        "min_n": min_n,
        "mask": suppressed_text(min_n),
        "any_hidden": any(e.suppressed_reason == COMPLEMENTARY for e in res.estimates),
        "any_suppressed": any(e.suppressed for e in res.estimates),
        "questions": questions_context(res, f"survey-{index}"),
    }


def report_parts(surveys: list[Results], meta: ReportMeta) -> dict[str, Any]:
    """What the report part shows, for any writer: `surveys` (a context per survey),
    `key_figures` and `findings`."""
    surveys = [apply_withholding(res) for res in surveys]
    contexts = [_survey_context(res, i + 1, meta) for i, res in enumerate(surveys)]
    return {
        "surveys": contexts,
        "key_figures": key_figures(surveys, contexts, meta),
        "findings": findings.findings_context([c["facts"] for c in contexts], meta.primary_color),
    }


def render_html(
    surveys: list[Results], meta: ReportMeta | None = None, templates: Path | None = None
) -> str:
    """The whole report as one HTML string (deterministic for the same inputs and environment)."""
    meta = meta or ReportMeta()
    surveys = [apply_withholding(res) for res in surveys]  # flags complete, even if hand-made
    parts = report_parts(surveys, meta)
    year = report_year(meta, surveys)
    date = build_date(meta, surveys)
    env = make_environment(templates)
    versions = sorted({r.tool.version for r in surveys}) or [__version__]
    with template_errors(templates):
        css = env.get_template("style.css").render(meta=meta)
        html = env.get_template("report.html").render(
            meta=meta,
            year=year,
            **parts,
            quotes=quote_bank(surveys),
            css=Markup(css.replace("</", "<\\/")),
            logo=logo_uri(meta.logo),
            date=date.strftime("%Y-%m-%dT%H:%M:%SZ"),
            tool_versions=", ".join(versions),
            renderer_version=__version__,
        )
    # Every table scrolls sideways in its own box on a narrow screen, never the page.
    return _TABLE.sub(r'<div class="table-scroll">\1</div>', html)


_TABLE = re.compile(r"(<table\b.*?</table>)", re.S)
