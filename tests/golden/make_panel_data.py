"""Write tests/golden/panel.csv: two linked waves of a clustered, stratified, weighted survey
(some leave, some join, some answer blank or "Not applicable"). Deterministic; run once."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

rng = np.random.default_rng(1717)
rows = []
people = [f"T{i:03d}" for i in range(260)]
in_w1 = rng.random(260) < 0.85
in_w2 = np.where(in_w1, rng.random(260) < 0.8, rng.random(260) < 0.7)
strata = ["North", "South", "East"]
stratum_of = rng.integers(0, 3, 260)
leader_of = [f"L{s}{rng.integers(0, 6)}" for s in stratum_of]
base = rng.normal(0.3, 1.0, 260)


def answer(latent: float) -> str:
    u = rng.random()
    if u < 0.05:
        return ""
    if u < 0.08:
        return "9"
    level = int(np.clip(np.round(2.6 + latent + rng.normal(0, 0.8)), 1, 4))
    return str(level)


for wave, present, shift in (("W1", in_w1, 0.0), ("W2", in_w2, 0.35)):
    for i in np.flatnonzero(present):
        weight = round(float(rng.uniform(0.5, 3.0)), 3)
        rows.append(
            [f"{wave}-{i:03d}", people[i], wave, strata[stratum_of[i]], leader_of[i], weight]
            + [answer(base[i] + shift + k * 0.1) for k in range(3)]
        )
# one W2 row linked to nobody, one with a blank link
rows.append(["W2-900", "", "W2", "North", "L00", 1.0, "3", "4", "2"])
out = Path(__file__).with_name("panel.csv")
with out.open("w", newline="", encoding="utf-8") as f:
    writer = csv.writer(f)
    writer.writerow(["rid", "tid", "wave", "org", "leader", "w", "q1", "q2", "q3"])
    writer.writerows(rows)
