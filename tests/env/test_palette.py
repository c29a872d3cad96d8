"""``palette=`` through the envs: gym.make, nesenv.make, the generic id, RandomStages and the
native vector env (gym.make_vec). The default is nes-py's palette, so observations equal
upstream's for the same palette indices; the core's palette tests are tests/unit/test_palette.py.
"""
import gymnasium as gym
import numpy as np
import pytest

import nesenv
from nes_core import load_palette
from nesenv.vector import reduce_observation
from tests.unit.test_palette import NESPY_RGB, custom

ID = "SuperMarioBros-1-1-v0"
SKY = 0x22  # the sky of 1-1: nes-py shows (104, 136, 252)


def _indices(env):
    return env.unwrapped.nes.framebuffer  # SMB sets no emphasis bits: rows 0-63


def test_default_is_nes_py(smb_rom):
    env = gym.make(ID)
    obs, _ = env.reset(seed=0)
    assert np.array_equal(obs, NESPY_RGB[_indices(env)])
    for _ in range(30):
        obs, *_ = env.step(0x80)
    idx = _indices(env)
    assert np.array_equal(obs, NESPY_RGB[idx])
    assert idx[20, 20] == SKY and tuple(obs[20, 20]) == (104, 136, 252)
    assert len(np.unique(idx)) >= 8  # a real picture, not a blank screen
    env.close()


@pytest.mark.parametrize("make", [gym.make, nesenv.make])
def test_ntsc_and_arrays_through_make(smb_rom, make):
    ntsc = load_palette("ntsc")
    pal = custom(64, seed=5)
    for arg, table in (("ntsc", ntsc), (pal, pal)):
        env = make(ID, palette=arg, render_mode="rgb_array")
        assert np.array_equal(env.unwrapped.nes.palette, table)
        obs, _ = env.reset(seed=0)
        assert np.array_equal(obs, table[_indices(env)])
        obs, *_ = env.step(0x80)
        assert np.array_equal(obs, table[_indices(env)])
        assert np.array_equal(env.render(), obs)
        env.close()


def test_start_picture_follows_each_envs_palette(smb_rom):
    """The start state is shared by the envs of a process; its first observation is drawn in
    each env's own palette."""
    a, b = gym.make(ID, palette="ntsc"), gym.make(ID)
    obs_a, _ = a.reset(seed=0)
    obs_b, _ = b.reset(seed=0)
    assert np.array_equal(_indices(a), _indices(b))
    assert np.array_equal(obs_a, load_palette("ntsc")[_indices(a)])
    assert np.array_equal(obs_b, NESPY_RGB[_indices(b)])
    assert not np.array_equal(obs_a, obs_b)
    a.close()
    b.close()


def test_random_stages_and_generic_id(smb_rom, tmp_path):
    path = tmp_path / "p.pal"
    pal = custom(512, seed=9)
    path.write_bytes(pal.tobytes())
    env = gym.make("SuperMarioBrosRandomStages-v0", stages=["1-2"], palette=str(path))
    obs, _ = env.reset(seed=1)
    assert np.array_equal(obs, pal[_indices(env)])
    env.close()
    env = gym.make("nesenv/NES-v0", rom_path=str(smb_rom), palette="ntsc")
    env.reset(seed=0)
    for _ in range(40):
        obs, *_ = env.step(0)
    assert np.array_equal(obs, load_palette("ntsc")[_indices(env)])
    env.close()


def test_bad_palette_through_make(smb_rom, tmp_path):
    path = tmp_path / "short.pal"
    path.write_bytes(bytes(100))
    with pytest.raises(ValueError, match="has 100 bytes; expected 192 \\(64 colours\\) or 1536"):
        gym.make(ID, palette=path)
    with pytest.raises(ValueError, match="unknown palette"):
        gym.make_vec(ID, num_envs=2, palette="nespy")


@pytest.mark.parametrize("grayscale", [False, True])
def test_native_vector_env_palette(smb_rom, grayscale):
    n = 2
    vec = gym.make_vec(ID, num_envs=n, palette="ntsc", grayscale=grayscale)
    single = gym.make(ID, palette="ntsc")
    obs, _ = vec.reset(seed=0)
    want, _ = single.reset(seed=0)
    actions = [0x80, 0x81, 0x80, 0x00] * 5
    for a in actions:
        obs, *_ = vec.step(np.full(n, a))
        want, *_ = single.step(a)
    for i in range(n):
        assert np.array_equal(obs[i], reduce_observation(want, grayscale))
    if grayscale:  # the luma of the "ntsc" sky, not of nes-py's
        r, g, b = load_palette("ntsc")[SKY].astype(int)
        assert obs[0, 20, 20] == (77 * r + 150 * g + 29 * b + 128) >> 8
    vec.close()
    single.close()
