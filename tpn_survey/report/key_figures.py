"""The key figures of the report's cover."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from tpn_survey.report import sections
from tpn_survey.report.format import count, pct
from tpn_survey.report.meta import ReportMeta
from tpn_survey.report.questions import reach_figure
from tpn_survey.results import Results


def _plural(word: str) -> str:
    if word.endswith("s"):
        return word
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def wave_respondents(res: Results, wave: str) -> int:
    """Rows of one wave: every row counts in each of its wave's item estimates (as an answer,
    a missing one or a non-substantive one)."""
    return max(
        (
            e.n + e.missing + e.non_substantive
            for e in res.estimates
            if e.group == {sections.WAVE: wave}
        ),
        default=0,
    )


def key_figures(
    surveys: list[Results], contexts: list[dict[str, Any]], meta: ReportMeta
) -> list[dict[str, str]]:
    """The cover's key figures: reach, respondents (of the latest wave), response rates and the
    number of groups in the breakdowns."""
    figures = []
    if meta.teachers_reached:
        figures.append(
            {
                "value": count(meta.teachers_reached),
                "label": "teachers reached",
                "note": "by the network this year",
            }
        )
    if not meta.teachers_reached:  # a typed-in figure overrides the surveys' reach
        reach = (reach_figure(res, ctx["noun"]) for res, ctx in zip(surveys, contexts, strict=True))
        figures += [fig for fig in reach if fig is not None]
    for res, ctx in zip(surveys, contexts, strict=True):
        label = f"{ctx['noun']} responded"
        answered, note = res.respondents.rows_used, res.survey.title
        if ctx["latest"] is not None:  # the latest wave's respondents, not all waves'
            answered = wave_respondents(res, ctx["latest"])
            note = f"{res.survey.title}, {ctx['latest']}"
        figures.append({"value": count(answered), "label": label, "note": note})
    for res, ctx in zip(surveys, contexts, strict=True):
        overall = next((r for r in res.response_rates if not r.group), None)
        if overall is None or overall.suppressed or (overall.rr2 is None and overall.rr1 is None):
            continue
        rate = overall.rr2 if overall.rr2 is not None else overall.rr1
        note = f"{ctx['noun']}: {count(overall.complete + overall.partial)} of "
        note += f"{count(overall.invited)} invited"
        figures.append({"value": pct(rate), "label": "response rate", "note": note})
    values: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, str] = {}
    for res in surveys:
        for g in res.survey.groups:
            labels.setdefault(g.id, g.label or g.id)
        for est in res.estimates:
            if len(est.group) == 1:
                ((gid, value),) = est.group.items()
                answered = est.n + est.missing + est.non_substantive > 0
                # breakdowns, not the groups compared or waves; a blank value is no group
                if gid in res.settings.by and value.strip() and answered:
                    values[gid].add(value)
    for gid in sorted(values, key=lambda g: (not g.lower().startswith("org"), g)):
        label = _plural(labels.get(gid, gid).replace("_", " ")).lower()
        figures.append(
            {"value": count(len(values[gid])), "label": label, "note": "in the breakdowns"}
        )
    return figures
