"""ALE options on the native vector env, each against N single envs under SyncVectorEnv: no-op
starts (noop_max), the minimal action set, two controllers and the frame limit of an episode."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import SyncVectorEnv
from gymnasium.wrappers import TimeLimit

import nesenv
from nesenv.actions import COMPLEX_MOVEMENT, SIMPLE_MOVEMENT
from nesenv.env import NESEnv
from nesenv.vector import NESVectorEnv
from nesenv.wrappers import JoypadSpace
from tests.vector._support import EchoGame, run_side_by_side, smb_rom, write_echo_rom


@pytest.fixture(scope="module")
def echo_path(tmp_path_factory):
    return write_echo_rom(tmp_path_factory.mktemp("roms"))


class TrapGame(EchoGame):
    """EchoGame whose episode also ends on its 7th frame when no button was pressed yet: no-op
    starts of 3 or more steps of 3 frames end there and must start again."""

    def reset(self, ram):
        super().reset(ram)
        self.pressed = 0

    def step(self, ram):
        reward, ended = super().step(ram)
        self.pressed |= int(ram[0x11])
        return reward, ended or (self.steps == 7 and not self.pressed)


def _pair(options, n=3, actions=SIMPLE_MOVEMENT, env_id="SuperMarioBros-1-1-v0"):
    vec = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point",
                       actions=actions, num_threads=2, **options)
    ref = gym.make_vec(env_id, num_envs=n, vectorization_mode="sync",
                       wrappers=[lambda env: JoypadSpace(env, actions)], **options)
    return vec, ref


@pytest.mark.parametrize("options", [
    {"noop_max": 30, "frameskip": 4, "obs_type": "grayscale", "shape": (84, 84)},
    {"noop_max": 8, "obs_type": "rgb"},
    {"noop_max": 5, "frameskip": 2, "obs_type": "ram", "stack": 2},
])
def test_noop_starts_equal_sync_envs(options):
    """Same seed, same no-op counts per env (env i's generator seeded S + i), on the reset and
    on every autoreset; the reset observation pooled over the last no-op step's two frames."""
    smb_rom()
    vec, ref = _pair(options)
    actions = np.random.default_rng(2).integers(0, len(SIMPLE_MOVEMENT), size=(160, 3))
    actions[:, 0] = 3  # right + B: dies at the first Goomba, autoresets with no-ops
    ends = run_side_by_side(vec, ref, actions)
    assert ends["terminations"] >= 1
    vec.reset(seed=1)  # other seeds, other counts
    again = [c.frame for c in vec.unwrapped.consoles]
    vec.reset(seed=0)
    assert [c.frame for c in vec.unwrapped.consoles] != again
    vec.close()
    ref.close()


def test_noop_starts_of_a_game_module_equal_sync_envs(echo_path):
    """The env-by-env game path: counters run on through the no-ops, and episodes that end
    during them start again with a new draw, as in NESEnv.reset."""
    n, options = 4, {"noop_max": 6, "frameskip": 3, "obs_type": "grayscale", "shape": (60, 64)}
    vec = NESVectorEnv(n, echo_path, TrapGame(), max_episode_steps=40, num_threads=2, **options)
    ref = SyncVectorEnv([lambda: TimeLimit(NESEnv(echo_path, game=TrapGame(), **options), 40)
                         for _ in range(n)])
    actions = np.random.default_rng(5).integers(0, 256, size=(150, n))
    actions[np.random.default_rng(6).random(actions.shape) < 0.9] &= 0xF4  # rare A+B, rare Start
    ends = run_side_by_side(vec, ref, actions)
    assert ends["terminations"] > 0 and ends["truncations"] > 0
    vec.close()


def test_minimal_action_set_equals_sync_envs():
    smb_rom()
    options = {"full_action_space": False, "frameskip": 2, "obs_type": "ram"}
    vec = gym.make_vec("SuperMarioBros-1-1-v0", num_envs=3, vectorization_mode="vector_entry_point",
                       **options)
    ref = gym.make_vec("SuperMarioBros-1-1-v0", num_envs=3, vectorization_mode="sync", **options)
    assert vec.single_action_space == ref.single_action_space == gym.spaces.Discrete(12)
    assert vec.unwrapped.get_action_meanings() == [" ".join(a) for a in COMPLEX_MOVEMENT]
    actions = np.random.default_rng(3).integers(0, 12, size=(120, 3))
    actions[:, 1] = 3
    assert run_side_by_side(vec, ref, actions)["terminations"] >= 1
    with pytest.raises(ValueError, match="not both"):
        gym.make_vec("SuperMarioBros-1-1-v0", num_envs=2, vectorization_mode="vector_entry_point",
                     actions=SIMPLE_MOVEMENT, full_action_space=False)
    vec.close()
    ref.close()


@pytest.mark.parametrize("options", [{"obs_type": "ram"},
                                     {"obs_type": "ram", "frameskip": 3, "noop_max": 4}])
def test_two_players_equal_sync_envs(options):
    """Controller 2 reaches the console: SMB keeps it at $06FD (bits reversed, A in bit 7)."""
    smb_rom()
    vec, ref = _pair({"players": 2, **options}, actions=COMPLEX_MOVEMENT)
    assert vec.single_action_space == gym.spaces.MultiDiscrete([12, 12])
    assert vec.action_space == ref.action_space
    actions = np.random.default_rng(4).integers(0, 12, size=(170, 3, 2))
    actions[:, 0, 0] = 3
    assert run_side_by_side(vec, ref, actions)["terminations"] >= 1
    obs, *_ = vec.step(np.array([[0, 2], [0, 7], [5, 0]]))  # pad 2: right A, left A; pad 1: A
    assert [int(o[0x6FD]) for o in obs] == [0x81, 0x82, 0x00]
    assert int(obs[2][0x6FC]) == 0x80
    with pytest.raises(ValueError, match="pairs"):
        vec.step(np.zeros(3, dtype=int))
    vec.close()
    ref.close()


def test_frame_limit_truncates_as_the_single_env(echo_path):
    n = 3
    vec = NESVectorEnv(n, echo_path, frameskip=4, max_num_frames_per_episode=10, noop_max=2)
    ref = SyncVectorEnv([lambda: NESEnv(echo_path, frameskip=4, max_num_frames_per_episode=10,
                                        noop_max=2) for _ in range(n)])
    ends = run_side_by_side(vec, ref, np.random.default_rng(7).integers(0, 256, size=(30, n)))
    assert ends["truncations"] >= n * 3
    vec.close()


def test_ale_v5_ids_make_native_vector_envs():
    smb_rom()
    vec = nesenv.make_vec("NES/SuperMarioBros-1-1-v5", num_envs=2)
    u = vec.unwrapped
    assert type(u).__name__ == "SuperMarioBrosVectorEnv"
    assert (u.frameskip, u.repeat_action_probability, u.max_num_frames_per_episode) == (4, 0.25, 108000)
    assert vec.single_action_space == gym.spaces.Discrete(12)
    vec.reset(seed=0)
    for _ in range(5):
        vec.step(np.array([3, 4]))
    vec.close()


@pytest.mark.parametrize("kw,err", [({"players": 3}, ValueError), ({"players": True}, ValueError),
                                    ({"full_action_space": 0}, TypeError),
                                    ({"max_num_frames_per_episode": 0}, ValueError),
                                    ({"noop_max": -1}, ValueError)])
def test_bad_options_are_refused(echo_path, kw, err):
    with pytest.raises(err):
        NESVectorEnv(2, echo_path, **kw)


def test_frameskip_autoresets_restart_a_game_modules_counters(echo_path):
    """With frameskip > 1 an autoreset env's game counters start again (as NESEnv.reset does)."""
    n, options = 3, {"frameskip": 2, "obs_type": "ram"}
    vec = NESVectorEnv(n, echo_path, EchoGame(), max_episode_steps=20, **options)
    ref = SyncVectorEnv([lambda: TimeLimit(NESEnv(echo_path, game=EchoGame(), **options), 20)
                         for _ in range(n)])
    actions = np.random.default_rng(8).integers(0, 256, size=(70, n))
    actions[np.random.default_rng(9).random(actions.shape) < 0.9] &= 0xF4
    ends = run_side_by_side(vec, ref, actions)
    assert ends["terminations"] > 0 and ends["truncations"] > 0
    vec.close()
