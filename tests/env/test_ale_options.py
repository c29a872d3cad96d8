"""ALE's action-set, controller and episode-length options on the single env, and the
``NES/...-v5`` ids that give ALE v5's defaults."""
import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import nesenv
from nesenv.actions import COMPLEX_MOVEMENT, SIMPLE_MOVEMENT, buttons_to_byte
from nesenv.registration import ALE_V5_KWARGS, ale_env_ids
from nesenv.wrappers import JoypadSpace
from tests.vector._support import write_echo_rom

SMB_PAD1, SMB_PAD2 = 0x06FC, 0x06FD  # SavedJoypad1Bits / 2Bits: the pads as read, A in bit 7


def _reversed(byte):
    return int(f"{byte:08b}"[::-1], 2)


@pytest.fixture(scope="module")
def echo_path(tmp_path_factory):
    return write_echo_rom(tmp_path_factory.mktemp("roms"))


def test_minimal_action_set_is_the_games_and_acts_as_its_bytes(smb_rom):
    env = gym.make("SuperMarioBros-1-1-v0", full_action_space=False).unwrapped
    full = gym.make("SuperMarioBros-1-1-v0").unwrapped
    assert env.action_space == gym.spaces.Discrete(12)
    assert full.action_space == gym.spaces.Discrete(256)
    assert env.get_action_meanings() == [" ".join(a) for a in COMPLEX_MOVEMENT]
    assert full.get_action_meanings()[0x83] == "right B A"
    env.reset(seed=0)
    full.reset(seed=0)
    for i in np.random.default_rng(0).integers(0, 12, 120):
        env.step(int(i))
        full.step(buttons_to_byte(COMPLEX_MOVEMENT[i]))
        assert np.array_equal(env.ram, full.ram)
    with pytest.raises(ValueError, match="0..11"):
        env.step(12)
    with pytest.raises(ValueError, match="JoypadSpace"):
        JoypadSpace(env, SIMPLE_MOVEMENT)  # the env has its own action set
    keys = env.get_keys_to_action()
    assert set(keys.values()) == set(range(1, 12))  # every action but NOOP has its keys


def test_a_game_without_a_minimal_set_keeps_all_bytes(echo_path):
    env = nesenv.NESEnv(echo_path, full_action_space=False)
    assert env.action_space == gym.spaces.Discrete(256)
    assert env.get_action_meanings()[0x81] == "right A"


def test_two_players_drive_both_controllers(smb_rom):
    env = gym.make("SuperMarioBros-1-1-v0", players=2).unwrapped
    assert env.action_space == gym.spaces.MultiDiscrete([256, 256])
    env.reset(seed=0)
    for pads in ((0x02, 0x41), (0x80, 0x12), (0x00, 0xFF)):
        env.step(np.array(pads))
        assert (int(env.ram[SMB_PAD1]), int(env.ram[SMB_PAD2])) == tuple(map(_reversed, pads))
    for bad in (5, (1, 2, 3), (0, 256), (0.5, 1)):
        with pytest.raises(ValueError, match="pair"):
            env.step(bad)
    # JoypadSpace maps both: a pair of indices into its list
    wrapped = JoypadSpace(gym.make("SuperMarioBros-1-1-v0", players=2), SIMPLE_MOVEMENT)
    assert wrapped.action_space == gym.spaces.MultiDiscrete([7, 7])
    wrapped.reset(seed=0)
    wrapped.step(np.array([2, 6]))  # right A; left
    assert int(wrapped.unwrapped.ram[SMB_PAD2]) == _reversed(0x40)
    assert int(wrapped.unwrapped.ram[SMB_PAD1]) == _reversed(0x81)
    assert wrapped.get_keys_to_action()[(ord("x"),)] == (5, 0)  # X = A, controller 2 idle
    with pytest.raises(KeyError):
        wrapped.step(np.array([7, 0]))


def test_two_players_sticky_actions_stick_per_controller(smb_rom):
    env = gym.make("SuperMarioBros-1-1-v0", players=2, repeat_action_probability=1.0).unwrapped
    env.reset(seed=0)
    for _ in range(5):
        env.step(np.array([0x80, 0x80]))
    assert int(env.ram[SMB_PAD1]) == int(env.ram[SMB_PAD2]) == 0  # the reset's no-op sticks


def test_frame_limit_truncates_after_that_many_frames(echo_path):
    env = nesenv.NESEnv(echo_path, frameskip=4, max_num_frames_per_episode=10)
    env.reset(seed=0)
    assert [env.step(0)[3] for _ in range(3)] == [False, False, True]  # 4, 8, 12 frames
    env.reset()
    assert env.step(0)[3] is False
    noops = nesenv.NESEnv(echo_path, frameskip=2, noop_max=3, max_num_frames_per_episode=12)
    plain = nesenv.NESEnv(echo_path)
    plain.reset()
    start = plain.nes.frame
    for seed in range(6):
        noops.reset(seed=seed)
        done_frames = noops.nes.frame - start  # the no-op frames count
        assert done_frames in (2, 4, 6)
        steps = 0
        while not noops.step(0)[3]:
            steps += 1
        assert done_frames + 2 * (steps + 1) >= 12 > done_frames + 2 * steps


@pytest.mark.parametrize("kw,err", [
    ({"players": 3}, ValueError), ({"players": 0}, ValueError), ({"players": "2"}, ValueError),
    ({"players": True}, ValueError), ({"full_action_space": "yes"}, TypeError),
    ({"full_action_space": 1}, TypeError), ({"max_num_frames_per_episode": 0}, ValueError),
    ({"max_num_frames_per_episode": 1.5}, ValueError)])
def test_bad_options_are_refused(echo_path, kw, err):
    with pytest.raises(err):
        nesenv.NESEnv(echo_path, **kw)


@pytest.mark.parametrize("kw", [{"players": 2}, {"full_action_space": False},
                                {"players": 2, "full_action_space": False, "frameskip": 4,
                                 "repeat_action_probability": 0.25,
                                 "max_num_frames_per_episode": 50, "noop_max": 5}])
def test_check_env_passes_with_the_options(smb_rom, kw):
    check_env(gym.make("SuperMarioBros-1-1-v0", **kw).unwrapped, skip_render_check=True)


def test_ale_v5_ids():
    ids = ale_env_ids()
    assert len(ids) == 1 + 32 + 1 + 1 + 52 + 21 + 5  # SMB, Lost Levels, SMB2 USA, SMB3
    assert ids["NES/SuperMarioBros-4-2-v5"]["kwargs"] == {"target": (4, 2), **ALE_V5_KWARGS}
    assert ids["NES/SuperMarioBros2-A-1-v5"]["kwargs"]["lost_levels"] is True
    assert ids["NES/SuperMarioBros3-1-4-v5"]["kwargs"] == {"target": (1, 4), **ALE_V5_KWARGS}
    assert ALE_V5_KWARGS == {"frameskip": 4, "repeat_action_probability": 0.25,
                             "full_action_space": False, "max_num_frames_per_episode": 108000}
    assert all(i in gym.registry for i in ids)
    assert gym.spec("NES/SuperMarioBros-1-1-v5").max_episode_steps is None  # the env truncates
    assert "NES/SuperMarioBros1-1-v5" not in ids  # one spelling of the stages


@pytest.mark.parametrize("env_id", ["NES/SuperMarioBros-1-1-v5", "NES/SuperMarioBros-v5",
                                    "NES/SuperMarioBrosRandomStages-v5", "NES/SuperMarioBros2-v5"])
def test_ale_v5_ids_make_envs_with_ales_defaults(smb_rom, env_id):
    if "2-" in env_id:
        from games import LostLevels
        from tests.env.conftest import rom_or_skip

        rom_or_skip(LostLevels)
    env = gym.make(env_id)
    u = env.unwrapped
    assert (u.frameskip, u.repeat_action_probability, u.max_num_frames_per_episode) == (4, 0.25, 108000)
    assert env.action_space == gym.spaces.Discrete(12)
    check_env(u, skip_render_check=True)
    # the gym-super-mario-bros ids keep their defaults
    old = gym.make("SuperMarioBros-1-1-v0").unwrapped
    assert (old.frameskip, old.repeat_action_probability, old.max_num_frames_per_episode) == (1, 0.0, None)
    assert old.action_space == gym.spaces.Discrete(256)
