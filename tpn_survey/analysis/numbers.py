"""n, mean, median and total of number items, simple and design-based (DESIGN.md "number").

Simple: the t interval of the mean (`stats.scales.t_means`), R's `median()` with the
order-statistic interval, and the respondents' sum as the total (no interval: it is what the
respondents reported). Design-based: `svymean` + `confint(df = degf)` (`stats.scales.
design_means`), `svyquantile(~x, design, 0.5, ci = TRUE)` and `svytotal` (`stats.numbers`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tpn_survey.results import NumberRow, finite
from tpn_survey.stats.numbers import design_medians, design_totals, simple_median
from tpn_survey.stats.scales import design_means, t_means

if TYPE_CHECKING:
    from tpn_survey.analysis.question_answers import QuestionAnswers
    from tpn_survey.analysis.questions import Domains


def number_rows(
    qa: QuestionAnswers,
    asked: np.ndarray,
    domains: Domains,
    design: Any,
    level: float,
    min_n: int,
    total: bool = False,
) -> list[NumberRow]:
    assert qa.values is not None
    x = np.where(qa.answered, qa.values, np.nan)
    total = total or qa.question.total
    out = []
    for domain, labels in domains:
        size = len(labels)
        inside = domain >= 0
        missing = np.bincount(
            domain[inside], weights=(asked & ~qa.answered)[inside], minlength=size
        )
        if design is not None:
            means = design_means(design, x[:, None], domain, size, level)
            medians = design_medians(design, x, domain, size, level)
            totals = design_totals(design, x, domain, size, level) if total else None
        for d, (group, wave) in enumerate(labels):
            values = x[(domain == d) & np.isfinite(x)]
            n = int(values.size)
            if design is None:
                m = t_means(values[:, None], level)
                mean, m_low, m_high = m.mean[0], m.ci_low[0], m.ci_high[0]
                med = simple_median(values, level)
                tot = (float(values.sum()) if n else None, None, None)
                method = "t"
            else:
                mean, m_low, m_high = means.mean[d, 0], means.ci_low[d, 0], means.ci_high[d, 0]
                med = medians[d]
                tot = (
                    (totals.total[d], totals.ci_low[d], totals.ci_high[d])
                    if totals is not None
                    else (None, None, None)
                )
                method = "linearized-t"
            out.append(
                NumberRow(
                    item=qa.question.id,
                    group=group,
                    wave=wave,
                    n=n,
                    missing=int(missing[d]),
                    mean=finite(mean),
                    mean_ci_low=finite(m_low),
                    mean_ci_high=finite(m_high),
                    median=finite(med.value),
                    median_ci_low=finite(med.ci_low),
                    median_ci_high=finite(med.ci_high),
                    total=_maybe(tot[0]) if total else None,
                    total_ci_low=_maybe(tot[1]) if total else None,
                    total_ci_high=_maybe(tot[2]) if total else None,
                    method=method,
                    suppressed=n < min_n,
                )
            )
    return out


def _maybe(value: float | None) -> float | None:
    return None if value is None else finite(value)
