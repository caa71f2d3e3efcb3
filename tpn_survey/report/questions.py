"""Report sections for multi, choice, number and text items, the reach key figure and the quote
bank (templates `questions.html` and `quotes.html`).

Only overall rows are drawn (the network's figures); withheld rows show the min-n mark, never
their numbers. Charts are hand-written SVG like `charts.py`: sorted horizontal bars, the share
printed at each bar's end, a text alternative that carries the numbers.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from tpn_survey.report.charts import FONT, GRID, INK, MUTED, _f, _svg_open, _wrap
from tpn_survey.report.disclosure import mask
from tpn_survey.report.format import ci_text, count, decimal, level_text, pct
from tpn_survey.results import ChoiceRow, NumberRow, QuestionInfo, ReachFigure, Results

BAR = "#542788"
# Narrow enough (390 units in all) that on a 390 px phone the text keeps nearly its size.
_LABEL_WIDTH = 160
_BAR_WIDTH = 190
_ROW = 30


def choice_bars(rows: list[ChoiceRow], title: str, chart_id: str) -> Markup:
    """Horizontal bars of the options' shares, largest first, each with its share at its end."""
    rows = sorted(rows, key=lambda r: (-(r.rate or 0.0), r.option))
    height = 12 + _ROW * len(rows) + 22
    width = _LABEL_WIDTH + _BAR_WIDTH + 40
    desc = "; ".join(f"{r.option}: {pct(r.rate)} ({ci_text(r.ci_low, r.ci_high)})" for r in rows)
    parts = [_svg_open(width, height, chart_id, title, desc)]
    x0 = _LABEL_WIDTH
    for i, r in enumerate(rows):
        y = 12 + i * _ROW
        share = r.rate or 0.0
        lines = _wrap(r.option, 24, 2)
        step = 12 * 1.2
        top = y + _ROW / 2 - step * (len(lines) - 1) / 2 + 4
        spans = "".join(
            f'<tspan x="{_f(x0 - 8)}" y="{_f(top + k * step)}">{escape(line)}</tspan>'
            for k, line in enumerate(lines)
        )
        parts.append(f'<text text-anchor="end" font-size="12" fill="{INK}">{spans}</text>')
        bar = share * _BAR_WIDTH
        parts.append(
            f'<rect x="{_f(x0)}" y="{_f(y + 5)}" width="{_f(bar)}" height="{_ROW - 10}" '
            f'fill="{BAR}"/>'
        )
        parts.append(
            f'<text x="{_f(x0 + bar + 4)}" y="{_f(y + _ROW / 2 + 4)}" font-size="12" '
            f'fill="{INK}">{escape(pct(r.rate))}</text>'
        )
    axis_y = 12 + _ROW * len(rows)
    parts.append(
        f'<line x1="{_f(x0)}" x2="{_f(x0 + _BAR_WIDTH)}" y1="{_f(axis_y)}" y2="{_f(axis_y)}" '
        f'stroke="{GRID}"/>'
    )
    for tick in (0, 0.5, 1):
        parts.append(
            f'<text x="{_f(x0 + tick * _BAR_WIDTH)}" y="{_f(axis_y + 14)}" font-size="10" '
            f'text-anchor="middle" fill="{MUTED}">{int(tick * 100)}%</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _label(info: QuestionInfo) -> str:
    return info.short or info.text or info.id


def _overall(rows: list[Any], item: str) -> list[Any]:
    return [r for r in rows if r.item == item and not r.group and r.wave is None]


def questions_context(res: Results, anchor: str) -> dict[str, Any]:
    """What `questions.html` shows for one survey: choice/multi charts, the number table,
    text counts; empty lists when the survey has no such items."""
    min_n = res.settings.min_n
    charts = []
    numbers = []
    texts = []
    for k, info in enumerate(res.questions):
        if info.type in ("multi", "choice"):
            rows = _overall(res.choices, info.id)
            if not rows:
                continue
            n = rows[0].n
            several = info.type == "multi"
            charts.append(
                {
                    "title": info.text or _label(info),
                    "svg": None
                    if rows[0].suppressed
                    else choice_bars(rows, _label(info), f"{anchor}-q{k}"),
                    "mask": mask(rows[0], min_n),
                    "n": count(n),
                    "several": several,
                    "asked": info.asked_if,
                    "missing": count(rows[0].missing),
                    "non_substantive": count(rows[0].non_substantive or 0),
                }
            )
        elif info.type == "number":
            for row in _overall(res.numbers, info.id):
                numbers.append(_number_row(info, row, mask(row, min_n) or ""))
        else:
            for t in _overall(res.texts, info.id):
                hidden = mask(t, min_n)
                texts.append(
                    {
                        "label": _label(info),
                        "answered": hidden or count(t.answered),
                        "blank": hidden or count(t.blank),
                    }
                )
    return {
        "charts": charts,
        "numbers": numbers,
        "texts": texts,
        "level": level_text(res.settings.level),
        "any": bool(charts or numbers or texts),
    }


def _number_row(info: QuestionInfo, row: NumberRow, mask: str) -> dict[str, Any]:
    if row.suppressed:
        return {"label": _label(info), "mask": mask, "total": None}

    def interval(low: float | None, high: float | None) -> str:
        if low is None or high is None:
            return "–"
        return f"{decimal(low)}–{decimal(high)}"

    return {
        "label": _label(info),
        "mask": None,
        "n": count(row.n),
        "mean": decimal(row.mean),
        "mean_ci": interval(row.mean_ci_low, row.mean_ci_high),
        "median": decimal(row.median),
        "median_ci": interval(row.median_ci_low, row.median_ci_high),
        "total": count(round(row.total)) if info.total and row.total is not None else None,
        "total_ci": interval(row.total_ci_low, row.total_ci_high) if info.total else None,
    }


def quote_bank(surveys: list[Results]) -> list[dict[str, Any]]:
    """Per survey and text item, its scrubbed quotes (results.json chose and scrubbed them)."""
    out = []
    for res in surveys:
        labels = {q.id: q.text or q.id for q in res.questions}
        for row in res.texts:
            if row.group or row.wave is not None or not row.quotes or row.suppressed:
                continue
            out.append(
                {
                    "survey": res.survey.title,
                    "question": labels.get(row.item, row.item),
                    "quotes": row.quotes,
                }
            )
    return out


def _round_estimate(total: float) -> int:
    """An estimated total to 3 significant figures (12,437 -> 12,400): its interval is wide."""
    if total <= 0:
        return 0
    digits = len(str(int(total)))
    step = 10 ** max(digits - 3, 0)
    return int(round(total / step) * step)


def reach_figure(res: Results, noun: str) -> dict[str, str] | None:
    """The `reach:` key figure of one survey (the latest wave when there are waves)."""
    figures: list[ReachFigure] = list(res.reach)
    if not figures:
        return None
    fig = figures[-1] if len(figures) == 1 else [f for f in figures if f.wave][-1]
    if fig.suppressed or fig.total is None:
        return None
    if fig.estimated:
        value = count(_round_estimate(fig.total))
        note = f"{noun}, estimated"
        if fig.ci_low is not None and fig.ci_high is not None:
            low, high = _round_estimate(fig.ci_low), _round_estimate(fig.ci_high)
            note += f" ({level_text(res.settings.level)} CI {count(low)}–{count(high)})"
    else:
        value = count(round(fig.total))
        note = f"reported by the {count(fig.n)} {noun} who answered"
    if fig.wave:
        note += f", {fig.wave}"
    return {"value": value, "label": fig.label, "note": note}


__all__ = ["FONT", "choice_bars", "questions_context", "quote_bank", "reach_figure"]
