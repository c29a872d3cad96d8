"""JoypadSpace: a Discrete action space over a list of button combinations."""
from typing import Any, Dict, List, Sequence, Tuple

import gymnasium as gym
import numpy as np

from ..actions import BUTTONS, buttons_to_byte, keys_to_action

_BYTE = gym.spaces.Discrete(256)
_TWO_BYTES = gym.spaces.MultiDiscrete([256, 256])


class JoypadSpace(gym.ActionWrapper, gym.utils.RecordConstructorArgs):
    """Map ``Discrete(len(actions))`` onto controller bytes, like nes-py's ``JoypadSpace``.

    Action ``i`` presses the buttons of ``actions[i]`` (e.g. ``["right", "A"]``). ``reset``
    forwards ``seed`` and ``options`` to the wrapped env (nes-py's dropped them, nes-py PR #93).
    The wrapper records ``actions`` in ``env.spec`` (Gymnasium's ``RecordConstructorArgs``), so
    ``gym.make(env.spec)`` builds the same wrapped env.

    With an env of ``players=2`` (action ``MultiDiscrete([256, 256])``, one controller byte
    each) the wrapper's space is ``MultiDiscrete([n, n])``: a pair of indices into ``actions``,
    controller 1's then controller 2's.

    Args:
        env: an env whose action space is the controller byte (``Discrete(256)``, the full
            action set) or a pair of them (``players=2``).
        actions: list of button-name lists; names are those of
            :data:`nesenv.actions.BUTTONS` (``'NOOP'``, ``'right'``, ``'left'``, ``'down'``,
            ``'up'``, ``'start'``, ``'select'``, ``'B'``, ``'A'``).

    Raises:
        ValueError: ``actions`` is empty, or ``env``'s actions are not controller bytes (e.g.
            ``full_action_space=False``: that env's actions are its minimal set already).
        KeyError: an unknown button name.
    """

    def __init__(self, env: gym.Env, actions: Sequence[Sequence[str]]):
        # a copy as plain lists: the spec must not follow later edits of the caller's list
        gym.utils.RecordConstructorArgs.__init__(self, actions=[list(b) for b in actions])
        gym.ActionWrapper.__init__(self, env)
        if len(actions) == 0:
            raise ValueError("actions must list at least one button combination")
        if env.action_space == _BYTE:
            self.players = 1
            self.action_space = gym.spaces.Discrete(len(actions))
        elif env.action_space == _TWO_BYTES:
            self.players = 2
            self.action_space = gym.spaces.MultiDiscrete([len(actions)] * 2)
        else:
            raise ValueError(
                f"JoypadSpace needs an env whose actions are controller bytes (Discrete(256), or "
                f"MultiDiscrete([256, 256]) with players=2), got {env.action_space} (an env made "
                f"with full_action_space=False has its own action set: use it without JoypadSpace)")
        self._action_map: Dict[int, int] = {}
        self._action_meanings: Dict[int, str] = {}
        for index, button_list in enumerate(actions):
            self._action_map[index] = buttons_to_byte(button_list)
            self._action_meanings[index] = " ".join(button_list)

    @classmethod
    def buttons(cls) -> List[str]:
        """Return the button names an action may use."""
        return list(BUTTONS)

    def action(self, action: Any) -> Any:
        """Return the controller byte of discrete action ``action`` (with two players: the
        ``(2,)`` array of both bytes of a pair of indices).

        Raises:
            KeyError: ``action`` is not in ``range(len(actions))`` (with two players: not a
                pair of them).
        """
        if self.players == 2:
            a = np.asarray(action)
            if a.shape != (2,) or a.dtype.kind not in "iu":
                raise KeyError(f"invalid action {action!r}; with players=2 an action is a pair "
                               f"of ints in 0..{len(self._action_map) - 1}")
            return np.array([self._byte(a[0]), self._byte(a[1])])
        return self._byte(action)

    def _byte(self, action: Any) -> int:
        try:
            return self._action_map[int(action)]
        except (KeyError, TypeError, ValueError):
            raise KeyError(
                f"invalid action {action!r}; valid actions are 0..{len(self._action_map) - 1}"
            ) from None

    def get_keys_to_action(self) -> Dict[Tuple[int, ...], int]:
        """Return ``{sorted key tuple: discrete action}`` for ``gymnasium.utils.play``.

        Actions without buttons (``["NOOP"]``) have no key tuple: ``play()`` plays its ``noop``
        argument (default 0, ``NOOP`` in the upstream lists) when no key is pressed. When two
        actions press the same buttons, the keys give the first. The keyboard plays controller
        1; with two players the values are pairs, controller 2 doing action 0.
        """
        byte_to_keys = {byte: keys for keys, byte in keys_to_action().items()}
        mapping: Dict[Tuple[int, ...], Any] = {}
        for action, byte in self._action_map.items():
            if byte in byte_to_keys:
                mapping.setdefault(byte_to_keys[byte], action if self.players == 1 else (action, 0))
        return mapping

    def get_action_meanings(self) -> List[str]:
        """Return the button names of each action, e.g. ``['NOOP', 'right', 'right A']``."""
        return [self._action_meanings[i] for i in sorted(self._action_meanings)]

    @property
    def action_map(self) -> Dict[int, int]:
        """``{discrete action: controller byte}`` (a copy)."""
        return dict(self._action_map)
