"""Shared helpers of the benchmark scripts: timing, statistics, tables, JSON results, the fixed input.

Every script measures wall time (``time.perf_counter``) and this process's CPU time
(``time.process_time``) around the same loop, repeats it, interleaves the variants it compares
(A B A B ..., never all A then all B) and reports medians with the min-max range, plus the load
average before and after: the machines these run on are shared and noisy.
"""
from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"

# make `nes_core` / `nesenv` importable from a source checkout; an installed package or
# PYTHONPATH entries come first (appended, not prepended)
if str(REPO_ROOT) not in sys.path:
    sys.path.append(str(REPO_ROOT))

DOTS_PER_FRAME = 89342  # 341 dots x 262 lines, NTSC (the odd-frame skipped dot ignored)

# --- the fixed input (the same for every emulator) ------------------------------------------------
BTN_A, BTN_START, BTN_RIGHT = 0x01, 0x08, 0x80
TITLE_FRAMES = 60  # no buttons while the title screen settles
START_FRAMES = 4  # then Start held for 4 frames: the game starts (frame 60 on this core); a
# multiple of 4, so that step(4) chunks (skip4) see the same input as frame-by-frame runs


def fixed_pads(frames: int) -> List[int]:
    """Controller-1 bytes for ``frames`` frames from power-on (A=0x01 ... Right=0x80).

    Title screen: nothing for 60 frames, Start for 4; then Right held all the time and A pressed
    20 frames on / 4 frames off. On Super Mario Bros. this plays 1-1 and later stages for about
    2200 frames (three lives) before the game-over screen.
    """
    pads = []
    for f in range(frames):
        if f < TITLE_FRAMES:
            pads.append(0)
        elif f < TITLE_FRAMES + START_FRAMES:
            pads.append(BTN_START)
        else:
            on = (f - TITLE_FRAMES - START_FRAMES) % 24 < 20
            pads.append(BTN_RIGHT | (BTN_A if on else 0))
    return pads


def env_actions(steps: int) -> List[int]:
    """SIMPLE_MOVEMENT indices for env benchmarks: "right A" 20 steps, "right" 4 steps."""
    return [2 if t % 24 < 20 else 1 for t in range(steps)]


# --- timing and statistics ------------------------------------------------------------------------
class Timer:
    """Context manager measuring wall and process CPU seconds."""

    def __enter__(self):
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0
        return False


def time_env_steps(env, actions: Sequence[int]) -> Dict[str, Any]:
    """Step ``env`` through ``actions`` (reset at episode ends) under a :class:`Timer`.

    The caller resets ``env`` before. Returns ``{"wall", "cpu", "resets", "info"}`` (seconds,
    count, the last step's info).
    """
    resets, out = 0, None
    with Timer() as t:
        for a in actions:
            out = env.step(a)
            if out[2] or out[3]:
                env.reset()
                resets += 1
    return {"wall": t.wall, "cpu": t.cpu, "resets": resets, "info": out[4] if out else {}}


def summary(values: Sequence[float]) -> Dict[str, float]:
    """``{"median", "min", "max", "n"}`` of the values (empty -> NaNs)."""
    if not values:
        nan = float("nan")
        return {"median": nan, "min": nan, "max": nan, "n": 0}
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def fmt(s: Dict[str, float], digits: int = 0, unit: str = "") -> str:
    """``median [min-max]`` for a table cell."""
    if s.get("n", 0) == 0:
        return "-"
    f = f"{{:,.{digits}f}}"
    return f"{f.format(s['median'])}{unit} [{f.format(s['min'])}-{f.format(s['max'])}]"


def ns_per_dot(fps: float) -> float:
    """Host nanoseconds per emulated PPU dot at ``fps`` frames per second."""
    return 1e9 / (fps * DOTS_PER_FRAME) if fps > 0 else float("nan")


def loadavg() -> Optional[List[float]]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc; else peak RSS from resource)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def machine() -> Dict[str, Any]:
    """What ran the benchmark (no host names or paths)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info = {"cpu": cpu, "usable_cores": usable_cores(), "python": platform.python_version(),
            "platform": platform.platform(terse=True)}
    try:
        import numpy

        info["numpy"] = numpy.__version__
    except ImportError:
        pass
    try:
        info["commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
            text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        info["commit"] = None
    return info


# --- ROM ------------------------------------------------------------------------------------------
def smb_rom(path: Optional[str] = None) -> Optional[Path]:
    """The Super Mario Bros. ROM: ``path`` if given, else the ROM imported into nesenv."""
    if path:
        return Path(path)
    try:
        from games import SuperMarioBros
        from nesenv import roms

        return roms.find_rom(SuperMarioBros, "vanilla")
    except Exception as exc:  # RomNotFoundError, or the env layer not importable
        print(f"Super Mario Bros. ROM not found ({str(exc).splitlines()[0]}); pass --rom PATH "
              "or import the ROM set (see benchmarks/README.md)")
        return None


# --- output ---------------------------------------------------------------------------------------
def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    rows = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    out = [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]
    return "\n".join(out)


class Report:
    """Collects a benchmark's parameters and results, prints the load average, writes JSON."""

    def __init__(self, name: str, argv: Optional[Sequence[str]] = None, **params: Any):
        self.name = name
        self.data: Dict[str, Any] = {
            "benchmark": name,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "command": "python benchmarks/" + name + ".py " + " ".join(argv or sys.argv[1:]),
            "machine": machine(),
            "params": params,
            "loadavg_start": loadavg(),
        }
        print(f"== {name}: load average {self.data['loadavg_start']} on "
              f"{self.data['machine']['usable_cores']} cores")

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = value

    def finish(self, text: str = "") -> Path:
        self.data["loadavg_end"] = loadavg()
        if text:
            print(text)
        print(f"load average at the end: {self.data['loadavg_end']}")
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / f"{self.name}.json"
        with open(path, "w") as fh:
            json.dump(self.data, fh, indent=2, default=str)
        print(f"results: {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}")
        return path


def repeat_interleaved(variants: Dict[str, Callable[[], Dict[str, float]]], repeats: int
                       ) -> Dict[str, List[Dict[str, float]]]:
    """Run each variant once per round, rounds ``repeats`` times, rotating the order per round."""
    names = list(variants)
    out: Dict[str, List[Dict[str, float]]] = {n: [] for n in names}
    for r in range(repeats):
        order = names[r % len(names):] + names[: r % len(names)]
        for n in order:
            out[n].append(variants[n]())
    return out
