"""What `tpn analyze --format json` does, through the library, for when the CLI cannot write JSON.

Used by run.py only while `tpn_survey.report.json_out` is not on main: it reads the files with
the CLI's own reader, analyzes, and writes `results.json` from `Results.to_dict()`.

    python benchmarks/tpn_lib.py DATA --schema S [--by G]... [--weight C] [--cluster C]
        [--strata C] [--ci M] --out DIR
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data", nargs="+", type=Path)
    ap.add_argument("--schema", type=Path, required=True)
    ap.add_argument("--by", action="append", default=[])
    ap.add_argument("--ci")
    ap.add_argument("--weight")
    ap.add_argument("--cluster")
    ap.add_argument("--strata")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--format", default="json")
    args = ap.parse_args()

    from tpn_survey.analyze import Options, analyze
    from tpn_survey.cli import _read

    options = Options(
        by=args.by, ci=args.ci, weight=args.weight, cluster=args.cluster, strata=args.strata
    )
    schema, table = _read(args.data, args.schema, None, None)
    results = analyze(schema, table, options)
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "results.json", "w", encoding="utf-8") as fh:
        json.dump(results.to_dict(), fh, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
