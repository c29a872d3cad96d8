"""Memory: resident memory (RSS) added per extra emulator.

Creates ``--count`` more ``nes_core.NES`` consoles (Super Mario Bros., each run 10 frames with
its RGB frame read, so every buffer is touched) after a first one, and divides the RSS growth
by the count; ``--repeats`` rounds, each in a fresh list (the previous consoles freed first).
Also the same for the native vector env (``SuperMarioBrosVectorEnv``, ``copy=False``) per env,
if importable: console, observation row, RAM row.

    python benchmarks/memory.py [--count 50] [--repeats 3] [--quick]
"""
from __future__ import annotations

import argparse
import gc
import sys
import warnings

from _common import Report, fmt, rss_bytes, smb_rom, summary, table
import _workload


def _vector_per_env(count: int):
    try:
        import gymnasium  # noqa: F401

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from nesenv.vector import SuperMarioBrosVectorEnv

            one = SuperMarioBrosVectorEnv(1, target=(1, 1))
            one.reset(seed=0)
            gc.collect()
            before = rss_bytes()
            vec = SuperMarioBrosVectorEnv(count, target=(1, 1), num_threads=1, copy=False)
            vec.reset(seed=0)
            vec.step([0] * count)
            after = rss_bytes()
            vec.close()
            one.close()
    except Exception as exc:
        print(f"vector env part skipped ({type(exc).__name__}: {exc})")
        return None
    return (after - before) / (count - 1)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="RSS per extra emulator")
    p.add_argument("--count", type=int, default=50)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--rom")
    p.add_argument("--quick", action="store_true")
    a = p.parse_args(argv)
    if a.quick:
        a.repeats, a.count = 1, 10
    rom = smb_rom(a.rom)
    if rom is None:
        return 0
    report = Report("memory", argv, repeats=a.repeats, count=a.count)
    runs = []
    for _ in range(a.repeats):
        gc.collect()
        runs.append(_workload.memory("nesenv", str(rom), a.count))
    per = summary([r["bytes_per_emulator"] / 1024 for r in runs])
    vec = _vector_per_env(a.count)
    report["results"] = {"kib_per_emulator": per, "runs": runs,
                         "vector_env_kib_per_env": None if vec is None else vec / 1024}
    rows = [["nes_core.NES", fmt(per, 1)]]
    if vec is not None:
        rows.append(["SuperMarioBrosVectorEnv, per env (obs + RAM buffers included)", f"{vec / 1024:,.1f}"])
    report.finish(table(["object", "KiB RSS per extra one, median [min-max]"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
