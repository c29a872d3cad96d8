"""Record reference traces from gym-super-mario-bros 7.4.0 on nes-py 8.2.1.

Run with the Python of a separate virtualenv that has upstream installed (see README.md in this
folder); this script never imports nesenv. It writes one gzip'd JSON-lines file per scenario
into ``traces/`` (or the folder given with ``--out``):

* line 1, the header: ``{"format": 1, "scenario", "id", "kwargs", "upstream": {package:
  version}, "command", "hash"}``;
* a reset line: ``{"reset": {"seed", "options"}, "ram", "obs", "info"}``;
* a step line: ``[action, reward, done, info_values, ram_hash, obs_hash]``, ``info_values`` in
  the order of ``INFO_KEYS``.

Hashes are BLAKE2b with an 8-byte digest, in hex, of CPU RAM (2048 bytes) and of the
observation array (240 x 256 x 3 uint8, C order). Actions are stored, so the policy that made
them (seeded random bytes, or a run-and-jump script) is not needed to replay a trace.

Usage: ``python record_upstream.py [--out DIR] [--only NAME ...]``.
"""
import argparse
import gzip
import hashlib
import json
import os
import signal
import sys
from importlib import metadata

import numpy as np

INFO_KEYS = ("coins", "flag_get", "life", "score", "stage", "status", "time", "world", "x_pos",
             "y_pos")
# a step of upstream that takes longer than this hangs (its skip loops can wait forever)
STEP_TIMEOUT_S = 20


def digest(array) -> str:
    """BLAKE2b-8 hex digest of an array's bytes in C order."""
    return hashlib.blake2b(np.ascontiguousarray(array).tobytes(), digest_size=8).hexdigest()


def info_values(info):
    """The info dict's values in ``INFO_KEYS`` order, as plain JSON types."""
    values = []
    for key in INFO_KEYS:
        v = info[key]
        values.append(v if isinstance(v, str) else
                      bool(v) if isinstance(v, (bool, np.bool_)) else int(v))
    return values


class RandomPolicy:
    """Uniform random controller bytes from a seeded NumPy RandomState."""

    def __init__(self, seed):
        self.rng = np.random.RandomState(seed)

    def __call__(self):
        return int(self.rng.randint(256))


class RunJumpPolicy:
    """Hold Right+B; press A for a random 8-24 frames, release it for 2-8, repeat.

    Mario keeps jumping forward, clears many stages, and still dies in pits and on enemies.
    ``noise`` is the chance per step of a uniform random byte instead (start/select included).
    """

    def __init__(self, seed, noise=0.0):
        self.rng = np.random.RandomState(seed)
        self.noise = noise
        self.hold = 0
        self.release = 0

    def __call__(self):
        if self.noise and self.rng.rand() < self.noise:
            return int(self.rng.randint(256))
        if self.hold == 0 and self.release == 0:
            self.hold = int(self.rng.randint(8, 25))
            self.release = int(self.rng.randint(2, 9))
        if self.hold:
            self.hold -= 1
            return 0x80 | 0x02 | 0x01
        self.release -= 1
        return 0x80 | 0x02


# name: (id or None, constructor kwargs for a direct SuperMarioBrosEnv, make kwargs, steps,
#        policy, reset seeds/options: list of (seed, options) used in turn, policy seed)
def scenarios():
    out = {}

    def add(name, env_id, steps, policy, seed, resets=((None, None),), make_kwargs=None,
            direct=None):
        out[name] = dict(id=env_id, steps=steps, policy=policy, seed=seed,
                         resets=[list(r) for r in resets], kwargs=make_kwargs or {},
                         direct=direct)

    for v in range(4):
        add(f"full-v{v}-runjump", f"SuperMarioBros-v{v}", 2500 if v == 0 else 1200, "runjump",
            10 + v)
    add("full-v0-random", "SuperMarioBros-v0", 1500, "random", 1)
    add("full-v0-runjump-long", "SuperMarioBros-v0", 4000, "runjump", 77)
    for world, stage in ((1, 1), (2, 3), (3, 2), (4, 4), (5, 1), (6, 2), (7, 4), (8, 3)):
        add(f"stage-{world}-{stage}-v0-runjump", f"SuperMarioBros-{world}-{stage}-v0", 900,
            "runjump", 100 + world)
    add("stage-1-1-v0-random", "SuperMarioBros-1-1-v0", 800, "random", 2)
    add("stage-1-2-v1-runjump", "SuperMarioBros-1-2-v1", 600, "runjump", 3)
    add("stage-4-1-v2-runjump", "SuperMarioBros-4-1-v2", 600, "runjump", 4)
    add("stage-8-4-v3-runjump", "SuperMarioBros-8-4-v3", 600, "runjump", 5)
    add("random-stages-v0-seeds", "SuperMarioBrosRandomStages-v0", 1500, "runjump", 6,
        resets=((0, None), (None, None), (None, None), (42, None), (None, None)))
    add("random-stages-v0-subset", "SuperMarioBrosRandomStages-v0", 1200, "runjump", 7,
        resets=((3, None), (None, None), (None, {"stages": ["3-4"]}), (None, None)),
        make_kwargs={"stages": ["1-4", "2-4", "6-1"]})
    add("random-stages-v1-random", "SuperMarioBrosRandomStages-v1", 600, "random", 8,
        resets=((5, None),))
    add("lost-levels-v0-runjump", "SuperMarioBros2-v0", 2000, "runjump", 9)
    add("lost-levels-v1-random", "SuperMarioBros2-v1", 800, "random", 11)
    # 7.4.0 registers no Lost Levels stage ids: the env is built directly, as nesenv's
    # SuperMarioBros2-2-1-v0 builds it
    add("lost-levels-2-1-v0-runjump", "SuperMarioBros2-2-1-v0", 800, "runjump", 12,
        direct={"rom_mode": "vanilla", "lost_levels": True, "target": [2, 1]})
    return out


class StepTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise StepTimeout()


def make_upstream(spec):
    import gym
    import gym_super_mario_bros  # noqa: F401  (registers the ids)
    from gym_super_mario_bros import SuperMarioBrosEnv

    if spec["direct"] is not None:
        kw = dict(spec["direct"])
        kw["target"] = tuple(kw["target"])
        return SuperMarioBrosEnv(**kw)
    # nes-py 8.2.1 returns gym's old 4-tuple from step(), which gym 0.26's wrappers reject:
    # use the env gym.make builds, without its wrappers (the ids' max_episode_steps is 9999999)
    return gym.make(spec["id"], disable_env_checker=True, **spec["kwargs"]).unwrapped


def ram_of(env):
    """CPU RAM of an upstream env (RandomStages keeps the stage env it plays in ``env.env``)."""
    return env.ram if hasattr(env, "ram") else env.env.ram


def record(name, spec, out_dir, command):
    env = make_upstream(spec)
    policy = (RandomPolicy if spec["policy"] == "random" else RunJumpPolicy)(spec["seed"])
    versions = {p: metadata.version(p) for p in
                ("gym-super-mario-bros", "nes-py", "gym", "numpy")}
    header = dict(format=1, scenario=name, id=spec["id"], kwargs=spec["kwargs"],
                  direct=spec["direct"], policy=spec["policy"], policy_seed=spec["seed"],
                  upstream=versions, python=sys.version.split()[0], command=command,
                  hash="blake2b-8 of RAM (2048 B) and observation (240x256x3 uint8, C order)")
    lines = [json.dumps(header, sort_keys=True)]
    resets = list(spec["resets"])
    signal.signal(signal.SIGALRM, _alarm)
    steps = 0
    episodes = 0
    done = True
    while steps < spec["steps"]:
        if done:
            seed, options = resets[episodes] if episodes < len(resets) else (None, None)
            obs = env.reset(seed=seed, options=options)
            episodes += 1
            lines.append(json.dumps({"reset": {"seed": seed, "options": options},
                                     "ram": digest(ram_of(env)), "obs": digest(obs)}))
        action = policy()
        signal.alarm(STEP_TIMEOUT_S)
        try:
            obs, reward, done, info = env.step(action)
        except StepTimeout:
            lines.append(json.dumps({"hang": action}))
            print(f"{name}: upstream hung at step {steps}; trace ends there", file=sys.stderr)
            break
        finally:
            signal.alarm(0)
        lines.append(json.dumps([action, float(reward), bool(done), info_values(info),
                                 digest(ram_of(env)), digest(obs)], separators=(",", ":")))
        steps += 1
    return write_trace(out_dir, name, lines, steps, episodes)


def write_trace(out_dir, name, lines, steps, episodes):
    """Write a trace's JSON lines to ``out_dir/name.jsonl.gz`` (gzip without a timestamp, so
    that a recording is byte for byte repeatable); return ``steps``."""
    path = os.path.join(out_dir, f"{name}.jsonl.gz")
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as fh:
        fh.write(("\n".join(lines) + "\n").encode())
    print(f"{name}: {steps} steps, {episodes} episodes -> {os.path.basename(path)}")
    return steps


def record_main(argv, doc, script, traces, scenarios, record):
    """The command line of a recorder: ``--out`` (default: ``traces`` beside ``script``) and
    ``--only NAME...``; records each chosen scenario with ``record(name, spec, out, command)``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(script)),
                                                      traces))
    parser.add_argument("--only", nargs="*", help="scenario names to record (default: all)")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    command = f"python tests/parity/{os.path.basename(script)}" + (
        " --only " + " ".join(args.only) if args.only else "")
    total = 0
    for name, spec in scenarios().items():
        if args.only and name not in args.only:
            continue
        total += record(name, spec, args.out, command)
    print(f"total: {total} steps")


if __name__ == "__main__":
    record_main(None, __doc__, __file__, "traces", scenarios, record)
