"""pickle, cloudpickle and copy.deepcopy of the envs: a copy made mid-episode continues exactly
as the original (observation, reward, terminated/truncated, info, RAM) for 200 steps."""
import copy
import pickle

import gymnasium as gym
import numpy as np
import pytest

import nesenv
from nesenv.env import NESEnv
from nesenv.wrappers import JoypadSpace
from test_generic_env import tiny_nrom  # tests/env is on sys.path (rootdir conftest)

cloudpickle = pytest.importorskip("cloudpickle")

COPIES = {
    "pickle": lambda env: pickle.loads(pickle.dumps(env)),
    "cloudpickle": lambda env: cloudpickle.loads(cloudpickle.dumps(env)),
    "deepcopy": copy.deepcopy,
}


def _continue_together(env, twin, n_actions, steps=200, seed=1):
    actions = np.random.default_rng(seed).integers(0, n_actions, steps)
    for t, action in enumerate(actions):
        a = env.step(action)
        b = twin.step(action)
        assert np.array_equal(a[0], b[0]), f"observation differs at step {t}"
        assert a[1:] == b[1:], f"step {t}: {a[1:]} != {b[1:]}"
        assert np.array_equal(env.unwrapped.ram, twin.unwrapped.ram), f"RAM differs at step {t}"
        if a[2] or a[3]:
            obs_a, info_a = env.reset()
            obs_b, info_b = twin.reset()
            assert np.array_equal(obs_a, obs_b) and info_a == info_b


def _mid_episode(env, n_actions, steps=150):
    env.reset(seed=3)
    for action in np.random.default_rng(0).integers(0, n_actions, steps):
        _, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            env.reset()
    return env


@pytest.mark.parametrize("how", sorted(COPIES))
@pytest.mark.parametrize("kind", ["stage", "full-game", "random-stages-joypad"])
def test_smb_env_copy_continues_identically(smb_rom, kind, how):
    if kind == "stage":
        make, n = (lambda: gym.make("SuperMarioBros-1-1-v0")), 256
    elif kind == "full-game":
        make, n = (lambda: gym.make("SuperMarioBros-v0")), 256
    else:
        make, n = (lambda: JoypadSpace(
            gym.make("SuperMarioBrosRandomStages-v0", stages=["1-4", "2-1", "4-2"]),
            nesenv.SIMPLE_MOVEMENT)), 7
    env = _mid_episode(make(), n)
    twin = COPIES[how](env)
    assert twin.unwrapped is not env.unwrapped and twin.unwrapped.nes is not env.unwrapped.nes
    assert twin.spec == env.spec
    _continue_together(env, twin, n)


def test_env_copy_keeps_its_palette(smb_rom):
    env = _mid_episode(gym.make("SuperMarioBros-1-1-v0", palette="ntsc"), 256, steps=40)
    twin = pickle.loads(pickle.dumps(env))
    assert np.array_equal(twin.unwrapped.nes.palette, env.unwrapped.nes.palette)
    _continue_together(env, twin, 256, steps=30)


@pytest.mark.parametrize("how", sorted(COPIES))
def test_generic_env_copy_continues_identically(tmp_path, how):
    env = _mid_episode(NESEnv(tiny_nrom(tmp_path / "tiny.nes")), 256, steps=30)
    _continue_together(env, COPIES[how](env), 256, steps=50)


def test_human_env_pickles_without_its_window(tmp_path):
    pytest.importorskip("pygame")  # conftest selects SDL's dummy video driver
    env = NESEnv(tiny_nrom(tmp_path / "tiny.nes"), render_mode="human", mute=True)
    env.reset()
    env.step(0)
    assert env._viewer is not None
    twin = pickle.loads(pickle.dumps(env))
    assert twin._viewer is None and twin.render_mode == "human"
    twin.step(0)  # reopens a window
    assert twin._viewer is not None
    env.close()
    twin.close()
