"""stable-baselines3 on nesenv: SB3's env checker on the single env, the native vector env as an
SB3 VecEnv (same-step reset with terminal_observation, as DummyVecEnv), and PPO learning a few
hundred steps on it."""
import gymnasium as gym
import numpy as np
import pytest

import nesenv  # noqa: F401  (registers the ids)
from nesenv.actions import SIMPLE_MOVEMENT
from nesenv.wrappers import JoypadSpace
from tests.vector._support import smb_rom

sb3 = pytest.importorskip("stable_baselines3", reason="the sb3 extra is part of the test extra")
from stable_baselines3.common.env_checker import check_env  # noqa: E402
from stable_baselines3.common.vec_env import DummyVecEnv  # noqa: E402

import nesenv.sb3  # noqa: E402


def test_sb3_env_checker_passes_on_the_single_env():
    smb_rom()
    check_env(JoypadSpace(gym.make("SuperMarioBros-1-1-v0", obs_type="grayscale", shape=(84, 84)),
                          SIMPLE_MOVEMENT), warn=True)
    check_env(gym.make("SuperMarioBros-1-1-v0"), warn=True)


def test_vec_env_equals_dummy_vec_env_with_same_step_resets():
    smb_rom()
    opts = dict(obs_type="grayscale", shape=(84, 84), frameskip=4)
    venv = nesenv.sb3.make_vec_env("SuperMarioBros-1-1-v0", n_envs=3, seed=0,
                                   actions=SIMPLE_MOVEMENT, **opts)
    ref = DummyVecEnv([lambda: JoypadSpace(gym.make("SuperMarioBros-1-1-v0", **opts), SIMPLE_MOVEMENT)
                       for _ in range(3)])
    ref.seed(0)
    assert venv.observation_space.shape == (84, 84, 1)
    got, want = venv.reset(), ref.reset()
    assert np.array_equal(got, want[..., None] if want.ndim == 3 else want)
    rng = np.random.default_rng(0)
    dones_seen = 0
    for t in range(80):
        a = rng.integers(0, len(SIMPLE_MOVEMENT), size=3)
        a[0] = 3  # right + B: dies at the first Goomba
        o1, r1, d1, i1 = venv.step(a)
        o2, r2, d2, i2 = ref.step(a)
        o2 = o2[..., None] if o2.ndim == 3 else o2
        assert np.array_equal(o1, o2) and np.array_equal(r1, r2) and np.array_equal(d1, d2), t
        for k in range(3):
            assert i1[k]["x_pos"] == i2[k]["x_pos"], t
            if d1[k]:
                dones_seen += 1
                want_term = i2[k]["terminal_observation"]
                want_term = want_term[..., None] if want_term.ndim == 2 else want_term
                assert np.array_equal(i1[k]["terminal_observation"], want_term)
                assert i1[k]["TimeLimit.truncated"] == i2[k]["TimeLimit.truncated"]
    assert dones_seen >= 1
    venv.close()
    ref.close()


def test_ppo_learns_a_few_steps_on_the_native_vector_env():
    smb_rom()
    from stable_baselines3 import PPO

    venv = nesenv.sb3.make_vec_env("SuperMarioBros-1-1-v0", n_envs=4, seed=0, actions=SIMPLE_MOVEMENT,
                                   obs_type="grayscale", shape=(84, 84), frameskip=4)
    model = PPO("CnnPolicy", venv, n_steps=64, batch_size=64, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=256)
    assert model.num_timesteps >= 256
    obs = venv.reset()
    action, _ = model.predict(obs, deterministic=True)
    assert action.shape == (4,) and ((0 <= action) & (action < len(SIMPLE_MOVEMENT))).all()
    venv.close()
