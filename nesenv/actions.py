"""Controller buttons, the gym-super-mario-bros action lists and the keyboard layout.

An NES action is the controller byte: one bit per button (A=0x01, B=0x02, Select=0x04,
Start=0x08, Up=0x10, Down=0x20, Left=0x40, Right=0x80). :class:`nesenv.wrappers.JoypadSpace`
turns a list of button combinations such as :data:`SIMPLE_MOVEMENT` into a ``Discrete`` space.
"""
import itertools
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from games.start import BUTTONS as _BUTTONS, names_to_byte as _names_to_byte
from games.super_mario_bros import MINIMAL_ACTIONS as _SMB_MINIMAL

# button name -> controller bit, with the names nes-py's JoypadSpace uses (one home: the start
# scripts of games.start name buttons the same way)
BUTTONS: Dict[str, int] = _BUTTONS

# actions for running right only
RIGHT_ONLY: List[List[str]] = [
    ["NOOP"],
    ["right"],
    ["right", "A"],
    ["right", "B"],
    ["right", "A", "B"],
]

# actions for simple movement
SIMPLE_MOVEMENT: List[List[str]] = [
    ["NOOP"],
    ["right"],
    ["right", "A"],
    ["right", "B"],
    ["right", "A", "B"],
    ["A"],
    ["left"],
]

# actions for more complex movement (Super Mario Bros.' minimal action set, declared by its game
# module)
COMPLEX_MOVEMENT: List[List[str]] = [list(combo) for combo in _SMB_MINIMAL]

# SDL2 key codes, as pygame 2 reports them in ``event.key`` (pygame.K_RIGHT, ...)
K_RIGHT, K_LEFT, K_DOWN, K_UP = 0x4000004F, 0x40000050, 0x40000051, 0x40000052
K_RETURN, K_KP_ENTER, K_SPACE, K_ESCAPE = 13, 0x40000058, 32, 27
K_LSHIFT, K_RSHIFT = 0x400000E1, 0x400000E5
K_z, K_x, K_o, K_p = ord("z"), ord("x"), ord("o"), ord("p")

# button -> keys that press it; the first key is the one get_keys_to_action() uses
KEYBOARD: Dict[str, Tuple[int, ...]] = {
    "right": (K_RIGHT,),
    "left": (K_LEFT,),
    "down": (K_DOWN,),
    "up": (K_UP,),
    "start": (K_RETURN, K_KP_ENTER),
    "select": (K_SPACE, K_LSHIFT, K_RSHIFT),
    "B": (K_z, K_o),
    "A": (K_x, K_p),
}


def buttons_to_byte(buttons: Sequence[str]) -> int:
    """Return the controller byte for a list of button names.

    Raises:
        KeyError: an unknown button name (valid: the keys of :data:`BUTTONS`).
    """
    try:
        return _names_to_byte(buttons)
    except KeyError as e:
        raise KeyError(f"unknown button {e.args[0]!r}; valid buttons: {list(BUTTONS)}") from None


def byte_to_buttons(byte: int) -> List[str]:
    """Return the names of the buttons set in a controller byte (``["NOOP"]`` for 0)."""
    names = [name for name, bit in BUTTONS.items() if bit and byte & bit]
    return names or ["NOOP"]


def keys_to_byte(pressed: "set[int] | Sequence[int]") -> int:
    """Return the controller byte for a set of pressed keys (all bindings of :data:`KEYBOARD`)."""
    byte = 0
    for name, keys in KEYBOARD.items():
        if any(k in pressed for k in keys):
            byte |= BUTTONS[name]
    return byte


def keys_to_action() -> Dict[Tuple[int, ...], int]:
    """Return ``{sorted key tuple: controller byte}`` for the 255 button combinations but none.

    Uses the first key of each :data:`KEYBOARD` binding (arrows, X = A, Z = B, Enter = Start,
    Space = Select), in the format ``gymnasium.utils.play.play`` expects. No key pressed has
    no entry (nes-py's had ``(): 0``): ``play()`` refuses an empty key tuple and plays its
    ``noop`` argument (default 0, no button) instead.
    """
    names = [name for name in BUTTONS if name != "NOOP"]
    mapping: Dict[Tuple[int, ...], int] = {}
    for combo in itertools.product((False, True), repeat=len(names)):
        chosen = [n for n, on in zip(names, combo) if on]
        if not chosen:
            continue
        keys = tuple(sorted(KEYBOARD[n][0] for n in chosen))
        mapping[keys] = buttons_to_byte(chosen)
    return mapping


#: the values of ``players``: one controller, or both (the action gives each one)
PLAYERS = (1, 2)


def action_set(full_action_space: Any, minimal: Optional[Sequence[Sequence[str]]]
               ) -> Tuple[np.ndarray, List[str]]:
    """Return the controller bytes of an env's actions and their meanings.

    The full set (ALE's ``full_action_space=True``) is every controller byte, ``0..255``: the NES
    reads eight independent button bits, so each byte is a distinct input (opposite d-pad
    directions included, which a real pad cannot press but games read). The minimal set is the
    game's ``minimal_actions`` (:attr:`games.Game.minimal_actions`), or the full set when the game
    declares none.

    Returns:
        ``(table, meanings)``: ``table`` a ``uint8`` array ``(n,)`` (action ``i`` presses the
        buttons of ``table[i]``; ``n`` = 256 or the length of the minimal set), ``meanings`` the
        button names of each action (``"NOOP"``, ``"right A"``; a minimal set's in its order).

    Raises:
        TypeError: ``full_action_space`` is not a bool.
        KeyError: an unknown button name in ``minimal``.
    """
    if not isinstance(full_action_space, (bool, np.bool_)):
        raise TypeError(f"full_action_space must be a bool, got {full_action_space!r}")
    if full_action_space or not minimal:
        table = np.arange(256, dtype=np.uint8)
        return table, [" ".join(byte_to_buttons(b)) for b in range(256)]
    table = np.array([buttons_to_byte(combo) for combo in minimal], dtype=np.uint8)
    return table, [" ".join(combo) for combo in minimal]


def check_players(players: Any) -> int:
    """``players`` as an int, 1 or 2.

    Raises:
        ValueError: anything else (bools and floats too).
    """
    if isinstance(players, bool) or not isinstance(players, (int, np.integer)) or players not in PLAYERS:
        raise ValueError(f"players must be 1 or 2, got {players!r}")
    return int(players)

