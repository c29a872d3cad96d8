"""JoypadSpace, action lists and keyboard layout, on a fake byte-action env (no ROM)."""
import gymnasium as gym
import numpy as np
import pytest

import nesenv
from nesenv import actions
from nesenv.wrappers import JoypadSpace


class ByteEnv(gym.Env):
    """Records the controller bytes it receives and the reset arguments."""

    metadata = {"render_modes": []}
    observation_space = gym.spaces.Box(0, 255, (2,), np.uint8)
    action_space = gym.spaces.Discrete(256)

    def __init__(self):
        self.received = []
        self.reset_args = None

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.reset_args = (seed, options)
        return np.zeros(2, np.uint8), {}

    def step(self, action):
        self.received.append(action)
        return np.zeros(2, np.uint8), 0.0, False, False, {}

    def get_keys_to_action(self):
        return actions.keys_to_action()


def test_action_lists_match_upstream():
    assert nesenv.RIGHT_ONLY == [["NOOP"], ["right"], ["right", "A"], ["right", "B"],
                                 ["right", "A", "B"]]
    assert nesenv.SIMPLE_MOVEMENT == nesenv.RIGHT_ONLY + [["A"], ["left"]]
    assert nesenv.COMPLEX_MOVEMENT == nesenv.SIMPLE_MOVEMENT + [
        ["left", "A"], ["left", "B"], ["left", "A", "B"], ["down"], ["up"]]
    assert nesenv.actions.SIMPLE_MOVEMENT is nesenv.SIMPLE_MOVEMENT


@pytest.mark.parametrize(
    "action_list", [nesenv.RIGHT_ONLY, nesenv.SIMPLE_MOVEMENT, nesenv.COMPLEX_MOVEMENT]
)
def test_mapping_to_controller_bytes(action_list):
    env = JoypadSpace(ByteEnv(), action_list)
    assert env.action_space == gym.spaces.Discrete(len(action_list))
    for i in range(len(action_list)):
        env.step(i)
    expected = [
        sum(actions.BUTTONS[b] for b in combo) for combo in action_list
    ]
    assert env.unwrapped.received == expected


def test_specific_bytes():
    env = JoypadSpace(ByteEnv(), nesenv.COMPLEX_MOVEMENT)
    for i in (0, 1, 4, 9, 10, 11):
        env.step(i)
    assert env.unwrapped.received == [0x00, 0x80, 0x83, 0x43, 0x20, 0x10]


def test_meanings_and_buttons():
    env = JoypadSpace(ByteEnv(), nesenv.SIMPLE_MOVEMENT)
    assert env.get_action_meanings() == ["NOOP", "right", "right A", "right B", "right A B", "A",
                                         "left"]
    assert JoypadSpace.buttons() == ["right", "left", "down", "up", "start", "select", "B", "A",
                                     "NOOP"]


def test_reset_forwards_seed_and_options():  # nes-py PR #93
    env = JoypadSpace(ByteEnv(), nesenv.RIGHT_ONLY)
    env.reset(seed=123, options={"x": 1})
    assert env.unwrapped.reset_args == (123, {"x": 1})


def test_invalid_actions_and_buttons():
    env = JoypadSpace(ByteEnv(), nesenv.RIGHT_ONLY)
    with pytest.raises(KeyError):
        env.step(5)
    with pytest.raises(KeyError):
        JoypadSpace(ByteEnv(), [["jump"]])
    with pytest.raises(ValueError):
        JoypadSpace(ByteEnv(), [])


def test_keys_to_action_covers_all_255_pressed_bytes_with_primary_keys():
    mapping = actions.keys_to_action()
    assert len(mapping) == 255 and sorted(mapping.values()) == list(range(1, 256))
    assert () not in mapping  # gymnasium's play() refuses empty key tuples; no keys = noop 0
    assert mapping[(actions.K_RIGHT,)] == 0x80
    assert mapping[tuple(sorted((actions.K_RIGHT, actions.K_x)))] == 0x81
    assert mapping[(actions.K_RETURN,)] == 0x08


def test_wrapped_keys_to_action_maps_to_discrete_actions():
    env = JoypadSpace(ByteEnv(), nesenv.RIGHT_ONLY)
    mapping = env.get_keys_to_action()
    assert () not in mapping and sorted(mapping.values()) == [1, 2, 3, 4]
    assert mapping[(actions.K_RIGHT,)] == 1
    assert mapping[tuple(sorted((actions.K_RIGHT, actions.K_x, actions.K_z)))] == 4


def test_keys_to_byte_accepts_alternate_bindings():
    assert actions.keys_to_byte({actions.K_o, actions.K_p}) == 0x03  # O = B, P = A
    assert actions.keys_to_byte({actions.K_LSHIFT, actions.K_KP_ENTER}) == 0x0C
    assert actions.keys_to_byte(set()) == 0


def test_pygame_key_codes_match(monkeypatch):
    pygame = pytest.importorskip("pygame")
    assert (actions.K_RIGHT, actions.K_LEFT, actions.K_UP, actions.K_DOWN) == (
        pygame.K_RIGHT, pygame.K_LEFT, pygame.K_UP, pygame.K_DOWN)
    assert (actions.K_RETURN, actions.K_KP_ENTER, actions.K_SPACE, actions.K_LSHIFT,
            actions.K_RSHIFT) == (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE,
                                  pygame.K_LSHIFT, pygame.K_RSHIFT)
    assert (actions.K_z, actions.K_x, actions.K_o, actions.K_p, actions.K_ESCAPE) == (
        pygame.K_z, pygame.K_x, pygame.K_o, pygame.K_p, pygame.K_ESCAPE)


def test_byte_names_roundtrip():
    for byte in range(256):
        assert actions.buttons_to_byte(actions.byte_to_buttons(byte)) == byte


def test_button_names_fold_to_one_byte_with_each_callers_error():
    from games.start import button_byte, names_to_byte

    assert names_to_byte(["right", "A", "B"]) == 0x83
    assert names_to_byte(["NOOP"]) == names_to_byte([]) == 0
    assert actions.buttons_to_byte(["up", "start"]) == button_byte(("up", "start")) == 0x18
    with pytest.raises(KeyError) as bare:
        names_to_byte(["A", "jump"])
    assert bare.value.args == ("jump",)
    with pytest.raises(KeyError, match=r"unknown button 'jump'; valid buttons: \['right'"):
        actions.buttons_to_byte(["A", "jump"])
    with pytest.raises(ValueError, match=r"unknown button 'jump'; one of \['A', 'B'"):
        button_byte(("A", "jump"))
