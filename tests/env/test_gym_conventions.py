"""Gymnasium conventions: spec round trip of JoypadSpace, play(), reset order, reset options,
no "out of date" warning for the SMB ids."""
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import nesenv
from nesenv import actions
from nesenv.env import NESEnv
from nesenv.roms import RomNotFoundError
from nesenv.smb import SuperMarioBrosEnv, SuperMarioBrosRandomStagesEnv
from nesenv.vector import NESVectorEnv
from nesenv.wrappers import JoypadSpace

from test_generic_env import tiny_nrom  # tests/env is on sys.path (rootdir conftest)


# --- JoypadSpace in env.spec ----------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:.*is different from the unwrapped version")
def test_check_env_and_make_from_spec_of_wrapped_env(smb_rom):
    env = JoypadSpace(gym.make("SuperMarioBros-1-1-v0"), nesenv.SIMPLE_MOVEMENT)
    check_env(env, skip_render_check=True)
    (wrapper,) = env.spec.additional_wrappers
    assert wrapper.entry_point == "nesenv.wrappers.joypad_space:JoypadSpace"
    assert wrapper.kwargs == {"actions": nesenv.SIMPLE_MOVEMENT}

    rebuilt = gym.make(env.spec)
    assert isinstance(rebuilt, JoypadSpace) and rebuilt.spec == env.spec
    assert rebuilt.action_space == gym.spaces.Discrete(7)
    assert rebuilt.get_action_meanings() == env.get_action_meanings()
    obs_a, _ = env.reset(seed=1)
    obs_b, _ = rebuilt.reset(seed=1)
    assert np.array_equal(obs_a, obs_b)
    rng = np.random.default_rng(0)
    for action in rng.integers(0, 7, 120):
        a = env.step(action)
        b = rebuilt.step(action)
        assert np.array_equal(a[0], b[0]) and a[1:] == b[1:]
    env.close()
    rebuilt.close()


def test_recorded_actions_are_a_copy():
    action_list = [["NOOP"], ["right", "A"]]

    class Tiny(gym.Env):
        observation_space = gym.spaces.Discrete(1)
        action_space = gym.spaces.Discrete(256)

    env = JoypadSpace(Tiny(), action_list)
    action_list[1].append("B")
    assert env._saved_kwargs == {"actions": [["NOOP"], ["right", "A"]]}
    assert env.action_map == {0: 0x00, 1: 0x81}


# --- gymnasium.utils.play -------------------------------------------------------------------------
def _run_play(env, monkeypatch, keys, frames=6, keys_to_action="env"):
    """Run gymnasium's play() with ``keys`` held from the first frame, quit after ``frames``.

    ``keys_to_action``: "env" passes ``env.get_keys_to_action()``, "unwrapped" passes
    ``env.unwrapped.get_keys_to_action()``, None lets play() find it (``get_wrapper_attr``).
    """
    pygame = pytest.importorskip("pygame")
    from gymnasium.utils import play as play_module

    calls = {"n": 0}

    def fake_events():
        calls["n"] += 1
        if calls["n"] == 1:
            return [pygame.event.Event(pygame.KEYDOWN, key=k) for k in keys]
        if calls["n"] >= frames:
            return [pygame.event.Event(pygame.QUIT)]
        return []

    monkeypatch.setattr(play_module.pygame.event, "get", fake_events)
    seen = []
    mapping = {"env": lambda: env.get_keys_to_action(),
               "unwrapped": lambda: env.unwrapped.get_keys_to_action(),
               None: lambda: None}[keys_to_action]()
    play_module.play(
        env, keys_to_action=mapping, fps=1000, seed=0,
        callback=lambda prev, obs, action, *rest: seen.append(action),
    )
    return seen


@pytest.mark.filterwarnings("ignore:.*matplotlib is not installed")
@pytest.mark.parametrize("how", ["direct", "make-unwrapped", "make-auto"])
def test_play_raw_env(smb_rom, monkeypatch, how):
    if how == "direct":
        env, keys_to_action = SuperMarioBrosEnv(target=(1, 1), render_mode="rgb_array"), "env"
    else:
        # Gymnasium 1.x wrappers (TimeLimit, ...) no longer forward attributes: ask the
        # unwrapped env, or let play() find the method with get_wrapper_attr
        env = gym.make("SuperMarioBros-1-1-v0", render_mode="rgb_array")
        keys_to_action = "unwrapped" if how == "make-unwrapped" else None
    seen = _run_play(env, monkeypatch, [actions.K_RIGHT, actions.K_x],
                     keys_to_action=keys_to_action)
    assert seen == [0x81] * 5  # right + A


@pytest.mark.filterwarnings("ignore:.*matplotlib is not installed")
def test_play_joypad_space(smb_rom, monkeypatch):
    env = JoypadSpace(gym.make("SuperMarioBros-1-1-v0", render_mode="rgb_array"),
                      nesenv.RIGHT_ONLY)
    seen = _run_play(env, monkeypatch, [actions.K_RIGHT, actions.K_x])
    assert seen == [2] * 5  # RIGHT_ONLY[2] == ["right", "A"]


# --- reset before step ----------------------------------------------------------------------------
def test_direct_env_refuses_step_before_reset(tmp_path):
    rom = tiny_nrom(tmp_path / "tiny.nes")
    env = NESEnv(rom)
    with pytest.raises(gym.error.ResetNeeded, match="before calling env.reset"):
        env.step(0)
    env.reset()
    env.step(0)
    blob = env.save_state()
    fresh = NESEnv(rom)
    fresh.load_state(blob)  # a loaded episode state may be stepped on
    assert fresh.step(0)[1:] == env.step(0)[1:]


def test_direct_smb_env_refuses_step_before_reset(smb_rom):
    env = SuperMarioBrosEnv(target=(1, 1))
    with pytest.raises(gym.error.ResetNeeded):
        env.step(0)


# --- reset options --------------------------------------------------------------------------------
def test_generic_env_unknown_reset_option(tmp_path):
    env = NESEnv(tiny_nrom(tmp_path / "tiny.nes"))
    env.reset()
    for _ in range(3):
        env.step(0)
    ram = env.ram.copy()
    with pytest.raises(ValueError, match=r"unknown reset option\(s\) 'stages'; this env knows "
                                         r"'battery_ram'"):
        env.reset(options={"stages": ["1-1"]})
    assert np.array_equal(env.ram, ram)  # refused before anything changed
    with pytest.raises(TypeError):
        env.reset(options=["battery_ram"])
    env.reset(options={})
    env.reset(options={"battery_ram": b""})


def test_smb_envs_unknown_reset_option(smb_rom):
    env = SuperMarioBrosEnv(target=(1, 1))
    with pytest.raises(ValueError, match="'stages'; this env knows 'battery_ram'"):
        env.reset(options={"stages": ["1-4"]})
    stages = SuperMarioBrosRandomStagesEnv(stages=["1-4"])
    with pytest.raises(ValueError, match="'stage'; this env knows 'battery_ram', 'stages'"):
        stages.reset(options={"stage": "1-4"})
    stages.reset(options={"stages": ["2-4"]})
    assert stages.game.target[:2] == (2, 4)


def test_vector_env_unknown_reset_option(tmp_path):
    vec = NESVectorEnv(2, tiny_nrom(tmp_path / "tiny.nes"))
    with pytest.raises(ValueError, match="'battery_ram'; this env knows 'reset_mask'"):
        vec.reset(options={"battery_ram": b""})
    vec.reset(options={"reset_mask": np.array([True, False])})
    vec.close()


def test_random_stages_vector_env_unknown_reset_option(smb_rom):
    vec = gym.make_vec("SuperMarioBrosRandomStages-v0", num_envs=2, stages=["1-4"])
    with pytest.raises(ValueError, match="'stagez'; this env knows 'reset_mask', 'stages'"):
        vec.reset(options={"stagez": ["1-1"]})
    vec.close()


# --- the v0 "out of date" warning -----------------------------------------------------------------
def test_no_out_of_date_warning_and_no_global_filter():
    assert not any(
        f[1] is not None and "SuperMarioBros" in f[1].pattern for f in warnings.filters
    ), "nesenv must not install a process-wide warnings filter"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for env_id in ("SuperMarioBros-v0", "SuperMarioBros-1-1-v0", "SuperMarioBros-4-2-v2",
                       "SuperMarioBrosRandomStages-v1", "SuperMarioBros2-1-1-v0"):
            try:  # the warning would come from the id lookup, before the ROM is needed
                gym.make(env_id).close()
            except RomNotFoundError:
                pass
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "out of date" in m], messages
    # the ids themselves are unchanged, and an unversioned name is not resolved to the v3 hack
    assert "SuperMarioBros-1-1-v0" in gym.registry
    with pytest.raises(gym.error.Error, match="Environment `SuperMarioBros-1-1` doesn't exist"):
        gym.make("SuperMarioBros-1-1")


def test_another_package_can_register_the_same_names():
    """gym-super-mario-bros 8.0 registers versioned ids of the same names; importing it after
    nesenv must not fail Gymnasium's versioned-beside-unversioned check."""
    spec = gym.spec("SuperMarioBros-1-1-v0")
    assert (spec.name, spec.version) == ("SuperMarioBros-1-1-v0", None)
    try:
        gym.register("SuperMarioBros-1-1-v9", entry_point="nesenv.smb:SuperMarioBrosEnv")
        assert gym.spec("SuperMarioBros-1-1-v9").version == 9
    finally:
        gym.registry.pop("SuperMarioBros-1-1-v9", None)
