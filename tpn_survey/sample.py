"""Deterministic synthetic survey data shaped like a teacher-practice network's spring surveys.

Every respondent has a latent propensity (an organization effect, plus for teachers a share of
their teacher leader's) that drives all their answers, so items correlate within a respondent
and rates differ by organization and leader. Each item's cut points are quantiles of that
latent among valid answers, so realized rates sit on the target for any seed.
"""

from __future__ import annotations

import string
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

SURVEYS = ("teacher_leader", "teacher", "end_of_year")

# name, main region, respondents to teacher_leader, teacher, end_of_year
ORGS: tuple[tuple[str, str, int, int, int], ...] = (
    ("Lakeshore Teacher Collaborative", "Urban", 110, 560, 405),
    ("Prairie State Educator Network", "Rural", 86, 440, 322),
    ("Cascade Instructional Leaders", "Suburban", 66, 335, 248),
    ("Blue Ridge Teaching Fellows", "Rural", 54, 270, 200),
    ("Gulf Coast Learning Alliance", "Urban", 45, 228, 168),
    ("High Desert Teacher Network", "Rural", 38, 190, 140),
    ("Riverbend Educators Collective", "Suburban", 31, 155, 115),
    ("Piedmont Standards Partnership", "Suburban", 26, 130, 96),
    ("Northwoods Teacher Leadership Project", "Rural", 21, 104, 77),
    ("Mesa Valley Teaching Collaborative", "Suburban", 16, 80, 59),
    ("Harbor City Teacher Leaders", "Urban", 13, 62, 46),
    ("Tidewater Practice Network", "Suburban", 11, 49, 38),
    ("Red Cedar Educators Circle", "Rural", 6, 8, 7),
)

# scale -> (levels low to high, the non-substantive answer)
SCALES: dict[str, tuple[tuple[str, ...], str]] = {
    "agreement": (("Strongly disagree", "Disagree", "Agree", "Strongly agree"), "Not applicable"),
    "extent": (
        ("Not at all", "To a small extent", "To a moderate extent", "To a great extent"),
        "Not applicable",
    ),
    "agreement5": (
        ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"),
        "Not applicable",
    ),
    "yes_no": (("No", "Yes"), "Not sure"),
}

# survey -> items: (column, scale, share of each level among valid answers, non-substantive rate)
ITEMS: dict[str, tuple[tuple[str, str, tuple[float, ...], float], ...]] = {
    "teacher_leader": (
        ("Q5_1", "agreement", (0.02, 0.07, 0.47, 0.44), 0.005),
        ("Q5_2", "agreement", (0.01, 0.06, 0.45, 0.48), 0.005),
        ("Q5_3", "agreement", (0.02, 0.10, 0.46, 0.42), 0.01),
        ("Q6_1", "extent", (0.03, 0.13, 0.38, 0.46), 0.01),
        ("Q6_2", "extent", (0.02, 0.10, 0.36, 0.52), 0.01),
        ("Q6_3", "extent", (0.01, 0.09, 0.35, 0.55), 0.01),
        ("Q6_4", "extent", (0.06, 0.22, 0.38, 0.34), 0.03),
    ),
    "teacher": (
        ("Q3_1", "agreement", (0.02, 0.09, 0.52, 0.37), 0.005),
        ("Q3_2", "agreement", (0.03, 0.15, 0.50, 0.32), 0.01),
        ("Q3_3", "agreement", (0.03, 0.11, 0.49, 0.37), 0.01),
        ("Q3_4", "agreement", (0.03, 0.13, 0.53, 0.31), 0.005),
        ("Q3_5", "agreement", (0.04, 0.18, 0.48, 0.30), 0.02),
        ("Q3_6", "agreement", (0.02, 0.08, 0.44, 0.46), 0.005),
    ),
    "end_of_year": (
        ("Q2_1", "agreement5", (0.02, 0.06, 0.11, 0.47, 0.34), 0.01),
        ("Q2_2", "agreement5", (0.02, 0.07, 0.15, 0.50, 0.26), 0.01),
        ("Q2_3", "agreement5", (0.03, 0.08, 0.17, 0.45, 0.27), 0.03),
        ("Q3", "yes_no", (0.17, 0.83), 0.02),
        ("Q4", "yes_no", (0.12, 0.88), 0.04),
    ),
}

ROLES: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "teacher_leader": (
        (
            "Classroom teacher",
            "Instructional coach",
            "Department or grade-level lead",
            "Specialist",
        ),
        (0.60, 0.18, 0.16, 0.06),
    ),
    "teacher": (
        ("Classroom teacher", "Special education teacher", "English learner teacher", "Specialist"),
        (0.80, 0.10, 0.06, 0.04),
    ),
    "end_of_year": (("Teacher", "Teacher leader"), (0.85, 0.15)),
}
GRADE_BANDS = (("K-5", "6-8", "9-12"), (0.46, 0.26, 0.28))
CONTENT_AREAS = (
    ("ELA", "Math", "Science", "Social studies", "Multiple subjects"),
    (0.30, 0.30, 0.15, 0.10, 0.15),
)
REGIONS = ("Urban", "Suburban", "Rural")

FIRST_NAMES = (
    "Maria", "James", "Aisha", "Wei", "Emily", "Carlos", "Grace", "Daniel", "Priya", "Marcus",
    "Sofia", "Kevin", "Hannah", "José", "Olivia", "Andre", "Mei", "Rachel", "Tyrone", "Zoë",
    "Ethan", "Fatima", "Laura", "Diego", "Nora", "Samuel", "Keisha", "Liam", "Ana", "Thomas",
)  # fmt: skip
LAST_NAMES = (
    "Garcia", "Smith", "Johnson", "Nguyen", "Williams", "Patel", "Brown", "Martínez", "Lee",
    "O'Connor", "Davis", "Kim", "Robinson", "Núñez", "Walker", "Chen", "Jackson", "Lopez", "Hall",
    "Washington", "Young", "Rivera", "Allen", "Okafor", "Wright", "Schmidt", "Hernández", "Scott",
    "Yazzie", "Murphy",
)  # fmt: skip

BLANK_RATE = 0.02  # share of cells left blank
VARIANT_RATE = 0.015  # share of answers with a stray space or another case
LOADING = 0.65  # correlation of an item's latent with the respondent's propensity
_ALNUM = np.array(list(string.ascii_letters + string.digits))
_SIZES = np.array([o[2:] for o in ORGS])  # respondents: organization x survey


def _pick(
    rng: np.random.Generator, spec: tuple[tuple[str, ...], tuple[float, ...]], n: int
) -> np.ndarray:
    """Draw n values from (values, probabilities) as an object array."""
    values, p = spec
    return np.array(values, dtype=object)[rng.choice(len(values), size=n, p=p)]


def _ascii(name: str) -> str:
    """Lower-case ASCII letters of a name, for an email address."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalpha())


def _people(rng: np.random.Generator, org: np.ndarray) -> pd.DataFrame:
    """Response ids, fake names and emails, and organization for rows with org indices `org`."""
    n = len(org)
    codes = _ALNUM[rng.integers(0, len(_ALNUM), size=(n, 15))]
    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(LAST_NAMES), n)
    full = np.char.add(np.char.add(np.array(FIRST_NAMES)[first], " "), np.array(LAST_NAMES)[last])
    local = pd.Series(
        np.char.add(
            np.char.add(np.array([_ascii(f) for f in FIRST_NAMES])[first], "."),
            np.array([_ascii(s) for s in LAST_NAMES])[last],
        )
    )
    dup = local.groupby(local).cumcount().to_numpy()
    suffix = np.where(dup > 0, (dup + 1).astype(str), "")
    return pd.DataFrame(
        {
            "response_id": ["R_" + "".join(row) for row in codes],
            "email": (local + suffix + "@example.org").to_numpy(dtype=object),
            "full_name": full.astype(object),
            "org": np.array([o[0] for o in ORGS], dtype=object)[org],
        }
    )


def _region(rng: np.random.Generator, org: np.ndarray) -> np.ndarray:
    """Mostly the organization's main region, sometimes any region."""
    main = np.array([REGIONS.index(o[1]) for o in ORGS])[org]
    other = rng.integers(0, len(REGIONS), len(org))
    return np.array(REGIONS, dtype=object)[np.where(rng.random(len(org)) < 0.7, main, other)]


def _answers(rng: np.random.Generator, z: np.ndarray, survey: str) -> dict[str, np.ndarray]:
    """Answers to a survey's items for respondents with propensities z (one loop per item)."""
    items = ITEMS[survey]
    n, k = len(z), len(items)
    latent = LOADING * z[:, None] + np.sqrt(1 - LOADING**2) * rng.standard_normal((n, k))
    u = rng.random((n, k))
    ns_rate = np.array([item[3] for item in items])
    blank = u < BLANK_RATE
    non_sub = ~blank & (u < BLANK_RATE + ns_rate)
    variant = np.where(rng.random((n, k)) < VARIANT_RATE, rng.integers(1, 5, (n, k)), 0)
    out = {}
    for j, (column, scale, shares, _) in enumerate(items):
        levels, ns_label = SCALES[scale]
        labels = [*levels, ns_label]
        table = np.array(
            [[s, s + " ", s.lower(), s.title(), " " + s] for s in labels], dtype=object
        )
        valid = ~(blank[:, j] | non_sub[:, j])
        cuts = np.quantile(latent[valid, j], np.cumsum(shares)[:-1])
        level = np.searchsorted(cuts, latent[:, j])
        level = np.where(non_sub[:, j], len(levels), level)
        out[column] = np.where(blank[:, j], "", table[level, variant[:, j]])
    return out


ACTIVITIES = (
    "Planned professional learning",
    "Facilitated professional learning",
    "Coached peers 1:1",
    "Shared materials, lessons or units",  # holds the separator: matched longest first
)
NONE_OF_THESE = "None of these"
MEETINGS = ("Weekly", "Every two weeks", "Monthly", "A few times a year", "Never")
COACHING_FOCUS = ("Planning lessons", "Using instructional materials", "Classroom practice",
                  "Student work and assessment")  # fmt: skip
COMMENTS = (
    "The network gave me materials I use every week.",
    "More time to plan with other leaders would help.",
    "Coaching was the most useful part of the year.",
    "Please schedule sessions after school, not on Saturdays.",
    "I would like more support for new teachers in my building.",
    "The summer institute was excellent; keep it.",
    "Our group met less often after winter break.",
    "Happy to share my unit plans, email me at leader@example.org.",
    "Call me at 555-201-7788 if you need a facilitator next year.",
    "Resources are on https://example.org/tpn-units for anyone who wants them.",
    "Too many surveys.",
    "Thank you for a great year!",
)


def _leader_questions(rng: np.random.Generator, z: np.ndarray) -> dict[str, np.ndarray]:
    """Answers of teacher leaders to the non-Likert questions (DESIGN.md "Question types"):
    Q7 activities (select all, one column joined by ","), Q8 meeting frequency, Q9 teachers
    supported (a number), Q10 a comment (open text), Q11 coaching focus (asked only of those
    who coached 1:1). Drawn from their own random stream, so the Likert answers stay as
    they were."""
    n = len(z)
    p = 1 / (1 + np.exp(-(np.array([0.9, 0.4, -0.1, 1.2])[None, :] + 0.8 * z[:, None])))
    chosen = rng.random((n, len(ACTIVITIES))) < p
    none = ~chosen.any(axis=1)
    activities = np.array([",".join(a for a, c in zip(ACTIVITIES, row, strict=True) if c)
                           for row in chosen], dtype=object)  # fmt: skip
    activities[none] = NONE_OF_THESE
    blank = rng.random(n) < 0.03
    activities[blank] = ""
    coached = chosen[:, 2] & ~blank

    step = np.clip(np.round(1.8 - 1.1 * z + rng.normal(0, 0.8, n)), 0, 4).astype(int)
    meetings = np.array(MEETINGS, dtype=object)[step]
    meetings[rng.random(n) < 0.03] = "Prefer not to say"
    meetings[rng.random(n) < 0.03] = ""

    supported = np.round(rng.gamma(2.2, 11.0 * np.exp(0.15 * z))).astype(int)
    supported_text = supported.astype(str).astype(object)
    supported_text[rng.random(n) < 0.05] = ""

    comments = np.array(COMMENTS, dtype=object)[rng.integers(0, len(COMMENTS), n)]
    comments[rng.random(n) < 0.7] = ""

    focus = np.array(COACHING_FOCUS, dtype=object)[rng.integers(0, len(COACHING_FOCUS), n)]
    focus[~coached | (rng.random(n) < 0.05)] = ""
    return {"Q7": activities, "Q8": meetings, "Q9": supported_text, "Q10": comments, "Q11": focus}


def _shuffled_orgs(rng: np.random.Generator, survey: str) -> np.ndarray:
    """Organization index of each respondent to a survey (sizes from ORGS), in random order."""
    return rng.permutation(np.repeat(np.arange(len(ORGS)), _SIZES[:, SURVEYS.index(survey)]))


def make_samples(seed: int = 2017) -> dict[str, pd.DataFrame]:
    """Synthetic teacher_leader, teacher and end_of_year surveys; every cell a string."""
    rng = np.random.default_rng(seed)
    r_net, r_tl, r_t, r_eoy = rng.spawn(4)

    # The network: organization effects and every teacher leader (some do not respond).
    n_org = len(ORGS)
    org_effect = r_net.normal(0.0, 0.25, n_org)
    n_resp = _SIZES[:, 0]
    lead_org = np.repeat(np.arange(n_org), n_resp + np.ceil(0.08 * n_resp).astype(int))
    n_lead = len(lead_org)
    lead_id = np.array([f"TL{i:04d}" for i in r_net.permutation(n_lead) + 1], dtype=object)
    lead_u = r_net.standard_normal(n_lead)
    lead_region = _region(r_net, lead_org)
    lead_grade = _pick(r_net, GRADE_BANDS, n_lead)
    lead_content = _pick(r_net, CONTENT_AREAS, n_lead)
    rank = pd.Series(r_net.random(n_lead)).groupby(lead_org).rank(method="first").to_numpy()
    responds = rank <= n_resp[lead_org]

    # Teacher leader survey: the responding leaders, in random order.
    rows = r_tl.permutation(np.flatnonzero(responds))
    tl = _people(r_tl, lead_org[rows])
    tl["role"] = _pick(r_tl, ROLES["teacher_leader"], len(rows))
    tl["grade_band"] = lead_grade[rows]
    tl["region"] = lead_region[rows]
    tl["content_area"] = lead_content[rows]
    tl["leader_id"] = lead_id[rows]
    z = org_effect[lead_org[rows]] + lead_u[rows]
    tl = tl.assign(**_answers(r_tl, z, "teacher_leader"))
    tl = tl.assign(**_leader_questions(np.random.default_rng([seed, 16]), z))

    # Teacher survey: each teacher supported by a leader of their organization (uneven loads).
    org = _shuffled_orgs(r_t, "teacher")
    n = len(org)
    cum = np.cumsum(r_t.gamma(2.0, 1.0, n_lead))
    start = np.concatenate([[0.0], cum])[np.searchsorted(lead_org, np.arange(n_org))]
    end = cum[np.searchsorted(lead_org, np.arange(n_org), side="right") - 1]
    target = start[org] + r_t.random(n) * (end[org] - start[org])
    lead = np.minimum(np.searchsorted(cum, target, side="right"), n_lead - 1)
    own = r_t.random((n, 2)) < 0.25
    te = _people(r_t, org)
    te["role"] = _pick(r_t, ROLES["teacher"], n)
    te["grade_band"] = np.where(own[:, 0], _pick(r_t, GRADE_BANDS, n), lead_grade[lead])
    te["region"] = lead_region[lead]
    te["content_area"] = np.where(own[:, 1], _pick(r_t, CONTENT_AREAS, n), lead_content[lead])
    te["leader_id"] = lead_id[lead]
    z = org_effect[org] + 0.5 * lead_u[lead] + np.sqrt(0.75) * r_t.standard_normal(n)
    te = te.assign(**_answers(r_t, z, "teacher"))

    # End-of-year survey: participants not linked to leaders.
    org = _shuffled_orgs(r_eoy, "end_of_year")
    n = len(org)
    eoy = _people(r_eoy, org)
    eoy["role"] = _pick(r_eoy, ROLES["end_of_year"], n)
    eoy["grade_band"] = _pick(r_eoy, GRADE_BANDS, n)
    eoy["region"] = _region(r_eoy, org)
    eoy["content_area"] = _pick(r_eoy, CONTENT_AREAS, n)
    z = org_effect[org] + r_eoy.standard_normal(n)
    eoy = eoy.assign(**_answers(r_eoy, z, "end_of_year"))

    frames = dict(zip(SURVEYS, (tl, te, eoy), strict=True))
    return {name: df.astype(str) for name, df in frames.items()}


def write_samples(out_dir: Path, seed: int = 2017) -> list[Path]:
    """Write {name}.csv for each survey (UTF-8, "\\n" line endings); return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in make_samples(seed).items():
        path = out_dir / f"{name}.csv"
        df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(path)
    return paths


# Issue 17: the teacher leader survey a year earlier (2016) with mostly the same people,
# linked by `leader_id`, and a retrospective then/now question in both waves
# (data/sample/panel/2016.csv, 2017.csv; 2017 is the sample's teacher_leader.csv).
PANEL_WAVES = ("2016", "2017")
RETURN_RATE = 0.82  # share of 2017 respondents who had answered in 2016 too
GROWTH = 0.35  # shift of the latent propensity from one year to the next
PAIR_BEFORE, PAIR_AFTER = "Q12_before", "Q12_now"


def _latent_from_answers(frame: pd.DataFrame) -> np.ndarray:
    """A respondent's standardized mean answer level over the Likert items (0 if none)."""
    scores = []
    for column, scale, _, _ in ITEMS["teacher_leader"]:
        levels = [s.casefold() for s in SCALES[scale][0]]
        text = frame[column].str.strip().str.casefold()
        scores.append(text.map({v: i for i, v in enumerate(levels)}).astype(float).to_numpy())
    mean = np.nanmean(np.column_stack(scores), axis=1)
    mean = np.where(np.isfinite(mean), mean, np.nanmean(mean))
    return (mean - mean.mean()) / (mean.std() or 1.0)


def _then_now(rng: np.random.Generator, z: np.ndarray) -> dict[str, np.ndarray]:
    """Confidence before the program (remembered lower than it was) and now, agreement scale."""
    levels = np.array(SCALES["agreement"][0], dtype=object)
    now = np.clip(np.round(2.2 + 0.8 * z + rng.normal(0, 0.6, len(z))), 0, 3).astype(int)
    before = np.clip(now - rng.choice([0, 1, 1, 2], len(z)), 0, 3)
    blank = rng.random(len(z)) < 0.04
    return {
        PAIR_BEFORE: np.where(blank, "", levels[before]),
        PAIR_AFTER: np.where(blank, "", levels[now]),
    }


def make_panel(seed: int = 2017) -> dict[str, pd.DataFrame]:
    """The teacher leader survey in 2017 (the sample's, with the then/now question) and a
    year earlier: about 82% of 2017's respondents (same leader_id, another response id) and
    leaders who left before 2017, a little less positive on average."""
    rng = np.random.default_rng([seed, 17])
    first = make_samples(seed)["teacher_leader"].reset_index(drop=True)
    z1 = _latent_from_answers(first)
    keep = rng.random(len(first)) < RETURN_RATE
    back = first.loc[keep, ["email", "full_name", "org", "role", "grade_band", "region",
                            "content_area", "leader_id"]].reset_index(drop=True)  # fmt: skip
    z_back = 0.8 * z1[keep] - GROWTH + 0.6 * rng.standard_normal(int(keep.sum()))
    orgs = [o[0] for o in ORGS]
    n_new = round(0.15 * len(first))
    new_org = rng.choice(len(ORGS), n_new, p=_SIZES[:, 0] / _SIZES[:, 0].sum())
    new = _people(rng, new_org).drop(columns="response_id")
    new["role"] = _pick(rng, ROLES["teacher_leader"], n_new)
    new["grade_band"] = _pick(rng, GRADE_BANDS, n_new)
    new["region"] = _region(rng, new_org)
    new["content_area"] = _pick(rng, CONTENT_AREAS, n_new)
    new["leader_id"] = [f"TL{9000 + i:04d}" for i in range(n_new)]
    second = pd.concat([back, new], ignore_index=True)
    order = rng.permutation(len(second))
    second = second.iloc[order].reset_index(drop=True)
    z2 = np.concatenate([z_back, rng.standard_normal(n_new) - GROWTH])[order]
    ids = _people(rng, np.zeros(len(second), dtype=int))["response_id"]
    second.insert(0, "response_id", ids.to_numpy())
    # Answers from cut points of both years' propensities together, so 2016 leans negative.
    both = _answers(rng, np.concatenate([z1, z2]), "teacher_leader")
    second = second.assign(**{k: v[len(first) :] for k, v in both.items()})
    second = second.assign(**_leader_questions(np.random.default_rng([seed, 17, 2]), z2))
    assert set(second["org"]) <= set(orgs)
    waves = {}
    for name, frame, z in (("2016", second, z2), ("2017", first, z1)):
        pair = _then_now(np.random.default_rng([seed, 17, int(name)]), z)
        frame = frame.copy()
        # "Before" early in the form, "now" at its end: not side by side (see validation).
        frame.insert(list(frame.columns).index("Q5_1"), PAIR_BEFORE, pair[PAIR_BEFORE])
        frame[PAIR_AFTER] = pair[PAIR_AFTER]
        waves[name] = frame.astype(str)
    return waves


def write_panel(out_dir: Path, seed: int = 2017) -> list[Path]:
    """Write panel/2016.csv and panel/2017.csv under `out_dir`; return the paths."""
    folder = Path(out_dir) / "panel"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in make_panel(seed).items():
        path = folder / f"{name}.csv"
        df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(path)
    return paths
