"""Shares of the options of multi and choice items, with the interval methods of a rate.

Multi: the denominator is the respondents asked who chose at least one option; each option's
share is those who chose it over that. Choice: each option's share of the substantive answers
(non-substantive answers and blanks counted, left out). Simple: `stats.proportions`;
design-based: `svyciprop(~I(x == option), subset(design, answered & in domain))`, from
`stats.design.domain_proportions`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tpn_survey.results import ChoiceRow, finite
from tpn_survey.stats.proportions import proportion_ci

if TYPE_CHECKING:
    from tpn_survey.analysis.question_answers import QuestionAnswers
    from tpn_survey.analysis.questions import Domains


def _by_domain(mask: np.ndarray, domain: np.ndarray, size: int) -> np.ndarray:
    inside = domain >= 0
    return np.bincount(domain[inside], weights=mask[inside], minlength=size).astype(np.int64)


def choice_rows(
    qa: QuestionAnswers,
    asked: np.ndarray,
    domains: Domains,
    design: Any,
    method: str,
    level: float,
    min_n: int,
) -> list[ChoiceRow]:
    valid = qa.substantive
    chosen = qa.chosen & valid[:, None]
    k = len(qa.options)
    is_choice = qa.question.type == "choice"
    out = []
    for domain, labels in domains:
        size = len(labels)
        n = _by_domain(valid, domain, size)
        missing = _by_domain(asked & ~qa.answered, domain, size)
        non_subst = _by_domain(qa.answered & ~valid, domain, size)
        counts = np.stack([_by_domain(chosen[:, j], domain, size) for j in range(k)], axis=1)
        extra: dict[str, np.ndarray] = {}
        if design is None:
            nn = np.repeat(n[:, None], k, axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                rate = np.where(nn > 0, counts / np.maximum(nn, 1), np.nan)
            low, high = proportion_ci(counts, nn, method, level)
        else:
            from tpn_survey.stats.domain import domain_proportions

            props = domain_proportions(
                design, chosen, np.repeat(valid[:, None], k, axis=1), domain, size, method, level
            )
            rate, low, high = props.rate, props.ci_low, props.ci_high
            extra = {"deff": props.deff, "n_effective": props.n_effective}
        for d, (group, wave) in enumerate(labels):
            for j, option in enumerate(qa.options):
                out.append(
                    ChoiceRow(
                        item=qa.question.id,
                        group=group,
                        wave=wave,
                        option=option,
                        n=int(n[d]),
                        count=int(counts[d, j]),
                        rate=finite(rate[d, j]),
                        ci_low=finite(low[d, j]),
                        ci_high=finite(high[d, j]),
                        method=method,
                        suppressed=bool(n[d] < min_n),
                        missing=int(missing[d]),
                        non_substantive=int(non_subst[d]) if is_choice else None,
                        deff=finite(extra["deff"][d, j]) if extra else None,
                        n_effective=finite(extra["n_effective"][d, j]) if extra else None,
                    )
                )
    return out
