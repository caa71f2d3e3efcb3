"""`tpn weight rake`: read an export, rake its weights to population margins, write a copy."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml

from tpn_survey.errors import DesignError, InputError, OptionError, OutputError, SchemaError
from tpn_survey.io import read_table
from tpn_survey.io.table import FILE_COLUMN, ROW_COLUMN
from tpn_survey.schema import load_yaml


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
    from tpn_survey.stats.rake import rake

    for given in (data, margins_path):
        if Path(out).resolve() == Path(given).resolve():
            raise OptionError(f"--out {out} is the input {given}; write the weights to a new file")
    if Path(out).is_dir():
        raise OptionError(f"--out {out} is a folder; give the CSV file to write")
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
    for margin, (codes, _) in zip(margins, coded, strict=True):
        _check_categories(data.name, margin, np.asarray(codes))
    try:
        result = rake(weights, coded, tol=tol, max_iter=max_iter, trim=bounds)
    except ValueError as ex:  # the data cannot meet the margins
        raise DesignError(f"{data.name}: {ex}") from None
    written = frame.drop(columns=[FILE_COLUMN, ROW_COLUMN]).assign(
        **{column: [repr(float(w)) for w in result.weights]}
    )
    try:
        write_bytes_atomic(out, written.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    except OSError as ex:
        raise OutputError(f"{out}: cannot write ({ex.strerror or type(ex).__name__})") from None
    lines = [
        f"raked {len(frame)} rows in {result.iterations} iteration(s)"
        + ("" if result.converged else f" (NOT converged within {max_iter})"),
        f"weights {result.min_weight:.4g} to {result.max_weight:.4g}; "
        f"Kish design effect {result.kish_deff:.3f}",
    ]
    for margin, achieved in zip(margins, result.margins, strict=True):
        lines.append(f"margin {margin.name} ({margin.column}):")
        cells = zip(margin.targets, achieved["target"], achieved["achieved"], strict=True)
        for label, target, got in cells:
            lines.append(f"  {label}: target {target:.6g}, achieved {got:.6g}")
    lines.append(f"wrote {out}")
    return "\n".join(lines)


def _check_categories(name: str, margin: Margin, codes: np.ndarray) -> None:
    """Each value with a target has respondents, and each with respondents a target above 0:
    said by name here, as `rake` only knows the positions of margins and categories."""
    held = np.bincount(codes, minlength=len(margin.targets)) > 0
    for (value, target), has in zip(margin.targets.items(), held, strict=True):
        where = f"{name}: margin {margin.name}: value {value!r} of column {margin.column!r}"
        if has and target == 0:
            raise DesignError(f"{where} has respondents but a target of 0")
        if not has and target > 0:
            raise DesignError(f"{where} has a target of {target:g} but no respondents")


@dataclass(frozen=True)
class Margin:
    """One margin of a margins file: the data column and its population count per value."""

    name: str
    column: str
    targets: dict[str, float]

    def codes(self, values: npt.ArrayLike) -> np.ndarray:
        """Category index of each value (trimmed) in `targets`; DesignError for others."""
        import pandas as pd

        labels = list(self.targets)
        index = {label: i for i, label in enumerate(labels)}
        cleaned = pd.Series(np.asarray(values, dtype=object)).map(
            lambda v: v.strip() if isinstance(v, str) else v
        )
        codes = cleaned.map(index)
        if codes.isna().any():
            bad = cleaned[codes.isna()].iloc[0]
            raise DesignError(
                f"margin {self.name}: value {bad!r} of column {self.column!r} has no target"
            )
        return codes.to_numpy(dtype=np.int64)


def load_margins(path: str | Path) -> list[Margin]:
    """Read a YAML margins file: {name: {column: C, targets: {value: population count}}}."""
    try:
        raw = load_yaml(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError(f"{path}: margins file not found") from None
    except OSError as ex:  # a folder, no permission
        raise InputError(f"{path}: cannot read the margins file ({ex.strerror})") from None
    except (SchemaError, yaml.YAMLError, UnicodeDecodeError) as ex:
        raise InputError(f"{path}: not a valid margins YAML file ({ex})") from None
    if not isinstance(raw, dict) or not raw:
        raise InputError(f"{path}: expected a mapping of margins")
    margins = []
    for name, spec in raw.items():
        if not (
            isinstance(spec, dict) and isinstance(spec.get("targets"), dict) and "column" in spec
        ):
            raise InputError(f"{path}: margin {name} needs `column` and a `targets` mapping")
        targets = {}
        for key, value in spec["targets"].items():
            try:
                if isinstance(value, bool):  # YAML's true is not a count of people
                    raise TypeError
                target = float(value)
            except (TypeError, ValueError):
                raise InputError(f"{path}: margin {name}: every target must be a number") from None
            if not (math.isfinite(target) and target >= 0):
                raise InputError(
                    f"{path}: margin {name}: the target of {str(key).strip()!r} must be a finite"
                    f" number, not negative (it is {value!r})"
                )
            targets[str(key).strip()] = target
        margins.append(Margin(name=str(name), column=str(spec["column"]), targets=targets))
    return margins
