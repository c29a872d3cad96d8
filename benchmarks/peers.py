"""Peers: the same workloads on nesenv, nes-py 8.2.1, nes-py 9.0.1, cynes 0.1.2 and stable-retro
1.0.1, each emulator in its own process (and, for the peers, its own virtual environment: see
benchmarks/README.md).

Each round runs every (task, emulator) once, in a rotated emulator order (A B C, B C A, ...), one
fresh process per run; ``--repeats`` rounds. Reported: medians and min-max per emulator, the
ratio of nesenv's median to each peer's, and the median of the per-round paired ratios.

Tasks (see _workload.py): ``core`` in modes ``rgb`` (RGB frame every frame), ``skip4`` and
``noframe``; ``env`` (SuperMarioBros-1-1-v0 + JoypadSpace(SIMPLE_MOVEMENT); nes-py through
gym-super-mario-bros 7.4.0); ``states`` (save + load µs); ``memory`` (RSS per emulator).

    python benchmarks/peers.py --nespy-python VENV1/bin/python --nespy9-python VENV2/bin/python \
        --cynes-python VENV3/bin/python --retro-python VENV4/bin/python
    (or set NESENV_BENCH_NESPY_PYTHON, ..._NESPY9_PYTHON, ..._CYNES_PYTHON, ..._RETRO_PYTHON);
    --quick for a smoke run. A peer without an interpreter is left out.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from _common import BENCH_DIR, Report, fmt, ns_per_dot, smb_rom, summary, table

WORKLOAD = BENCH_DIR / "_workload.py"
PEERS = ("nes-py", "nes-py9", "cynes", "stable-retro")
ENV_VARS = {"nes-py": "NESENV_BENCH_NESPY_PYTHON", "nes-py9": "NESENV_BENCH_NESPY9_PYTHON",
            "cynes": "NESENV_BENCH_CYNES_PYTHON", "stable-retro": "NESENV_BENCH_RETRO_PYTHON"}
OPTIONS = {"nes-py": "nespy", "nes-py9": "nespy9", "cynes": "cynes", "stable-retro": "retro"}
MODULES = {"nes-py": "nes_py", "nes-py9": "nes_py", "cynes": "cynes", "stable-retro": "stable_retro"}
# the env task needs gym-super-mario-bros 7.4 on gym (nes-py 8.2.1's venv); stable-retro
# allows one emulator per process, so it has no memory figure
NO_TASK = {"env": ("nes-py9", "cynes", "stable-retro"), "memory": ("stable-retro",)}


def _our_pythonpath() -> str:
    """PYTHONPATH for the nesenv process: where this process found nes_core (a private build)."""
    import nes_core

    parts = [str(Path(nes_core.__file__).resolve().parent.parent)]
    if os.environ.get("PYTHONPATH"):
        parts.append(os.environ["PYTHONPATH"])
    return os.pathsep.join(parts)


def _run(python: str, emulator: str, args: List[str], timeout: float) -> Dict[str, Any]:
    env = dict(os.environ)
    if emulator == "nesenv":
        env["PYTHONPATH"] = _our_pythonpath()
    else:
        env.pop("PYTHONPATH", None)
    cmd = [python, str(WORKLOAD), "--emulator", emulator] + args
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                           cwd=str(BENCH_DIR))
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        tail = (p.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {p.returncode}: {tail}"}
    return json.loads(lines[-1])


def _available(python: Optional[str], emulator: str) -> Optional[str]:
    if not python:
        return None
    module = MODULES[emulator]
    try:
        ok = subprocess.run([python, "-c", f"import {module}"], capture_output=True,
                            timeout=120).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    return python if ok else None


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="nesenv vs its peers, interleaved processes")
    for peer in PEERS:
        p.add_argument(f"--{OPTIONS[peer]}-python", default=os.environ.get(ENV_VARS[peer]),
                       help=f"the Python of a virtual environment with {peer}")
    p.add_argument("--rom")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--frames", type=int, default=2000)
    p.add_argument("--env-steps", type=int, default=2000)
    p.add_argument("--tasks", nargs="+", default=["core", "env", "states", "memory"],
                   choices=["core", "env", "states", "memory"])
    p.add_argument("--modes", nargs="+", default=["rgb", "skip4", "noframe"],
                   choices=["rgb", "skip4", "noframe"])
    p.add_argument("--quick", action="store_true")
    a = p.parse_args(argv)
    if a.quick:
        a.repeats, a.frames, a.env_steps = 1, 200, 200
    rom = smb_rom(a.rom)
    if rom is None:
        return 0
    pythons = {"nesenv": sys.executable}
    for peer in PEERS:
        given = getattr(a, f"{OPTIONS[peer]}_python")
        found = _available(given, peer)
        if found:
            pythons[peer] = found
        else:
            print(f"{peer}: not measured ({'not importable with ' + given if given else 'no interpreter given'}; "
                  f"pass --{OPTIONS[peer]}-python or set {ENV_VARS[peer]}, see benchmarks/README.md)")
    emus = list(pythons)
    report = Report("peers", argv, repeats=a.repeats, frames=a.frames, env_steps=a.env_steps,
                    emulators=emus)

    jobs = []  # (key, emulator-independent args, metric name, which emulators)
    if "core" in a.tasks:
        for m in a.modes:
            jobs.append((f"core {m}", ["--task", "core", "--mode", m, "--frames", str(a.frames),
                                       "--rom", str(rom)], "fps_cpu", emus))
    if "env" in a.tasks:
        jobs.append(("env", ["--task", "env", "--frames", str(a.env_steps)], "sps_cpu",
                     [e for e in emus if e not in NO_TASK["env"]]))
    if "states" in a.tasks:
        jobs.append(("states", ["--task", "states", "--rom", str(rom), "--iterations",
                                str(200 if a.quick else 2000)], "save_load_us", emus))
    if "memory" in a.tasks:
        jobs.append(("memory", ["--task", "memory", "--rom", str(rom), "--count",
                                str(5 if a.quick else 20)], "kib",
                     [e for e in emus if e not in NO_TASK["memory"]]))

    raw: Dict[str, Dict[str, List[Dict[str, Any]]]] = {k: {e: [] for e in es} for k, _, _, es in jobs}
    versions: Dict[str, str] = {}
    timeout = 600 if not a.quick else 120
    for r in range(a.repeats):
        for key, args, _, es in jobs:
            order = es[r % len(es):] + es[: r % len(es)]
            for e in order:
                out = _run(pythons[e], e, args, timeout)
                if "error" in out:
                    print(f"  round {r + 1} {key} {e}: {out['error']}")
                    raw[key][e].append({"error": out["error"]})
                    continue
                versions[e] = out.get("version", "?")
                res = out["result"]
                if key == "states":
                    res["save_load_us"] = res["save_us"] + res["load_us"]
                if key == "memory":
                    res["kib"] = res["bytes_per_emulator"] / 1024
                raw[key][e].append(res)
        print(f"round {r + 1}/{a.repeats} done")

    results: Dict[str, Any] = {"versions": versions}
    text = [f"versions: {versions}"]
    for key, _, metric, es in jobs:
        lower_is_better = metric in ("save_load_us", "kib")
        vals = {e: [x[metric] for x in raw[key][e] if metric in x and x[metric]] for e in es}
        stats = {e: summary(v) for e, v in vals.items()}
        rows, entry = [], {}
        for e in es:
            s = stats[e]
            row = {"summary": s, "runs": raw[key][e]}
            ratio = paired = None
            if e != "nesenv" and s["n"] and stats.get("nesenv", {}).get("n"):
                ours = stats["nesenv"]["median"]
                ratio = (s["median"] / ours) if lower_is_better else (ours / s["median"])
                pairs = [(b / o if lower_is_better else o / b)
                         for o, b in zip(vals["nesenv"], vals[e]) if o and b]
                paired = statistics.median(pairs) if pairs else None
            row.update({"nesenv_advantage": ratio, "paired_round_ratio_median": paired})
            entry[e] = row
            check = ""
            if key.startswith("core") and raw[key][e] and "check" in raw[key][e][-1]:
                c = raw[key][e][-1]["check"]
                check = f"lives {c['lives']} x {c['page'] * 256 + c['x']}"
            if key == "env" and raw[key][e] and "x_pos_end" in raw[key][e][-1]:
                check = f"x_pos {raw[key][e][-1]['x_pos_end']}"
            extra = (f"{ns_per_dot(s['median']):.1f}" if key.startswith("core") and s["n"] else "")
            rows.append([e, fmt(s, 2 if lower_is_better else 0),
                         "-" if ratio is None else f"{ratio:.2f}x",
                         "-" if paired is None else f"{paired:.2f}x", extra, check])
        unit = {"fps_cpu": "frames/CPU-s", "sps_cpu": "steps/CPU-s", "save_load_us": "save+load µs",
                "kib": "KiB RSS per emulator"}[metric]
        results[key] = entry
        text.append(f"\n{key}: {unit}, median [min-max] over {a.repeats} round(s)")
        text.append(table(["emulator", unit, "nesenv advantage", "paired rounds",
                           "ns/dot (CPU)" if key.startswith("core") else "", "end state"], rows))
    report["results"] = results
    report.finish("\n".join(text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
