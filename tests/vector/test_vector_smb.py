"""gym.make_vec('SuperMarioBros-...', vectorization_mode='vector_entry_point') equals the same
envs stepped one by one under SyncVectorEnv, whatever the thread count.

Skipped when the Super Mario Bros. ROM is not imported (nesenv.roms finds it by hash).
"""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import nesenv  # noqa: F401  (registers the ids)
from nesenv.actions import SIMPLE_MOVEMENT
from nesenv.vector import SuperMarioBrosVectorEnv, reduce_observation
from nesenv.wrappers import JoypadSpace
from tests.vector._support import assert_results_equal, run_side_by_side, smb_rom

RIGHT, RIGHT_B = 1, 3  # SIMPLE_MOVEMENT indices


@pytest.fixture(autouse=True)
def _need_rom():
    smb_rom()


def _pair(env_id, n, **options):
    vec = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point",
                       actions=SIMPLE_MOVEMENT, **options)
    ref = gym.make_vec(env_id, num_envs=n, vectorization_mode="sync",
                       wrappers=[lambda env: JoypadSpace(env, SIMPLE_MOVEMENT)])
    return vec, ref


def _actions(n, steps, seed=0):
    """Env 0 runs right (dies at the first Goomba, ~100 steps), env 1 walks right (~160),
    the others press random SIMPLE_MOVEMENT buttons."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, len(SIMPLE_MOVEMENT), size=(steps, n))
    a[:, 0] = RIGHT_B
    if n > 1:
        a[:, 1] = RIGHT
    return a


@pytest.mark.parametrize("num_threads", [1, 2, 8])
def test_stage_env_equals_sync(num_threads):
    vec, ref = _pair("SuperMarioBros-1-1-v0", 3, num_threads=num_threads)
    assert isinstance(vec.unwrapped, SuperMarioBrosVectorEnv)
    assert vec.num_threads == num_threads
    ends = run_side_by_side(vec, ref, _actions(3, 240))
    assert ends["terminations"] >= 2  # deaths end stage episodes: autoreset was exercised
    vec.close()


def test_full_game_equals_sync():
    """Three lives: deaths go through the game module's after_step (death animation and lives
    screen skipped, frame drawn again), game over terminates."""
    vec, ref = _pair("SuperMarioBros-v0", 2, num_threads=2)
    ends = run_side_by_side(vec, ref, _actions(2, 330, seed=1))
    assert ends["terminations"] >= 1
    vec.close()


def test_observation_options_and_spec():
    vec, ref = _pair("SuperMarioBros-1-1-v0", 2, grayscale=True, downscale=2)
    assert vec.single_observation_space.shape == (120, 128)
    assert vec.spec.id == "SuperMarioBros-1-1-v0"
    run_side_by_side(vec, ref, _actions(2, 120, seed=2),
                     obs_transform=lambda o: reduce_observation(o, True, 2))


def test_lost_levels_equals_sync():
    from games import LostLevels
    from nesenv import roms

    try:
        roms.find_rom(LostLevels, "vanilla")
    except roms.RomNotFoundError:
        pytest.skip("Lost Levels ROM not imported")
    vec, ref = _pair("SuperMarioBros2-1-1-v0", 2, num_threads=2)
    run_side_by_side(vec, ref, _actions(2, 150, seed=3))


def test_default_mode_is_the_native_vector_env():
    vec = gym.make_vec("SuperMarioBros-1-1-v0", num_envs=2)
    assert isinstance(vec.unwrapped, SuperMarioBrosVectorEnv)
    assert vec.metadata["autoreset_mode"] is gym.vector.AutoresetMode.NEXT_STEP
    obs, info = vec.reset(seed=0)
    assert obs.shape == (2, 240, 256, 3) and obs.dtype == np.uint8
    assert list(info["world"]) == [1, 1] and list(info["stage"]) == [1, 1]
    vec.close()


def test_make_vec_with_wrappers():
    """nesenv.make_vec(id, wrappers=[...]) wraps single envs under SyncVectorEnv (gym.make_vec
    needs vectorization_mode="sync" for that: the ids' default is the native vector env)."""
    wrappers = [lambda env: JoypadSpace(env, SIMPLE_MOVEMENT)]
    with pytest.raises(gym.error.Error):
        gym.make_vec("SuperMarioBros-1-1-v0", num_envs=2, wrappers=wrappers)
    vec = nesenv.make_vec("SuperMarioBros-1-1-v0", num_envs=2, wrappers=wrappers)
    assert isinstance(vec, gym.vector.SyncVectorEnv)
    assert vec.action_space == gym.spaces.MultiDiscrete([len(SIMPLE_MOVEMENT)] * 2)
    _, info = vec.reset(seed=0)
    assert list(info["x_pos"]) == [40, 40]
    obs, _, _, _, info = vec.step(np.array([RIGHT, RIGHT]))
    assert obs.shape == (2, 240, 256, 3) and list(info["world"]) == [1, 1]
    vec.close()


RANDOM_STAGES = ["1-1", "1-2", "5-1", "8-1"]  # running right dies early on each


def _random_stages_pair(n, **options):
    common = dict(num_envs=n, stages=RANDOM_STAGES)
    vec = gym.make_vec("SuperMarioBrosRandomStages-v0", vectorization_mode="vector_entry_point",
                       actions=SIMPLE_MOVEMENT, **common, **options)
    ref = gym.make_vec("SuperMarioBrosRandomStages-v0", vectorization_mode="sync",
                       wrappers=[lambda env: JoypadSpace(env, SIMPLE_MOVEMENT)], **common)
    return vec, ref


def test_random_stages_equals_sync():
    """Each env draws its stage with its own generator (env i seeded with seed + i) at every
    reset and autoreset: the same stages, frames, rewards and infos as N single
    SuperMarioBrosRandomStages envs under SyncVectorEnv."""
    from nesenv.vector import SuperMarioBrosRandomStagesVectorEnv

    vec, ref = _random_stages_pair(3, num_threads=2)
    assert isinstance(vec.unwrapped, SuperMarioBrosRandomStagesVectorEnv)
    targets = set()
    env = vec.unwrapped
    original = env._restart

    def restart(indices):  # record every drawn stage
        original(indices)
        targets.update(env.targets[i] for i in indices)

    env._restart = restart
    ends = run_side_by_side(vec, ref, _actions(3, 400, seed=4))
    assert ends["terminations"] >= 5
    assert len(targets) >= 3  # the envs did not all replay one stage
    vec.close()


def test_random_stages_seeds_options_and_mask():
    vec, ref = _random_stages_pair(2)
    a = np.array([RIGHT, RIGHT])
    for kwargs in (
        {"seed": 5},
        {"seed": [7, None]},  # env 1 draws on with the generator seeded by 5 + 1
        {"options": {"stages": ["2-1", "8-4"]}},
        {"seed": 11, "options": {"reset_mask": np.array([False, True]), "stages": ["3-2"]}},
        {"seed": [3, 9], "options": {"reset_mask": np.array([True, False])}},
    ):
        got, want = vec.reset(**kwargs), ref.reset(**kwargs)
        assert_results_equal(got, want, f"reset {kwargs}")
        assert_results_equal(vec.step(a), ref.step(a), f"step after reset {kwargs}")
    assert vec.unwrapped.targets[1] == (3, 2)
    first = vec.reset(seed=21)[1]
    again = vec.reset(seed=21)[1]
    for key in ("world", "stage"):
        assert list(first[key]) == list(again[key])
    with pytest.raises(ValueError):
        vec.reset(options={"stages": ["9-1"]})
    with pytest.raises(ValueError):
        vec.reset(seed=[1, 2, 3])
    vec.close()


def test_random_stages_default_mode_is_native():
    from nesenv.vector import SuperMarioBrosRandomStagesVectorEnv

    vec = gym.make_vec("SuperMarioBrosRandomStages-v1", num_envs=2, stages=["1-4"])
    assert isinstance(vec.unwrapped, SuperMarioBrosRandomStagesVectorEnv)
    assert vec.unwrapped.stages == ["1-4"] and vec.unwrapped.is_single_stage_env
    _, info = vec.reset(seed=0)
    assert list(info["world"]) == [1, 1] and list(info["stage"]) == [4, 4]
    vec.close()
