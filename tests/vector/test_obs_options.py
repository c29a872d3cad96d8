"""Observation options (obs_type, shape) in the single env and the native vector env: one C
path (nes_core.ObsFormat), so the vector env equals single envs under SyncVectorEnv."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import nesenv  # noqa: F401  (registers the ids)
from nes_core import ObsFormat
from nesenv.actions import SIMPLE_MOVEMENT
from nesenv.env import NESEnv, observation_format
from nesenv.wrappers import JoypadSpace
from tests.vector._support import run_side_by_side, smb_rom


@pytest.mark.parametrize("obs_type,shape,space", [
    ("rgb", None, (240, 256, 3)), ("grayscale", (84, 84), (84, 84)), ("rgb", (120, 128), (120, 128, 3)),
    ("ram", None, (2048,)), ("tiles", None, (30, 32, 4))])
def test_observation_format_gives_the_space(obs_type, shape, space):
    fmt, box = observation_format(obs_type, shape)
    assert box.shape == space and box.dtype == np.uint8
    assert (fmt is None) == (obs_type == "ram")


def test_observation_format_refuses_bad_options():
    with pytest.raises(ValueError, match="obs_type"):
        observation_format("pixels")
    with pytest.raises(ValueError, match="tiles"):
        observation_format("tiles", (30, 32))
    with pytest.raises(ValueError, match="ram"):
        observation_format("ram", (84, 84))
    with pytest.raises(ValueError, match="1-240 x 1-256"):
        observation_format("grayscale", (300, 84))


@pytest.mark.parametrize("obs_type,shape", [("grayscale", (84, 84)), ("rgb", (60, 64)), ("ram", None),
                                            ("tiles", None)])
def test_single_env_observations(obs_type, shape):
    rom = smb_rom()
    env = NESEnv(rom, obs_type=obs_type, shape=shape)
    check_env(env, skip_render_check=True)
    obs, _ = env.reset(seed=0)
    for _ in range(30):
        obs, *_ = env.step(0x80)
    assert env.observation_space.contains(obs)
    if obs_type == "ram":
        assert np.array_equal(obs, env.unwrapped.nes.ram)
    else:
        assert np.array_equal(obs, env.unwrapped.nes.observe(ObsFormat(obs_type, shape)))
    assert env.unwrapped.nes.screen.shape == (240, 256, 3)  # rendering stays full RGB


@pytest.mark.parametrize("options", [
    {"obs_type": "grayscale", "shape": (84, 84)},
    {"obs_type": "rgb", "shape": (100, 100)},
    {"obs_type": "ram"},
    {"obs_type": "tiles"},
    {"grayscale": True, "downscale": 2},
])
def test_vector_env_equals_sync_envs(options):
    smb_rom()
    single = dict(options)
    if single.pop("grayscale", False):
        single["obs_type"] = "grayscale"
    if "downscale" in single:
        k = single.pop("downscale")
        single["shape"] = (240 // k, 256 // k)
    vec = gym.make_vec("SuperMarioBros-1-1-v0", num_envs=3, vectorization_mode="vector_entry_point",
                       actions=SIMPLE_MOVEMENT, num_threads=2, **options)
    ref = gym.make_vec("SuperMarioBros-1-1-v0", num_envs=3, vectorization_mode="sync",
                       wrappers=[lambda env: JoypadSpace(env, SIMPLE_MOVEMENT)], **single)
    assert vec.single_observation_space == ref.single_observation_space
    actions = np.random.default_rng(0).integers(0, len(SIMPLE_MOVEMENT), size=(150, 3))
    actions[:, 0] = 3  # right + B: dies at the first Goomba, an autoreset
    ends = run_side_by_side(vec, ref, actions)
    assert ends["terminations"] >= 1
    vec.close()
    ref.close()


def test_vector_env_refuses_conflicting_shorthands():
    smb_rom()
    for options in ({"obs_type": "rgb", "grayscale": True}, {"shape": (84, 84), "downscale": 2},
                    {"downscale": 3}, {"downscale": 2.5}, {"obs_type": "ram", "shape": (84, 84)},
                    {"obs_type": "tiles", "shape": (84, 84)}, {"obs_type": "tiles", "downscale": 2}):
        with pytest.raises(ValueError):
            gym.make_vec("SuperMarioBros-1-1-v0", num_envs=2, vectorization_mode="vector_entry_point",
                         **options)


@pytest.mark.parametrize("options", [
    {"frameskip": 4, "obs_type": "grayscale", "shape": (84, 84)},
    {"frameskip": 3, "obs_type": "rgb"},
    {"frameskip": 2, "obs_type": "ram"},
    {"frameskip": 4, "obs_type": "tiles"},
])
def test_vector_env_frameskip_equals_sync_envs(options):
    """Summed clipped rewards, early ends, pooling of the last two frames: the vector env's C
    pool gives what N single envs give."""
    smb_rom()
    vec = gym.make_vec("SuperMarioBros-1-1-v0", num_envs=3, vectorization_mode="vector_entry_point",
                       actions=SIMPLE_MOVEMENT, num_threads=2, **options)
    ref = gym.make_vec("SuperMarioBros-1-1-v0", num_envs=3, vectorization_mode="sync",
                       wrappers=[lambda env: JoypadSpace(env, SIMPLE_MOVEMENT)], **options)
    assert vec.unwrapped.reward_range == (-15 * options["frameskip"], 15 * options["frameskip"])
    actions = np.random.default_rng(2).integers(0, len(SIMPLE_MOVEMENT), size=(100, 3))
    actions[:, 0] = 3  # right + B: dies at the first Goomba
    ends = run_side_by_side(vec, ref, actions)
    assert ends["terminations"] >= 1
    vec.close()
    ref.close()


def test_vector_env_sticky_actions_follow_the_seed():
    smb_rom()

    def run(seed):
        vec = gym.make_vec("SuperMarioBros-1-1-v0", num_envs=2, vectorization_mode="vector_entry_point",
                           frameskip=4, repeat_action_probability=0.25)
        vec.reset(seed=seed)
        xs = []
        for t in range(60):
            xs.append(vec.step(np.full(2, 0x83 if t % 6 < 3 else 0x82))[4]["x_pos"].tolist())
        vec.close()
        return xs

    assert run(5) == run(5)
    assert run(5) != run(6)


@pytest.mark.parametrize("options", [
    {"stack": 4, "obs_type": "grayscale", "shape": (84, 84), "frameskip": 4},
    {"stack": 2, "obs_type": "ram"},
    {"stack": 3, "obs_type": "tiles", "frameskip": 2},
])
def test_frame_stacks_equal_gymnasiums_frame_stack_and_sync_envs(options):
    smb_rom()
    k = options["stack"]
    single = {key: v for key, v in options.items() if key != "stack"}
    # Gymnasium's own wrapper on single envs is the reference of the layout
    wrapped = gym.wrappers.FrameStackObservation(
        JoypadSpace(gym.make("SuperMarioBros-1-1-v0", **single), SIMPLE_MOVEMENT), k)
    mine = JoypadSpace(gym.make("SuperMarioBros-1-1-v0", **options), SIMPLE_MOVEMENT)
    assert mine.observation_space == wrapped.observation_space
    a, _ = wrapped.reset(seed=0)
    b, _ = mine.reset(seed=0)
    assert np.array_equal(a, b)
    for t in range(40):
        a = wrapped.step(3)[0]
        b = mine.step(3)[0]
        assert np.array_equal(a, b), t
    vec = gym.make_vec("SuperMarioBros-1-1-v0", num_envs=3, vectorization_mode="vector_entry_point",
                       actions=SIMPLE_MOVEMENT, **options)
    ref = gym.make_vec("SuperMarioBros-1-1-v0", num_envs=3, vectorization_mode="sync",
                       wrappers=[lambda env: JoypadSpace(env, SIMPLE_MOVEMENT)], **options)
    actions = np.random.default_rng(3).integers(0, len(SIMPLE_MOVEMENT), size=(120, 3))
    actions[:, 0] = 3
    ends = run_side_by_side(vec, ref, actions)
    assert ends["terminations"] >= 1  # a stack restarted at an autoreset
    vec.close()
    ref.close()


def test_partial_reset_restarts_only_the_masked_stacks():
    """The stack ring has one head for all envs: a reset of some envs fills their stacks with
    the start observation and leaves the others' stacks (and their order) as they were."""
    smb_rom()
    vec = gym.make_vec("SuperMarioBros-1-1-v0", num_envs=2, vectorization_mode="vector_entry_point",
                       obs_type="grayscale", shape=(60, 64), stack=3)
    start, _ = vec.reset(seed=0)
    assert all(np.array_equal(start[0, 0], start[0, j]) for j in range(3))
    for _ in range(5):
        before = vec.step(np.array([0x80, 0x81]))[0]
    assert not np.array_equal(before[1, 0], before[1, 2])  # frames differ along the stack
    obs, _ = vec.reset(options={"reset_mask": np.array([True, False])})
    assert np.array_equal(obs[1], before[1])
    assert all(np.array_equal(obs[0, j], start[0, 0]) for j in range(3))
    after = vec.step(np.array([0x80, 0x80]))[0]
    assert np.array_equal(after[1, :2], before[1, 1:]) and np.array_equal(after[0, :2], obs[0, 1:])
    vec.close()
