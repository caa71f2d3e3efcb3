"""Reference: a straightforward pandas groupby + statsmodels loop (simple Wilson intervals).

    python benchmarks/refs/pandas_ref.py DATA.csv OUT.json

Overall and by organization, role and region; writes {"rates": {"item|group|value": rate}, "intervals": {...: [low, high]}}.
"""

from __future__ import annotations

import json
import sys

import pandas as pd
from statsmodels.stats.proportion import proportion_confint

LEVELS = ["Strongly disagree", "Disagree", "Agree", "Strongly agree"]
POSITIVE = {"Agree", "Strongly agree"}
GROUPS = {"organization": "org", "role": "role", "region": "region"}


def main(path: str, out: str) -> None:
    frame = pd.read_csv(path, engine="pyarrow", dtype=str, keep_default_na=False)
    items = [c for c in frame.columns if c.startswith("Q")]
    rates: dict[str, float] = {}
    intervals: dict[str, tuple[float, float]] = {}
    for item in items:
        valid = frame[item].isin(LEVELS)
        sub = frame.loc[valid, list(GROUPS.values())].assign(
            pos=frame.loc[valid, item].isin(POSITIVE)
        )
        parts = [("", sub.assign(_all="").groupby("_all")["pos"].agg(["sum", "count"]))]
        parts += [
            (gid, sub.groupby(col)["pos"].agg(["sum", "count"])) for gid, col in GROUPS.items()
        ]
        for gid, table in parts:
            for value, row in table.iterrows():
                low, high = proportion_confint(row["sum"], row["count"], method="wilson")
                rates[f"{item}|{gid}|{value}"] = row["sum"] / row["count"]
                intervals[f"{item}|{gid}|{value}"] = (low, high)
    with open(out, "w") as fh:
        json.dump({"rates": rates, "intervals": intervals}, fh)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
