"""Why the floor is bimodal here: the same read with and without transparent huge pages.

    python benchmarks/floor_pages.py benchmarks/out/bench_1000000.csv [--repeat 5]

Runs the floor (`pyarrow.csv.read_csv` in a fresh interpreter) three ways, alternately: as
run.py runs it (pyarrow's default pool, mimalloc, which backs big buffers with huge pages);
with `MIMALLOC_ALLOW_LARGE_OS_PAGES=0`; and with huge pages off for the process
(`prctl(PR_SET_THP_DISABLE)`, Linux). Prints wall and system seconds, minor page faults (a
2 MB page is one fault, a 4 KB page one too) and peak RSS of each run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import FLOOR, measure

# PR_SET_THP_DISABLE (41) before pyarrow allocates anything.
NO_THP = "import ctypes; ctypes.CDLL(None).prctl(41, 1, 0, 0, 0); " + FLOOR
WAYS = {
    "as run.py runs it": ([sys.executable, "-c", FLOOR], {}),
    "MIMALLOC_ALLOW_LARGE_OS_PAGES=0": (
        [sys.executable, "-c", FLOOR],
        {"MIMALLOC_ALLOW_LARGE_OS_PAGES": "0"},
    ),
    "huge pages off (prctl)": ([sys.executable, "-c", NO_THP], {}),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    for _ in range(args.repeat):
        for label, (cmd, extra) in WAYS.items():
            run, err = measure([*cmd, args.csv], 600, {**os.environ, **extra})
            if run.code != 0:
                raise SystemExit(f"{label}: failed: {err}")
            print(
                f"{label:32} wall {run.seconds:5.2f} s  system {run.system:5.2f} s"
                f"  faults {run.faults:7}  peak {run.peak_mb:5.0f} MB",
                flush=True,
            )


if __name__ == "__main__":
    main()
