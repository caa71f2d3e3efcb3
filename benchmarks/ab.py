"""Before/after: tpn from two checkouts, run alternately on the benchmark files, case by case.

    python benchmarks/ab.py --base /tmp/base [--repeat 5] [--cases "1e6 simple,small"]

For a change whose effect is smaller than the machine's drift between runs: each pair of runs
(base, then this checkout, the order flipped every other pair) shares the machine's state, so
the median of the pairs' time ratios is the number to read. Prints each side's median and
fastest wall time, median user and system CPU and largest peak RSS. The files come from
`generate.py --sizes 1e5,1e6` and `--sizes 1e5 --clusters 65000` (run.py makes them too).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import paths_for  # noqa: E402
from run import BY, DESIGN, OUT, PY, ROOT, Run, many_clusters, measure, tpn_env  # noqa: E402


def cases() -> dict[str, list[str]]:
    """Each case's `tpn analyze` arguments (without --out)."""
    big, mid = paths_for(1_000_000), paths_for(100_000)
    mc = paths_for(100_000, clusters=many_clusters(100_000))
    sample = ROOT / "data" / "sample" / "teacher_leader.csv"
    return {
        "1e6 simple": [str(big["csv"]), "--schema", str(big["schema"]), *BY],
        "1e5 simple": [str(mid["csv"]), "--schema", str(mid["schema"]), *BY],
        "1e6 design": [str(big["csv"]), "--schema", str(big["schema_design"]), *DESIGN],
        "1e5 design 5k": [str(mid["csv"]), "--schema", str(mid["schema_design"]), *DESIGN],
        "1e5 design mc": [str(mc["csv"]), "--schema", str(mc["schema_design"]), *DESIGN],
        "small": [str(sample), "--schema", str(ROOT / "schemas" / "teacher_leader.yaml")],
    }


def run(root: Path, args: list[str], out: Path) -> Run:
    cmd = [PY, "-m", "tpn_survey", "analyze", *args, "--format", "json", "--out", str(out)]
    result, err = measure(cmd, 900, tpn_env(root))
    if result.code != 0:
        raise SystemExit(f"{root}: {' '.join(cmd)} failed: {err}")
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="the other checkout")
    ap.add_argument("--repeat", type=int, default=5, help="pairs a case")
    ap.add_argument("--cases", help="comma list (default all): " + ", ".join(cases()))
    args = ap.parse_args()
    chosen = cases()
    names = args.cases.split(",") if args.cases else list(chosen)
    sides = {"base": args.base.resolve(), "this": ROOT}
    for name in names:
        runs: dict[str, list[Run]] = {side: [] for side in sides}
        for i in range(args.repeat):
            order = list(sides) if i % 2 == 0 else list(sides)[::-1]
            for side in order:
                runs[side].append(run(sides[side], chosen[name], OUT / f"ab_{side}"))
        for side, rs in runs.items():
            wall = [r.seconds for r in rs]
            print(
                f"{name:14} {side:4}  median {statistics.median(wall):5.2f} s"
                f"  fastest {min(wall):5.2f} s"
                f"  user {statistics.median(r.user for r in rs):5.2f} s"
                f"  system {statistics.median(r.system for r in rs):5.2f} s"
                f"  peak {max(r.peak_mb for r in rs):6.0f} MB"
            )
        pairs = zip(runs["this"], runs["base"], strict=True)
        ratio = statistics.median(a.seconds / b.seconds for a, b in pairs)
        print(f"{name:14} this / base, median of the pairs: {ratio:.3f}", flush=True)


if __name__ == "__main__":
    main()
