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
from tests.vector._support import run_side_by_side, smb_rom

pytestmark = pytest.mark.filterwarnings("ignore:.*out of date:DeprecationWarning")

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
