"""Nonresponse (issue 17): who answered, against who was invited, by the invitation counts'
group; each group's response rate flagged under 85%.

NCES Statistical Standards (2012), standard 4-4: a survey (or a group of it) with a unit
response rate under 85% needs a nonresponse bias analysis. The rate used is AAPOR RR2
(completes and partials over invitees), as in the response-rate table.
"""

from __future__ import annotations

from tpn_survey.results import Composition, ResponseRate, finite

NCES_THRESHOLD = 0.85


def composition_rows(rates: list[ResponseRate], min_n: int = 0) -> list[Composition]:
    """One row per group value of the response rates: its share of the invitees and of the
    respondents (completes + partials), the difference (respondents - invitees), its RR2 and
    whether that is under 85%. Empty without counts by group."""
    grouped = [r for r in rates if r.group]
    invited = sum(r.invited for r in grouped)
    answered = sum(r.complete + r.partial for r in grouped)
    out = []
    for r in grouped:
        (by, value), *_ = r.group.items()
        respondents = r.complete + r.partial
        share_inv = r.invited / invited if invited else None
        share_resp = respondents / answered if answered else None
        diff = None
        if share_inv is not None and share_resp is not None:
            diff = finite(share_resp - share_inv)
        out.append(
            Composition(
                by=by,
                value=value,
                invited=r.invited,
                respondents=respondents,
                share_invited=share_inv,
                share_respondents=share_resp,
                difference=diff,
                rate=r.rr2,
                flagged=r.rr2 is not None and r.rr2 < NCES_THRESHOLD,
                suppressed=respondents < min_n,
            )
        )
    return out
