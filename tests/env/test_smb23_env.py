"""The Super Mario Bros. 2 (USA) and 3 envs: ids, targets, start states, info and save states.

Step-by-step parity with gym-super-mario-bros 9.1.0 is in tests/parity/test_upstream_91_traces.py.
"""
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import nesenv  # noqa: F401  (registers the ids)
from games import REGISTRY, SuperMarioBros2USA, SuperMarioBros3
from nesenv import roms
from nesenv.registration import env_ids
from tests.env.conftest import rom_or_skip

SMB2_IDS = ["SuperMarioBros2USA-v0"] + [
    f"SuperMarioBros2USA-{w}-{s}-v0" for w, n in enumerate((3, 3, 3, 3, 3, 3, 2), 1)
    for s in range(1, n + 1)]
SMB3_IDS = ["SuperMarioBros3-v0"] + [f"SuperMarioBros3-1-{s}-v0" for s in (1, 2, 4, 6)]


def test_ids_are_those_of_gym_super_mario_bros_9_1_0():
    ids = env_ids()
    assert set(SMB2_IDS) <= set(ids) and set(SMB3_IDS) <= set(ids)
    assert len([i for i in ids if i.startswith("SuperMarioBros2USA")]) == 21
    assert len([i for i in ids if i.startswith("SuperMarioBros3-") and
                ids[i]["entry_point"].endswith("SuperMarioBros3Env")]) == 5
    assert ids["SuperMarioBros2USA-7-2-v0"]["kwargs"] == {"target": (7, 2)}
    assert gym.spec("SuperMarioBros3-1-6-v0").vector_entry_point == \
        "nesenv.mario:SuperMarioBros3VectorEnv"


def test_roms_are_known_by_hash_with_their_import_command():
    for game, sha1 in ((SuperMarioBros2USA, "43ac7c7aaf1846ead7b544302bb9131e4964fd32"),
                       (SuperMarioBros3, "a611b90b4833b20a364bf06ee3be3b9093ea4df9")):
        assert REGISTRY[sha1][0] is game
        assert roms.import_command(REGISTRY[sha1][1]) == (
            "pip download --no-deps --only-binary :all: --python-version 3.13 "
            "gym-super-mario-bros==9.1.0 -d DIR && nesenv import-roms DIR")
    assert roms.import_commands()[0] == roms.IMPORT_COMMAND


@pytest.mark.parametrize("game, target, error", [
    (SuperMarioBros2USA, (7, 3), ValueError), (SuperMarioBros2USA, (8, 1), ValueError),
    (SuperMarioBros2USA, [1, 1], TypeError), (SuperMarioBros2USA, (1, True), TypeError),
    (SuperMarioBros3, (1, 3), ValueError), (SuperMarioBros3, (2, 1), ValueError),
    (SuperMarioBros3, (1, 1.0), TypeError),
])
def test_bad_targets_raise(game, target, error):
    with pytest.raises(error):
        game(target)


@pytest.mark.parametrize("env_id, game, info", [
    ("SuperMarioBros2USA-v0", SuperMarioBros2USA,
     {"world": 1, "stage": 1, "lives": 3, "life": 2, "health": 2, "character": "mario",
      "x_pos": 120, "y_pos": 448, "task_id": "SuperMarioBros2USA-v0", "target_world": None}),
    ("SuperMarioBros2USA-3-2-v0", SuperMarioBros2USA,
     {"world": 3, "stage": 2, "level": 7, "x_pos": 111, "y_pos": 80, "single_stage": True}),
    ("SuperMarioBros3-v0", SuperMarioBros3,
     {"world": 1, "stage": 1, "life": 4, "time": 297, "x_pos": 24, "y_pos": 384,
      "in_level": True, "status": "small", "game": "smb3"}),
    ("SuperMarioBros3-1-2-v0", SuperMarioBros3,
     {"stage": 2, "x_pos": 24, "y_pos": 368, "target_stage": 2,
      "task_id": "SuperMarioBros3-1-2-v0"}),
])
def test_start_state_info(env_id, game, info):
    """The values gym-super-mario-bros 9.1.0 reports at reset (measured upstream)."""
    rom_or_skip(game)
    env = gym.make(env_id)
    _, got = env.reset(seed=0)
    assert {k: got[k] for k in info} == info
    assert got["reward_components"] and all(v == 0.0 for v in got["reward_components"].values())
    env.close()


@pytest.mark.parametrize("env_id, game", [("SuperMarioBros2USA-1-1-v0", SuperMarioBros2USA),
                                          ("SuperMarioBros3-1-1-v0", SuperMarioBros3)])
def test_check_env_and_save_state_continuation(env_id, game):
    rom_or_skip(game)
    check_env(gym.make(env_id).unwrapped, skip_render_check=True)
    env = gym.make(env_id)
    env.reset(seed=0)
    for _ in range(60):
        env.step(0x83)
    blob = env.unwrapped.save_state()
    first = [env.step(a)[1:] for a in (0x83, 0x81, 0x80) * 20]
    env.unwrapped.load_state(blob)
    again = [env.step(a)[1:] for a in (0x83, 0x81, 0x80) * 20]
    assert first == again
    env.close()
