"""The ALE evaluation pipeline (grayscale, 84 x 84, frameskip 4 with max-pooling of the last two
frames, stack of 4) built by nesenv's C observation path against the same pipeline built from
Gymnasium's wrappers on the RGB env.

Variants, SuperMarioBros-1-1-v0 with SIMPLE_MOVEMENT actions ("right A" 20 steps, "right" 4),
reset at episode ends, interleaved over ``--repeats`` rounds:

* ``single C``: ``gym.make(..., obs_type="grayscale", shape=(84, 84), frameskip=4, stack=4)``
  + ``JoypadSpace``;
* ``single wrappers``: ``gym.make(...)`` (RGB, one frame a step) + ``JoypadSpace`` +
  ``MaxAndSkipObservation(skip=4)`` + ``GrayscaleObservation`` + ``ResizeObservation((84, 84))``
  (OpenCV, INTER_AREA) + ``FrameStackObservation(4)``;
* ``vector C, T threads``: ``gym.make_vec(..., vectorization_mode="vector_entry_point",
  num_envs=N, num_threads=T)`` with the C options above (T = 1, 2);
* ``vector wrappers``: ``SyncVectorEnv`` of N ``single wrappers`` envs;
* ``vector RGB, T threads``: the native vector env with plain RGB observations, one frame a
  step (the scaling reference: the issue asks the pipeline to scale on 2 threads as RGB does).

Rates are env-steps/s (an env step is 4 frames with the pipeline; a vector step of N envs counts
N), on CPU time and wall time. Ratio = C rate / wrappers rate. Needs OpenCV for
``ResizeObservation``: ``pip install -e '.[bench]'``.

    python benchmarks/protocol.py [--repeats 5] [--steps 600] [--num-envs 8] [--quick]
"""
from __future__ import annotations

import argparse
import sys
import warnings

from _common import Report, Timer, env_actions, fmt, repeat_interleaved, summary, table, time_env_steps

PIPELINE = {"obs_type": "grayscale", "shape": (84, 84), "frameskip": 4, "stack": 4}
#: every variant on the accurate core: the SMB ids default to nes-py's emulated timing
#: (step-exact parity with gym-super-mario-bros), which is not what the ALE protocol measures
CORE = {"frame_timing": "vblank"}


def wrapped_env(gym, SIMPLE_MOVEMENT, JoypadSpace):
    """The ALE pipeline from Gymnasium's wrappers on the RGB env."""
    from gymnasium.wrappers import (FrameStackObservation, GrayscaleObservation,
                                    MaxAndSkipObservation, ResizeObservation)

    env = JoypadSpace(gym.make("SuperMarioBros-1-1-v0", **CORE), SIMPLE_MOVEMENT)
    env = MaxAndSkipObservation(env, skip=4)
    env = GrayscaleObservation(env)
    env = ResizeObservation(env, (84, 84))
    return FrameStackObservation(env, 4)


def time_vector_steps(vec, actions, n):
    """Step a vector env (autoreset) through ``actions``, the same action for all N envs."""
    import numpy as np

    batch = [np.full(n, a) for a in actions]
    with Timer() as t:
        for a in batch:
            vec.step(a)
    return {"wall": t.wall, "cpu": t.cpu}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="ALE pipeline: C path vs Gymnasium wrappers")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--steps", type=int, default=600, help="env steps per run (single env)")
    p.add_argument("--num-envs", type=int, default=8)
    p.add_argument("--quick", action="store_true")
    a = p.parse_args(argv)
    if a.quick:
        a.repeats, a.steps = 1, 60
    try:
        import gymnasium as gym  # first: its logger installs a "once" filter for its warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import nesenv  # noqa: F401
            from nesenv.actions import SIMPLE_MOVEMENT
            from nesenv.wrappers import JoypadSpace

            single_c = JoypadSpace(gym.make("SuperMarioBros-1-1-v0", **PIPELINE, **CORE), SIMPLE_MOVEMENT)
            single_w = wrapped_env(gym, SIMPLE_MOVEMENT, JoypadSpace)
            assert single_c.observation_space.shape == single_w.observation_space.shape == (4, 84, 84)
            single_c.reset(seed=0)
            single_w.reset(seed=0)
    except Exception as exc:  # ImportError (OpenCV), RomNotFoundError, ...
        print(f"protocol benchmark skipped ({type(exc).__name__}: "
              f"{str(exc).splitlines()[0] if str(exc) else ''}); it needs the SMB ROM and OpenCV "
              "(pip install -e '.[bench]')")
        return 0
    n = a.num_envs
    report = Report("protocol", argv, repeats=a.repeats, steps=a.steps, num_envs=n)
    actions = env_actions(a.steps)
    vec_actions = actions[: max(1, a.steps // n)]

    def native(threads, **options):
        return gym.make_vec("SuperMarioBros-1-1-v0", num_envs=n, vectorization_mode="vector_entry_point",
                            actions=SIMPLE_MOVEMENT, num_threads=threads, **CORE, **options)

    vecs = {
        "vector C, 1 thread": native(1, **PIPELINE),
        "vector C, 2 threads": native(2, **PIPELINE),
        "vector wrappers": gym.vector.SyncVectorEnv(
            [lambda: wrapped_env(gym, SIMPLE_MOVEMENT, JoypadSpace) for _ in range(n)]),
        "vector RGB, 1 thread": native(1),
        "vector RGB, 2 threads": native(2),
    }

    def run_single(env):
        env.reset(seed=0)
        r = time_env_steps(env, actions)
        r["steps"] = len(actions)
        return r

    def run_vec(vec):
        vec.reset(seed=0)
        r = time_vector_steps(vec, vec_actions, n)
        r["steps"] = len(vec_actions) * n
        return r

    variants = {"single C": lambda: run_single(single_c), "single wrappers": lambda: run_single(single_w)}
    for name, vec in vecs.items():
        variants[name] = (lambda v: lambda: run_vec(v))(vec)
    runs = repeat_interleaved(variants, a.repeats)
    results = {}
    for name, rs in runs.items():
        results[name] = {"sps_cpu": summary([r["steps"] / r["cpu"] for r in rs if r["cpu"] > 0]),
                         "sps_wall": summary([r["steps"] / r["wall"] for r in rs]),
                         "runs": [{k: v for k, v in r.items() if k != "info"} for r in rs]}
    ref = {"single C": "single wrappers", "vector C, 1 thread": "vector wrappers",
           "vector C, 2 threads": "vector wrappers", "vector RGB, 2 threads": "vector RGB, 1 thread"}
    rows = []
    for name in runs:
        cpu, wall = results[name]["sps_cpu"], results[name]["sps_wall"]
        other = ref.get(name)
        if other:
            rc = cpu["median"] / results[other]["sps_cpu"]["median"]
            rw = wall["median"] / results[other]["sps_wall"]["median"]
            results[name]["ratio_cpu"], results[name]["ratio_wall"] = rc, rw
            ratio = f"{rc:.2f}x / {rw:.2f}x vs {other}"
        else:
            ratio = "-"
        rows.append([name, fmt(cpu), fmt(wall), ratio])
    scale_c = results["vector C, 2 threads"]["sps_wall"]["median"] / results["vector C, 1 thread"]["sps_wall"]["median"]
    scale_rgb = results["vector RGB, 2 threads"]["sps_wall"]["median"] / results["vector RGB, 1 thread"]["sps_wall"]["median"]
    results["scaling_wall_2_threads"] = {"pipeline": scale_c, "rgb": scale_rgb}
    report["results"] = results
    report.finish(table(["variant", "env-steps/CPU-s median [min-max]", "env-steps/wall-s median [min-max]",
                         "ratio (CPU / wall)"], rows)
                  + f"\n2 threads / 1 thread (wall): pipeline {scale_c:.2f}x, RGB {scale_rgb:.2f}x")
    for vec in vecs.values():
        vec.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
