"""Replay traces recorded from gym-super-mario-bros 7.4.0 on nes-py 8.2.1 (see README.md here).

Each trace holds the action bytes of an upstream run and, after every reset and step, upstream's
reward, done, info and the BLAKE2b-8 hashes of its CPU RAM and observation. nesenv replays the
actions on the same id and must give the same values at every step: the SMB ids run the console
on nes-py's timing (``nes_core.NES.timing = "nes-py"``), so RAM and pictures are equal too.

``python -m tests.parity.test_upstream_traces`` prints a per-scenario summary.
"""
import functools
import glob
import gzip
import hashlib
import json
import os
from typing import Any, Dict

import numpy as np
import pytest

TRACE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "traces")
TRACES = sorted(glob.glob(os.path.join(TRACE_DIR, "*.jsonl.gz")))
INFO_KEYS = ("coins", "flag_get", "life", "score", "stage", "status", "time", "world", "x_pos",
             "y_pos")


def digest(array) -> str:
    """BLAKE2b-8 hex digest of an array's bytes in C order (as the recorder hashes)."""
    return hashlib.blake2b(np.ascontiguousarray(array).tobytes(), digest_size=8).hexdigest()


def load(path):
    """Return ``(header, events)`` of a trace file."""
    with gzip.open(path, "rt") as fh:
        lines = [json.loads(line) for line in fh]
    return lines[0], lines[1:]


def make_env(header):
    """The nesenv env of a trace, made as a user would (``gym.make``, wrappers included)."""
    import gymnasium as gym

    import nesenv  # noqa: F401  (registers the ids)

    return gym.make(header["id"], **header["kwargs"])


def _rom_check(header):
    """Skip (naming the import command) when the trace's ROM is not imported."""
    from games import LostLevels, SuperMarioBros

    from tests.env.conftest import rom_or_skip

    version = int(header["id"].rsplit("-v", 1)[1])
    game = LostLevels if header["id"].startswith("SuperMarioBros2") else SuperMarioBros
    rom_or_skip(game, ("vanilla", "downsample", "pixel", "rectangle")[version])


def replay(path) -> Dict[str, Any]:
    """Replay one trace on nesenv; return counts and the first mismatches per field.

    Returns:
        ``{"steps", "resets", "match": {field: n}, "first": {field: (step, upstream, ours)}}``
        for the fields reward, done, info, ram, obs (steps) and reset_ram, reset_obs.
    """
    header, events = load(path)
    env = make_env(header)
    fields = ("reward", "done", "info", "ram", "obs", "reset_ram", "reset_obs")
    match = {f: 0 for f in fields}
    first: Dict[str, Any] = {}
    steps = resets = 0

    def check(field, ok, upstream, ours):
        if ok:
            match[field] += 1
        elif field not in first:
            first[field] = (steps, upstream, ours)

    try:
        for event in events:
            if isinstance(event, dict) and "reset" in event:
                r = event["reset"]
                obs, _ = env.reset(seed=r["seed"], options=r["options"])
                ram = digest(env.unwrapped.ram)
                check("reset_ram", ram == event["ram"], event["ram"], ram)
                check("reset_obs", digest(obs) == event["obs"], event["obs"], digest(obs))
                resets += 1
                continue
            if isinstance(event, dict):  # {"hang": action}: upstream hung there
                break
            action, reward, done, info, ram_hash, obs_hash = event
            obs, our_reward, terminated, truncated, our_info = env.step(action)
            ours = [our_info[k] for k in INFO_KEYS]
            check("reward", our_reward == reward, reward, our_reward)
            check("done", (terminated or truncated) == done, done, (terminated, truncated))
            check("info", ours == info, info, ours)
            ram = digest(env.unwrapped.ram)
            check("ram", ram == ram_hash, ram_hash, ram)
            check("obs", digest(obs) == obs_hash, obs_hash, digest(obs))
            steps += 1
            if done and (terminated or truncated) != done:
                break  # the episodes parted: the rest cannot be compared
    finally:
        env.close()
    return {"steps": steps, "resets": resets, "match": match, "first": first}


_result = functools.lru_cache(maxsize=None)(replay)  # one replay a trace, shared by the tests


def _name(path):
    return os.path.basename(path).split(".")[0]


def test_traces_are_there():
    """The committed traces cover at least 20,000 steps of every kind the issue lists."""
    assert len(TRACES) >= 20
    total = 0
    ids = set()
    for path in TRACES:
        header, events = load(path)
        assert header["upstream"]["gym-super-mario-bros"] == "7.4.0"
        assert header["upstream"]["nes-py"] == "8.2.1"
        total += sum(isinstance(e, list) for e in events)
        ids.add(header["id"])
    assert total >= 20_000
    for v in range(4):
        assert f"SuperMarioBros-v{v}" in ids
    assert {"SuperMarioBrosRandomStages-v0", "SuperMarioBros2-v0"} <= ids
    assert {f"SuperMarioBros-{w}-{s}-v0" for w, s in
            ((1, 1), (2, 3), (3, 2), (4, 4), (5, 1), (6, 2), (7, 4), (8, 3))} <= ids


@pytest.mark.parametrize("path", TRACES, ids=_name)
def test_replay_matches_upstream(path):
    """Reward, done and info equal upstream's at every step, and RAM at every reset."""
    header, _ = load(path)
    _rom_check(header)
    result = _result(path)
    failed = {f: result["first"][f] for f in ("reward", "done", "info", "reset_ram")
              if f in result["first"]}
    assert not failed, (
        f"{_name(path)}: first mismatch per field (step, upstream, nesenv): {failed}; "
        f"matching steps: {result['match']} of {result['steps']}"
    )
    assert result["steps"] > 0 and result["resets"] > 0


@pytest.mark.parametrize("path", TRACES, ids=_name)
def test_ram_matches_upstream_on_every_step(path):
    """The RAM hash equals upstream's at every step (the SMB envs run on nes-py's timing)."""
    header, _ = load(path)
    _rom_check(header)
    result = _result(path)
    assert "ram" not in result["first"], f"{_name(path)}: first mismatch {result['first']['ram']}"
    assert result["match"]["ram"] == result["steps"] > 0


@pytest.mark.parametrize("path", TRACES, ids=_name)
def test_observations_match_upstream(path):
    """The observation hash equals upstream's at every step and reset."""
    header, _ = load(path)
    _rom_check(header)
    result = _result(path)
    failed = {f: result["first"][f] for f in ("obs", "reset_obs") if f in result["first"]}
    assert not failed, f"{_name(path)}: first mismatch (step, upstream, nesenv): {failed}"
    assert result["match"]["obs"] == result["steps"] > 0


def main() -> None:
    total: Dict[str, int] = {}
    steps_total = 0
    for path in TRACES:
        r = replay(path)
        steps_total += r["steps"]
        for k, v in r["match"].items():
            total[k] = total.get(k, 0) + v
        m = r["match"]
        print(f"{_name(path):32s} steps {r['steps']:5d} resets {r['resets']:3d}  "
              + " ".join(f"{k}={m[k]}" for k in ("reward", "done", "info", "ram", "obs"))
              + (f"  first: {sorted((k, v[0]) for k, v in r['first'].items())}"
                 if r["first"] else ""))
    print(f"total steps {steps_total}: " + " ".join(f"{k}={v}" for k, v in total.items()))


if __name__ == "__main__":
    main()
