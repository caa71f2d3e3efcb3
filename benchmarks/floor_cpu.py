"""Where the floor's system time goes: one process parses the same bytes four times.

    python benchmarks/floor_cpu.py benchmarks/out/bench_1000000.csv [--typed-first]

Reads the file's bytes once, then parses them with pyarrow.csv.read_csv as the floor does
(types inferred) and with every column typed as a string, alternately, twice each; wall, user
and system seconds (getrusage) of each parse. Seen on the benchmark machine: whichever parse
comes first pays the page faults of memory new to the process (0.6-4 s of system time at 1e6
rows); the later ones, reusing that memory, 0.1-0.2 s.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv


def read(body: memoryview, names: list[str], typed: bool) -> tuple[float, float, float]:
    """Wall, user and system seconds of one parse of `body`."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()) if typed else None
    )
    pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(body)),
        read_options=pacsv.ReadOptions(column_names=names),
        convert_options=convert,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    return wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime


def main() -> None:
    data = Path(sys.argv[1]).read_bytes()
    end = data.index(b"\n")
    names = [f"c{i}" for i in range(data[:end].count(b",") + 1)]
    body = memoryview(data)[end + 1 :]
    order = (True, False) if "--typed-first" in sys.argv[2:] else (False, True)
    for _ in range(2):
        for typed in order:
            wall, user, system = read(body, names, typed)
            label = "strings" if typed else "inferred"
            print(f"{label:9} wall {wall:.2f} s  user {user:.2f} s  system {system:.2f} s")


if __name__ == "__main__":
    main()
