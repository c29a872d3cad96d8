"""JoypadSpace: a Discrete action space over a list of button combinations."""
from typing import Any, Dict, List, Sequence, Tuple

import gymnasium as gym

from ..actions import BUTTONS, buttons_to_byte


class JoypadSpace(gym.ActionWrapper, gym.utils.RecordConstructorArgs):
    """Map ``Discrete(len(actions))`` onto controller bytes, like nes-py's ``JoypadSpace``.

    Action ``i`` presses the buttons of ``actions[i]`` (e.g. ``["right", "A"]``). ``reset``
    forwards ``seed`` and ``options`` to the wrapped env (nes-py's dropped them, nes-py PR #93).
    The wrapper records ``actions`` in ``env.spec`` (Gymnasium's ``RecordConstructorArgs``), so
    ``gym.make(env.spec)`` builds the same wrapped env.

    Args:
        env: an env whose action space is the controller byte (``Discrete(256)``).
        actions: list of button-name lists; names are those of
            :data:`nesenv.actions.BUTTONS` (``'NOOP'``, ``'right'``, ``'left'``, ``'down'``,
            ``'up'``, ``'start'``, ``'select'``, ``'B'``, ``'A'``).

    Raises:
        ValueError: ``actions`` is empty.
        KeyError: an unknown button name.
    """

    def __init__(self, env: gym.Env, actions: Sequence[Sequence[str]]):
        # a copy as plain lists: the spec must not follow later edits of the caller's list
        gym.utils.RecordConstructorArgs.__init__(self, actions=[list(b) for b in actions])
        gym.ActionWrapper.__init__(self, env)
        if len(actions) == 0:
            raise ValueError("actions must list at least one button combination")
        self.action_space = gym.spaces.Discrete(len(actions))
        self._action_map: Dict[int, int] = {}
        self._action_meanings: Dict[int, str] = {}
        for index, button_list in enumerate(actions):
            self._action_map[index] = buttons_to_byte(button_list)
            self._action_meanings[index] = " ".join(button_list)

    @classmethod
    def buttons(cls) -> List[str]:
        """Return the button names an action may use."""
        return list(BUTTONS)

    def action(self, action: Any) -> int:
        """Return the controller byte of discrete action ``action``.

        Raises:
            KeyError: ``action`` is not in ``range(len(actions))``.
        """
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
        actions press the same buttons, the keys give the first.
        """
        byte_to_keys = {
            byte: keys for keys, byte in self.env.unwrapped.get_keys_to_action().items()
        }
        mapping: Dict[Tuple[int, ...], int] = {}
        for action, byte in self._action_map.items():
            if byte in byte_to_keys:
                mapping.setdefault(byte_to_keys[byte], action)
        return mapping

    def get_action_meanings(self) -> List[str]:
        """Return the button names of each action, e.g. ``['NOOP', 'right', 'right A']``."""
        return [self._action_meanings[i] for i in sorted(self._action_meanings)]

    @property
    def action_map(self) -> Dict[int, int]:
        """``{discrete action: controller byte}`` (a copy)."""
        return dict(self._action_map)
