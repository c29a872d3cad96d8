"""Threads: N emulators in N Python threads (NES.step releases the GIL), and the native vector
env on 1..cores threads, against one emulator / one env.

Part 1 (core): for N = 1..cores, N consoles each run ``--frames`` frames of the fixed input
(RGB read every frame), one Python thread per console, all started together; aggregate
frames/s = N * frames / wall time. Speedup = aggregate rate / the N = 1 rate. If the GIL were held
during a frame the speedup would stay at 1.

Part 2 (env): SuperMarioBros-1-1-v0 with SIMPLE_MOVEMENT actions ("right A" 20 steps, "right" 4):
one Gymnasium env (``gym.make`` + ``JoypadSpace``) against ``gym.make_vec(...,
vectorization_mode="vector_entry_point")`` with ``num_envs`` and ``num_threads`` variants, env
steps/s (a vector step of N envs counts N). Speedup = vector rate / single-env rate.

Part 3 (rules): the vector env with Super Mario Bros.' rules (evaluated in C by the pool
threads: reward, termination, info, skip rules) against the same consoles without rules (the
generic game), on 1 thread and ``cores`` threads. One env per thread count, its rules switched
on and off step by step (``--steps`` steps each, interleaved), so both variants run the same
frames under the same load: the fixed actions play 1-1 without an episode end for 1173 steps.
Env steps per wall-second and per CPU-second, and the ratio of each round's pair (median
[min-max]); ``--rules-only`` runs this part alone.

Variants are interleaved over ``--repeats`` rounds; medians and min-max. On a shared machine the
wall-clock speedup is capped by what the other processes leave free: the load average is printed.

    python benchmarks/threads.py [--repeats 5] [--frames 1000] [--steps 500] [--quick]
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
import warnings

from _common import (Report, Timer, env_actions, fixed_pads, fmt, repeat_interleaved, smb_rom,
                     summary, table, time_env_steps, usable_cores)


def _threads_run(rom: bytes, n: int, frames: int):
    from nes_core import NES

    consoles = [NES(rom) for _ in range(n)]
    pads = fixed_pads(frames)
    barrier = threading.Barrier(n + 1)

    def work(nes):
        barrier.wait()
        for p in pads:
            nes.step(1, p)
            nes.screen

    threads = [threading.Thread(target=work, args=(c,)) for c in consoles]
    for t in threads:
        t.start()
    with Timer() as tm:
        barrier.wait()
        for t in threads:
            t.join()
    return {"fps_wall": n * frames / tm.wall, "fps_cpu": n * frames / tm.cpu if tm.cpu else None}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="GIL release and the vector env on 1..cores threads")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--frames", type=int, default=1000)
    p.add_argument("--steps", type=int, default=500, help="vector steps per run")
    p.add_argument("--num-envs", type=int, nargs="+", default=None,
                   help="vector env sizes (default: cores and 4 x cores)")
    p.add_argument("--rom")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--rules-only", action="store_true", help="part 3 only")
    a = p.parse_args(argv)
    if a.quick:
        a.repeats, a.frames, a.steps = 1, 100, 40
    rom_path = smb_rom(a.rom)
    if rom_path is None:
        return 0
    rom = rom_path.read_bytes()
    cores = usable_cores()
    report = Report("threads", argv, repeats=a.repeats, frames=a.frames, steps=a.steps, cores=cores)

    # --- part 1: Python threads ---
    variants = {n: (lambda n=n: _threads_run(rom, n, a.frames)) for n in range(1, cores + 1)}
    runs = repeat_interleaved(variants, a.repeats if not a.rules_only else 0)
    base = summary([r["fps_wall"] for r in runs[1]])["median"] if not a.rules_only else 1.0
    rows, part1 = [], {}
    for n, rs in runs.items():
        wall = summary([r["fps_wall"] for r in rs])
        cpu = summary([r["fps_cpu"] for r in rs if r["fps_cpu"]])
        part1[n] = {"fps_wall": wall, "fps_cpu": cpu, "speedup_wall": wall["median"] / base}
        rows.append([f"{n} console(s), {n} thread(s)", fmt(wall), fmt(cpu),
                     f"{wall['median'] / base:.2f}x"])
    text = table(["Python threads (RGB every frame)", "frames/wall-s (all threads)",
                  "frames/CPU-s", "speedup (wall)"], rows)
    report["python_threads"] = part1

    # --- part 2: vector env ---
    try:
        import gymnasium as gym

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import nesenv  # noqa: F401
            from nesenv.actions import SIMPLE_MOVEMENT
            from nesenv.wrappers import JoypadSpace

            single = JoypadSpace(gym.make("SuperMarioBros-1-1-v0"), SIMPLE_MOVEMENT)
    except Exception as exc:
        print(text)
        print(f"vector env part skipped: the env layer is not usable here "
              f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})")
        report.finish()
        return 0
    sizes = a.num_envs or sorted({cores, 4 * cores})
    configs = [(n, t, False) for n in sizes for t in sorted({1, cores})]
    configs.append((max(sizes), cores, True))
    vecs = {}
    for n, t, small in configs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vecs[(n, t, small)] = gym.make_vec(
                "SuperMarioBros-1-1-v0", num_envs=n, vectorization_mode="vector_entry_point",
                num_threads=t, actions=SIMPLE_MOVEMENT,
                **({"grayscale": True, "downscale": 2} if small else {}))
    single_steps = a.steps * max(sizes) // 2 if not a.quick else a.steps
    single_actions = env_actions(single_steps)
    vec_actions = env_actions(a.steps)

    def run_single():
        single.reset(seed=0)
        t = time_env_steps(single, single_actions)
        return {"sps_wall": single_steps / t["wall"], "sps_cpu": single_steps / t["cpu"]}

    def run_vec(key):
        v = vecs[key]
        n = key[0]
        v.reset(seed=0)
        rows_ = [[act] * n for act in vec_actions]
        with Timer() as tm:
            for row in rows_:
                v.step(row)
        return {"sps_wall": n * a.steps / tm.wall, "sps_cpu": n * a.steps / tm.cpu}

    variants = {"single": run_single}
    for key in vecs:
        variants[key] = lambda key=key: run_vec(key)
    runs = repeat_interleaved(variants, a.repeats if not a.rules_only else 0)
    base_w = summary([r["sps_wall"] for r in runs["single"]])["median"]
    base_c = summary([r["sps_cpu"] for r in runs["single"]])["median"]
    rows, part2 = [], {}
    for key, rs in runs.items():
        wall = summary([r["sps_wall"] for r in rs])
        cpu = summary([r["sps_cpu"] for r in rs])
        if key == "single":
            name = "gym.make + JoypadSpace (1 env)"
        else:
            n, t, small = key
            name = f"vector num_envs={n} num_threads={t}" + (" grayscale downscale=2" if small else "")
        part2[name] = {"sps_wall": wall, "sps_cpu": cpu, "speedup_wall": wall["median"] / base_w,
                       "speedup_cpu": cpu["median"] / base_c}
        rows.append([name, fmt(wall), fmt(cpu), f"{wall['median'] / base_w:.2f}x",
                     f"{cpu['median'] / base_c:.2f}x"])
    for v in vecs.values():
        v.close()
    report["vector_env"] = part2
    text += "\n\n" + table(
        ["SuperMarioBros-1-1-v0", "env steps/wall-s", "env steps/CPU-s", "speedup (wall)",
         "per CPU-s"], rows)

    # --- part 3: the rules' cost ---
    from nesenv.vector import _BatchGame

    steps3 = max(a.steps, 2)
    if 2 * steps3 >= 1173:
        print("part 3 skipped: --steps must be below 586 (the first episode end is step 1173)")
        print(text)
        report.finish()
        return 0
    n = max(sizes)
    envs3 = {}
    for t in sorted({1, cores}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            v = gym.make_vec("SuperMarioBros-1-1-v0", num_envs=n,
                             vectorization_mode="vector_entry_point", num_threads=t,
                             actions=SIMPLE_MOVEMENT)
        envs3[t] = getattr(v, "unwrapped", v)

    def run_paired(t):
        # one env, its rules switched on and off step by step: both variants run the same
        # consoles through the same frames, interleaved, so load changes hit both alike
        v = envs3[t]
        ruled = v._batch
        bare = _BatchGame(v.games, v.consoles)
        v.reset(seed=0)
        spent = {True: [0.0, 0.0], False: [0.0, 0.0]}
        for k, act in enumerate(env_actions(2 * steps3)):
            rules = k % 2 == 0
            v._batch = ruled if rules else bare
            v.pool.set_rules(ruled.rules.table if rules else None, ruled.states)
            row = [act] * n
            w0, c0 = time.perf_counter(), time.process_time()
            out = v.step(row)
            spent[rules][0] += time.perf_counter() - w0
            spent[rules][1] += time.process_time() - c0
            assert not out[2].any()  # no episode end: the same frames with and without rules
        v._batch = ruled
        v.pool.set_rules(ruled.rules.table, ruled.states)
        frames = n * steps3
        return {f"{'rules' if r else 'bare'}_{unit}": frames / spent[r][i]
                for r in (True, False) for i, unit in enumerate(("wall", "cpu"))}

    runs = repeat_interleaved({t: (lambda t=t: run_paired(t)) for t in envs3}, a.repeats)
    rows, part3 = [], {}
    one = {r: summary([x[f"{r}_wall"] for x in runs[1]])["median"] for r in ("rules", "bare")}
    for t, rs in runs.items():
        for r in ("rules", "bare"):
            wall = summary([x[f"{r}_wall"] for x in rs])
            cpu = summary([x[f"{r}_cpu"] for x in rs])
            # the ratio of each round's pair, then the median: the pair shares the round's load
            ratio_w = summary([x[f"{r}_wall"] / x["bare_wall"] for x in rs])
            ratio_c = summary([x[f"{r}_cpu"] / x["bare_cpu"] for x in rs])
            name = f"num_envs={n} num_threads={t} " + ("SMB rules" if r == "rules" else "no rules")
            part3[name] = {"sps_wall": wall, "sps_cpu": cpu, "vs_no_rules_wall": ratio_w,
                           "vs_no_rules_cpu": ratio_c, "vs_1_thread_wall": wall["median"] / one[r]}
            rows.append([name, fmt(wall), fmt(cpu), fmt(ratio_w, 3), fmt(ratio_c, 3),
                         f"{wall['median'] / one[r]:.2f}x"])
    for v in envs3.values():
        v.close()
    report["rules"] = part3
    report.finish(("" if a.rules_only else text + "\n\n") + table(
        ["vector env, same frames", "env steps/wall-s", "env steps/CPU-s", "vs no rules (wall)",
         "vs no rules (CPU)", "vs 1 thread (wall)"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
