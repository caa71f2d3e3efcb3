"""`tpn weight rake`: read an export, rake its weights to population margins, write a copy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from tpn_survey.errors import DesignError, OptionError
from tpn_survey.io import read_table
from tpn_survey.io.table import FILE_COLUMN, ROW_COLUMN


def parse_trim(text: str | None) -> tuple[float, float] | None:
    """'LOW,HIGH' -> (low, high)."""
    if not text:
        return None
    try:
        low, high = (float(x) for x in text.split(","))
    except ValueError:
        raise OptionError(f"--trim {text!r}: give two numbers LOW,HIGH") from None
    if not 0 <= low < high:
        raise OptionError(f"--trim {text!r}: need 0 <= LOW < HIGH")
    return low, high


def rake_table(
    data: Path,
    margins_path: Path,
    out: Path,
    column: str = "weight",
    base: str | None = None,
    tol: float = 1e-6,
    max_iter: int = 50,
    trim: str | None = None,
    encoding: str | None = None,
) -> str:
    """Rake and write `out` (the input's columns plus `column`); return a plain-text summary."""
    import pandas as pd

    from tpn_survey.report._atomic import write_bytes_atomic
    from tpn_survey.stats.rake import load_margins, rake

    bounds = parse_trim(trim)
    margins = load_margins(margins_path)
    table = read_table(data, encoding=encoding)
    frame = table.frame
    missing = [m.column for m in margins if m.column not in frame.columns]
    if base and base not in frame.columns:
        missing.append(base)
    if missing:
        raise DesignError(f"{data.name}: column(s) {', '.join(map(repr, missing))} not in the file")
    weights = np.ones(len(frame))
    if base:
        weights = pd.to_numeric(frame[base].str.strip(), errors="coerce").to_numpy(float)
        bad = ~np.isfinite(weights) | (weights <= 0)
        if bad.any():
            row = int(frame[ROW_COLUMN].to_numpy()[bad][0])
            raise DesignError(f"{data.name}, row {row}, column {base!r}: not a positive weight")
    coded: list[tuple[npt.ArrayLike, npt.ArrayLike]] = [
        (m.codes(frame[m.column].to_numpy()), np.array(list(m.targets.values()))) for m in margins
    ]
    result = rake(weights, coded, tol=tol, max_iter=max_iter, trim=bounds)
    written = frame.drop(columns=[FILE_COLUMN, ROW_COLUMN]).assign(
        **{column: [repr(float(w)) for w in result.weights]}
    )
    write_bytes_atomic(out, written.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    lines = [
        f"raked {len(frame)} rows in {result.iterations} iteration(s)"
        + ("" if result.converged else f" (NOT converged within {max_iter})"),
        f"weights {result.min_weight:.4g} to {result.max_weight:.4g}; "
        f"Kish design effect {result.kish_deff:.3f}",
    ]
    for margin, achieved in zip(margins, result.margins, strict=True):
        lines.append(f"margin {margin.name} ({margin.column}):")
        for label, cell in zip(margin.targets, achieved.itertuples(), strict=True):
            lines.append(f"  {label}: target {cell.target:.6g}, achieved {cell.achieved:.6g}")
    lines.append(f"wrote {out}")
    return "\n".join(lines)
