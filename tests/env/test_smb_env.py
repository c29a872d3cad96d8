"""Super Mario Bros. envs on the real ROMs (skipped, naming the import command, when missing)."""
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import nesenv
from nesenv.registration import env_ids

STAGES = [(w, s) for w in range(1, 9) for s in range(1, 5)]
# stages whose clock starts at 300 instead of 400
CLOCK_300 = {(1, 3), (1, 4), (2, 3), (2, 4), (3, 2), (3, 3), (3, 4), (4, 3), (5, 1), (5, 3),
             (5, 4), (6, 3), (6, 4), (7, 3), (8, 1), (8, 3)}


def _is_missing_lost_levels_world(env_id):
    """Lost Levels worlds 5-8, 9 and A-D: registered, but the ROM does not hold them."""
    kwargs = env_ids()[env_id]["kwargs"]
    return kwargs.get("lost_levels", False) and kwargs.get("target", (1, 1))[0] > 4


CHECKABLE_IDS = [i for i in env_ids() if not _is_missing_lost_levels_world(i)]


def hold_right_and_jump(i):
    """Scripted policy: hold Right + B, press A in a fixed rhythm (reaches the 1-1 flag)."""
    if i < 1127:
        return 0x82 | (0x01 if (i % 16) < 10 else 0)
    return 0x82 | (0x01 if ((i - 1127) % 10) < 4 else 0)


@pytest.mark.parametrize("world,stage", STAGES)
def test_stage_start_after_reset_and_noop(smb_rom, world, stage):
    env = gym.make(f"SuperMarioBros-{world}-{stage}-v0")
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(0)
    assert info["coins"] == 0
    assert info["flag_get"] is False
    assert info["life"] == 2
    assert info["score"] == 0
    assert info["time"] == (300 if (world, stage) in CLOCK_300 else 400)
    assert info["x_pos"] == 40
    assert (info["world"], info["stage"]) == (world, stage)
    assert info["status"] == "small"
    assert (reward, terminated, truncated) == (0.0, False, False)
    env.close()


@pytest.mark.parametrize("world,stage", [(w, s) for w in range(1, 5) for s in range(1, 5)])
def test_lost_levels_stage_start(all_roms, world, stage):
    env = gym.make(f"SuperMarioBros2-{world}-{stage}-v0")
    env.reset(seed=0)
    info = env.step(0)[4]
    assert (info["world"], info["stage"], info["x_pos"], info["life"]) == (world, stage, 40, 2)
    assert info["time"] in (300, 400)


@pytest.mark.parametrize("env_id", ["SuperMarioBros2-5-1-v0", "SuperMarioBros2-8-4-v1",
                                    "SuperMarioBros2-9-1-v0", "SuperMarioBros2-A-1-v0",
                                    "SuperMarioBros2-D-4-v1"])
def test_lost_levels_worlds_5_to_d_explain_why_they_cannot_be_made(env_id):
    # refused before the ROM is looked up: no ROM needed
    with pytest.raises(ValueError, match="holds worlds 1-4 only"):
        gym.make(env_id)


@pytest.mark.parametrize("version", range(4))
def test_separator_free_alias_plays_the_same_stage(all_roms, version):
    a, b = gym.make(f"SuperMarioBros4-2-v{version}"), gym.make(f"SuperMarioBros-4-2-v{version}")
    obs_a, info_a = a.reset(seed=0)
    obs_b, info_b = b.reset(seed=0)
    assert np.array_equal(obs_a, obs_b) and info_a == info_b and info_a["world"] == 4
    for i in range(120):
        ra, rb = a.step(hold_right_and_jump(i)), b.step(hold_right_and_jump(i))
        assert np.array_equal(ra[0], rb[0]) and ra[1:] == rb[1:]


@pytest.mark.parametrize("env_id", CHECKABLE_IDS)
def test_check_env(all_roms, env_id):
    env = gym.make(env_id)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)
    env.close()


@pytest.mark.parametrize("action_list", ["RIGHT_ONLY", "SIMPLE_MOVEMENT", "COMPLEX_MOVEMENT"])
@pytest.mark.parametrize("env_id", ["SuperMarioBros-v0", "SuperMarioBros-1-1-v0",
                                    "SuperMarioBros4-2-v3", "SuperMarioBrosRandomStages-v1",
                                    "SuperMarioBros2-v0", "SuperMarioBros2-3-2-v1"])
def test_check_env_under_joypad_space(all_roms, env_id, action_list):
    env = nesenv.JoypadSpace(gym.make(env_id), getattr(nesenv, action_list))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # check_env's advice to check env.unwrapped: here the wrapped env is the point
        warnings.filterwarnings("ignore", message=".*is different from the unwrapped version")
        check_env(env)
    assert gym.make(env.spec).action_space == env.action_space
    env.close()


def test_spaces_metadata_and_owned_observations(smb_rom):
    env = gym.make("SuperMarioBros-v0")
    assert env.observation_space == gym.spaces.Box(0, 255, (240, 256, 3), np.uint8)
    assert env.action_space == gym.spaces.Discrete(256)
    assert env.metadata["render_fps"] == 60
    assert set(env.metadata["render_modes"]) == {"human", "rgb_array"}
    obs0, _ = env.reset(seed=0)
    kept = obs0.copy()
    obs1 = env.step(0x80)[0]
    for _ in range(30):
        env.step(0x80)
    assert obs0.flags.owndata or obs0.base is None or not np.shares_memory(obs0, obs1)
    np.testing.assert_array_equal(obs0, kept)  # later steps did not overwrite it
    assert not np.shares_memory(obs1, env.unwrapped.screen)


def test_unwrapped_ram_and_nes_like_nes_py(smb_rom):
    env = gym.make("SuperMarioBros-1-1-v0")
    env.reset(seed=0)
    ram = env.unwrapped.ram
    assert ram.shape == (2048,) and ram.dtype == np.uint8
    assert env.unwrapped.nes.peek(0x075A) == ram[0x075A] == 2
    ram[0x07ED:0x07EF] = [4, 2]  # coins 42, through the writable view
    assert env.step(0)[4]["coins"] == 42


def test_render_rgb_array_is_a_copy_of_the_frame(smb_rom):
    env = gym.make("SuperMarioBros-1-1-v0", render_mode="rgb_array")
    obs, _ = env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (240, 256, 3) and frame.dtype == np.uint8
    np.testing.assert_array_equal(frame, obs)
    assert not np.shares_memory(frame, env.unwrapped.screen)


def test_render_human_under_dummy_video(smb_rom):
    env = gym.make("SuperMarioBros-1-1-v0", render_mode="human")
    env.reset(seed=0)
    env.step(0)
    assert env.render() is None
    env.close()
    env.close()  # idempotent


def test_reset_is_deterministic_and_restarts_the_stage(smb_rom):
    env = gym.make("SuperMarioBros-1-1-v0")
    obs_a, info_a = env.reset(seed=1)
    for _ in range(100):
        env.step(0x80)
    obs_b, info_b = env.reset(seed=2)
    np.testing.assert_array_equal(obs_a, obs_b)
    assert info_a == info_b


def test_scripted_policy_goes_past_x_1000_and_the_flag_ends_the_stage(smb_rom):
    env = gym.make("SuperMarioBros-1-1-v0")
    env.reset(seed=0)
    max_x, total = 0, 0.0
    for i in range(2000):
        obs, reward, terminated, truncated, info = env.step(hold_right_and_jump(i))
        assert -15 <= reward <= 15
        max_x, total = max(max_x, info["x_pos"]), total + reward
        if terminated:
            break
    assert max_x > 1000
    assert terminated and info["flag_get"], info  # gsmb #55: the flag ends a stage env
    assert info["x_pos"] > 3100


def test_full_game_continues_into_the_next_stage_after_the_flag(smb_rom):
    env = gym.make("SuperMarioBros-v0")
    env.reset(seed=0)
    for i in range(2000):
        info = env.step(hold_right_and_jump(i))[4]
        if info["flag_get"]:
            break
    assert info["flag_get"]
    obs, reward, terminated, truncated, info = env.step(0)
    assert not terminated
    assert (info["world"], info["stage"], info["x_pos"], info["time"]) == (1, 2, 40, 400)


def test_full_game_loses_lives_then_ends_on_game_over(smb_rom):
    env = gym.make("SuperMarioBros-v0")
    env.reset(seed=0)
    lives = []
    for _ in range(3000):  # walking right: the first goomba kills Mario, three times
        obs, reward, terminated, truncated, info = env.step(0x80)
        if not lives or lives[-1] != info["life"]:
            lives.append(info["life"])
        if terminated:
            break
    assert terminated
    assert lives == [2, 1, 0, 255]


def test_stage_env_ends_on_death_with_the_clipped_penalty(smb_rom):
    env = gym.make("SuperMarioBros-1-1-v0")
    env.reset(seed=0)
    for _ in range(1000):
        obs, reward, terminated, truncated, info = env.step(0x80)
        if terminated:
            break
    assert terminated and reward == -15.0 and not info["flag_get"]


def test_random_stages_are_seeded_and_respect_the_subset(smb_rom):
    env = gym.make("SuperMarioBrosRandomStages-v0", stages=["1-4", "2-4", "3-4"])
    assert env.unwrapped.stages == ["1-4", "2-4", "3-4"]

    def draws(seed, n=6):
        out = [env.reset(seed=seed)[0]]
        first = env.step(0)[4]
        out = [(first["world"], first["stage"])]
        for _ in range(n - 1):
            env.reset()
            info = env.step(0)[4]
            out.append((info["world"], info["stage"]))
        return out

    a, b = draws(7), draws(7)
    assert a == b
    assert set(a) <= {(1, 4), (2, 4), (3, 4)}
    assert len(set(draws(7, 12))) > 1
    env.reset(seed=3, options={"stages": ["5-2"]})
    info = env.step(0)[4]
    assert (info["world"], info["stage"], info["x_pos"], info["time"]) == (5, 2, 40, 400)


def test_random_stages_default_draws_any_stage_and_rejects_bad_subsets(smb_rom):
    env = gym.make("SuperMarioBrosRandomStages-v0")
    seen = set()
    env.reset(seed=0)
    for _ in range(8):
        env.reset()
        info = env.step(0)[4]
        seen.add((info["world"], info["stage"]))
    assert len(seen) > 2
    with pytest.raises(ValueError):
        env.reset(options={"stages": ["9-1"]})
    with pytest.raises(TypeError):
        gym.make("SuperMarioBrosRandomStages-v0", stages="1-1")


def test_joypad_space_on_a_real_env(smb_rom):
    env = nesenv.JoypadSpace(gym.make("SuperMarioBros-1-1-v0"), nesenv.RIGHT_ONLY)
    assert env.action_space == gym.spaces.Discrete(5)
    obs, info = env.reset(seed=5)  # nes-py PR #93: seed/options are forwarded
    x0 = info["x_pos"]
    for _ in range(60):
        info = env.step(1)[4]  # 'right'
    assert info["x_pos"] > x0
    assert env.get_action_meanings()[4] == "right A B"


def test_env_save_and_load_state_restores_counters(smb_rom):
    env = gym.make("SuperMarioBros-1-1-v0")
    env.reset(seed=0)
    u = env.unwrapped
    for _ in range(50):
        env.step(0x80)
    state = u.save_state()
    after = [env.step(0x80)[1:] for _ in range(20)]
    u.load_state(state)
    again = [env.step(0x80)[1:] for _ in range(20)]
    assert after == again
    with pytest.raises(ValueError):
        u.load_state(b"garbage")


def test_no_numpy_warnings_in_a_random_run(smb_rom):
    env = gym.make("SuperMarioBros-v0")
    env.action_space.seed(0)
    env.reset(seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(500):
            if env.step(env.action_space.sample())[2]:
                env.reset()


def test_rom_path_selects_another_dump(smb_rom):
    env = nesenv.SuperMarioBrosEnv(target=(1, 1), rom_path=smb_rom)
    env.reset(seed=0)
    assert env.step(0)[4]["x_pos"] == 40
    assert env.is_single_stage_env
