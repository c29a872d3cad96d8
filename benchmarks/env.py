"""Env speed: SuperMarioBros-1-1-v0 + JoypadSpace(SIMPLE_MOVEMENT) steps/s, and its overhead
over the bare core doing the same frames.

Interleaved variants, ``--repeats`` rounds of ``--steps`` steps ("right A" 20 steps, "right" 4):

* ``env``: ``env.step(action)`` (observation copied for the caller, reward and info from RAM),
  ``env.reset()`` at episode ends;
* ``core+copy``: ``NES.step(1, byte)`` and ``NES.screen.copy()``, the same buttons;
* ``core``: ``NES.step(1, byte)`` and ``NES.screen`` (RGB conversion, no copy).

Overhead = core rate / env rate - 1, on CPU time (medians).

    python benchmarks/env.py [--repeats 5] [--steps 2000] [--quick]
"""
from __future__ import annotations

import argparse
import sys
import warnings

from _common import (Report, Timer, env_actions, fmt, repeat_interleaved, summary, table,
                     time_env_steps)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="env steps/s and overhead over the core")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--quick", action="store_true")
    a = p.parse_args(argv)
    if a.quick:
        a.repeats, a.steps = 1, 200
    try:
        import gymnasium as gym  # first: its logger installs a "once" filter for its warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import nesenv  # noqa: F401
            from nesenv.actions import SIMPLE_MOVEMENT, buttons_to_byte
            from nesenv.wrappers import JoypadSpace

            env = JoypadSpace(gym.make("SuperMarioBros-1-1-v0"), SIMPLE_MOVEMENT)
            env.reset(seed=0)
    except Exception as exc:  # ImportError, RomNotFoundError, ...
        print(f"env benchmark skipped: the env layer is not usable here "
              f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})")
        return 0
    from nes_core import NES

    report = Report("env", argv, repeats=a.repeats, steps=a.steps)
    actions = env_actions(a.steps)
    lut = [buttons_to_byte(b) for b in SIMPLE_MOVEMENT]
    nes = NES(env.unwrapped.rom_path)
    nes.timing = env.unwrapped.nes.timing  # the env's ("nes-py" for the SMB ids): states carry it
    nes.frame_grid = env.unwrapped.nes.frame_grid
    start = env.unwrapped.nes.save_state()

    def run_env():
        env.reset(seed=0)
        return time_env_steps(env, actions)

    def run_core(copy):
        nes.load_state(start)
        with Timer() as t:
            for act in actions:
                nes.step(1, lut[act])
                if copy:
                    nes.screen.copy()
                else:
                    nes.screen
        return {"wall": t.wall, "cpu": t.cpu}

    variants = {"env": run_env, "core+copy": lambda: run_core(True), "core": lambda: run_core(False)}
    runs = repeat_interleaved(variants, a.repeats)
    rows, results = [], {}
    for name, rs in runs.items():
        cpu = summary([a.steps / r["cpu"] for r in rs if r["cpu"] > 0])
        wall = summary([a.steps / r["wall"] for r in rs])
        results[name] = {"sps_cpu": cpu, "sps_wall": wall, "runs": rs}
    for name in runs:
        over = (results[name]["sps_cpu"]["median"] / results["env"]["sps_cpu"]["median"] - 1) * 100
        over_w = (results[name]["sps_wall"]["median"] / results["env"]["sps_wall"]["median"] - 1) * 100
        results[name]["env_overhead_pct_cpu"] = over
        results[name]["env_overhead_pct_wall"] = over_w
        rows.append([name, fmt(results[name]["sps_cpu"]), fmt(results[name]["sps_wall"]),
                     "-" if name == "env" else f"{over:+.1f}%",
                     "-" if name == "env" else f"{over_w:+.1f}%"])
    results["env"]["resets"] = [r["resets"] for r in runs["env"]]
    report["results"] = results
    report.finish(table(["variant", "steps/CPU-s median [min-max]", "steps/wall-s median [min-max]",
                         "env overhead (CPU)", "(wall)"], rows)
                  + f"\nenv resets per run: {results['env']['resets']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
