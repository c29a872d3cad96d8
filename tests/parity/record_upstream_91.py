"""Record reference traces of Super Mario Bros. 2 (USA) and 3 from gym-super-mario-bros 9.1.0.

gym-super-mario-bros 9.1.0 (nes-py 9.0.1, Gymnasium, Python >= 3.13) adds environments for these
two games. Run this script with the Python of a separate virtualenv that has it installed (see
README.md in this folder); it never imports nesenv. It writes one gzip'd JSON-lines file per
scenario into ``traces_91/`` (or ``--out``):

* line 1, the header: ``{"format": 2, "scenario", "id", "policy", "policy_seed", "upstream":
  {package: version}, "python", "command", "hash", "info_keys"}``;
* a reset line: ``{"reset": {"seed", "options"}, "ram", "obs", "info"}`` (``info`` the values
  in ``info_keys`` order);
* a step line: ``[action, reward, terminated, truncated, info_values, ram_hash, obs_hash]``.

Hashes as in ``record_upstream.py`` (BLAKE2b-8 of CPU RAM and of the 240x256x3 observation).
Upstream is made with ``gymnasium.make(id)``, wrappers included, as a user makes it.

Usage: ``python record_upstream_91.py [--out DIR] [--only NAME ...]``.
"""
import json
import sys
from importlib import metadata

import numpy as np

from record_upstream import RandomPolicy, RunJumpPolicy, digest, record_main, write_trace


def plain(value):
    """An info value as a JSON type (NumPy scalars to Python, dicts kept in key order)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return value


class NoStartPolicy(RandomPolicy):
    """Uniform random controller bytes with Start and Select masked out (no pause menu)."""

    def __call__(self):
        return super().__call__() & ~0x0C


def scenarios():
    """``{name: {"id", "steps", "policy", "seed", "resets"}}`` of every recorded scenario."""
    out = {}

    def add(name, env_id, steps, policy, seed, resets=((None, None),), noise=0.0):
        out[name] = dict(id=env_id, steps=steps, policy=policy, seed=seed, noise=noise,
                         resets=[list(r) for r in resets])

    add("smb2usa-full-runjump", "SuperMarioBros2USA-v0", 3000, "runjump", 21, noise=0.05)
    add("smb2usa-full-random", "SuperMarioBros2USA-v0", 2000, "random", 22,
        resets=((0, None), (None, None), (7, None)))
    add("smb2usa-full-random-nostart", "SuperMarioBros2USA-v0", 2000, "random-nostart", 23)
    for world, stage in ((1, 1), (1, 3), (3, 2), (5, 2), (7, 2)):
        add(f"smb2usa-{world}-{stage}-runjump", f"SuperMarioBros2USA-{world}-{stage}-v0", 800,
            "runjump", 200 + 10 * world + stage, noise=0.05)
    # stage episodes end at the first death: many resets, deaths and (SMB3) cleared levels
    add("smb2usa-7-2-runjump-long", "SuperMarioBros2USA-7-2-v0", 3000, "runjump", 41,
        resets=((1, None), (None, None), (5, None)), noise=0.1)
    add("smb2usa-4-1-runjump", "SuperMarioBros2USA-4-1-v0", 1500, "runjump", 42, noise=0.1)
    add("smb3-full-runjump", "SuperMarioBros3-v0", 3000, "runjump", 31, noise=0.05)
    add("smb3-full-random", "SuperMarioBros3-v0", 1000, "random", 32,
        resets=((0, None), (None, None), (7, None)))
    add("smb3-full-random-nostart", "SuperMarioBros3-v0", 2000, "random-nostart", 33)
    for stage in (1, 2, 4, 6):
        add(f"smb3-1-{stage}-runjump", f"SuperMarioBros3-1-{stage}-v0", 1200, "runjump",
            300 + stage, noise=0.05)
    add("smb3-1-4-runjump-long", "SuperMarioBros3-1-4-v0", 3000, "runjump", 43,
        resets=((1, None), (None, None), (5, None)), noise=0.1)
    return out


def record(name, spec, out_dir, command):
    import gymnasium as gym
    import gym_super_mario_bros  # noqa: F401  (registers the ids)

    env = gym.make(spec["id"])
    if spec["policy"] == "random":
        policy = RandomPolicy(spec["seed"])
    elif spec["policy"] == "random-nostart":
        policy = NoStartPolicy(spec["seed"])
    else:
        policy = RunJumpPolicy(spec["seed"], noise=spec["noise"])
    versions = {p: metadata.version(p) for p in
                ("gym-super-mario-bros", "nes-py", "gymnasium", "numpy")}
    resets = list(spec["resets"])
    lines = []
    keys = None
    steps = episodes = 0
    done = True
    while steps < spec["steps"]:
        if done:
            seed, options = resets[episodes] if episodes < len(resets) else (None, None)
            obs, info = env.reset(seed=seed, options=options)
            if keys is None:
                keys = list(info)
            episodes += 1
            lines.append(json.dumps({"reset": {"seed": seed, "options": options},
                                     "ram": digest(env.unwrapped.ram), "obs": digest(obs),
                                     "info": [plain(info[k]) for k in keys]},
                                    separators=(",", ":")))
        action = policy()
        obs, reward, terminated, truncated, info = env.step(action)
        if list(info) != keys:
            raise RuntimeError(f"{name}: info keys changed at step {steps}: {list(info)}")
        lines.append(json.dumps([action, float(reward), bool(terminated), bool(truncated),
                                 [plain(info[k]) for k in keys], digest(env.unwrapped.ram),
                                 digest(obs)], separators=(",", ":")))
        done = terminated or truncated
        steps += 1
    env.close()
    header = dict(format=2, scenario=name, id=spec["id"], policy=spec["policy"],
                  policy_seed=spec["seed"], policy_noise=spec["noise"], upstream=versions,
                  python=sys.version.split()[0], command=command, info_keys=keys,
                  hash="blake2b-8 of RAM (2048 B) and observation (240x256x3 uint8, C order)")
    return write_trace(out_dir, name, [json.dumps(header, sort_keys=True)] + lines, steps, episodes)


if __name__ == "__main__":
    record_main(None, __doc__, __file__, "traces_91", scenarios, record)
