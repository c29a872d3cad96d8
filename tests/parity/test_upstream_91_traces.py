"""Replay traces of Super Mario Bros. 2 (USA) and 3 recorded from gym-super-mario-bros 9.1.0 on
nes-py 9.0.1 (``record_upstream_91.py``, see README.md here).

Each trace holds the action bytes of an upstream run and, after every reset and step, upstream's
reward, terminated, truncated, whole info dict and the BLAKE2b-8 hashes of its CPU RAM and
observation. nesenv replays the actions on the same id.

``python -m tests.parity.test_upstream_91_traces`` prints a per-scenario summary.
"""
import functools
import glob
import os
from typing import Any, Dict

import pytest

from tests.parity.test_upstream_traces import digest, load

TRACE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "traces_91")
TRACES = sorted(glob.glob(os.path.join(TRACE_DIR, "*.jsonl.gz")))


def _name(path):
    return os.path.basename(path).split(".")[0]


def _game(env_id: str):
    from games import SuperMarioBros2USA, SuperMarioBros3

    return SuperMarioBros2USA if env_id.startswith("SuperMarioBros2USA") else SuperMarioBros3


def _rom_check(header):
    """Skip (naming the import command) when the trace's ROM is not imported."""
    from tests.env.conftest import rom_or_skip

    rom_or_skip(_game(header["id"]), "vanilla")


def replay(path, **make_kwargs) -> Dict[str, Any]:
    """Replay one trace on nesenv's env of the same id (``gym.make``, wrappers included).

    Returns:
        ``{"steps", "resets", "match": {field: n}, "first": {field: (step, upstream, ours)}}``
        for the fields reward, terminated, truncated, info, ram, obs (steps) and reset_info,
        reset_ram, reset_obs (resets). For info the first mismatch names the keys that differ.
    """
    import gymnasium as gym

    import nesenv  # noqa: F401  (registers the ids)

    header, events = load(path)
    keys = header["info_keys"]
    env = gym.make(header["id"], **make_kwargs)
    fields = ("reward", "terminated", "truncated", "info", "ram", "obs", "reset_info",
              "reset_ram", "reset_obs")
    match = {f: 0 for f in fields}
    first: Dict[str, Any] = {}
    steps = resets = 0

    def check(field, ok, upstream, ours):
        if ok:
            match[field] += 1
        elif field not in first:
            first[field] = (steps, upstream, ours)

    def check_info(field, info, upstream):
        ours = [info.get(k) for k in keys]
        differ = {k: (u, o) for k, u, o in zip(keys, upstream, ours) if u != o}
        check(field, not differ and list(info) == keys, upstream, differ or list(info))

    try:
        for event in events:
            if isinstance(event, dict):
                r = event["reset"]
                obs, info = env.reset(seed=r["seed"], options=r["options"])
                check_info("reset_info", info, event["info"])
                ram = digest(env.unwrapped.ram)
                check("reset_ram", ram == event["ram"], event["ram"], ram)
                check("reset_obs", digest(obs) == event["obs"], event["obs"], digest(obs))
                resets += 1
                continue
            action, reward, terminated, truncated, info, ram_hash, obs_hash = event
            obs, our_reward, our_term, our_trunc, our_info = env.step(action)
            check("reward", our_reward == reward, reward, our_reward)
            check("terminated", our_term == terminated, terminated, our_term)
            check("truncated", our_trunc == truncated, truncated, our_trunc)
            check_info("info", our_info, info)
            ram = digest(env.unwrapped.ram)
            check("ram", ram == ram_hash, ram_hash, ram)
            check("obs", digest(obs) == obs_hash, obs_hash, digest(obs))
            steps += 1
            if (terminated or truncated) != (our_term or our_trunc):
                break  # the episodes parted: the rest cannot be compared
    finally:
        env.close()
    return {"steps": steps, "resets": resets, "match": match, "first": first}


_result = functools.lru_cache(maxsize=None)(replay)  # one replay a trace, shared by the tests


def _game_of(path) -> str:
    return "smb2_usa" if _name(path).startswith("smb2usa") else "smb3"


def test_traces_91_are_there():
    """The committed traces: several thousand steps per game, full-game and stage ids, deaths,
    cleared SMB3 levels and repeated resets, recorded from gym-super-mario-bros 9.1.0."""
    steps = {"smb2_usa": 0, "smb3": 0}
    ends = {"smb2_usa": 0, "smb3": 0}
    ids, flags = set(), 0
    for path in TRACES:
        header, events = load(path)
        assert header["upstream"]["gym-super-mario-bros"] == "9.1.0"
        assert header["upstream"]["nes-py"] == "9.0.1"
        game = _game_of(path)
        rows = [e for e in events if isinstance(e, list)]
        steps[game] += len(rows)
        ends[game] += sum(bool(e[2]) for e in rows)
        if "flag_get" in header["info_keys"]:
            k = header["info_keys"].index("flag_get")
            flags += sum(bool(e[4][k]) for e in rows)
        ids.add(header["id"])
    assert steps["smb2_usa"] >= 15_000 and steps["smb3"] >= 13_000
    assert ends["smb2_usa"] >= 3 and ends["smb3"] >= 5 and flags >= 2
    assert {"SuperMarioBros2USA-v0", "SuperMarioBros3-v0", "SuperMarioBros2USA-7-2-v0"} <= ids
    assert {f"SuperMarioBros3-1-{s}-v0" for s in (1, 2, 4, 6)} <= ids


@pytest.mark.parametrize("path", TRACES, ids=_name)
def test_replay_matches_upstream_91(path):
    """Reward, terminated, truncated, the whole info dict (keys in upstream's order), the RAM
    and the observation equal upstream's at every step and reset: SMB2 USA and SMB3 run on
    nes-py 9.0.1's emulator (``Game.nes_py_core = "9.0.1"``, ``NES.timing = "nes-py-9"``)."""
    header, events = load(path)
    _rom_check(header)
    result = _result(path)
    assert not result["first"], (
        f"{_name(path)}: first mismatch per field (step, upstream, ours): {result['first']}")
    assert result["steps"] == sum(isinstance(e, list) for e in events)
    assert result["resets"] == sum(isinstance(e, dict) for e in events)


@pytest.mark.parametrize("env_id", ["SuperMarioBros2USA-v0", "SuperMarioBros3-1-1-v0"])
def test_91_ids_run_on_nes_py_9(env_id):
    """The 9.1.0 ids run the console on nes-py 9.0.1's emulator by default; with
    ``frame_timing="vblank"`` on the accurate core."""
    import gymnasium as gym

    import nesenv  # noqa: F401

    _rom_check({"id": env_id})
    for kwargs, timing in (({}, "nes-py-9"), ({"frame_timing": "vblank"}, "accurate")):
        env = gym.make(env_id, **kwargs)
        try:
            assert env.unwrapped.nes.timing == timing
        finally:
            env.close()


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="replay the 9.1.0 traces, print matches")
    parser.add_argument("--frame-timing", default=None)
    args = parser.parse_args()
    kwargs = {} if args.frame_timing is None else {"frame_timing": args.frame_timing}
    total: Dict[str, int] = {}
    steps_total = resets_total = 0
    for path in TRACES:
        r = replay(path, **kwargs)
        steps_total += r["steps"]
        resets_total += r["resets"]
        for k, v in r["match"].items():
            total[k] = total.get(k, 0) + v
        m = r["match"]
        print(f"{_name(path):28s} steps {r['steps']:5d} resets {r['resets']:2d}  "
              + " ".join(f"{k}={m[k]}" for k in m)
              + (f"  first: {sorted((k, v[0]) for k, v in r['first'].items())}"
                 if r["first"] else ""))
    print(f"total steps {steps_total} resets {resets_total}: "
          + " ".join(f"{k}={v}" for k, v in total.items()))


if __name__ == "__main__":
    main()
