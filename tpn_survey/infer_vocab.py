"""What `schema infer` recognizes in answers: the answer scales it knows by their labels, the
labels and codes of answers that are no answer on a scale (Not applicable, 99, ...)."""

from __future__ import annotations

from dataclasses import dataclass

MAX_CODES = 11


@dataclass(frozen=True)
class KnownScale:
    name: str
    levels: tuple[str, ...]
    positive: tuple[str, ...]


KNOWN_SCALES = (
    KnownScale("yes_no", ("No", "Yes"), ("Yes",)),
    KnownScale(
        "agreement",
        ("Strongly disagree", "Disagree", "Agree", "Strongly agree"),
        ("Agree", "Strongly agree"),
    ),
    KnownScale(
        "agreement_somewhat",
        ("Strongly disagree", "Somewhat disagree", "Somewhat agree", "Strongly agree"),
        ("Somewhat agree", "Strongly agree"),
    ),
    KnownScale(
        "agreement_5",
        ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"),
        ("Agree", "Strongly agree"),
    ),
    KnownScale(
        "agreement_5_somewhat",
        (
            "Strongly disagree",
            "Somewhat disagree",
            "Neither agree nor disagree",
            "Somewhat agree",
            "Strongly agree",
        ),
        ("Somewhat agree", "Strongly agree"),
    ),
    KnownScale(
        "agreement_6",
        (
            "Strongly disagree",
            "Disagree",
            "Somewhat disagree",
            "Somewhat agree",
            "Agree",
            "Strongly agree",
        ),
        ("Somewhat agree", "Agree", "Strongly agree"),
    ),
    KnownScale(
        "extent",
        ("Not at all", "To a small extent", "To a moderate extent", "To a great extent"),
        ("To a moderate extent", "To a great extent"),
    ),
    KnownScale("frequency_4", ("Never", "Sometimes", "Often", "Always"), ("Often", "Always")),
    KnownScale(
        "frequency", ("Never", "Rarely", "Sometimes", "Often", "Always"), ("Often", "Always")
    ),
    KnownScale(
        "satisfaction_4",
        ("Very dissatisfied", "Dissatisfied", "Satisfied", "Very satisfied"),
        ("Satisfied", "Very satisfied"),
    ),
    KnownScale(
        "satisfaction",
        (
            "Very dissatisfied",
            "Dissatisfied",
            "Neither satisfied nor dissatisfied",
            "Satisfied",
            "Very satisfied",
        ),
        ("Satisfied", "Very satisfied"),
    ),
    KnownScale(
        "satisfaction_somewhat",
        (
            "Very dissatisfied",
            "Somewhat dissatisfied",
            "Neither satisfied nor dissatisfied",
            "Somewhat satisfied",
            "Very satisfied",
        ),
        ("Somewhat satisfied", "Very satisfied"),
    ),
    KnownScale("quality_4", ("Poor", "Fair", "Good", "Excellent"), ("Good", "Excellent")),
    KnownScale(
        "quality", ("Poor", "Fair", "Good", "Very good", "Excellent"), ("Very good", "Excellent")
    ),
)
NON_SUBSTANTIVE = (
    "Not applicable",
    "N/A",
    "NA",
    "Don't know",
    "Not sure",
    "Does not apply",
    "Prefer not to say",
    "Prefer not to answer",
    "No opinion",
)
SPECIAL_CODES = {
    "9": "Not applicable",
    "99": "Not applicable",
    "999": "Not applicable",
    "-9": "Not applicable",
    "-99": "Not applicable",
    "98": "Don't know",
    "97": "Prefer not to say",
}
