"""NESVectorEnv (the generic vector env) equals N NESEnv stepped one by one under SyncVectorEnv.

Runs on ROMs that are always at hand: the synthetic echo ROM (tests/vector/_support.py) and the
free test-ROM corpus (skipped without it), so the thread pool is tested without Super Mario Bros.
"""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from gymnasium.wrappers import TimeLimit

from nesenv.actions import SIMPLE_MOVEMENT, buttons_to_byte
from nesenv.env import NESEnv
from nesenv.vector import NESVectorEnv, reduce_observation
from tests.vector._support import (
    EchoGame, EchoSpecGame, corpus_roms, run_side_by_side, write_echo_rom, assert_results_equal,
)


@pytest.fixture(scope="module")
def echo_path(tmp_path_factory):
    return write_echo_rom(tmp_path_factory.mktemp("roms"))


def _sync(path, n, max_steps=None, game=None):
    def make():
        env = NESEnv(path, game=game() if game else None)
        return TimeLimit(env, max_steps) if max_steps else env

    return SyncVectorEnv([make for _ in range(n)])


def _actions(n, steps, seed=0, high=256):
    return np.random.default_rng(seed).integers(0, high, size=(steps, n))


@pytest.mark.parametrize("num_threads", [1, 2, 8])
def test_generic_echo_rom_equals_sync(echo_path, num_threads):
    """Reward 0, no info; episodes end by truncation only (max_episode_steps), then autoreset."""
    n = 5
    vec = NESVectorEnv(n, echo_path, max_episode_steps=25, num_threads=num_threads)
    ends = run_side_by_side(vec, _sync(echo_path, n, 25), _actions(n, 80))
    assert ends["truncations"] >= n * 3
    vec.close()


@pytest.mark.parametrize("num_threads", [1, 2, 8])
def test_game_module_path_equals_sync(echo_path, num_threads):
    """A game module the vector env does not know: its hooks run env by env, including an
    after_step that runs frames (the env's frame is drawn again) and terminations."""
    n = 4
    vec = NESVectorEnv(n, echo_path, EchoGame(), max_episode_steps=30, num_threads=num_threads)
    # A and B together end an episode: make them rare enough for episodes to last
    actions = _actions(n, 120, seed=5)
    actions[np.random.default_rng(6).random(actions.shape) < 0.8] &= 0xFC
    ends = run_side_by_side(vec, _sync(echo_path, n, 30, EchoGame), actions)
    assert ends["terminations"] > 0 and ends["truncations"] > 0
    vec.close()


@pytest.mark.parametrize("num_threads,frameskip", [(1, 1), (2, 1), (2, 3)])
def test_spec_game_in_the_pool_equals_sync(echo_path, num_threads, frameskip):
    """A spec game: the pool evaluates its rules in C (reward, termination, truncation, info,
    a skip rule that writes RAM and runs frames) exactly as the single env's evaluator does."""
    n = 4
    vec = NESVectorEnv(n, echo_path, EchoSpecGame(), max_episode_steps=40, num_threads=num_threads,
                       frameskip=frameskip)
    assert type(vec._batch).__name__ == "_SpecBatchGame"
    actions = _actions(n, 150, seed=7)
    actions[np.random.default_rng(8).random(actions.shape) < 0.8] &= 0x3C  # rare A+B
    ref = SyncVectorEnv([lambda: TimeLimit(NESEnv(echo_path, game=EchoSpecGame(), frameskip=frameskip), 40)
                         for _ in range(n)])
    ends = run_side_by_side(vec, ref, actions)
    assert ends["terminations"] > 0 and ends["truncations"] > 0
    vec.close()


def test_corpus_roms_equal_sync():
    for path in corpus_roms():
        n = 3
        vec = NESVectorEnv(n, path, max_episode_steps=15, num_threads=2)
        run_side_by_side(vec, _sync(path, n, 15), _actions(n, 40, seed=len(str(path))))
        vec.close()


@pytest.mark.parametrize("grayscale,downscale", [(True, 1), (False, 2), (True, 4)])
def test_observation_options(echo_path, grayscale, downscale):
    n = 3
    vec = NESVectorEnv(n, echo_path, max_episode_steps=10, grayscale=grayscale, downscale=downscale)
    h, w = 240 // downscale, 256 // downscale
    shape = (h, w) if grayscale else (h, w, 3)
    assert vec.single_observation_space.shape == shape
    assert vec.observation_space.shape == (n,) + shape
    run_side_by_side(vec, _sync(echo_path, n, 10), _actions(n, 25, seed=9),
                     obs_transform=lambda o: reduce_observation(o, grayscale, downscale))
    for path in corpus_roms()[:1]:
        vec = NESVectorEnv(n, path, grayscale=grayscale, downscale=downscale)
        run_side_by_side(vec, _sync(path, n), _actions(n, 20, seed=3),
                         obs_transform=lambda o: reduce_observation(o, grayscale, downscale))


def test_spaces_metadata_and_action_list(echo_path):
    vec = NESVectorEnv(3, echo_path, actions=SIMPLE_MOVEMENT, num_threads=2)
    assert isinstance(vec, gym.vector.VectorEnv)
    assert vec.metadata["autoreset_mode"] is AutoresetMode.NEXT_STEP
    assert vec.single_action_space == gym.spaces.Discrete(len(SIMPLE_MOVEMENT))
    assert vec.action_space == gym.spaces.MultiDiscrete([len(SIMPLE_MOVEMENT)] * 3)
    assert vec.single_observation_space == gym.spaces.Box(0, 255, (240, 256, 3), np.uint8)
    assert vec.num_threads == 2
    assert vec.get_action_meanings()[2] == NESEnv(echo_path).get_action_meanings()[
        buttons_to_byte(SIMPLE_MOVEMENT[2])]
    # action i of the list == the controller byte of SIMPLE_MOVEMENT[i]
    ref = NESVectorEnv(3, echo_path, num_threads=1)
    lut = np.array([buttons_to_byte(b) for b in SIMPLE_MOVEMENT])
    vec.reset(seed=1)
    ref.reset(seed=1)
    for a in _actions(3, 12, high=len(SIMPLE_MOVEMENT)):
        assert_results_equal(vec.step(a), ref.step(lut[a]), "action list")
    with pytest.raises(ValueError):
        vec.step([0, 1, len(SIMPLE_MOVEMENT)])
    with pytest.raises(ValueError):
        vec.step([0, 1])
    with pytest.raises(ValueError):
        vec.step([0.5, 1, 1])
    vec.close()
    assert vec.closed


def test_reset_mask_copy_render_and_errors(echo_path):
    n = 3
    vec = NESVectorEnv(n, echo_path, EchoGame(), render_mode="rgb_array", copy=False)
    with pytest.raises(RuntimeError):
        vec.step([0] * n)
    obs, info = vec.reset(seed=0)
    first = obs.copy()
    for _ in range(5):
        obs2, *_ = vec.step([0x01, 0x02, 0x80])
    assert obs2 is obs  # copy=False: the env's own array, overwritten in place
    frames = vec.render()
    assert len(frames) == n and all(np.array_equal(f, o) for f, o in zip(frames, obs2))
    obs3, info3 = vec.reset(options={"reset_mask": np.array([False, True, False])})
    assert np.array_equal(obs3[1], first[1])
    assert list(info3["_steps"]) == [False, True, False]
    assert info3["steps"][1] == 0
    sync = _sync(echo_path, n, game=EchoGame)
    sync.reset(seed=0)
    for _ in range(5):
        sync.step([0x01, 0x02, 0x80])
    want = sync.reset(options={"reset_mask": np.array([False, True, False])})
    assert_results_equal((obs3, info3), want, "reset_mask")
    with pytest.raises(ValueError):
        vec.reset(options={"reset_mask": np.array([False] * n)})
    with pytest.raises(ValueError):
        NESVectorEnv(0, echo_path)
    with pytest.raises(ValueError):
        NESVectorEnv(2, echo_path, downscale=3)
    with pytest.raises(ValueError):
        NESVectorEnv(2, echo_path, render_mode="human")
    with pytest.raises(ValueError):
        NESVectorEnv(2, echo_path, num_threads=0)
    with pytest.raises(FileNotFoundError):
        NESVectorEnv(2, echo_path.with_name("missing.nes"))


def test_make_vec_generic_id(echo_path):
    """gym.make_vec("nesenv/NES-v0", rom_path=...) gives the native vector env once the id has
    a vector entry point (nesenv.vector:NESVectorEnv)."""
    import nesenv  # noqa: F401  (registers the ids)

    spec = gym.registry.get("nesenv/NES-v0")
    if spec is None or spec.vector_entry_point is None:
        pytest.skip("nesenv/NES-v0 is not registered with a vector_entry_point yet")
    vec = gym.make_vec("nesenv/NES-v0", num_envs=3, vectorization_mode="vector_entry_point",
                       rom_path=str(echo_path), num_threads=2)
    assert isinstance(vec.unwrapped, NESVectorEnv)
    ref = gym.make_vec("nesenv/NES-v0", num_envs=3, vectorization_mode="sync",
                       rom_path=str(echo_path))
    run_side_by_side(vec, ref, _actions(3, 20, seed=11))


def test_make_vec_with_wrappers_picks_sync(echo_path):
    """gym.make_vec refuses wrappers when the id's vector entry point is the default mode;
    nesenv.make_vec then selects "sync", and names "sync" as the fix when the entry point was
    asked for explicitly."""
    import nesenv
    from nesenv.wrappers import JoypadSpace

    joypad = [lambda env: JoypadSpace(env, SIMPLE_MOVEMENT)]
    with pytest.raises(gym.error.Error, match="wrappers"):  # Gymnasium's rule (as CartPole-v1)
        gym.make_vec("nesenv/NES-v0", num_envs=2, wrappers=joypad, rom_path=str(echo_path))

    vec = nesenv.make_vec("nesenv/NES-v0", num_envs=2, wrappers=joypad, rom_path=str(echo_path))
    assert isinstance(vec, SyncVectorEnv)
    assert vec.spec.kwargs["vectorization_mode"] == "sync"
    assert vec.action_space == gym.spaces.MultiDiscrete([len(SIMPLE_MOVEMENT)] * 2)
    ref = gym.make_vec("nesenv/NES-v0", num_envs=2, vectorization_mode="sync", wrappers=joypad,
                       rom_path=str(echo_path))
    run_side_by_side(vec, ref, _actions(2, 10, seed=12, high=len(SIMPLE_MOVEMENT)))
    vec.close()

    vec = nesenv.make_vec("nesenv/NES-v0", num_envs=2, vector_kwargs={"copy": False},
                          rom_path=str(echo_path))
    assert isinstance(vec, SyncVectorEnv)
    vec.close()
    vec = nesenv.make_vec("nesenv/NES-v0", num_envs=2, rom_path=str(echo_path))
    assert isinstance(vec, NESVectorEnv)  # no wrappers: the native vector env, as gym.make_vec
    vec.close()
    for mode in ("vector_entry_point", gym.VectorizeMode.VECTOR_ENTRY_POINT):
        with pytest.raises(gym.error.Error, match='vectorization_mode="sync"'):
            nesenv.make_vec("nesenv/NES-v0", num_envs=2, vectorization_mode=mode,
                            wrappers=joypad, rom_path=str(echo_path))
