"""Core speed: frames/s of nes_core.NES.step on Super Mario Bros. with the fixed input.

Modes (interleaved, ``--repeats`` rounds, each from power-on, emulator creation untimed):

* ``rgb``: one frame per call, the RGB frame read (``NES.screen``) after every frame;
* ``skip4``: ``step(4)`` with the same buttons, only the last frame converted to RGB;
* ``noframe``: one frame per call, no frame read.

Reports frames per CPU-second (``time.process_time``) and per wall-second, medians and
min-max, and host ns per emulated PPU dot (1e9 / (fps * 89342)).

    python benchmarks/core.py [--repeats 5] [--frames 2000] [--rom PATH] [--quick]
"""
from __future__ import annotations

import argparse
import sys

from _common import Report, fmt, ns_per_dot, repeat_interleaved, smb_rom, summary, table
import _workload

MODES = ("rgb", "skip4", "noframe")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="nes_core.NES.step frames/s")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--frames", type=int, default=2000)
    p.add_argument("--rom", help="Super Mario Bros. ROM (default: the one imported into nesenv)")
    p.add_argument("--quick", action="store_true", help="a few-second smoke run")
    a = p.parse_args(argv)
    if a.quick:
        a.repeats, a.frames = 1, 200
    rom = smb_rom(a.rom)
    if rom is None:
        return 0
    report = Report("core", argv, repeats=a.repeats, frames=a.frames)
    variants = {m: (lambda m=m: _workload.core("nesenv", str(rom), m, a.frames)) for m in MODES}
    runs = repeat_interleaved(variants, a.repeats)
    rows, results = [], {}
    for m in MODES:
        cpu = summary([r["fps_cpu"] for r in runs[m]])
        wall = summary([r["fps_wall"] for r in runs[m]])
        results[m] = {"fps_cpu": cpu, "fps_wall": wall, "ns_per_dot_cpu": ns_per_dot(cpu["median"]),
                      "ns_per_dot_wall": ns_per_dot(wall["median"]), "runs": runs[m]}
        rows.append([m, fmt(cpu), fmt(wall), f"{ns_per_dot(cpu['median']):.2f}",
                     f"{ns_per_dot(wall['median']):.2f}"])
    report["results"] = results
    report.finish(table(["mode", "frames/CPU-s median [min-max]", "frames/wall-s median [min-max]",
                         "ns/dot (CPU)", "ns/dot (wall)"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
