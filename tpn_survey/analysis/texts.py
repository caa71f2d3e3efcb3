"""Open-text items: answered and blank counts, and a scrubbed quote bank.

Quotes (items with `quotes: true`, overall row only): up to 8 distinct whole answers, chosen
by the SHA-256 of their text (so the order of rows does not matter), with e-mail addresses,
phone numbers and URLs replaced by `[removed]`, and never from a respondent of a group that
is withheld (fewer than min-n answers, a blank group value included) in any breakdown.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from tpn_survey.results import TextRow

if TYPE_CHECKING:
    from tpn_survey.analysis.question_answers import QuestionAnswers
    from tpn_survey.analysis.questions import Domains, Label

MAX_QUOTES = 8
REMOVED = "[removed]"
# Each pattern starts only where a token starts (a look-behind, not `\b` inside a token), so a
# hostile 2 MB answer is scanned in linear time, not once per position.
_SCRUB = [
    re.compile(
        r"(?<![^\s@<>()\[\],;:\"'])[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[A-Za-z]{2,}"
    ),  # e-mail
    re.compile(r"(?i)\b(?:https?://|ftp://|www\.)[^\s<>\"']+"),  # URL with a scheme or www.
    re.compile(
        r"(?i)(?<![\w.-])[a-z0-9.-]+\.(?:com|org|net|edu|gov|io|us|uk|ca|au|info|biz)"
        r"(?:/[^\s]*)?\b"
    ),
    re.compile(
        r"(?<!\w)(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\d{2,4}[\s.-])\d{3,4}[\s.-]\d{3,4}(?!\w)"
    ),
]


def scrub(text: str) -> str:
    """The text with e-mail addresses, URLs and phone numbers replaced by `[removed]`."""
    for pattern in _SCRUB:
        text = pattern.sub(REMOVED, text)
    return text


def pick_quotes(texts: list[str], limit: int = MAX_QUOTES) -> list[str]:
    """Up to `limit` distinct answers, the ones whose SHA-256 sorts first, scrubbed."""
    distinct = sorted(set(texts), key=lambda t: hashlib.sha256(t.encode("utf-8")).hexdigest())
    return [scrub(t) for t in distinct[:limit]]


def _withheld_domains(labels: list[Label], n: np.ndarray, min_n: int) -> list[int]:
    """Domains of a breakdown whose cells are withheld (report/disclosure.py's rule, per wave:
    min-n and complementary cells); rows without a group (a wave's total) by min-n only."""
    from tpn_survey.report.disclosure import cell_value, withheld

    by_wave: dict[str | None, dict[str, int]] = defaultdict(dict)
    out = []
    for d, (group, wave) in enumerate(labels):
        if group:
            by_wave[wave][cell_value(group)] = d
        elif n[d] < min_n:
            out.append(d)
    for cells in by_wave.values():
        held = withheld({value: int(n[d]) for value, d in cells.items()}, min_n)
        out += [cells[value] for value in held]
    return out


def text_rows(
    qa: QuestionAnswers, asked: np.ndarray, domains: Domains, min_n: int
) -> list[TextRow]:
    assert qa.texts is not None
    answered = qa.answered
    blank = asked & ~answered
    quotable = answered.copy()
    out = []
    for domain, labels in domains:
        size = len(labels)
        inside = domain >= 0
        n = np.bincount(domain[inside], weights=answered[inside], minlength=size).astype(int)
        b = np.bincount(domain[inside], weights=blank[inside], minlength=size).astype(int)
        if size > 1 or labels[0][0]:  # a breakdown: its withheld cells give no quotes
            quotable &= ~np.isin(domain, _withheld_domains(labels, n, min_n))
            if int(answered[~inside].sum()) < min_n:
                quotable &= inside
        for d, (group, wave) in enumerate(labels):
            out.append(
                TextRow(
                    item=qa.question.id,
                    group=group,
                    wave=wave,
                    n=int(n[d]),
                    answered=int(n[d]),
                    blank=int(b[d]),
                    suppressed=bool(n[d] < min_n),
                )
            )
    if qa.question.quotes:
        overall = out[0]
        chosen = [t for t, ok in zip(qa.texts, quotable, strict=True) if ok and t]
        quotes = pick_quotes(chosen) if not overall.suppressed else []
        out[0] = overall.model_copy(update={"quotes": quotes})
    return out
