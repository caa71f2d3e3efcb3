"""One report per organization (`--editions organization`): its rates beside the network's,
the difference from the rest of the network with its interval, its own response rate.

The disclosure rule applies inside each edition: an estimate of the organization with fewer
than min_n answers shows `n<10` and no numbers (and no difference, which would give it away),
one the report withholds by complementary suppression is withheld here too;
an organization under min_n respondents in every survey gets no edition, and the run says so.
No other organization's numbers appear in an edition.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from markupsafe import Markup, escape

from tpn_survey.report import charts, dots, measure
from tpn_survey.report.disclosure import apply_withholding
from tpn_survey.report.disclosure import mask as withheld_mask
from tpn_survey.report.figures import label_of
from tpn_survey.report.format import (
    ci_text,
    count,
    level_text,
    pct,
    population_noun,
)
from tpn_survey.report.meta import ReportMeta, build_date
from tpn_survey.report.sections import pts
from tpn_survey.results import Estimate, Results
from tpn_survey.stats.compare import newcombe_interval


@dataclass(frozen=True)
class Editions:
    """Edition file name -> HTML, and a sentence per organization left without one."""

    html: dict[str, str]
    skipped: list[str]


def organizations(surveys: list[Results], by: str) -> list[str]:
    """The values of group `by` in the surveys' breakdowns, in first-seen order."""
    seen: dict[str, None] = {}
    for res in surveys:
        for est in res.estimates:
            if set(est.group) == {by}:
                seen.setdefault(est.group[by], None)
    return list(seen)


def _respondents(res: Results, by: str, org: str) -> int:
    """Rows of the organization: each counts in every item (answer, missing, non-substantive)."""
    return max(
        (e.n + e.missing + e.non_substantive for e in res.estimates if e.group == {by: org}),
        default=0,
    )


def difference(org: Estimate, network: Estimate, level: float) -> tuple[float, float, float]:
    """Organization less the rest of the network, with Newcombe's hybrid score interval.

    Simple results: from the counts. Under a design each side's count is scaled to its
    effective sample size (n / design effect), the rest taking the network's design effect:
    an approximation, said so in the edition."""
    assert org.rate is not None and network.rate is not None
    n_org, n_net = float(org.n), float(network.n)
    rest_n = n_net - n_org
    rest_rate = (network.rate * n_net - org.rate * n_org) / rest_n
    scale_org = (org.n_effective / n_org) if org.n_effective else 1.0
    scale_rest = (1.0 / network.deff) if network.deff else 1.0
    n1, n2 = n_org * scale_org, rest_n * scale_rest
    low, high = newcombe_interval(
        np.array([org.rate * n1]), np.array([n1]), np.array([rest_rate * n2]), np.array([n2]), level
    )
    return org.rate - rest_rate, float(low[0]), float(high[0])


def pair_dots(rows: list[tuple[str, float, float, float, float]], chart_id: str, title: str,
              org: str, color: str, width: int = 640) -> Markup:  # fmt: skip
    """Per item the organization's rate (dot, whiskers) and the network's (hollow diamond)."""
    size, pad, val_w = 11.0, 6, 90
    wrapped = [measure.wrap(r[0], 0.36 * width, size, 2) for r in rows]
    label_w = max((measure.widest(lines, size) for lines in wrapped), default=0.0)
    values = [v for r in rows for v in r[1:]]
    lo, hi, tick = dots.zoomed_axis(values or [0.0, 1.0])
    x0, x1 = pad + label_w + pad + 4, width - val_w - pad
    heights = [max(22.0, len(lines) * size * 1.2 + 6) for lines in wrapped]
    top = 22
    bottom = top + sum(heights)
    desc = "; ".join(
        f"{r[0]}: {org} {pct(r[1])} (interval {pct(r[2], bound=True)}–{pct(r[3], bound=True)}),"
        f" network {pct(r[4])}"
        for r in rows
    )
    out = [charts._svg_open(width, bottom + 20, chart_id, title, desc + ".")]

    def sx(v: float) -> float:
        return x0 + (v - lo) / (hi - lo) * (x1 - x0)

    for i in range(round((hi - lo) / tick) + 1):
        x = sx(lo + i * tick)
        out.append(
            f'<line x1="{charts._f(x)}" y1="{top}" x2="{charts._f(x)}" y2="{charts._f(bottom)}" '
            f'stroke="{charts.GRID}" stroke-width="0.5"/><text x="{charts._f(x)}" '
            f'y="{charts._f(bottom + 14)}" font-size="10" fill="{charts.MUTED}" '
            f'text-anchor="middle">{round((lo + i * tick) * 100)}%</text>'
        )
    col = escape(color)
    out.append(
        f'<circle cx="{pad + 6}" cy="8" r="4" fill="{col}"/><text x="{pad + 14}" y="12" '
        f'font-size="11" fill="{charts.INK}">{escape(org)}</text>'
        f'<path d="M{pad + 200} 4l4 4-4 4-4-4z" fill="#ffffff" stroke="{charts.INK}"/>'
        f'<text x="{pad + 208}" y="12" font-size="11" fill="{charts.INK}">Network</text>'
    )
    y = float(top)
    for (_, rate, low, high, net), lines, h in zip(rows, wrapped, heights, strict=True):
        mid = y + h / 2
        out.append(charts._text_lines(pad + label_w, mid, lines, "end", size))
        a, b, n = sx(low), sx(high), sx(net)
        out.append(
            f'<path d="M{charts._f(a)} {charts._f(mid)}H{charts._f(b)}" stroke="{col}" '
            f'stroke-width="1.5"/><circle cx="{charts._f(sx(rate))}" cy="{charts._f(mid)}" r="4" '
            f'fill="{col}"/><path d="M{charts._f(n)} {charts._f(mid - 5)}l5 5-5 5-5-5z" '
            f'fill="#ffffff" fill-opacity="0.6" stroke="{charts.INK}"/>'
            f'<text x="{width - pad}" y="{charts._f(mid + 4)}" font-size="11" '
            f'fill="{charts.INK}" text-anchor="end">{pct(rate)} vs {pct(net)}</text>'
        )
        y += h
    out.append("</svg>")
    return Markup("".join(out))


def _survey_part(res: Results, by: str, org: str, index: int, meta: ReportMeta) -> dict[str, Any]:
    level, min_n = res.settings.level, res.settings.min_n
    items = {it.id: it for it in res.survey.items}
    network = {e.item: e for e in res.estimates if not e.group}
    # withheld in the report (so a small group cannot be worked out from the total): here too
    res = apply_withholding(res)
    rows, chart_rows = [], []
    for est in (e for e in res.estimates if e.group == {by: org}):
        net = network.get(est.item)
        item = items.get(est.item)
        label = label_of(item) if item else est.item
        row: dict[str, Any] = {"label": label, "mask": None}
        masked = withheld_mask(est, min_n)
        if masked is not None or est.rate is None:
            row["mask"] = masked or "–"
        elif net is None or net.rate is None or net.suppressed or net.n - est.n < min_n:
            row.update(rate=pct(est.rate), ci=ci_text(est.ci_low, est.ci_high), n=count(est.n))
            row.update(network="–", diff="–", diff_ci="–")
        else:
            d, low, high = difference(est, net, level)
            row.update(
                rate=pct(est.rate),
                ci=ci_text(est.ci_low, est.ci_high),
                n=count(est.n),
                network=pct(net.rate),
                diff=f"{pts(d)} pts",
                diff_ci=f"{pts(low)} to {pts(high)}",
                clear=low > 0 or high < 0,
            )
            if est.ci_low is not None and est.ci_high is not None:
                chart_rows.append((label, est.rate, est.ci_low, est.ci_high, net.rate))
        rows.append(row)
    noun = meta.respondents.get(res.survey.id) or population_noun(res.survey.title)
    rate = next((r for r in res.response_rates if r.group == {by: org}), None)
    title = f"{org} beside the network: {res.survey.title}"
    return {
        "title": res.survey.title,
        "noun": noun,
        "respondents": count(_respondents(res, by, org)),
        "rate": rate,
        "rate_text": pct(rate.rr2 if rate.rr2 is not None else rate.rr1) if rate else None,
        "rows": rows,
        "chart": pair_dots(chart_rows, f"e{index}", title, org, meta.primary_color)
        if chart_rows
        else None,
        "level": level_text(level),
        "design": bool(res.settings.design),
        "min_n": min_n,
    }


def render_editions(
    surveys: list[Results], by: str, meta: ReportMeta | None = None, templates: Path | None = None
) -> Editions:
    """An HTML edition per value of group `by` (e.g. organization) that has min_n respondents
    in at least one survey; file names `editions/<name>.html`."""
    from tpn_survey.report.environment import make_environment, template_errors
    from tpn_survey.report.outputs import safe_name

    meta = meta or ReportMeta()
    env = make_environment(templates)
    with template_errors(templates):
        css = env.get_template("style.css").render(meta=meta)
    date = build_date(meta, surveys).strftime("%Y-%m-%dT%H:%M:%SZ")
    html: dict[str, str] = {}
    skipped: list[str] = []
    for org in organizations(surveys, by):
        parts = [
            _survey_part(res, by, org, i + 1, meta)
            for i, res in enumerate(surveys)
            if _respondents(res, by, org) >= res.settings.min_n
            and any(e.group == {by: org} for e in res.estimates)
        ]
        if not parts:
            min_n = surveys[0].settings.min_n if surveys else 10
            skipped.append(f"no edition for {org}: fewer than {min_n} respondents in every survey")
            continue
        name = f"editions/{safe_name(org)}.html"
        with template_errors(templates):
            html[name] = env.get_template("edition.html").render(
                meta=meta, org=org, by=by, surveys=parts, css=Markup(css.replace("</", "<\\/")),
                date=date,
            )  # fmt: skip
    return Editions(html, skipped)
