"""Save states: NES.save_state() / NES.load_state() time (µs per call) and state size (bytes),
in gameplay (Super Mario Bros., 200 frames of the fixed input from power-on).

``--repeats`` rounds of ``--iterations`` saves then as many loads; medians and min-max of the
per-round means.

    python benchmarks/states.py [--repeats 5] [--iterations 5000] [--quick]
"""
from __future__ import annotations

import argparse
import sys

from _common import Report, fmt, smb_rom, summary, table
import _workload


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="save/load state µs and size")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--iterations", type=int, default=5000)
    p.add_argument("--rom")
    p.add_argument("--quick", action="store_true")
    a = p.parse_args(argv)
    if a.quick:
        a.repeats, a.iterations = 1, 500
    rom = smb_rom(a.rom)
    if rom is None:
        return 0
    report = Report("states", argv, repeats=a.repeats, iterations=a.iterations)
    results, rows = {}, []
    for screen in (False, True):
        runs = [_workload.states("nesenv", str(rom), a.iterations, screen=screen)
                for _ in range(a.repeats)]
        res = {k: summary([r[k] for r in runs])
               for k in ("save_us", "load_us", "save_cpu_us", "load_cpu_us")}
        res["save_plus_load_us"] = summary([r["save_us"] + r["load_us"] for r in runs])
        res["state_bytes"] = runs[0]["state_bytes"]
        results["with_screen" if screen else "default"] = res
        tag = "(screen=True)" if screen else ""
        rows += [[f"save_state{tag}", fmt(res["save_us"], 2), fmt(res["save_cpu_us"], 2),
                  f"{res['state_bytes']:,}"],
                 [f"load_state{tag}", fmt(res["load_us"], 2), fmt(res["load_cpu_us"], 2), ""],
                 [f"save + load{tag}", fmt(res["save_plus_load_us"], 2), "-", ""]]
    report["results"] = results
    report.finish(table(["call", "µs (wall) median [min-max]", "µs (CPU)", "state bytes"], rows)
                  + "\ndefault states leave out the picture (README: save states)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
