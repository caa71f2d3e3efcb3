"""Reference: svy (PyPI) on the design-based case, end to end from the CSV.

    python benchmarks/refs/svy_ref.py DATA.csv OUT.json

Strata = org, PSU = leader_id, weight = w; logit intervals for "Agree or Strongly agree" among
substantive answers (the rest null, dropped as a domain), 30 items overall and by region.
"""

from __future__ import annotations

import json
import sys

import polars as pl
import svy

LEVELS = ["Strongly disagree", "Disagree", "Agree", "Strongly agree"]
POSITIVE = ["Agree", "Strongly agree"]


def main(path: str, out: str) -> None:
    frame = pl.read_csv(path, infer_schema=False)
    items = [c for c in frame.columns if c.startswith("Q")]
    frame = frame.with_columns(
        [
            pl.when(pl.col(c).is_in(LEVELS)).then(pl.col(c).is_in(POSITIVE).cast(pl.Int8)).alias(c)
            for c in items
        ]
        + [pl.col("w").cast(pl.Float64)]
    )
    sample = svy.Sample(frame, svy.Design(stratum="org", psu="leader_id", wgt="w"))
    rates: dict[str, float] = {}
    for est in sample.estimation.prop(items, drop_nulls=True, ci_method="logit"):
        table = est.to_polars()
        item = table.columns[0]
        for row in table.filter(pl.col(item) == 1).iter_rows(named=True):
            rates[f"{item}||"] = row["est"]
    for est in sample.estimation.prop(items, by="region", drop_nulls=True, ci_method="logit"):
        table = est.to_polars()
        item = table.columns[1]
        for row in table.filter(pl.col(item) == 1).iter_rows(named=True):
            rates[f"{item}|region|{row['region']}"] = row["est"]
    with open(out, "w") as fh:
        json.dump(rates, fh)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
